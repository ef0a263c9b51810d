import { z } from "zod";
import { RULE_ONLY, type RuleOnly } from "./common.ts";

/**
 * The structural OpenAPI v3 schema the API server needs for a custom resource, derived from its zod model
 * the way controller-gen derives a CRD from Go types (docs/crds.md#how-the-schema-is-derived):
 * - every object the model declares field by field becomes `type: object` with those `properties` only, so
 *   the API server prunes what the model does not know, exactly as KubeStash's own CRDs do;
 * - a subtree the model deliberately keeps open (`OpenObject`: pod templates, volumes, runtime settings, a
 *   storage provider's block) becomes `x-kubernetes-preserve-unknown-fields: true`, kept whole;
 * - integers carry `format: int32` / `int64` by their range, times `format: date-time`, enums stay enums;
 * - `.default()` becomes the CRD's `default` (the API server fills it in, as with KubeStash's CRDs), and a
 *   field the model requires is `required`;
 * - a check the model marks `ruleOnly` (an enum or a required field that is KubeStash's rule but not in its
 *   CRD) stays out of the schema, so the stand-in CRD rejects nothing that KubeStash's accepts.
 */
export type StructuralSchema = {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  enum?: unknown[];
  default?: unknown;
  required?: string[];
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema;
  "x-kubernetes-preserve-unknown-fields"?: true;
};

type JsonNode = {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  default?: unknown;
  required?: string[];
  [RULE_ONLY]?: RuleOnly[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonNode>;
  items?: JsonNode;
  additionalProperties?: JsonNode | boolean;
  propertyNames?: JsonNode;
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  allOf?: JsonNode[];
};

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const PRESERVE = { "x-kubernetes-preserve-unknown-fields": true } as const;

/** The openAPIV3Schema of a resource whose zod schema is given (apiVersion, kind, metadata, spec, status). */
export function structuralSchemaOf(schema: z.ZodType): StructuralSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonNode;
  const root = convert(json, "");
  // metadata is the API server's own: a CRD may only say it is an object. apiVersion, kind and metadata are
  // the API server's to require, and KubeStash's CRDs leave spec optional.
  if (root.properties?.metadata) root.properties.metadata = { type: "object" };
  delete root.required;
  return root;
}

function convert(node: JsonNode, at: string): StructuralSchema {
  const schema = convertType(node, at);
  if (node.default !== undefined && !node[RULE_ONLY]?.includes("default")) schema.default = node.default;
  if (node[RULE_ONLY]?.includes("enum")) delete schema.enum;
  return schema;
}

function convertType(node: JsonNode, at: string): StructuralSchema {
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) return convertUnion(alternatives, at);
  // zod writes a nullable or a union of primitives as a list of types.
  if (Array.isArray(node.type)) {
    return convertUnion(
      node.type.map((type) => ({ ...node, type })),
      at,
    );
  }
  if (node.allOf?.length === 1 && node.allOf[0]) return convert(node.allOf[0], at);
  switch (node.type) {
    case undefined:
      // z.unknown(): anything at all, kept as written.
      return { ...PRESERVE };
    case "object":
      return convertObject(node, at);
    case "array":
      return { type: "array", items: node.items ? convert(node.items, `${at}[]`) : { ...PRESERVE } };
    case "integer":
      return { type: "integer", format: isInt32(node) ? "int32" : "int64" };
    case "string":
      return withEnum(
        { type: "string", ...(node.format === "date-time" ? { format: "date-time" } : {}) },
        node,
      );
    case "number":
    case "boolean":
      return withEnum({ type: node.type }, node);
    default:
      throw new Error(`${at || "<root>"}: no structural schema for JSON Schema type ${String(node.type)}`);
  }
}

function convertObject(node: JsonNode, at: string): StructuralSchema {
  if (node.properties && Object.keys(node.properties).length > 0) {
    const properties: Record<string, StructuralSchema> = {};
    for (const [key, child] of Object.entries(node.properties))
      properties[key] = convert(child, `${at}.${key}`);
    const required = (node.required ?? []).filter((key) => {
      const child = node.properties?.[key];
      return child !== undefined && !child[RULE_ONLY]?.includes("required");
    });
    return { type: "object", ...(required.length > 0 ? { required } : {}), properties };
  }
  const values = node.additionalProperties;
  // z.record(z.string(), X) with a known X is a map; with z.unknown() values it is an open subtree.
  if (typeof values === "object" && values.type !== undefined) {
    return { type: "object", additionalProperties: convert(values, `${at}{}`) };
  }
  return { type: "object", ...PRESERVE };
}

/** `x.optional()` and `x.nullable()` are the only unions the model uses; anything else is a model error. */
function convertUnion(alternatives: JsonNode[], at: string): StructuralSchema {
  const real = alternatives.filter((a) => a.type !== "null");
  if (real.length === 1 && real[0]) return convert(real[0], at);
  throw new Error(`${at || "<root>"}: unions cannot be expressed in a structural schema`);
}

function isInt32(node: JsonNode): boolean {
  return (node.minimum ?? Number.NEGATIVE_INFINITY) >= INT32_MIN && (node.maximum ?? Infinity) <= INT32_MAX;
}

/** Enums stay enums; a literal (`apiVersion`, `kind`) is a plain string: the API server checks those itself. */
function withEnum(schema: StructuralSchema, node: JsonNode): StructuralSchema {
  return node.enum ? { ...schema, enum: [...node.enum] } : schema;
}
