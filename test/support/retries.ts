import { runBackupJobs, runMetadataJobs } from "../../local/demo-executor.ts";
import { newBackupSession } from "../../shared/decide/schedule/new-session.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import {
  Annotation,
  type BackupConfiguration,
  type BackupSession,
  type RetryConfig,
  toKubeTime,
} from "../../shared/model/index.ts";
import { reconcileSession } from "../../shared/usecases/reconcile-session.ts";
import { installConfiguration, RecordingPublisher, scheduleSession } from "./lifecycle.ts";

/**
 * Failed BackupSessions on the real control plane, for the retry tests: made Failed the way production does
 * (scheduled, reconciled, the executor reports a failed snapshot, reconciled again), or — where many are
 * needed — written Failed directly. And what the tests read back: retries of a session, its Events.
 */

export interface Clients {
  admin: KubeClient;
  functions: KubeClient;
}

/**
 * A configuration `name` whose one session is scheduled at `at(5)` and fails: reconciled at `at(6)`, its
 * snapshots Failed at `at(20)`, reconciled to Failed at `at(22)` (MetricsPushed then: the failure time).
 */
export async function failScheduledSession(
  clients: Clients,
  namespace: string,
  name: string,
  retryConfig: Partial<RetryConfig>,
  at: (seconds: number) => Date,
  extra: { sessionHistoryLimit?: number } = {},
): Promise<string> {
  await installConfiguration(clients.admin, namespace, name, {
    retryConfig: { maxRetry: 1, ...retryConfig },
    ...extra,
  });
  const session = await scheduleSession(clients.functions, name, at(5));
  await failSession(clients, namespace, session, at(6), at(22));
  return session;
}

/** Drives an existing session to Failed: reconcile at `start`, snapshots Failed, reconcile at `end`. */
export async function failSession(
  clients: Clients,
  namespace: string,
  name: string,
  start: Date,
  end: Date,
): Promise<void> {
  const deps = { client: clients.functions, publisher: new RecordingPublisher() };
  await reconcileSession(deps, namespace, name, () => start);
  const snapshots = (await clients.admin.list("Snapshot", { namespace })).items.filter(
    (s) => s.spec.backupSession === name,
  );
  if (snapshots.length === 0) throw new Error(`${name}: no snapshots to fail`);
  // The cluster's part: the addon reports its components Failed, the Job controller ends the Jobs.
  await runBackupJobs(clients.admin, namespace, name, "Failed", start);
  await reconcileSession(deps, namespace, name, () => start);
  await runMetadataJobs(clients.admin, "Succeeded", start, name);
  await reconcileSession(deps, namespace, name, () => end);
  const phase = (await clients.admin.get("BackupSession", namespace, name)).status?.phase;
  if (phase !== "Failed") throw new Error(`${name}: expected Failed, got ${phase}`);
}

/** A session of `configuration` written Failed directly (failed at `failedAt`), for many-at-once tests. */
export async function writeFailedSession(
  admin: KubeClient,
  configuration: BackupConfiguration,
  name: string,
  retryLeft: number,
  failedAt: Date,
): Promise<BackupSession> {
  const [session] = configuration.spec.sessions ?? [];
  if (!session) throw new Error("the configuration has no session");
  const desired = newBackupSession({
    configuration,
    session,
    name,
    scheduledTime: failedAt,
    origin: "schedule",
    retryLeft,
  });
  const { object } = await admin.create("BackupSession", desired);
  const time = toKubeTime(failedAt);
  return admin.replaceStatus("BackupSession", {
    ...object,
    status: {
      phase: "Failed",
      snapshots: [{ name: `repo-${name}`, phase: "Failed" }],
      conditions: [
        {
          type: "MetricsPushed",
          status: "True",
          reason: "SuccessfullyPushedMetrics",
          lastTransitionTime: time,
        },
      ],
    },
  });
}

/** The retry sessions made for `failed` (annotation RetryOf). */
export async function retriesOf(
  admin: KubeClient,
  namespace: string,
  failed: string,
): Promise<BackupSession[]> {
  const all = await admin.list("BackupSession", { namespace });
  return all.items.filter((s) => s.metadata.annotations?.[Annotation.RetryOf] === failed);
}

/** Reasons of the Kubernetes Events recorded on an object, oldest first. */
export async function eventReasons(admin: KubeClient, namespace: string, name: string): Promise<string[]> {
  const events = await admin.list("Event", { namespace, fieldSelector: `involvedObject.name=${name}` });
  return events.items
    .sort((a, b) => (a.firstTimestamp ?? "").localeCompare(b.firstTimestamp ?? ""))
    .map((e) => e.reason);
}
