import type { CrdVersionFacts, StructuralSchema } from "../../model/crd-schemas.ts";
import { type FieldIssue, formatPath } from "../../model/errors.ts";
import { isInt64, isRfc3339, judgeObjectMeta } from "./object-meta.ts";

/**
 * A custom resource judged as the kube-apiserver judges it on create, from its CRD's structural
 * `openAPIV3Schema` (docs/validation.md#structure-as-the-api-server-judges-it), in the server's order:
 * 1. metadata decoded and judged (object-meta.ts);
 * 2. pruning: a field the schema does not declare is an unknown field (what `fieldValidation=Strict`, i.e.
 *    `kubectl --validate=strict`, rejects), except below `x-kubernetes-preserve-unknown-fields`; `apiVersion`,
 *    `kind` and `metadata` of the resource and of `x-kubernetes-embedded-resource` objects are the server's;
 * 3. a `null` on a field that is not `nullable` is dropped, or replaced by the field's `default`;
 * 4. defaults are filled in where the field is missing;
 * 5. with a status subresource, `status` is dropped (a create cannot set it; its unknown fields still count);
 * 6. validation: `type` (an integer must fit int64; a JSON number Go cannot read as int64 is a float),
 *    `format` int32/int64/date-time/byte, `enum`, `required`, `nullable`, `x-kubernetes-int-or-string`, and the
 *    value limits (minimum/maximum, minLength/maxLength, pattern, minItems/maxItems, min/maxProperties).
 * Pure: the object is not changed; the judged copy (pruned, defaulted) comes back as `normalized`.
 */

/** The keywords this validator understands; a CRD using another one would be judged wrongly (tested). */
export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "format",
  "enum",
  "default",
  "nullable",
  "required",
  "properties",
  "items",
  "additionalProperties",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "description",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
]);

export interface StructureJudgement {
  issues: FieldIssue[];
  /** The object as the server would store it (pruned, nulls dropped, defaulted, status dropped). */
  normalized: Record<string, unknown>;
}

type Path = Array<string | number>;
type Json = unknown;

const META_FIELDS: ReadonlySet<string> = new Set(["apiVersion", "kind", "metadata"]);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function property(schema: StructuralSchema | undefined, key: string): StructuralSchema | undefined {
  const properties = schema?.properties;
  return properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined;
}

function additional(schema: StructuralSchema | undefined): StructuralSchema | undefined {
  const value = schema?.additionalProperties;
  if (value === undefined || value === false) return undefined;
  return value === true ? {} : value;
}

/** A deep copy of JSON data with own properties only (a `__proto__` key stays a key). */
export function copyJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(copyJson);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    // A key holding undefined (never read from YAML, only built in code) is no key.
    for (const [key, item] of Object.entries(value)) if (item !== undefined) setKey(out, key, copyJson(item));
    return out;
  }
  return value;
}

// --- 2. pruning --------------------------------------------------------------------------------------------

function prune(value: Json, schema: StructuralSchema | undefined, path: Path, unknown: string[]): void {
  if (schema?.["x-kubernetes-preserve-unknown-fields"]) {
    pruneBelowPreserved(value, schema, path, unknown);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      prune(item, schema?.items, [...path, index], unknown);
    });
    return;
  }
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    if (schema?.["x-kubernetes-embedded-resource"] && META_FIELDS.has(key)) continue;
    const child = property(schema, key) ?? additional(schema);
    if (schema !== undefined && child !== undefined) {
      prune(value[key], child, [...path, key], unknown);
    } else {
      unknown.push(formatPath([...path, key]));
      delete value[key];
    }
  }
}

/** Below preserve-unknown-fields: unknown fields are kept, declared ones are still pruned inside. */
function pruneBelowPreserved(value: Json, schema: StructuralSchema, path: Path, unknown: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items === undefined) return;
    value.forEach((item, index) => {
      if (schema.items) pruneBelowPreserved(item, schema.items, [...path, index], unknown);
    });
    return;
  }
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    if (schema["x-kubernetes-embedded-resource"] && META_FIELDS.has(key)) continue;
    const child = property(schema, key) ?? additional(schema);
    if (child !== undefined) prune(value[key], child, [...path, key], unknown);
  }
}

