import { type FieldIssue, formatPath } from "../../model/errors.ts";

/**
 * `metadata` as the API server judges it when an object is created (docs/validation.md#structure-as-the-api-server-judges-it). Two steps,
 * as in the apiserver:
 * 1. decoding: the JSON is read strictly (case-sensitive) into ObjectMeta, so a field ObjectMeta does not have
 *    (`metadata.x-custom`, `metadata.Name`, `metadata.ownerReferences[0].bad`) is an unknown field, and a value
 *    of the wrong type (`labels: 5`, `generation: "1"`, a creationTimestamp that is not RFC 3339) fails the
 *    whole object;
 * 2. validation (apimachinery's ValidateObjectMetaAccessor with the name rule of custom resources, DNS-1123
 *    subdomain): name or generateName, the name generated from generateName, namespace (DNS-1123 label),
 *    label keys and values, annotation keys and their total size, finalizers, ownerReferences.
 * What the server sets itself on create (uid, creationTimestamp, generation, managedFields, resourceVersion
 * under dry run) is only decoded, never judged. Pure.
 */

export interface MetaJudgement {
  issues: FieldIssue[];
  /** The metadata as the server keeps it: nulls and empty values dropped. */
  metadata: Record<string, unknown>;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Go's time.Parse(time.RFC3339, …), which metav1.Time uses. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const MAX_GENERATED_PREFIX = 58;
const BANNED_OWNERS: ReadonlySet<string> = new Set(["v1/Event"]);
const FINALIZER_ORPHAN = "orphan";
const FINALIZER_FOREGROUND = "foregroundDeletion";

/** UTF-8 length, which is what Go's len() counts. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function dns1123LabelErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(value)) {
    errors.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 253) errors.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errors.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

/** apimachinery's IsQualifiedName: `[prefix/]name`, prefix a DNS-1123 subdomain, name ≤ 63 characters. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split("/");
  let name: string;
  const errors: string[] = [];
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const [prefix = "", rest = ""] = parts;
    name = rest;
    if (prefix === "") errors.push("prefix part must be non-empty");
    else errors.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  } else {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name === "") errors.push("name part must be non-empty");
  else if (byteLength(name) > 63) errors.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME.test(name)) {
    errors.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > 63) errors.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(value)) {
    errors.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
    );
  }
  return errors;
}

/** How a name is judged: custom resources' DNS-1123 subdomain, or (embedded resources) a path segment. */
export type NameRule = "dns-subdomain" | "path-segment";

/** apimachinery's IsPathSegmentName / IsPathSegmentPrefix. */
function pathSegmentErrors(value: string, prefix: boolean): string[] {
  const errors: string[] = [];
  if (!prefix && (value === "." || value === "..")) errors.push(`may not be '${value}'`);
  for (const bad of ["/", "%"]) if (value.includes(bad)) errors.push(`may not contain '${bad}'`);
  return errors;
}

function nameErrors(value: string, prefix: boolean, rule: NameRule): string[] {
  return rule === "path-segment" ? pathSegmentErrors(value, prefix) : nameIsDnsSubdomain(value, prefix);
}

/** NameIsDNSSubdomain with `prefix`: a generateName may end in "-" (masked as apimachinery does). */
function nameIsDnsSubdomain(value: string, prefix: boolean): string[] {
  const masked = prefix && value.length > 1 && value.endsWith("-") ? `${value.slice(0, -2)}a` : value;
  return dns1123SubdomainErrors(masked);
}

export function isRfc3339(value: string): boolean {
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [, , month, day, hour, minute, second, , , offsetHour, offsetMinute] = match.map(Number);
  const inRange = (v: number | undefined, max: number, min = 0) => v !== undefined && v >= min && v <= max;
  return (
    inRange(month, 12, 1) &&
    inRange(day, 31, 1) &&
    inRange(hour, 23) &&
    inRange(minute, 59) &&
    inRange(second, 59) &&
    (match[9] === undefined || (inRange(offsetHour, 23) && inRange(offsetMinute, 59))) &&
    !Number.isNaN(Date.parse(value.slice(0, 10)))
  );
}

// --- decoding ----------------------------------------------------------------------------------------------

type Path = Array<string | number>;
type GoType = "string" | "int64" | "bool" | "time" | "raw" | "stringMap" | "stringList" | Struct | ListOf;
interface Struct {
  struct: Record<string, GoType>;
}
interface ListOf {
  list: Struct;
}

const OWNER_REFERENCE: Struct = {
  struct: {
    apiVersion: "string",
    kind: "string",
    name: "string",
    uid: "string",
    controller: "bool",
    blockOwnerDeletion: "bool",
  },
};
const MANAGED_FIELDS_ENTRY: Struct = {
  struct: {
    manager: "string",
    operation: "string",
    apiVersion: "string",
    time: "time",
    fieldsType: "string",
    fieldsV1: "raw",
    subresource: "string",
  },
};
/** metav1.ObjectMeta's JSON fields and their Go types. */
const OBJECT_META: Struct = {
  struct: {
    name: "string",
    generateName: "string",
    namespace: "string",
    selfLink: "string",
    uid: "string",
    resourceVersion: "string",
    generation: "int64",
    creationTimestamp: "time",
    deletionTimestamp: "time",
    deletionGracePeriodSeconds: "int64",
    labels: "stringMap",
    annotations: "stringMap",
    ownerReferences: { list: OWNER_REFERENCE },
    finalizers: "stringList",
    managedFields: { list: MANAGED_FIELDS_ENTRY },
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON number Go reads into an int64: integral and within int64. */
export function isInt64(value: unknown): boolean {
  if (typeof value === "bigint") return value >= -(2n ** 63n) && value < 2n ** 63n;
  return typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "bigint") return "number";
  return typeof value === "object" ? "object" : typeof value;
}

class Decoder {
  readonly issues: FieldIssue[] = [];

  private cannot(path: Path, value: unknown, goType: string): void {
    this.issues.push({
      path: formatPath(path),
      message: `cannot be decoded: a JSON ${jsonType(value)} is not a ${goType} (the API server refuses the object)`,
    });
  }

  /** Decodes `value` as `type`; returns what Go would keep (undefined for a zero value). */
  decode(value: unknown, type: GoType, path: Path): unknown {
    if (value === null) return undefined; // null into any Go type: the zero value, omitted
    if (type === "raw") return value;
    if (type === "string") {
      if (typeof value !== "string") this.cannot(path, value, "string");
      return value === "" ? undefined : value;
    }
    if (type === "bool") {
      if (typeof value !== "boolean") this.cannot(path, value, "boolean");
      return value;
    }
    if (type === "int64") {
      if (!isInt64(value)) this.cannot(path, value, "int64");
      return value;
    }
    if (type === "time") {
      if (typeof value !== "string") this.cannot(path, value, "time (an RFC 3339 string)");
      else if (!isRfc3339(value)) {
        this.issues.push({ path: formatPath(path), message: `"${value}" is not an RFC 3339 time` });
      }
      return value;
    }
    if (type === "stringMap") {
      if (!isRecord(value)) {
        this.cannot(path, value, "map of strings");
        return undefined;
      }
      const out: Record<string, string> = {};
      for (const [key, item] of Object.entries(value)) {
        if (item !== null && typeof item !== "string") this.cannot([...path, key], item, "string");
        else setKey(out, key, item ?? "");
      }
      return out;
    }
    if (type === "stringList") {
      if (!Array.isArray(value)) {
        this.cannot(path, value, "list of strings");
        return undefined;
      }
      return value.map((item, index) => {
        if (item !== null && typeof item !== "string") this.cannot([...path, index], item, "string");
        return item ?? "";
      });
    }
    if ("list" in type) {
      if (!Array.isArray(value)) {
        this.cannot(path, value, "list");
        return undefined;
      }
      return value.map((item, index) => this.decode(item, type.list, [...path, index]) ?? {});
    }
    return this.struct(value, type, path);
  }

  private struct(value: unknown, type: Struct, path: Path): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.cannot(path, value, "object");
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const fieldType = Object.hasOwn(type.struct, key) ? type.struct[key] : undefined;
      if (fieldType === undefined) {
        this.issues.push({ path: formatPath([...path, key]), message: `unknown field "${key}"` });
        continue;
      }
      const decoded = this.decode(item, fieldType, [...path, key]);
      if (decoded !== undefined) setKey(out, key, decoded);
    }
    return out;
  }
}

