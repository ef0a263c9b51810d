import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The project's own CRDs, generated from the model by `npm run crds`. */
export const OUR_CRD_DIR = path.join(projectRoot, "infra", "crds");

/**
 * KubeStash's published CRDs: `KUBESTASH_CRDS_DIR`, else the team's folder beside the project
 * (`../shared/crds`), which exists on the team's machines and in CI but not in a user's clone.
 */
export const KUBESTASH_CRD_DIR =
  process.env.KUBESTASH_CRDS_DIR ?? path.resolve(projectRoot, "../shared/crds");

/** Why the KubeStash conformance tests cannot run here, or undefined when they can. */
export function kubestashCrdsMissing(): string | undefined {
  if (existsSync(KUBESTASH_CRD_DIR) && readdirSync(KUBESTASH_CRD_DIR).some((f) => f.endsWith(".yaml"))) {
    return undefined;
  }
  return `KubeStash's CRDs are not at ${KUBESTASH_CRD_DIR} (set KUBESTASH_CRDS_DIR to a copy of kubestash/apimachinery's crds/ to run it)`;
}

export type JsonSchema = {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  [key: string]: unknown;
};

export interface CrdDocument {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: {
      kind: string;
      plural: string;
      singular?: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: Record<string, unknown>;
      additionalPrinterColumns?: unknown[];
      schema: { openAPIV3Schema: JsonSchema };
    }>;
  };
}

/** Every CRD in a folder's *.yaml files, by kind. */
export function loadCrds(dir: string): Map<string, CrdDocument> {
  const out = new Map<string, CrdDocument>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    const crd = parse(readFileSync(path.join(dir, file), "utf8")) as CrdDocument;
    out.set(crd.spec.names.kind, crd);
  }
  return out;
}

/** The openAPIV3Schema of each kind's first version, with its apiVersion. */
export function loadCrdSchemas(dir: string): Map<string, { apiVersion: string; schema: JsonSchema }> {
  const out = new Map<string, { apiVersion: string; schema: JsonSchema }>();
  for (const [kind, crd] of loadCrds(dir)) {
    const version = crd.spec.versions[0];
    if (!version) continue;
    out.set(kind, {
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

/** One way two CRD schemas differ at a path. */
export interface SchemaDifference {
  path: string;
  what: string;
}

const preserves = (s: JsonSchema) => s["x-kubernetes-preserve-unknown-fields"] === true;
const typeOf = (s: JsonSchema) => s.type ?? (s["x-kubernetes-int-or-string"] ? "int-or-string" : undefined);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * How `ours` differs from `theirs`, walking both side by side (docs/crds.md#conformance-with-kubestashs-crds):
 * a field only one declares, a different type, format, enum, default or required list. Where ours keeps a
 * subtree open (preserve-unknown-fields, so the API server keeps whatever is written) nothing below is compared;
 * where theirs does, nothing below is either.
 */
export function schemaDifferences(ours: JsonSchema, theirs: JsonSchema, at = ""): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const diff = (what: string) => out.push({ path: at || "<root>", what });
  if (preserves(ours) && !ours.properties) {
    if (!preserves(theirs) && !theirs.properties && !theirs.items && typeOf(theirs) !== "object") {
      diff(`kept open by ours, but theirs is a ${typeOf(theirs)}`);
    }
    return out;
  }
  if (preserves(theirs) && !theirs.properties) return out;
  if (typeOf(ours) !== typeOf(theirs)) diff(`type: ours ${typeOf(ours)}, theirs ${typeOf(theirs)}`);
  if (!same(ours.format, theirs.format)) diff(`format: ours ${ours.format}, theirs ${theirs.format}`);
  if (!same(ours.enum, theirs.enum))
    diff(`enum: ours ${JSON.stringify(ours.enum)}, theirs ${JSON.stringify(theirs.enum)}`);
  if (!same(ours.default, theirs.default)) {
    diff(`default: ours ${JSON.stringify(ours.default)}, theirs ${JSON.stringify(theirs.default)}`);
  }
  if (!same([...(ours.required ?? [])].sort(), [...(theirs.required ?? [])].sort())) {
    diff(
      `required: ours ${JSON.stringify(ours.required ?? [])}, theirs ${JSON.stringify(theirs.required ?? [])}`,
    );
  }
  const keys = new Set([...Object.keys(ours.properties ?? {}), ...Object.keys(theirs.properties ?? {})]);
  for (const key of keys) {
    const o = ours.properties?.[key];
    const t = theirs.properties?.[key];
    if (!t)
      out.push({ path: `${at}.${key}`, what: "declared by ours only: KubeStash's API server prunes it" });
    else if (!o) out.push({ path: `${at}.${key}`, what: "declared by theirs only: our CRD prunes it" });
    else out.push(...schemaDifferences(o, t, `${at}.${key}`));
  }
  if (ours.items && theirs.items) out.push(...schemaDifferences(ours.items, theirs.items, `${at}[]`));
  const oMap = typeof ours.additionalProperties === "object" ? ours.additionalProperties : undefined;
  const tMap = typeof theirs.additionalProperties === "object" ? theirs.additionalProperties : undefined;
  if (oMap && tMap) out.push(...schemaDifferences(oMap, tMap, `${at}{}`));
  else if (oMap || tMap) diff(`map values: declared by ${oMap ? "ours" : "theirs"} only`);
  return out;
}
