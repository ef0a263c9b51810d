import { CRD_SCHEMAS, type CrdSchemaEntry } from "../../model/crd-schemas.ts";
import { type FieldIssue, issuesFromZod } from "../../model/errors.ts";
import { resourceKindOf } from "../../model/index.ts";
import { indexObjectsInFile, isRecord, type ObjectsInFile, stringField } from "./manifest-references.ts";
import { semanticIssues } from "./manifest-rules.ts";
import { judgeStructure } from "./structural-schema.ts";

/**
 * What `kss validate` says about each object of a manifest file, before anything reaches a cluster
 * (docs/validation.md). Two kinds of problem, each with its field path:
 * - `schema`: what the API server itself rejects on create with `fieldValidation=Strict` (what
 *   `kubectl apply --validate=strict` does): the CRD's structural schema from infra/crds/ (unknown fields,
 *   types, formats, enums, required fields, after the server's null pruning and defaulting) and the metadata
 *   rules (structural-schema.ts, object-meta.ts);
 * - `semantic`: what the server accepts but KubeStash would not run: the model's rules that are not in the
 *   CRD (durations, retention periods, KubeStash's required fields and enums), cron grammar, unique session
 *   names, references within the file (manifest-rules.ts). Judged on the object as the server would store it.
 * Pure: the objects (and the CRDs to judge them by) in, one report per object out.
 */

export type IssueKind = "schema" | "semantic";

export interface ManifestIssue extends FieldIssue {
  kind: IssueKind;
}

export interface ManifestReport {
  /** Position of the object in the list given (0-based). */
  index: number;
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  valid: boolean;
  /**
   * False for an object of a kind outside KubeStash's API groups (a Namespace, a Secret): kss has no schema
   * for it and judges nothing; the API server does. Such an object never makes the file invalid.
   */
  checked: boolean;
  errors: ManifestIssue[];
}

/** How a semantic issue's message starts, so it is never mistaken for the API server's verdict. */
export const SEMANTIC_PREFIX = "the API server would accept this; KubeStash would not run it, because ";

function schemaIssue(issue: FieldIssue): ManifestIssue {
  return { ...issue, kind: "schema" };
}

/** zod's word for a field the model requires and the object lacks. */
const MISSING = /^Invalid input: expected (\w+), received undefined$/;

function semanticIssue(issue: FieldIssue): ManifestIssue {
  const missing = MISSING.exec(issue.message);
  const message = /^(must|should|is|has|references)\b/.test(issue.message)
    ? `it ${issue.message}`
    : issue.message;
  const reason = missing ? `it requires this field (${missing[1]})` : message;
  return { path: issue.path, message: `${SEMANTIC_PREFIX}${reason}`, kind: "semantic" };
}

function unknownKindIssue(
  apiVersion: string | undefined,
  kind: string | undefined,
  crds: readonly CrdSchemaEntry[],
): ManifestIssue {
  if (kind === undefined) return schemaIssue({ path: "kind", message: "kind is required" });
  const known = crds.map((c) => c.kind).join(", ");
  const sameName = crds.find((c) => c.kind === kind);
  const version = apiVersion === undefined ? "no apiVersion" : `apiVersion "${apiVersion}"`;
  if (sameName !== undefined) {
    const message = `no kind "${kind}" in ${version} (use apiVersion ${sameName.apiVersion})`;
    return schemaIssue({ path: "kind", message });
  }
  return schemaIssue({ path: "kind", message: `no kind "${kind}" in ${version}; kss validates ${known}` });
}

/** True when one path is the other or lies below it (`spec.a` and `spec.a[0].b`). */
function overlaps(a: string, b: string): boolean {
  const below = (x: string, y: string) =>
    y === "" || x === y || x.startsWith(`${y}.`) || x.startsWith(`${y}[`);
  return below(a, b) || below(b, a);
}

/**
 * The object as the model reads it: int64 values beyond what a JS number holds exactly stand at the nearest
 * safe integer (the server keeps them exactly; the model only needs their size).
 */
function modelInput(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  }
  if (Array.isArray(value)) return value.map(modelInput);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: modelInput(item), enumerable: true, writable: true });
    }
    return out;
  }
  return value;
}

/** The API server's limit on a request body (kube-apiserver's MaxRequestBodyBytes). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/**
 * Bytes of the object as kubectl sends it: compact JSON, UTF-8, with Go's escapes of `<`, `>`, `&`, U+2028
 * and U+2029 (each 6 bytes).
 */
