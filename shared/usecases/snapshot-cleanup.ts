import {
  awaitsCleanup,
  type CleanupAction,
  type CleanupState,
  decideSnapshotCleanup,
  isOrphanCleaner,
  type SnapshotCleanupDecision,
} from "../decide/retention/snapshot-cleanup.ts";
import type { SweepScope } from "../decide/session/settled.ts";
import type { KubeClient } from "../kube/client.ts";
import { ConflictError, NotFoundError } from "../kube/errors.ts";
import {
  type BackupStorage,
  CLEANUP_FINALIZER,
  COMPLETED_LABEL,
  type Job,
  jobOutcome,
  Label,
  type Repository,
  type Snapshot,
  UNFINISHED_SELECTOR,
} from "../model/index.ts";
import { CleanupLabel } from "../model/snapshot-cleanup.ts";
import { mapWithConcurrency } from "./concurrency.ts";

/**
 * Removes the backup data of deleted Snapshots (docs/retention-cleanup.md): every Snapshot being deleted with
 * `kubestash.com/cleanup` is decided on from one read of the cluster (or a namespace) — its Repository,
 * BackupStorage and cleaner Jobs — and the plan carried out: cleaner Jobs created (deterministic names, so a
 * repeat is AlreadyExists), finished attempts deleted (with their uid), a failure recorded on the Snapshot
 * (annotations, then the condition, both guarded by its resourceVersion), Events, and the finalizer released
 * with the resourceVersion the decision was made from. On Conflict the Snapshot is read and decided again.
 * Cleaner Jobs whose Snapshot is gone are deleted once finished. The functions never read Secrets.
 */

export interface SnapshotCleanupDeps {
  client: KubeClient;
  /** The cleaner image (default: restic/restic pinned in snapshot-cleanup-job.ts). */
  image?: string;
  /** Snapshots handled at once (default 8). */
  concurrency?: number;
}

export interface SnapshotCleanupOutcome {
  namespace: string;
  name: string;
  state: CleanupState | "gone";
  release?: SnapshotCleanupDecision["release"];
  attempt?: number;
  job?: string;
  message: string;
  error?: string;
}

export interface SnapshotCleanupReport {
  snapshots: SnapshotCleanupOutcome[];
  /** Finished cleaner Jobs deleted because their Snapshot is gone (`namespace/name`). */
  orphansDeleted: string[];
}

/** The cleaner Jobs the functions made: KubeStash's Snapshot invoker label and our Snapshot uid label. */
export const CLEANER_SELECTOR = `${Label.InvokerKind}=Snapshot,${CleanupLabel.SnapshotUid}`;
const MAX_DECISIONS = 3;

/**
 * `which` (docs/costs.md#snapshots-being-deleted): "unfinished" lists only Snapshots without the completed
 * label (every minute: a Snapshot retention prunes is unlabelled first, one found being deleted otherwise is
 * unlabelled on its first decision), "all" lists every Snapshot (the hourly full sweep, and right after a
 * prune in its namespace). Orphaned cleaner Jobs are only judged on a full list.
 */
export async function cleanUpSnapshots(
  deps: SnapshotCleanupDeps,
  now: Date,
  namespace?: string,
  which: SweepScope = "all",
): Promise<SnapshotCleanupReport> {
  const { client } = deps;
  const scope = namespace === undefined ? {} : { namespace };
  const [snapshots, jobs] = await Promise.all([
    client.list("Snapshot", which === "all" ? scope : { ...scope, labelSelector: UNFINISHED_SELECTOR }),
    client.list("Job", { ...scope, labelSelector: CLEANER_SELECTOR }),
  ]);
  const pending = snapshots.items.filter(awaitsCleanup);
  const uids = new Set(snapshots.items.flatMap((s) => (s.metadata.uid ? [s.metadata.uid] : [])));
  const orphans =
    which === "all"
      ? jobs.items.filter(
          (j) => isOrphanCleaner(j, uids) && !j.metadata.deletionTimestamp && jobOutcome(j) !== "Running",
        )
      : [];
  const orphansDeleted: string[] = [];
  for (const job of orphans) {
    const { namespace: ns = "default", name, uid } = job.metadata;
    if (await deleteJob(client, ns, name, uid)) orphansDeleted.push(`${ns}/${name}`);
  }
  if (pending.length === 0) return { snapshots: [], orphansDeleted };

  const [repositories, storages] = await Promise.all([
    client.list("Repository", scope),
    client.list("BackupStorage"),
  ]);
  const world: CleanupWorld = {
    repositories: repositories.items,
    storages: storages.items,
    jobs: jobs.items,
  };
  const outcomes = await mapWithConcurrency(pending, deps.concurrency ?? 8, (snapshot) =>
    cleanUpOne(deps, world, snapshot, now),
  );
  return { snapshots: outcomes, orphansDeleted };
}

