import type { EventPublisher } from "../bus/publisher.ts";
import { backupSessionPhase } from "../decide/session/phase.ts";
import { phaseEventMessage, phaseReasons } from "../decide/session/session-summary.ts";
import type { KubeClient } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import type {
  BackupSession,
  BackupSessionPhase,
  BackupSessionStatus,
  RetentionPolicyApplyStatus,
} from "../model/backup-session.ts";
import { phaseChangedEvent } from "./phase-changed-event.ts";
import {
  type PruneDeps,
  pruneRepository,
  type RepositoryRetention,
  type RetentionTrigger,
} from "./prune-snapshots.ts";
import { loadRetentionWorld, type RetentionWorld, repositoriesOfSession } from "./retention-world.ts";

/**
 * Retention after a BackupSession succeeded: for each repository of its session, resolve the policy, prune
 * the Snapshots it does not keep, and record `{ref, repository, phase: Applied | FailedToApply, error}` in
 * the session's `status.retentionPolicy[]`, with Kubernetes Events on the session. Re-running is safe: what is
 * gone stays gone and the same status is written once. KubeStash's phase rule is kept: once MetricsPushed is
 * True, a FailedToApply entry makes the session Failed; that change is written and published like any other.
 */

export interface ApplyRetentionDeps extends PruneDeps {
  /** Where "BackupSession Phase Changed" goes when a failed retention turns the session Failed. */
  publisher?: EventPublisher;
}

export interface PhaseChange {
  from?: BackupSessionPhase;
  to: BackupSessionPhase;
  reasons: string[];
}

export interface SessionRetentionOutcome {
  namespace: string;
  name: string;
  outcome: "applied" | "failed" | "skipped";
  /** Why nothing was done (skipped). */
  reason?: string;
  repositories: RepositoryRetention[];
  statusWritten: boolean;
  phaseChange?: PhaseChange;
}

/** Applies retention for the session `namespace/name` if it Succeeded; anything else is skipped with why. */
export async function applySessionRetention(
  deps: ApplyRetentionDeps,
  namespace: string,
  name: string,
  now: Date,
  trigger: RetentionTrigger = "session-succeeded",
): Promise<SessionRetentionOutcome> {
  const world = await loadRetentionWorld(deps.client, namespace);
  const session = world.sessions.find((s) => s.metadata.name === name);
  const skipped = (reason: string): SessionRetentionOutcome => ({
    namespace,
    name,
    outcome: "skipped",
    reason,
    repositories: [],
    statusWritten: false,
  });
  if (!session) return skipped("BackupSession not found");
  if (session.metadata.deletionTimestamp) return skipped("BackupSession is being deleted");
  const phase = session.status?.phase;
  if (phase !== "Succeeded") return skipped(`BackupSession phase is ${phase ?? "not set"}, not Succeeded`);
  return applyToSession(deps, world, session, trigger, now);
}

/** Retention for one session from an already loaded world (also the sweep's path for lost events). */
export async function applyToSession(
  deps: ApplyRetentionDeps,
  world: RetentionWorld,
  session: BackupSession,
  trigger: RetentionTrigger,
  now: Date,
): Promise<SessionRetentionOutcome> {
  const { namespace = "default", name } = session.metadata;
  const configuration = world.configurations.find(
    (c) =>
      c.metadata.namespace === namespace &&
      c.metadata.name === session.spec.invoker?.name &&
      session.spec.invoker?.kind === "BackupConfiguration",
  );
  const entries = session.status?.retentionPolicy ?? [];
  const repositories: RepositoryRetention[] = [];
  for (const repository of repositoriesOfSession(session, configuration)) {
    const recordedRef = entries.find((e) => e.repository === repository)?.ref;
    const target = {
      namespace,
      repository,
      ...(session.spec.session !== undefined ? { sessionName: session.spec.session } : {}),
      ...(configuration ? { configuration } : {}),
      ...(recordedRef ? { recordedRef } : {}),
    };
    repositories.push(await pruneRepository(deps, world, target, trigger, now));
  }
  const outcome = repositories.some((r) => r.phase === "FailedToApply") ? "failed" : "applied";
  const written = await recordStatus(deps, session, repositories, now);
  for (const result of repositories) await recordRepositoryEvent(deps.client, session, result, now);
  return {
    namespace,
    name,
    outcome,
    repositories,
    statusWritten: written.changed,
    ...(written.phaseChange ? { phaseChange: written.phaseChange } : {}),
  };
}

