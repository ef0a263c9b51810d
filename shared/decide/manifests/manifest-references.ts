import type { FieldIssue } from "../../model/errors.ts";
import { resourceKindOf } from "../../model/index.ts";

/**
 * References between objects of one manifest file (a BackupConfiguration naming its RetentionPolicy, …).
 * Only what the file itself could satisfy is checked: when the file holds objects of the referenced kind in
 * the referenced namespace but not the referenced name, that is almost surely a typo. When it holds none of
 * that kind there, the object is expected to exist in the cluster already, and nothing is said.
 */

/** Kinds whose references are checked. */
export type ReferencedKind = "BackupStorage" | "RetentionPolicy" | "HookTemplate" | "Addon";

const REFERENCED_KINDS: ReadonlySet<string> = new Set<ReferencedKind>([
  "BackupStorage",
  "RetentionPolicy",
  "HookTemplate",
  "Addon",
]);

/** Names in the file by kind, then namespace ("" for cluster-scoped kinds or where the file gives none). */
export type ObjectsInFile = ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A non-empty string field of an untyped object, if it is one. */
export function stringField(object: unknown, key: string): string | undefined {
  if (!isRecord(object)) return undefined;
  const value = object[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function indexObjectsInFile(objects: readonly unknown[]): ObjectsInFile {
  const byKind = new Map<string, Map<string, Set<string>>>();
  for (const object of objects) {
    if (!isRecord(object)) continue;
    const resource = resourceKindOf(object.apiVersion, object.kind);
    const name = stringField(object.metadata, "name");
    if (resource === undefined || name === undefined || !REFERENCED_KINDS.has(resource.kind)) continue;
    const namespace = resource.namespaced ? (stringField(object.metadata, "namespace") ?? "") : "";
    const byNamespace = byKind.get(resource.kind) ?? new Map<string, Set<string>>();
    byKind.set(resource.kind, byNamespace);
    const names = byNamespace.get(namespace) ?? new Set<string>();
    byNamespace.set(namespace, names);
    names.add(name);
  }
  return byKind;
}

function qualifiedName(namespace: string, name: string): string {
  return namespace === "" ? name : `${namespace}/${name}`;
}

/**
 * The issue for a reference (`{name, namespace?}`, namespace defaulting to the referrer's) to an object of
 * `kind` that the file could hold but does not. Cluster-scoped kinds pass `referrerNamespace` "" and a
 * reference without namespace.
 */
export function missingReference(
  file: ObjectsInFile,
  kind: ReferencedKind,
  reference: unknown,
  referrerNamespace: string,
  path: string,
): FieldIssue | undefined {
  const name = stringField(reference, "name");
  if (name === undefined) return undefined;
  const namespace = kind === "Addon" ? "" : (stringField(reference, "namespace") ?? referrerNamespace);
  const names = file.get(kind)?.get(namespace);
  if (names === undefined || names.has(name)) return undefined;
  return { path, message: `references ${kind} ${qualifiedName(namespace, name)}, which is not in the file` };
}
