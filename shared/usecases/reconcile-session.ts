import type { EventPublisher } from "../bus/publisher.ts";
import { absenceKey } from "../decide/session/absence.ts";
import { isSessionCompleted } from "../decide/session/phase.ts";
import type { SessionAction, SessionDecision } from "../decide/session/reconcile-session.ts";
import { repositoryStatus } from "../decide/session/repository-status.ts";
import { isSettled, type SweepScope, settleTargets, sweepScope } from "../decide/session/settled.ts";
import { applySnapshotStatusUpdate } from "../decide/session/snapshot-progress.ts";
import { type KubeClient, retryOnConflict, statusUnchanged } from "../kube/client.ts";
import { ConflictError, NotFoundError } from "../kube/errors.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { Label } from "../model/labels.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { decideConfirmingAbsences } from "./confirm-absence.ts";
import { ensureExecutorRbac } from "./executor-rbac.ts";
import { operatorHold } from "./operator-presence.ts";
import { phaseChangedEvent } from "./phase-changed-event.ts";
import { loadSessionWorld, type SessionWorld } from "./session-world.ts";
import { labelSettled, unlabelForDeletion } from "./settle-session.ts";

/**
 * Drives BackupSessions as KubeStash's operator would: decide (pure) on what was read, carry out the actions
 * (creates are idempotent, deletes carry the uid), then write the status with the resourceVersion it was
 * decided from. On Conflict everything is read and decided again, so two reconcilers racing on one session
 * leave one consistent status and publish one "BackupSession Phase Changed".
 */

export interface ReconcileDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** Called with the summary when a session's final step pushes metrics. */
  pushMetrics?: (
    summary: Extract<SessionAction, { type: "push-metrics" }>["summary"],
  ) => Promise<void> | void;
  hookRunnerImage?: string;
}

export interface ReconcileOutcome {
  namespace: string;
  name: string;
  /** The session object reconciled, and its phase after the reconcile (absent when it was not found). */
  uid?: string;
  phase?: string;
  actions: number;
  statusWritten: boolean;
  phaseChange?: SessionDecision["phaseChange"];
  /** The decision asked to be made again at once (it created what its next step needs). */
  again?: boolean;
  error?: string;
}

const MAX_ATTEMPTS = 4;

/** Reconciles one session (the "BackupSession Created" path). */
export async function reconcileSession(
  deps: ReconcileDeps,
  namespace: string,
  name: string,
  now: () => Date,
): Promise<ReconcileOutcome> {
  // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): the KubeStash operator drives it, not us.
  if (await operatorHold(deps.client)) return { namespace, name, actions: 0, statusWritten: false };
  // On Conflict the world is read and decided again (retryOnConflict). A decision that created what its next
  // step needs (a Repository) is made again at once, a few times at most.
  for (let rounds = 1; ; rounds++) {
    const outcome = await retryOnConflict(async () => {
      const world = await loadSessionWorld(deps.client, namespace);
      const session = world.sessions.find((s) => s.metadata.name === name);
      if (!session) return { namespace, name, actions: 0, statusWritten: false };
      return reconcileFrom(deps, world, session, now());
    }, MAX_ATTEMPTS);
    if (!outcome.again || rounds >= MAX_ATTEMPTS) return outcome;
  }
}

export interface SweepOptions {
  concurrency?: number;
  /** What the sessions, Snapshots and Jobs are listed with; by default {@link sweepScope} of the tick's time. */
  scope?: SweepScope;
}

/**
 * The sweep: every session of the cluster that is not finished (or is being deleted), from one load of what
 * is not labelled completed (docs/costs.md); listed sessions that are settled get the label.
 */
export async function sweepSessions(
  deps: ReconcileDeps,
  now: () => Date,
  options: SweepOptions = {},
): Promise<ReconcileOutcome[]> {
  // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): the KubeStash operator drives them, not us.
  if (await operatorHold(deps.client)) return [];
  // A LIST that fails rejects the load and so the sweep, for this cluster, with nothing written
  // (docs/consistency.md#a-failed-list-fails-the-whole-load).
  const scope = options.scope ?? sweepScope(now());
  const world = await loadSessionWorld(deps.client, undefined, { unfinishedOnly: scope === "unfinished" });
  const open = world.sessions.filter(
    (s) => !isSessionCompleted(s.status?.phase) || s.metadata.deletionTimestamp,
  );
  // Finished before the label existed (the operator's, a label write that failed): labelled once, here.
  const unlabelled = world.sessions.filter(
    (s) => isSessionCompleted(s.status?.phase) && !s.metadata.deletionTimestamp,
  );
  await mapWithConcurrency(unlabelled, options.concurrency ?? 16, (s) =>
    labelSettled(deps.client, settleTargets(s, world.snapshots, world.jobs)),
  );
  return mapWithConcurrency(open, options.concurrency ?? 16, async (session) => {
    const { namespace = "default", name } = session.metadata;
    try {
      const outcome = await reconcileFrom(deps, world, session, now());
      return outcome.again ? await reconcileSession(deps, namespace, name, now) : outcome;
    } catch (error) {
      if (error instanceof ConflictError) return reconcileSession(deps, namespace, name, now);
      return { namespace, name, actions: 0, statusWritten: false, error: String(error) };
    }
  });
}

