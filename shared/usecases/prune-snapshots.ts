import type { RetentionEntry } from "../decide/retention/retention.ts";
import type { KubeClient } from "../kube/client.ts";
import { ConflictError, ForbiddenError } from "../kube/errors.ts";
import type { ObjectReference } from "../model/index.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { planRepository, type RepositoryTarget } from "./retention-plan.ts";
import type { RetentionWorld } from "./retention-world.ts";
import { markForDataRemoval } from "./snapshot-cleanup.ts";

export type { RepositoryTarget } from "./retention-plan.ts";

/**
 * Applies the RetentionPolicy of one repository (and session name): resolve the policy, decide, delete what
 * the plan prunes with bounded concurrency. Each delete carries the Snapshot's uid, so a newer object that
 * took the name meanwhile is never deleted (ConflictError: left alone); one already gone counts as done.
 * A missing or denied policy, a bad time zone or a forbidden delete end as FailedToApply with the reason;
 * other errors (cluster unavailable) are thrown so the event is retried.
 */

export type RetentionTrigger = "session-succeeded" | "sweep" | "manual";

export interface PruneDeps {
  client: KubeClient;
  /** The cluster registry's time zone for this cluster (periods are UTC without one). */
  timeZone?: string;
  /** Deletes in flight at once (default 8). */
  concurrency?: number;
  /** Called once per repository, applied or not, with what was pruned: the metrics hook. */
  onApplied?: (result: RepositoryRetention) => void;
}

export interface RepositoryRetention {
  namespace: string;
  repository: string;
  sessionName?: string;
  trigger: RetentionTrigger;
  ref?: ObjectReference;
  phase: "Applied" | "FailedToApply";
  error?: string;
  /** Kept snapshots, with reasons (empty when the policy could not be applied). */
  kept: RetentionEntry[];
  /** Deleted by this run, with the reason the plan gave. */
  deleted: RetentionEntry[];
  /** Pruned by the plan but gone already. */
  alreadyGone: string[];
  /** Pruned by the plan, but the name now belongs to a newer object (uid differs): left alone. */
  replaced: string[];
}

const DEFAULT_CONCURRENCY = 8;

function emptyResult(
  target: RepositoryTarget,
  trigger: RetentionTrigger,
  ref: ObjectReference | undefined,
): Omit<RepositoryRetention, "phase"> {
  return {
    namespace: target.namespace,
    repository: target.repository,
    ...(target.sessionName !== undefined ? { sessionName: target.sessionName } : {}),
    trigger,
    ...(ref ? { ref } : {}),
    kept: [],
    deleted: [],
    alreadyGone: [],
    replaced: [],
  };
}

export async function pruneRepository(
  deps: PruneDeps,
  world: RetentionWorld,
  target: RepositoryTarget,
  trigger: RetentionTrigger,
  now: Date,
): Promise<RepositoryRetention> {
  const { namespace } = target;
  const planned = planRepository(world, target, now, deps.timeZone ? { clusterTimeZone: deps.timeZone } : {});
  if (!planned.ok) {
    const failed: RepositoryRetention = {
      ...emptyResult(target, trigger, planned.ref),
      phase: "FailedToApply",
      error: planned.error,
    };
    deps.onApplied?.(failed);
    return failed;
  }
  const { plan, ref } = planned;
  const byName = new Map(planned.snapshots.map((s) => [s.metadata.name, s]));
  const result: RepositoryRetention = {
    ...emptyResult(target, trigger, ref),
    phase: "Applied",
    kept: plan.keep,
  };
  // The first error other than a uid conflict stops the remaining deletes.
  let stoppedBy: unknown;
  await mapWithConcurrency(plan.prune, deps.concurrency ?? DEFAULT_CONCURRENCY, async (entry) => {
    if (stoppedBy !== undefined) return;
    const snapshot = byName.get(entry.name);
    const uid = snapshot?.metadata.uid;
    try {
      // Retention frees storage: a Snapshot whose data a cleaner removes goes WipeOut first.
      if (snapshot && !(await markForDataRemoval(deps.client, snapshot))) {
        result.replaced.push(entry.name);
        return;
      }
      const deleted = await deps.client.delete("Snapshot", namespace, entry.name, uid ? { uid } : {});
      if (deleted) result.deleted.push(entry);
      else result.alreadyGone.push(entry.name);
    } catch (error) {
      if (error instanceof ConflictError) result.replaced.push(entry.name);
      else stoppedBy ??= error;
    }
  });
  if (stoppedBy !== undefined) {
    if (!(stoppedBy instanceof ForbiddenError)) throw stoppedBy;
    result.phase = "FailedToApply";
    result.error = `cannot delete Snapshots: ${stoppedBy.message}`;
  }
  // Deletes finish in any order: report them in the plan's order.
  const order = new Map(plan.prune.map((e, i) => [e.name, i]));
  result.deleted.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  deps.onApplied?.(result);
  return result;
}
