import { type ModeledKind, RESOURCE_KINDS } from "../model/index.ts";

/** REST paths of the kinds we model: `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise. */
export function collectionPath(kind: ModeledKind, namespace?: string): string {
  const { apiVersion, plural, namespaced } = RESOURCE_KINDS[kind];
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (!namespaced || namespace === undefined) return `${root}/${plural}`;
  return `${root}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

export function objectPath(
  kind: ModeledKind,
  namespace: string | undefined,
  name: string,
  subresource?: string,
): string {
  const base = `${collectionPath(kind, RESOURCE_KINDS[kind].namespaced ? namespace : undefined)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}
