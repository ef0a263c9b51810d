import { type EventPublisher, eventFor, type OutgoingEvent } from "../bus/publisher.ts";
import type { Workload } from "../decide/coverage/claims.ts";
import type { WindowContext } from "../decide/schedule/schedule-windows.ts";
import {
  decideVerification,
  type VerificationAction,
  type VerificationDecision,
  type VerificationReconcileInput,
} from "../decide/verification/reconcile-verification.ts";
import { isVerificationFinished } from "../decide/verification/verification-phase.ts";
import { type KubeClient, statusUnchanged } from "../kube/client.ts";
import { ConflictError, NotFoundError } from "../kube/errors.ts";
import type { BackupVerificationSession } from "../model/backup-verifier.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { VerificationFailed, VerificationSessionCreated } from "../model/events/verification.ts";
import { Annotation, Label } from "../model/labels.ts";
import { retrySessionName } from "../model/names.ts";
import type { PersistentVolumeClaim } from "../model/persistent-volume-claim.ts";
import { toKubeTime } from "../model/time.ts";
import { VerificationAnnotation, verificationRestoreSessionName } from "../model/verification.ts";
import { windowsForNamespace } from "./cluster-windows.ts";
import { ensureExecutorRbac } from "./executor-rbac.ts";

/**
 * Drives one BackupVerificationSession (docs/verification.md#lifecycle): reads what the decision needs, carries
 * out its actions, writes the status with the resourceVersion it was decided from (a Conflict means someone —
 * the verifier Job — wrote meanwhile: read and decide again, never overwrite), then publishes what changed:
 * a retry's "BackupVerificationSession Created", and "Verification Failed" for a failure no retry follows.
 */

export interface VerificationDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** The final step of a session: its outcome as a metric (docs/verification.md#events). */
  pushMetrics?: (session: BackupVerificationSession) => void;
  /** The cluster's exclusion windows (registry): a retry due inside one waits (docs/windows.md#retries). */
  windows?: Omit<WindowContext, "namespaceLabels">;
}

export interface VerificationOutcome {
  namespace: string;
  name: string;
  uid?: string;
  phase?: string;
  actions: number;
  statusWritten: boolean;
  /** A retry due later: look again then. */
  retryAt?: Date;
  /** "Verification Failed" went out in this reconcile (a round decided again after a Conflict says it once). */
  failureAnnounced?: boolean;
  error?: string;
}

/** Rounds of read → decide → act in one reconcile, while a step makes what the next one needs. */
const MAX_ROUNDS = 6;

/** Everything the decision reads for `session`, each read by name or by label; absent objects are undefined. */
export async function loadVerificationWorld(
  client: KubeClient,
  session: BackupVerificationSession,
  clusterWindows?: Omit<WindowContext, "namespaceLabels">,
): Promise<VerificationReconcileInput> {
  const namespace = session.metadata.namespace ?? "default";
  const configurationName = session.spec.invoker?.name;
  const repositoryName = session.spec.repository ?? "";
  const configuration = configurationName
    ? await client.find("BackupConfiguration", namespace, configurationName)
    : undefined;
  const ref = configuration?.spec.sessions
    ?.find((s) => s.name === session.spec.session)
    ?.repositories?.find((r) => r.name === repositoryName)?.backupVerifier;
  const verifier = ref
    ? await client.find("BackupVerifier", ref.namespace ?? namespace, ref.name)
    : undefined;
  // Where it restores: as recorded when its Snapshot was chosen, else as the verifier says now.
  const target = recordedTarget(session) ?? verifier?.spec.restoreOption?.target;
  const restoreNamespace = target?.namespace ?? namespace;
  const rsName = verificationRestoreSessionName(session.metadata.name);
  const source = configuration?.spec.target;
  const [
    repository,
    snapshots,
    restoreSession,
    jobs,
    targetClaim,
    sourceClaim,
    history,
    addon,
    functions,
    retry,
  ] = await Promise.all([
    repositoryName ? client.find("Repository", namespace, repositoryName) : undefined,
    client
      .list("Snapshot", { namespace })
      .then((l) => l.items.filter((s) => s.spec.repository === repositoryName)),
    client.find("RestoreSession", restoreNamespace, rsName),
    listJobs(client, [restoreNamespace, namespace], rsName, session.metadata.name),
    target?.kind === "PersistentVolumeClaim" && target.name
      ? client.find("PersistentVolumeClaim", restoreNamespace, target.name)
      : undefined,
    source?.kind === "PersistentVolumeClaim"
      ? client.find("PersistentVolumeClaim", source.namespace ?? namespace, source.name)
      : undefined,
    client
      .list("BackupVerificationSession", {
        namespace,
        labelSelector: `${Label.InvokerName}=${configurationName ?? ""}`,
      })
      .then((l) =>
        l.items.filter(
          (s) => s.spec.session === session.spec.session && s.spec.repository === repositoryName,
        ),
      ),
    verifier?.spec.restoreOption?.addonInfo?.name
      ? client.find("Addon", undefined, verifier.spec.restoreOption.addonInfo.name)
      : undefined,
    client.list("Function").then((l) => l.items),
    client.find("BackupVerificationSession", namespace, retrySessionName(session.metadata.name)),
  ]);
  return {
    verification: session,
    configuration,
    verifier,
    repository,
    snapshots,
    restoreSession,
    jobs,
    targetClaim,
    sourceClaim,
    history,
    addon,
    functions,
    retryExists: retry !== undefined,
    ...(await scratchOwnerGone(client, session, targetClaim)),
    ...(await sourceWorkloadOf(client, source, namespace)),
    ...(clusterWindows ? { windows: await windowsForNamespace(client, namespace, clusterWindows) } : {}),
  };
}