/**
 * Decides one session on `world` (absences confirmed by fresh reads first, docs/consistency.md) and carries the
 * decision out. Exported for tests that hand it a world read in a chosen order.
 */
export async function reconcileFrom(
  deps: ReconcileDeps,
  world: SessionWorld,
  session: BackupSession,
  now: Date,
): Promise<ReconcileOutcome> {
  const decision = await decideConfirmingAbsences(deps.client, world, session, now, deps.hookRunnerImage);
  const { namespace = "default", name } = session.metadata;
  if (decision.confirm) {
    // Still unsettled after the fresh reads: nothing is done on this world; the next reconcile reads again.
    const what = decision.confirm.map(absenceKey).join(", ");
    return { namespace, name, actions: 0, statusWritten: false, error: `absence not confirmed: ${what}` };
  }
  for (const action of decision.actions) await execute(deps, session, action, now);
  const finalizerRemoved = decision.actions.some((a) => a.type === "remove-finalizer");
  let written = session;
  const statusChanged = !statusUnchanged(decision.status, session.status);
  if (statusChanged && !finalizerRemoved) {
    written = await deps.client.replaceStatus("BackupSession", { ...session, status: decision.status });
  }
  const change = decision.phaseChange;
  if (change && statusChanged && change.to !== "Pending" && !finalizerRemoved) {
    await deps.publisher.publish([phaseChangedEvent(deps.client.clusterId, written, change, now)]);
  }
  // Settled by this write (or before it): its objects leave the sweep's LISTs (docs/costs.md).
  if (!finalizerRemoved && isSettled(written)) {
    await labelSettled(deps.client, settleTargets(written, world.snapshots, world.jobs));
  }
  const phase = decision.status?.phase;
  return {
    namespace,
    name,
    ...(session.metadata.uid ? { uid: session.metadata.uid } : {}),
    ...(phase ? { phase } : {}),
    actions: decision.actions.length,
    statusWritten: statusChanged,
    ...(change ? { phaseChange: change } : {}),
    ...(decision.again ? { again: true } : {}),
  };
}

async function execute(
  deps: ReconcileDeps,
  session: BackupSession,
  action: SessionAction,
  now: Date,
): Promise<void> {
  const { client } = deps;
  const namespace = session.metadata.namespace;
  switch (action.type) {
    case "create-repository":
      // AlreadyExists is success: a Repository someone else made first is the one we use.
      await client.create("Repository", action.repository, () => true);
      return;
    case "create-snapshot":
      await client.create("Snapshot", action.snapshot);
      return;
    case "create-job":
      await client.create("Job", action.job, () => true);
      return;
    case "ensure-executor-rbac":
      await ensureExecutorRbac(client, action.plan);
      return;
    case "update-snapshot-status":
      // Applied to the freshest read: the executor may have written its components since the decision's read.
      await client.updateStatus("Snapshot", namespace, action.name, (current) =>
        applySnapshotStatusUpdate(current, action.update, now),
      );
      return;
    case "update-repository-status":
      await updateRepositoryStatus(client, namespace ?? "default", action.name, action.initialized, now);
      return;
    case "delete-session":
      // A labelled session is unlabelled first, so the sweep finds it while its finalizer path runs.
      if (
        action.completed &&
        !(await unlabelForDeletion(client, namespace ?? "default", action.name, action.uid))
      )
        return;
      await client.delete("BackupSession", namespace, action.name, { uid: action.uid });
      return;
    case "delete-job":
      await client.delete("Job", action.namespace, action.name, {
        uid: action.uid,
        propagationPolicy: "Background",
      });
      return;
    case "remove-finalizer": {
      const finalizers = (session.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
      // The resourceVersion makes it a precondition: a newer object is not touched.
      await client.patch("BackupSession", namespace, session.metadata.name, {
        metadata: { finalizers, resourceVersion: session.metadata.resourceVersion },
      });
      return;
    }
    case "record-event":
      await client.recordEvent(
        session,
        { type: action.eventType, reason: action.reason, message: action.message },
        now,
      );
      return;
    case "push-metrics":
      await deps.pushMetrics?.(action.summary);
      return;
  }
}

/**
 * A Repository's status recomputed from its Snapshots as they are now (docs/snapshot-completion.md#repositories);
 * a Repository that is gone is nothing to update.
 */
async function updateRepositoryStatus(
  client: KubeClient,
  namespace: string,
  name: string,
  initialized: boolean,
  now: Date,
): Promise<void> {
  const snapshots = await client.list("Snapshot", { namespace, labelSelector: `${Label.RepoName}=${name}` });
  try {
    await client.updateStatus("Repository", namespace, name, (current) =>
      repositoryStatus(current, snapshots.items, initialized, now),
    );
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}