interface CleanupWorld {
  repositories: Repository[];
  storages: BackupStorage[];
  jobs: Job[];
}

function inputOf(world: CleanupWorld, snapshot: Snapshot, image: string | undefined) {
  const namespace = snapshot.metadata.namespace ?? "default";
  const repository = world.repositories.find(
    (r) => r.metadata.namespace === namespace && r.metadata.name === snapshot.spec.repository,
  );
  const ref = repository?.spec.storageRef;
  const storage = ref
    ? world.storages.find(
        (s) => s.metadata.name === ref.name && s.metadata.namespace === (ref.namespace ?? namespace),
      )
    : undefined;
  const jobs = world.jobs.filter(
    (j) => j.metadata.labels?.[CleanupLabel.SnapshotUid] === snapshot.metadata.uid,
  );
  return { snapshot, repository, storage, jobs, ...(image ? { image } : {}) };
}

async function cleanUpOne(
  deps: SnapshotCleanupDeps,
  world: CleanupWorld,
  first: Snapshot,
  now: Date,
): Promise<SnapshotCleanupOutcome> {
  const namespace = first.metadata.namespace ?? "default";
  const name = first.metadata.name;
  let snapshot: Snapshot | undefined = first;
  for (let round = 1; ; round++) {
    if (!snapshot || snapshot.metadata.uid !== first.metadata.uid) {
      return { namespace, name, state: "gone", message: "the Snapshot is gone" };
    }
    const decision = decideSnapshotCleanup(inputOf(world, snapshot, deps.image), now);
    const outcome: SnapshotCleanupOutcome = {
      namespace,
      name,
      state: decision.state,
      message: decision.message,
      ...(decision.release ? { release: decision.release } : {}),
      ...(decision.attempt !== undefined ? { attempt: decision.attempt } : {}),
      ...(decision.job ? { job: decision.job } : {}),
    };
    try {
      await carryOut(deps.client, snapshot, decision, now);
      return outcome;
    } catch (error) {
      if (error instanceof NotFoundError)
        return { ...outcome, state: "gone", message: "the Snapshot is gone" };
      if (!(error instanceof ConflictError) || round >= MAX_DECISIONS) {
        return { ...outcome, error: error instanceof Error ? error.message : String(error) };
      }
      snapshot = await deps.client.find("Snapshot", namespace, name);
    }
  }
}

/** The plan, in order: the failure record, then the status that reports it, then the rest as listed. */
async function carryOut(
  client: KubeClient,
  snapshot: Snapshot,
  decision: SnapshotCleanupDecision,
  now: Date,
): Promise<void> {
  const namespace = snapshot.metadata.namespace ?? "default";
  const { name } = snapshot.metadata;
  let latest = snapshot;
  const failure = decision.actions.find((a) => a.type === "record-failure");
  const unlabel = decision.actions.some((a) => a.type === "clear-completed-label");
  if (failure || unlabel) {
    latest = await client.patch("Snapshot", namespace, name, {
      metadata: {
        ...(failure ? { annotations: failure.annotations } : {}),
        ...(unlabel ? { labels: { [COMPLETED_LABEL]: null } } : {}),
        resourceVersion: latest.metadata.resourceVersion,
      },
    });
  }
  if (decision.status)
    latest = await client.replaceStatus("Snapshot", { ...latest, status: decision.status });
  for (const action of decision.actions) await execute(client, latest, action, now);
}