// --- 3 and 4. nulls and defaults ---------------------------------------------------------------------------

function childSchema(schema: StructuralSchema | undefined, key: string): StructuralSchema | undefined {
  return property(schema, key) ?? additional(schema);
}

function pruneNulls(value: Json, schema: StructuralSchema | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item, schema?.items);
    return;
  }
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    const child = childSchema(schema, key);
    if (value[key] === null && child !== undefined && !child.nullable && child.default === undefined) {
      delete value[key];
    } else {
      pruneNulls(value[key], child);
    }
  }
}

function applyDefaults(value: Json, schema: StructuralSchema | undefined): void {
  if (schema === undefined) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    value.forEach((item, index) => {
      if (item === null && items !== undefined && !items.nullable && items.default !== undefined) {
        value[index] = copyJson(items.default);
      }
      applyDefaults(value[index], items);
    });
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (child.default === undefined) continue;
    if (!Object.hasOwn(value, key) || (value[key] === null && !child.nullable)) {
      setKey(value, key, copyJson(child.default));
    }
  }
  for (const key of Object.keys(value)) {
    const declared = property(schema, key);
    if (declared !== undefined) {
      applyDefaults(value[key], declared);
      continue;
    }
    const values = additional(schema);
    if (values === undefined) continue;
    if (value[key] === null && !values.nullable && values.default !== undefined) {
      value[key] = copyJson(values.default);
    }
    applyDefaults(value[key], values);
  }
}

// --- 6. validation -----------------------------------------------------------------------------------------

/** The JSON type of a value as the API server sees it after decoding. */
function typeOf(value: Json): "null" | "boolean" | "integer" | "number" | "string" | "array" | "object" {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "bigint" || typeof value === "number") return isInt64(value) ? "integer" : "number";
  if (typeof value === "string" || typeof value === "boolean") return typeof value as "string" | "boolean";
  return "object";
}

function matchesType(actual: ReturnType<typeof typeOf>, type: string): boolean {
  return actual === type || (type === "number" && actual === "integer");
}

function show(value: Json): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function jsonEqual(a: Json, b: Json): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") {
    return (typeof a === "bigint" || typeof a === "number") &&
      (typeof b === "bigint" || typeof b === "number")
      ? String(a) === String(b)
      : false;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
    );
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return a === b;
}

class Validator {
  readonly issues: FieldIssue[] = [];

  private add(path: Path, message: string): void {
    this.issues.push({ path: formatPath(path), message });
  }

  validate(value: Json, schema: StructuralSchema, path: Path): void {
    const actual = typeOf(value);
    if (actual === "null") {
      if (schema.nullable) return;
      if (schema.type !== undefined) this.add(path, `Invalid value: null: must be of type ${schema.type}`);
      else if (schema["x-kubernetes-int-or-string"])
        this.add(path, "Invalid value: null: must be an integer or a string");
      return;
    }
    if (schema["x-kubernetes-int-or-string"] && actual !== "integer" && actual !== "string") {
      this.add(path, `Invalid value: ${show(value)}: must be an integer or a string`);
      return;
    }
    if (schema.type !== undefined && !matchesType(actual, schema.type)) {
      this.add(path, `Invalid value: ${show(value)}: must be of type ${schema.type} (not ${actual})`);
      return;
    }
    if (!this.formatIsValid(value, schema, path)) return;
    if (schema.enum !== undefined && !schema.enum.some((allowed) => jsonEqual(allowed, value))) {
      const allowed = schema.enum.map((v) => JSON.stringify(v)).join(", ");
      this.add(path, `Unsupported value: ${show(value)}: supported values: ${allowed}`);
    }
    this.limits(value, schema, path);
    if (Array.isArray(value)) {
      const items = schema.items;
      if (items !== undefined) {
        value.forEach((item, index) => {
          this.validate(item, items, [...path, index]);
        });
      }
    } else if (isRecord(value)) {
      this.object(value, schema, path);
    }
  }