export function requestBytes(object: unknown): number {
  const json = JSON.stringify(object, (_key, value) => (typeof value === "bigint" ? Number(value) : value));
  let escapes = 0;
  for (const match of json.matchAll(/[<>&]|[\u2028\u2029]/g))
    escapes += match[0] === "<" || match[0] === ">" || match[0] === "&" ? 5 : 3;
  return Buffer.byteLength(json, "utf8") + escapes;
}

function objectIssues(
  object: Record<string, unknown>,
  crd: CrdSchemaEntry,
  file: ObjectsInFile,
): ManifestIssue[] {
  const bytes = requestBytes(object);
  if (bytes > MAX_REQUEST_BYTES) {
    const message = `Request entity too large: the object is ${bytes} bytes of JSON; the API server takes at most ${MAX_REQUEST_BYTES}`;
    return [schemaIssue({ path: "", message })];
  }
  const structure = judgeStructure(object, crd);
  const schemaIssues = structure.issues.map(schemaIssue);
  const resource = resourceKindOf(crd.apiVersion, crd.kind);
  if (resource === undefined) return schemaIssues;
  const stored = modelInput(structure.normalized) as Record<string, unknown>;
  // No spec reads as an empty one, in KubeStash's Go types as on the server (`spec` is optional in the CRD).
  if (!Object.hasOwn(stored, "spec")) stored.spec = {};
  const parsed = resource.schema.safeParse(stored);
  const modelIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const rules = semanticIssues(resource.kind, stored, file);
  // metadata is the API server's to judge; where it found a problem, the model's view of it adds nothing.
  const semantic = [...modelIssues, ...rules].filter(
    (issue) => !overlaps(issue.path, "metadata") && !schemaIssues.some((s) => overlaps(issue.path, s.path)),
  );
  return [...schemaIssues, ...dedupe(semantic).map(semanticIssue)];
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function validateManifest(
  object: unknown,
  index: number,
  file: ObjectsInFile,
  crds: readonly CrdSchemaEntry[],
): ManifestReport {
  if (!isRecord(object)) {
    const message = "expected a Kubernetes object (a mapping with apiVersion, kind and metadata)";
    return { index, valid: false, checked: true, errors: [schemaIssue({ path: "", message })] };
  }
  const apiVersion = stringField(object, "apiVersion");
  const kind = stringField(object, "kind");
  const namespace = stringField(object.metadata, "namespace");
  const name = stringField(object.metadata, "name");
  const head = {
    index,
    ...(apiVersion !== undefined && { apiVersion }),
    ...(kind !== undefined && { kind }),
    ...(namespace !== undefined && { namespace }),
    ...(name !== undefined && { name }),
  };
  const crd = crds.find((c) => c.apiVersion === apiVersion && c.kind === kind);
  const ourKindName = crds.some((c) => c.kind === kind);
  if (crd === undefined && kind !== undefined && !ourKindName && !inKubeStashGroup(apiVersion, crds))
    return { ...head, valid: true, checked: false, errors: [] };
  const errors =
    crd === undefined ? [unknownKindIssue(apiVersion, kind, crds)] : objectIssues(object, crd, file);
  return { ...head, valid: errors.length === 0, checked: true, errors };
}

/**
 * The apiVersion names one of the API groups of the CRDs kss judges by (core.kubestash.com, …): a kind kss
 * does not know there is one the API server rejects too. Outside them (v1, apps/v1, another vendor's group)
 * kss cannot tell, so it does not judge — unless the kind is one of KubeStash's under a wrong apiVersion.
 */
function inKubeStashGroup(apiVersion: string | undefined, crds: readonly CrdSchemaEntry[]): boolean {
  if (apiVersion === undefined) return true;
  const group = (version: string) => (version.includes("/") ? version.slice(0, version.indexOf("/")) : "");
  const ours = new Set(crds.map((c) => group(c.apiVersion)));
  return ours.has(group(apiVersion));
}

/**
 * One report per object, in order. References are checked against the other objects of the same list.
 * `crds` defaults to the project's CRDs (infra/crds/).
 */
export function validateManifests(
  objects: readonly unknown[],
  crds: readonly CrdSchemaEntry[] = CRD_SCHEMAS,
): ManifestReport[] {
  const file = indexObjectsInFile(objects);
  return objects.map((object, index) => validateManifest(object, index, file, crds));
}