async function execute(client: KubeClient, snapshot: Snapshot, action: CleanupAction, now: Date) {
  const namespace = snapshot.metadata.namespace ?? "default";
  switch (action.type) {
    case "record-failure":
    case "clear-completed-label":
      return; // written first, see carryOut
    case "create-job":
      await client.create("Job", action.job);
      return;
    case "delete-job":
      await deleteJob(client, namespace, action.name, action.uid);
      return;
    case "remove-finalizer": {
      const finalizers = (snapshot.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
      // The resourceVersion makes it a precondition: what was decided on is what is released.
      await client.patch("Snapshot", namespace, snapshot.metadata.name, {
        metadata: { finalizers, resourceVersion: snapshot.metadata.resourceVersion },
      });
      return;
    }
    case "record-event":
      await client.recordEvent(
        snapshot,
        { type: action.eventType, reason: action.reason, message: action.message, key: action.key },
        now,
      );
      return;
  }
}

/** Deletes a finished Job (and its Pods); false when it was gone or the name now holds another Job. */
async function deleteJob(client: KubeClient, namespace: string, name: string, uid: string | undefined) {
  try {
    return await client.delete("Job", namespace, name, {
      ...(uid ? { uid } : {}),
      propagationPolicy: "Background",
    });
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}

/**
 * Before retention deletes a Snapshot that carries `kubestash.com/cleanup`, its deletionPolicy is set to
 * WipeOut, as KubeStash's `SetSnapshotDeletionPolicyToWipeout` does beside its retention helpers: retention
 * exists to free storage, so the data of a pruned Snapshot goes with it (docs/retention-cleanup.md#what-is-removed-when).
 * Guarded by resourceVersion; false when the name now belongs to another Snapshot (then nothing is deleted).
 */
export async function markForDataRemoval(client: KubeClient, snapshot: Snapshot): Promise<boolean> {
  const namespace = snapshot.metadata.namespace ?? "default";
  const { name, uid } = snapshot.metadata;
  let current: Snapshot = snapshot;
  for (let round = 1; ; round++) {
    if (!(current.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return true;
    const labelled = current.metadata.labels?.[COMPLETED_LABEL] === "true";
    if (current.spec.deletionPolicy === "WipeOut" && !labelled) return true;
    try {
      // Unlabelled too, so the per-minute cleanup step lists it until its data is gone.
      await client.patch("Snapshot", namespace, name, {
        metadata: {
          resourceVersion: current.metadata.resourceVersion,
          ...(labelled ? { labels: { [COMPLETED_LABEL]: null } } : {}),
        },
        spec: { deletionPolicy: "WipeOut" },
      });
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return true; // the delete finds it gone too
      if (!(error instanceof ConflictError) || round >= MAX_DECISIONS) throw error;
      const fresh = await client.find("Snapshot", namespace, name);
      if (!fresh) return true;
      if (fresh.metadata.uid !== uid) return false;
      current = fresh;
    }
  }
}

/** CloudWatch counts of one run: what started, failed, is stuck (every run, for alarms) and was released. */
export function cleanupMetrics(report: SnapshotCleanupReport): Array<[string, number]> {
  const count = (...states: Array<SnapshotCleanupOutcome["state"]>) =>
    report.snapshots.filter((s) => states.includes(s.state)).length;
  return [
    ["SnapshotCleanupStarted", count("started")],
    ["SnapshotCleanupFailed", count("failed")],
    ["SnapshotCleanupIncomplete", count("failed", "backing-off", "exhausted", "blocked")],
    ["SnapshotFinalizersReleased", count("released")],
    ["SnapshotCleanupErrors", report.snapshots.filter((s) => s.error !== undefined).length],
  ];
}