  private object(value: Record<string, unknown>, schema: StructuralSchema, path: Path): void {
    if (schema["x-kubernetes-embedded-resource"]) this.embedded(value, path);
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(value, key)) this.add([...path, key], "Required value");
    }
    for (const [key, item] of Object.entries(value)) {
      if (schema["x-kubernetes-embedded-resource"] && META_FIELDS.has(key)) continue;
      const child = childSchema(schema, key);
      if (child !== undefined) this.validate(item, child, [...path, key]);
    }
  }

  /**
   * An embedded resource needs apiVersion (`[group/]version`) and kind (a DNS-1035 label in any case); its
   * metadata is judged as ObjectMeta, its name as a path segment and not required.
   */
  private embedded(value: Record<string, unknown>, path: Path): void {
    for (const key of ["apiVersion", "kind"]) {
      const field = value[key];
      if (!Object.hasOwn(value, key)) this.add([...path, key], "Required value");
      else if (typeof field !== "string")
        this.add([...path, key], `Invalid value: ${show(field)}: must be a string`);
      else if (field === "") this.add([...path, key], "Invalid value: must not be empty");
      else if (key === "apiVersion" && !/^([^/]+\/)?[^/]+$/.test(field)) {
        this.add([...path, key], `Invalid value: ${show(field)}: must be <group>/<version> or <version>`);
      } else if (key === "kind" && !DNS1035_LABEL.test(field.toLowerCase())) {
        this.add(
          [...path, key],
          `Invalid value: ${show(field)}: may have mixed case, but should otherwise match a DNS-1035 label`,
        );
      }
    }
    if (Object.hasOwn(value, "metadata")) {
      const metadata = isRecord(value.metadata) ? { ...value.metadata } : value.metadata;
      if (isRecord(metadata) && (typeof metadata.name !== "string" || metadata.name === ""))
        metadata.name = "fakename";
      const namespaced =
        isRecord(metadata) && typeof metadata.namespace === "string" && metadata.namespace !== "";
      for (const issue of judgeObjectMeta(metadata ?? {}, namespaced, "path-segment").issues) {
        this.issues.push({ path: `${formatPath(path)}.${issue.path}`, message: issue.message });
      }
    }
  }

  private formatIsValid(value: Json, schema: StructuralSchema, path: Path): boolean {
    const format = schema.format;
    if (format === undefined) return true;
    const actual = typeOf(value);
    let ok = true;
    if (format === "int32" && actual === "integer") {
      const n = Number(value);
      ok = n >= INT32_MIN && n <= INT32_MAX;
      if (!ok) this.add(path, `Invalid value: ${show(value)}: must be of type integer with format int32`);
    } else if (
      format === "int64" &&
      (actual === "integer" || actual === "number") &&
      schema.type === "integer"
    ) {
      ok = actual === "integer";
      if (!ok) this.add(path, `Invalid value: ${show(value)}: must be of type integer with format int64`);
    } else if (format === "date-time" && typeof value === "string") {
      // strfmt takes a lower-case t and z too, not a space.
      ok = isRfc3339(value.replace(/^(\d{4}-\d{2}-\d{2})t/, "$1T").replace(/z$/, "Z"));
      if (!ok) this.add(path, `Invalid value: ${show(value)}: must be of type string with format date-time`);
    } else if (format === "byte" && typeof value === "string") {
      ok = BASE64.test(value);
      if (!ok)
        this.add(path, `Invalid value: ${show(value)}: must be of type string with format byte (base64)`);
    }
    return ok;
  }

  private limits(value: Json, schema: StructuralSchema, path: Path): void {
    if (typeof value === "number" || typeof value === "bigint") {
      const n = Number(value);
      if (
        schema.minimum !== undefined &&
        (schema.exclusiveMinimum ? n <= schema.minimum : n < schema.minimum)
      ) {
        this.add(
          path,
          `Invalid value: ${show(value)}: should be greater than ${schema.exclusiveMinimum ? "" : "or equal to "}${schema.minimum}`,
        );
      }
      if (
        schema.maximum !== undefined &&
        (schema.exclusiveMaximum ? n >= schema.maximum : n > schema.maximum)
      ) {
        this.add(
          path,
          `Invalid value: ${show(value)}: should be less than ${schema.exclusiveMaximum ? "" : "or equal to "}${schema.maximum}`,
        );
      }
    }
    if (typeof value === "string") {
      const length = [...value].length;
      if (schema.minLength !== undefined && length < schema.minLength) {
        this.add(path, `Invalid value: ${show(value)}: should be at least ${schema.minLength} chars long`);
      }
      if (schema.maxLength !== undefined && length > schema.maxLength) {
        this.add(path, `Too long: may not be more than ${schema.maxLength} characters`);
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
        this.add(path, `Invalid value: ${show(value)}: should match '${schema.pattern}'`);
      }
    }
    if (Array.isArray(value)) {
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        this.add(path, `Invalid value: should have at least ${schema.minItems} items`);
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        this.add(path, `Too many: ${value.length}: must have at most ${schema.maxItems} items`);
      }
    }
    if (isRecord(value)) {
      const count = Object.keys(value).length;
      if (schema.minProperties !== undefined && count < schema.minProperties) {
        this.add(path, `Invalid value: should have at least ${schema.minProperties} properties`);
      }
      if (schema.maxProperties !== undefined && count > schema.maxProperties) {
        this.add(path, `Too many: ${count}: must have at most ${schema.maxProperties} properties`);
      }
    }
  }
}

