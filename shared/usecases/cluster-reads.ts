import type { KubeClient, ListResult } from "../kube/client.ts";
import { NotFoundError, UnavailableError } from "../kube/errors.ts";
import type { ModeledKind, ResourceOf } from "../model/index.ts";

/**
 * Reading a whole cluster for a report (the fleet view, coverage): a kind the cluster may not serve, objects the
 * model cannot read, and the cluster's own timeout.
 */

/**
 * A LIST of a kind a cluster may not serve: without its CRD (KubeStash's not installed, or a cluster set up
 * before verification) the server answers 404, which means none of them (docs/verification.md#visibility,
 * docs/coverage.md#reading-a-cluster).
 */
export async function listOrNone<K extends ModeledKind>(
  client: KubeClient,
  kind: K,
): Promise<ListResult<ResourceOf<K>>> {
  try {
    return await client.list(kind);
  } catch (error) {
    if (error instanceof NotFoundError) return { items: [], invalid: [] };
    throw error;
  }
}

/** An object of the cluster the model cannot read: reported, not a failure of the cluster. */
export interface InvalidObjectFact {
  kind: ModeledKind;
  namespace?: string;
  name: string;
  error: string;
}

export function invalidOf(kind: ModeledKind, list: ListResult<unknown>): InvalidObjectFact[] {
  return list.invalid.map((bad) => ({
    kind,
    ...(bad.namespace ? { namespace: bad.namespace } : {}),
    name: bad.name,
    error: bad.error.message,
  }));
}

/** Races `work` against the cluster's timeout; the loser's outcome is dropped (never an unhandled rejection). */
export function withTimeout<T>(work: Promise<T>, ms: number, clusterId: string): Promise<T> {
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`no answer within ${ms} ms`, clusterId)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
