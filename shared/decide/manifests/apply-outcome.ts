import { isDeepStrictEqual } from "node:util";

/**
 * What a server-side apply did (or, in a dry run, would do) to one object, decided from the object before
 * (the live one, or none) and after (what the API server answered). Pure: `kss apply` reads, applies and
 * passes both objects here.
 *
 * - created: there was no object.
 * - unchanged / changed: the apply went through; the fields people set (everything but status and the
 *   server's bookkeeping in metadata) are the same / differ, listed as changes.
 * - drifted: the apply was refused with a field-manager conflict although we applied this object before:
 *   another manager (a hand edit, another tool) has since changed fields the file sets. `after` is then the
 *   forced dry run, so the changes read "live → file".
 * - conflict: refused with a field-manager conflict on an object we never applied (someone else manages it).
 */

export type ApplyResult = "created" | "changed" | "unchanged" | "drifted" | "conflict";

/** One field that differs; `before`/`after` absent when the field is not set on that side. */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ApplyOutcome {
  result: ApplyResult;
  /** Field by field, for changed, drifted and conflict. */
  changes: FieldChange[];
  /** Other field managers that own a changed field in the live object (drifted, conflict). */
  managers: string[];
}

export interface ApplyObservation {
  /** The live object before the apply; undefined when there was none. */
  before: unknown;
  /** The server's answer to the apply, or to the forced dry run when the apply conflicted. */
  after: unknown;
  /** The apply was refused with 409 Conflict (another field manager owns a field it sets). */
  conflicted: boolean;
  /** Our field manager, e.g. `kubestash-serverless`. */
  fieldManager: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The fields people set: metadata labels and annotations, and every top-level field but status. */
export function comparable(object: unknown): Json {
  if (!isObject(object)) return {};
  const { metadata, status: _status, ...rest } = object;
  const meta = isObject(metadata) ? metadata : {};
  const kept: Json = {};
  if (isObject(meta.labels) && Object.keys(meta.labels).length > 0) kept.labels = meta.labels;
  if (isObject(meta.annotations) && Object.keys(meta.annotations).length > 0)
    kept.annotations = meta.annotations;
  return Object.keys(kept).length > 0 ? { metadata: kept, ...rest } : rest;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

function diffAt(path: string, before: unknown, after: unknown, out: FieldChange[]): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) diffAt(childPath(path, key), before[key], after[key], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((item, index) => {
      diffAt(childPath(path, index), item, after[index], out);
    });
    return;
  }
  out.push({
    path,
    ...(before === undefined ? {} : { before }),
    ...(after === undefined ? {} : { after }),
  });
}

/** Leaf by leaf differences of the fields people set (see {@link comparable}), sorted by path. */
export function diffObjects(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  diffAt("", comparable(before), comparable(after), out);
  return out;
}

interface ManagedFieldsEntry {
  manager: string;
  operation?: string;
  fieldsV1?: unknown;
}

function managedFieldsOf(object: unknown): ManagedFieldsEntry[] {
  const metadata = isObject(object) ? object.metadata : undefined;
  const entries = isObject(metadata) ? metadata.managedFields : undefined;
  if (!Array.isArray(entries)) return [];
  return entries.filter(
    (e): e is ManagedFieldsEntry => isObject(e) && typeof e.manager === "string" && e.manager !== "",
  );
}

/** Path segments of a change's path as written by {@link diffObjects} (`spec.a[0]["x.y"]`). */
function segments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (match[1] !== undefined) out.push(match[1]);
    else if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[3] !== undefined) out.push(String(JSON.parse(match[3])));
  }
  return out;
}

/** True when the managedFields set (FieldsV1) holds the field, or the list it sits in. */
function ownsPath(fieldsV1: unknown, path: ReadonlyArray<string | number>): boolean {
  let node = fieldsV1;
  for (const segment of path) {
    if (typeof segment === "number") return true;
    if (!isObject(node) || !(`f:${segment}` in node)) return false;
    node = node[`f:${segment}`];
  }
  return true;
}

/** The managers of `object` (its metadata.managedFields) that own the field at `path`, sorted. */
export function fieldOwners(object: unknown, path: string): string[] {
  const parts = segments(path);
  const owners = managedFieldsOf(object)
    .filter((entry) => ownsPath(entry.fieldsV1, parts))
    .map((entry) => entry.manager);
  return [...new Set(owners)].sort();
}

/** True when `fieldManager` has applied (server-side apply) to this object before. */
export function appliedBy(object: unknown, fieldManager: string): boolean {
  return managedFieldsOf(object).some((e) => e.manager === fieldManager && e.operation === "Apply");
}

export function classifyApply(observation: ApplyObservation): ApplyOutcome {
  const { before, after, conflicted, fieldManager } = observation;
  if (before === undefined && !conflicted) return { result: "created", changes: [], managers: [] };
  const changes = diffObjects(before, after);
  if (!conflicted) {
    return { result: changes.length === 0 ? "unchanged" : "changed", changes, managers: [] };
  }
  const others = changes.flatMap((change) => fieldOwners(before, change.path));
  const managers = [...new Set(others)].filter((m) => m !== fieldManager).sort();
  const result = appliedBy(before, fieldManager) ? "drifted" : "conflict";
  return { result, changes, managers };
}