/** The restore target the session recorded (`<kind>/<namespace>/<name>`), if any. */
function recordedTarget(session: BackupVerificationSession) {
  const text = session.metadata.annotations?.[VerificationAnnotation.RestoreTarget];
  const [kind, namespace, name] = text?.split("/") ?? [];
  return kind && namespace && name ? { kind, namespace, name } : undefined;
}

/** The target claim carries another session's scratch-for mark, and that session no longer exists. */
async function scratchOwnerGone(
  client: KubeClient,
  session: BackupVerificationSession,
  claim: PersistentVolumeClaim | undefined,
): Promise<{ scratchOwnerGone?: boolean }> {
  const owner = claim?.metadata.annotations?.[VerificationAnnotation.ScratchFor];
  const self = `${session.metadata.namespace ?? "default"}/${session.metadata.name}`;
  if (!owner || owner === self) return {};
  const [ns, name] = owner.split("/");
  if (!ns || !name) return {};
  return (await client.find("BackupVerificationSession", ns, name)) ? {} : { scratchOwnerGone: true };
}

/** The configuration's target when it is a workload: the claims its pods mount are the source too. */
async function sourceWorkloadOf(
  client: KubeClient,
  source: { kind?: string | undefined; name: string; namespace?: string | undefined } | undefined,
  namespace: string,
): Promise<{ sourceWorkload?: Workload }> {
  const kind = source?.kind;
  if (!source || (kind !== "StatefulSet" && kind !== "Deployment" && kind !== "DaemonSet")) return {};
  const workload = await client.find(kind, source.namespace ?? namespace, source.name);
  return workload ? { sourceWorkload: workload } : {};
}

async function listJobs(client: KubeClient, namespaces: string[], ...invokers: string[]) {
  const out = [];
  for (const namespace of [...new Set(namespaces)]) {
    for (const invoker of [...new Set(invokers)]) {
      const jobs = await client.list("Job", { namespace, labelSelector: `${Label.InvokerName}=${invoker}` });
      out.push(...jobs.items);
    }
  }
  return out;
}