function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

// --- validation --------------------------------------------------------------------------------------------

function stringOf(meta: Record<string, unknown>, key: string): string {
  const value = meta[key];
  return typeof value === "string" ? value : "";
}

function issuesAt(path: Path, messages: string[], value?: string): FieldIssue[] {
  const shown = value === undefined ? "" : `"${value.length > 80 ? `${value.slice(0, 77)}...` : value}": `;
  return messages.map((message) => ({ path: formatPath(path), message: `${shown}${message}` }));
}

function nameIssues(meta: Record<string, unknown>, rule: NameRule): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const name = stringOf(meta, "name");
  const generateName = stringOf(meta, "generateName");
  if (generateName !== "") {
    issues.push(
      ...issuesAt(["metadata", "generateName"], nameErrors(generateName, true, rule), generateName),
    );
  }
  if (name !== "") {
    issues.push(...issuesAt(["metadata", "name"], nameErrors(name, false, rule), name));
  } else if (generateName !== "") {
    // The server appends 5 random alphanumerics to the first 58 characters, then validates the result.
    const generated = `${generateName.slice(0, MAX_GENERATED_PREFIX)}bcdfg`;
    const errors = nameErrors(generated, false, rule);
    issues.push(
      ...issuesAt(
        ["metadata", "name"],
        errors.map((e) => `the name generated from generateName: ${e}`),
      ),
    );
  } else {
    issues.push({ path: "metadata.name", message: "Required value: name or generateName is required" });
  }
  return issues;
}