/** Issues of `object` (a mapping, apiVersion and kind already matched to this CRD) on create. */
export type { CrdVersionFacts, StructuralSchema };

export function judgeStructure(object: Record<string, unknown>, crd: CrdVersionFacts): StructureJudgement {
  const copy = copyJson(object) as Record<string, unknown>;
  const meta = Object.hasOwn(copy, "metadata")
    ? judgeObjectMeta(copy.metadata, crd.namespaced)
    : judgeObjectMeta(undefined, crd.namespaced);
  const rootSchema: StructuralSchema = { ...crd.schema, "x-kubernetes-embedded-resource": true };
  const unknown: string[] = [];
  prune(copy, rootSchema, [], unknown);
  pruneNulls(copy, rootSchema);
  applyDefaults(copy, rootSchema);
  if (crd.statusSubresource) delete copy.status;
  if (Object.hasOwn(copy, "metadata")) copy.metadata = meta.metadata;
  // apiVersion and kind were matched to this CRD already, metadata was judged above.
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(copy)) if (!META_FIELDS.has(key)) setKey(body, key, value);
  const validator = new Validator();
  validator.validate(body, crd.schema, []);
  const unknownIssues = unknown.sort().map((path) => ({ path, message: `unknown field "${path}"` }));
  return { issues: [...meta.issues, ...unknownIssues, ...validator.issues], normalized: copy };
}

/** Keywords of `schema` (anywhere below) that SUPPORTED_KEYWORDS does not hold, with their paths. */
export function unsupportedKeywords(schema: StructuralSchema, at = ""): string[] {
  const found: string[] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (!SUPPORTED_KEYWORDS.has(keyword)) found.push(`${at || "<root>"}: ${keyword}`);
    if (keyword === "properties" && isRecord(value)) {
      for (const [name, child] of Object.entries(value)) {
        found.push(...unsupportedKeywords(child as StructuralSchema, `${at}.${name}`));
      }
    } else if ((keyword === "items" || keyword === "additionalProperties") && isRecord(value)) {
      found.push(
        ...unsupportedKeywords(value as StructuralSchema, `${at}${keyword === "items" ? "[]" : "{}"}`),
      );
    }
  }
  return found;
}