/** Reconciles `namespace/name` until it needs nothing more now. */
export async function reconcileVerification(
  deps: VerificationDeps,
  namespace: string,
  name: string,
  now: () => Date,
): Promise<VerificationOutcome> {
  const outcome: VerificationOutcome = { namespace, name, actions: 0, statusWritten: false };
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const session = await deps.client.find("BackupVerificationSession", namespace, name);
      if (!session) return outcome;
      outcome.uid = session.metadata.uid;
      outcome.phase = session.status?.phase;
      let world = await loadVerificationWorld(deps.client, session, deps.windows);
      let decision = decideVerification(world, now());
      if (decision.confirm) {
        // A result missing from the read: read the session and its RestoreSession again, directly.
        const fresh = await deps.client.get("BackupVerificationSession", namespace, name);
        world = { ...(await loadVerificationWorld(deps.client, fresh, deps.windows)), confirmed: true };
        decision = decideVerification(world, now());
      }
      const again = await carryOut(deps, world, decision, now(), outcome);
      if (!again) return outcome;
    }
    return outcome;
  } catch (error) {
    return { ...outcome, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Acts, writes the status, publishes; true when the session should be decided again now. */
async function carryOut(
  deps: VerificationDeps,
  world: VerificationReconcileInput,
  decision: VerificationDecision,
  now: Date,
  outcome: VerificationOutcome,
): Promise<boolean> {
  let session = world.verification;
  const events: OutgoingEvent[] = [];
  for (const action of decision.actions) {
    let written: BackupVerificationSession | undefined;
    try {
      written = await apply(deps.client, session, action);
    } catch (error) {
      // Another reconcile changed the session first (a duplicate event, the sweep): decide again on what it did.
      if (error instanceof ConflictError) return true;
      throw error;
    }
    if (written) session = written;
    // Announced at once: a status write that conflicts next must not lose it (the retry exists by now).
    if (action.type === "create-retry")
      await deps.publisher.publish([createdEvent(deps.client.clusterId, action.verification, now)]);
    outcome.actions++;
  }
  if (decision.actions.some((a) => a.type === "remove-finalizer")) return false;
  const changed = !statusUnchanged(decision.status, world.verification.status);
  // Before the status write: if that write is lost, the next reconcile decides the same failure and
  // announces it again (at least once; consumers de-duplicate by name).
  if (changed && decision.failedForGood && !outcome.failureAnnounced) {
    events.push(failedEvent(deps.client.clusterId, session, world, decision.failedForGood, now));
    await deps.publisher.publish(events.splice(0));
    outcome.failureAnnounced = true;
  }
  if (changed) {
    try {
      session = await deps.client.replaceStatus("BackupVerificationSession", {
        ...session,
        status: decision.status,
      });
    } catch (error) {
      // The verifier wrote its result meanwhile (or another reconcile did): decide again on what is there.
      if (error instanceof ConflictError) return true;
      throw error;
    }
    outcome.statusWritten = true;
    outcome.phase = decision.status.phase;
  }
  if (events.length > 0) await deps.publisher.publish(events);
  if (changed && decision.phaseChange && isVerificationFinished(session)) deps.pushMetrics?.(session);
  if (decision.retry?.action === "retry-at") outcome.retryAt = decision.retry.at;
  return decision.again === true;
}

async function apply(
  client: KubeClient,
  session: BackupVerificationSession,
  action: VerificationAction,
): Promise<BackupVerificationSession | undefined> {
  const namespace = session.metadata.namespace ?? "default";
  switch (action.type) {
    case "set-snapshot":
      // Fixed once, with the resourceVersion read: a racing reconcile that chose first wins, this one re-reads.
      return client.patch("BackupVerificationSession", namespace, session.metadata.name, {
        metadata: {
          resourceVersion: session.metadata.resourceVersion,
          ...(action.restoreTarget
            ? { annotations: { [VerificationAnnotation.RestoreTarget]: action.restoreTarget } }
            : {}),
        },
        spec: { snapshot: action.snapshot },
      });
    case "create-claim":
      await client.create("PersistentVolumeClaim", action.claim);
      return undefined;
    case "delete-claim":
    case "delete-job":
    case "delete-verification": {
      const kind =
        action.type === "delete-claim"
          ? "PersistentVolumeClaim"
          : action.type === "delete-job"
            ? "Job"
            : "BackupVerificationSession";
      try {
        await client.delete(kind, action.namespace, action.name, {
          ...(action.uid ? { uid: action.uid } : {}),
          ...(kind === "Job" ? { propagationPolicy: "Background" } : {}),
        });
      } catch (error) {
        // Another object of that name now: not the one decided on, leave it.
        if (!(error instanceof ConflictError)) throw error;
      }
      return undefined;
    }
    case "delete-restore-session":
      await client.delete("RestoreSession", action.namespace, action.name);
      return undefined;
    case "create-restore-session":
      await client.create("RestoreSession", action.restoreSession);
      return undefined;
    case "update-restore-session-status":
      // The operator's fields as decided; the components stay as the executor wrote them.
      await client.updateStatus("RestoreSession", action.namespace, action.name, (current) => ({
        ...action.status,
        ...(current.status?.components ? { components: current.status.components } : {}),
      }));
      return undefined;
    case "ensure-executor-rbac":
      await ensureExecutorRbac(client, action.plan);
      return undefined;
    case "create-job":
      await client.create("Job", action.job);
      return undefined;
    case "update-snapshot-verification":
      await client.updateStatus("Snapshot", namespace, action.name, (current) => ({
        ...current.status,
        verificationStatus: action.verificationStatus,
        verificationSession: action.verificationSession,
      }));
      return undefined;
    case "create-retry":
      await client.create("BackupVerificationSession", action.verification);
      return undefined;
    case "remove-finalizer": {
      const finalizers = (session.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
      return client.patch("BackupVerificationSession", namespace, session.metadata.name, {
        metadata: { finalizers, resourceVersion: session.metadata.resourceVersion },
      });
    }
  }
}

function subjectOf(session: BackupVerificationSession) {
  return {
    namespace: session.metadata.namespace ?? "default",
    configuration: session.spec.invoker?.name ?? "",
    session: session.spec.session ?? "",
    repository: session.spec.repository ?? "",
  };
}

function createdEvent(clusterId: string, session: BackupVerificationSession, now: Date): OutgoingEvent {
  return eventFor(VerificationSessionCreated, {
    version: DETAIL_VERSION,
    clusterId,
    ...subjectOf(session),
    name: session.metadata.name,
    origin: "retry",
    scheduledTime: session.metadata.annotations?.[Annotation.ScheduledTime] ?? toKubeTime(now),
    createdAt: toKubeTime(now),
  });
}

const RETRY_SUFFIX = /^(.*)-retry-(\d+)$/;

function failedEvent(
  clusterId: string,
  session: BackupVerificationSession,
  world: VerificationReconcileInput,
  failure: { error: string; reasons: string[] },
  now: Date,
): OutgoingEvent {
  const match = RETRY_SUFFIX.exec(session.metadata.name);
  const verifier = world.verifier;
  return eventFor(VerificationFailed, {
    version: DETAIL_VERSION,
    clusterId,
    ...subjectOf(session),
    name: session.metadata.name,
    ...(match?.[1] ? { originalSession: match[1] } : {}),
    verifier: verifier
      ? `${verifier.metadata.namespace ?? "default"}/${verifier.metadata.name}`
      : (session.metadata.annotations?.["serverless.kubestash.com/verifier"] ?? "unknown"),
    ...(session.spec.snapshot ? { snapshot: session.spec.snapshot } : {}),
    attempts: match ? Number(match[2]) + 1 : 1,
    error: failure.error,
    reasons: failure.reasons,
    failedAt: toKubeTime(now),
  });
}

/** Every verification of the cluster that is unfinished, owes a retry, or is being deleted. */
export async function sweepVerifications(
  deps: VerificationDeps,
  now: () => Date,
): Promise<VerificationOutcome[]> {
  let sessions: BackupVerificationSession[];
  try {
    sessions = (await deps.client.list("BackupVerificationSession")).items;
  } catch (error) {
    // A cluster without KubeStash's verification CRDs has nothing to verify.
    if (error instanceof NotFoundError) return [];
    throw error;
  }
  const open = sessions.filter(
    (s) =>
      s.metadata.deletionTimestamp !== undefined ||
      !isVerificationFinished(s) ||
      (s.status?.phase === "Failed" && s.status.retried === undefined && (s.spec.retryLeft ?? 0) > 0),
  );
  const outcomes: VerificationOutcome[] = [];
  for (const s of open) {
    outcomes.push(await reconcileVerification(deps, s.metadata.namespace ?? "default", s.metadata.name, now));
  }
  return outcomes;
}