function labelIssues(labels: unknown): FieldIssue[] {
  if (!isRecord(labels)) return [];
  return Object.entries(labels).flatMap(([key, value]) => [
    ...issuesAt(["metadata", "labels"], qualifiedNameErrors(key), key),
    ...(typeof value === "string"
      ? issuesAt(["metadata", "labels", key], labelValueErrors(value), value)
      : []),
  ]);
}

function annotationIssues(annotations: unknown): FieldIssue[] {
  if (!isRecord(annotations)) return [];
  const issues = Object.keys(annotations).flatMap((key) =>
    issuesAt(["metadata", "annotations"], qualifiedNameErrors(key.toLowerCase()), key),
  );
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    size += byteLength(key) + (typeof value === "string" ? byteLength(value) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    issues.push({
      path: "metadata.annotations",
      message: `Too long: annotations may hold at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes in total (keys and values), these hold ${size}`,
    });
  }
  return issues;
}

function finalizerIssues(finalizers: unknown): FieldIssue[] {
  if (!Array.isArray(finalizers)) return [];
  const names = finalizers.filter((f): f is string => typeof f === "string");
  const issues = names.flatMap((name) =>
    issuesAt(["metadata", "finalizers"], qualifiedNameErrors(name), name),
  );
  if (names.includes(FINALIZER_ORPHAN) && names.includes(FINALIZER_FOREGROUND)) {
    issues.push({
      path: "metadata.finalizers",
      message: `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`,
    });
  }
  return issues;
}

/** apimachinery's schema.ParseGroupVersion, and that a version follows. */
function apiVersionIsValid(apiVersion: string): boolean {
  const parts = apiVersion.split("/");
  if (parts.length === 1) return apiVersion !== "";
  return parts.length === 2 && parts[1] !== "";
}

function ownerReferenceIssues(references: unknown): FieldIssue[] {
  if (!Array.isArray(references)) return [];
  const issues: FieldIssue[] = [];
  let controller: string | undefined;
  references.forEach((reference, index) => {
    if (!isRecord(reference)) return;
    const at = (field: string) => formatPath(["metadata", "ownerReferences", index, field]);
    const apiVersion = stringOf(reference, "apiVersion");
    const kind = stringOf(reference, "kind");
    const name = stringOf(reference, "name");
    if (apiVersion === "")
      issues.push({ path: at("apiVersion"), message: "Required value: must not be empty" });
    else if (!apiVersionIsValid(apiVersion)) {
      issues.push({ path: at("apiVersion"), message: "must be <group>/<version> or <version>" });
    }
    for (const field of ["kind", "name", "uid"]) {
      if (stringOf(reference, field) === "") {
        issues.push({ path: at(field), message: "Required value: must not be empty" });
      }
    }
    if (BANNED_OWNERS.has(`${apiVersion}/${kind}`)) {
      issues.push({
        path: formatPath(["metadata", "ownerReferences", index]),
        message: `${kind} (${apiVersion}) is disallowed from being an owner`,
      });
    }
    if (reference.controller === true) {
      if (controller !== undefined) {
        issues.push({
          path: "metadata.ownerReferences",
          message: `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${kind}/${name}`,
        });
      } else {
        controller = `${kind}/${name}`;
      }
    }
  });
  return issues;
}

/**
 * Issues of an object's `metadata` (undefined when the object has none) on create, for a kind that is
 * `namespaced` or not, and the metadata the server keeps. Names follow `nameRule` (a custom resource's:
 * DNS-1123 subdomain).
 */
export function judgeObjectMeta(
  metadata: unknown,
  namespaced: boolean,
  nameRule: NameRule = "dns-subdomain",
): MetaJudgement {
  const decoder = new Decoder();
  const decoded =
    (metadata === undefined ? undefined : decoder.decode(metadata, OBJECT_META, ["metadata"])) ?? {};
  const meta = isRecord(decoded) ? decoded : {};
  if (decoder.issues.length > 0) {
    // The server stops at a decoding error; nothing else is judged.
    return { issues: decoder.issues, metadata: meta };
  }
  const namespace = stringOf(meta, "namespace");
  const namespaceIssues =
    namespaced && namespace !== ""
      ? issuesAt(["metadata", "namespace"], dns1123LabelErrors(namespace), namespace)
      : [];
  return {
    issues: [
      ...nameIssues(meta, nameRule),
      ...namespaceIssues,
      ...labelIssues(meta.labels),
      ...annotationIssues(meta.annotations),
      ...ownerReferenceIssues(meta.ownerReferences),
      ...finalizerIssues(meta.finalizers),
    ],
    metadata: meta,
  };
}