/** The session's `status.retentionPolicy[]` with one entry per repository applied (others kept as they are). */
export function mergeRetentionEntries(
  existing: ReadonlyArray<RetentionPolicyApplyStatus>,
  results: ReadonlyArray<RepositoryRetention>,
): RetentionPolicyApplyStatus[] {
  const entryOf = (r: RepositoryRetention): RetentionPolicyApplyStatus => ({
    ...(r.ref ? { ref: r.ref } : {}),
    repository: r.repository,
    phase: r.phase,
    ...(r.error ? { error: r.error } : {}),
  });
  const merged = existing.map((e) => {
    const result = results.find((r) => r.repository === e.repository);
    return result ? entryOf(result) : e;
  });
  const added = results.filter((r) => !existing.some((e) => e.repository === r.repository)).map(entryOf);
  return [...merged, ...added];
}

async function recordStatus(
  deps: ApplyRetentionDeps,
  session: BackupSession,
  results: RepositoryRetention[],
  now: Date,
): Promise<{ changed: boolean; phaseChange?: PhaseChange }> {
  const { namespace = "default", name } = session.metadata;
  let change: PhaseChange | undefined;
  let written: { object: BackupSession; changed: boolean };
  try {
    written = await deps.client.updateStatus("BackupSession", namespace, name, (current) => {
      const status: BackupSessionStatus = {
        ...current.status,
        retentionPolicy: mergeRetentionEntries(current.status?.retentionPolicy ?? [], results),
      };
      change = undefined;
      const from = current.status?.phase;
      // KubeStash's CalculatePhase: MetricsPushed True and a FailedToApply entry → Failed.
      if (from !== "Failed" && backupSessionPhase({ ...current, status }) === "Failed") {
        change = { ...(from ? { from } : {}), to: "Failed", reasons: phaseReasons(status, "Failed") };
        status.phase = "Failed";
      }
      return status;
    });
  } catch (error) {
    if (error instanceof NotFoundError) return { changed: false }; // deleted meanwhile: nothing to record
    throw error;
  }
  if (!written.changed || !change) return { changed: written.changed };
  const status = written.object.status ?? {};
  await deps.client.recordEvent(
    written.object,
    { type: "Warning", reason: "BackupSessionFailed", message: phaseEventMessage(status, "Failed") },
    now,
  );
  await deps.publisher?.publish([phaseChangedEvent(deps.client.clusterId, written.object, change, now)]);
  return { changed: true, phaseChange: change };
}

/** One line a person reads in `kubectl describe`: what was pruned and why, or why nothing could be. */
export function retentionEventMessage(result: RepositoryRetention): string {
  const policy = result.ref
    ? `RetentionPolicy ${result.ref.namespace}/${result.ref.name}`
    : "no RetentionPolicy";
  if (result.phase === "FailedToApply") {
    return `Retention not applied to repository ${result.repository}: ${result.error ?? ""}`;
  }
  const list = result.deleted.map((d) => `${d.name} (${d.reason.replace(/^pruned: /, "")})`).join(", ");
  const pruned = list === "" ? "" : `: ${list}`;
  const replaced =
    result.replaced.length > 0 ? `; left ${result.replaced.join(", ")} (a newer object has the name)` : "";
  return `Pruned ${result.deleted.length} Snapshot(s) of repository ${result.repository} per ${policy}, kept ${result.kept.length}${pruned}${replaced}`;
}

/** A Warning for FailedToApply, a Normal event when something was pruned; nothing when all was kept. */
export async function recordRepositoryEvent(
  client: KubeClient,
  involved: Parameters<KubeClient["recordEvent"]>[0],
  result: RepositoryRetention,
  now: Date,
): Promise<void> {
  if (result.phase === "Applied" && result.deleted.length === 0 && result.replaced.length === 0) return;
  const failed = result.phase === "FailedToApply";
  await client.recordEvent(
    involved,
    {
      type: failed ? "Warning" : "Normal",
      reason: failed ? "RetentionPolicyFailedToApply" : "RetentionPolicyApplied",
      message: retentionEventMessage(result),
    },
    now,
  );
}
