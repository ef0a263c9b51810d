import type { KubeClient } from "../../shared/kube/client.ts";
import { parseWith, Snapshot } from "../../shared/model/index.ts";
import { toKubeTime } from "../../shared/model/time.ts";
import { evaluateFailure } from "../../shared/usecases/evaluate-failure.ts";
import type { ClusterInfo } from "../controlplane/index.ts";
import { clockFrom } from "./clock.ts";
import { clientFor, ensureNamespace, installRbac } from "./kube.ts";
import {
  installBackend,
  installCatalog,
  installConfiguration,
  RecordingPublisher,
  scheduleSession,
} from "./lifecycle.ts";

/**
 * A small fleet on the test control plane for `kss fleet` and the dashboard: per cluster a namespace with a
 * storage, a repository and an hourly configuration "app", then sessions in the phases a scenario needs.
 */

export interface SeededCluster {
  cluster: ClusterInfo;
  admin: KubeClient;
}

/** RBAC for the functions' identity, the namespace, the backend and the hourly configuration "app". */
export async function seedCluster(cluster: ClusterInfo, namespace: string): Promise<SeededCluster> {
  const admin = await clientFor(cluster, "admin");
  await installRbac(admin);
  await ensureNamespace(admin, namespace);
  await installBackend(admin, namespace, ["repo-a"]);
  await installConfiguration(admin, namespace, "app");
  return { cluster, admin };
}

/** The scheduler's session of "app" for `at`, then moved to `phase` as the session function would. */
export async function sessionInPhase(
  admin: KubeClient,
  namespace: string,
  at: Date,
  phase: "Succeeded" | "Failed" | "Running",
): Promise<string> {
  const name = await scheduleSession(admin, "app", at);
  await admin.patch("BackupSession", namespace, name, { status: { phase } }, { subresource: "status" });
  return name;
}

/** A Succeeded Snapshot of "app" in repo-a for `session`, taken at `takenAt` (the executor's report). */
export async function succeededSnapshot(
  admin: KubeClient,
  namespace: string,
  session: string,
  takenAt: Date,
): Promise<void> {
  const snapshot = parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: `repo-a-${session}`, namespace },
      spec: {
        repository: "repo-a",
        session: "hourly",
        backupSession: session,
        appRef: { kind: "PersistentVolumeClaim", name: "data", namespace },
      },
    },
    "snapshot",
  );
  await admin.create("Snapshot", snapshot);
  await admin.patch(
    "Snapshot",
    namespace,
    snapshot.metadata.name,
    { status: { phase: "Succeeded", snapshotTime: toKubeTime(takenAt) } },
    { subresource: "status" },
  );
}

/**
 * The sessions {@link seedRunHistory} made, due at +0 (Succeeded, 1m10s), +5 (Failed, retried), +7 (its retry,
 * Succeeded, 1m40s), +15 (Skipped), +20 (Succeeded, 50s) and +25 (left as created: running) minutes.
 */
export interface RunHistorySeed {
  succeeded: string;
  retried: string;
  retry: string;
  skipped: string;
  succeededLast: string;
  running: string;
}

/**
 * A configuration "history" on `*\/5 * * * *` (Allow, sessionHistoryLimit 10, one retry after 1m) with a run of
 * each kind, made by the functions' own code where it has a part: the scheduler at +0, +5, +15, +20 and +25
 * minutes after `due` (not at +10, so the tick at +15 finds +10 superseded and records it in ScheduleMissed),
 * the failure at +5 retried by evaluate-failure's use case; the phases a finished run ends in are written as
 * reconcile-session would. The last one is left to the functions: with no executor it stays Running.
 */
export async function seedRunHistory(
  admin: KubeClient,
  namespace: string,
  due: Date,
): Promise<RunHistorySeed> {
  const { atMinutes } = clockFrom(due);
  // The addon, so that reconcile-session (the dashboard's runtime runs it) keeps the last session Running.
  await installCatalog(admin);
  await installConfiguration(admin, namespace, "history", {
    scheduler: { schedule: "*/5 * * * *", jobTemplate: {}, concurrencyPolicy: "Allow" },
    sessionHistoryLimit: 10,
    retryConfig: { maxRetry: 1, delay: "1m" },
  });
  const names: string[] = [];
  for (const minute of [0, 5, 15, 20, 25])
    names.push(await scheduleSession(admin, "history", atMinutes(minute)));
  const [succeeded, retried, skipped, succeededLast, running] = names;
  if (!succeeded || !retried || !skipped || !succeededLast || !running) throw new Error("five sessions");
  const status = (name: string, value: Record<string, unknown>) =>
    admin.patch("BackupSession", namespace, name, { status: value }, { subresource: "status" });
  await status(succeeded, { phase: "Succeeded", duration: "1m10s" });
  await status(skipped, { phase: "Skipped" });
  await status(succeededLast, { phase: "Succeeded", duration: "50s" });
  const failedAt = toKubeTime(atMinutes(6));
  await status(retried, {
    phase: "Failed",
    duration: "1m",
    conditions: [
      {
        type: "MetricsPushed",
        status: "True",
        reason: "SuccessfullyPushedMetrics",
        lastTransitionTime: failedAt,
      },
    ],
  });
  const outcome = await evaluateFailure(
    { client: admin, publisher: new RecordingPublisher() },
    namespace,
    retried,
    () => atMinutes(27),
  );
  if (outcome.result !== "created" || !outcome.retry) throw new Error(`no retry: ${JSON.stringify(outcome)}`);
  await status(outcome.retry, { phase: "Succeeded", duration: "1m40s" });
  return { succeeded, retried, retry: outcome.retry, skipped, succeededLast, running };
}
