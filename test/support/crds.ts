import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The team's CRDs, beside the project: ../shared/crds (read-only). */
export const CRD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../shared/crds");

export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  enum?: unknown[];
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  [key: string]: unknown;
};

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: Array<{ name: string; schema: { openAPIV3Schema: JsonSchema } }>;
  };
}

/** The openAPIV3Schema of a kind's v1alpha1 version, by kind name. */
export function loadCrdSchemas(): Map<string, { apiVersion: string; schema: JsonSchema }> {
  const out = new Map<string, { apiVersion: string; schema: JsonSchema }>();
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))) {
    const crd = parse(readFileSync(path.join(CRD_DIR, file), "utf8")) as Crd;
    const version = crd.spec.versions[0];
    if (!version) continue;
    out.set(crd.spec.names.kind, {
      apiVersion: `${crd.spec.group}/${version.name}`,
      schema: version.schema.openAPIV3Schema,
    });
  }
  return out;
}

/**
 * A copy of a CRD schema that rejects what the API server would prune: every object with declared
 * properties gets `additionalProperties: false`, unless it preserves unknown fields.
 */
export function strictCrdSchema(schema: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...schema };
  if (copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([k, v]) => [k, strictCrdSchema(v)]),
    );
    if (copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) {
      copy.additionalProperties = false;
    }
  }
  if (copy.items) copy.items = strictCrdSchema(copy.items);
  if (typeof copy.additionalProperties === "object") {
    copy.additionalProperties = strictCrdSchema(copy.additionalProperties);
  }
  return copy;
}
