import { newBackupSession } from "../shared/decide/schedule/new-session.ts";
import type { KubeClient } from "../shared/kube/client.ts";
import {
  type BackupConfiguration,
  type BackupSessionStatus,
  BackupSessionCondition as C,
  BackupSessionReason as R,
  type SnapshotStatus,
  toKubeTime,
} from "../shared/model/index.ts";
import { createDueSessions } from "../shared/usecases/create-sessions.ts";
import { sweepSessions } from "../shared/usecases/reconcile-session.ts";
import { ensureNamespace, installRbac } from "../test/support/kube.ts";
import {
  installBackend,
  installCatalog,
  installConfiguration,
  RecordingPublisher,
} from "../test/support/lifecycle.ts";
import { formatSeconds, inBatches, progress } from "./support.ts";

/**
 * The world of the sweep benchmark on one cluster: BackupConfigurations (hourly, concurrencyPolicy Allow, two
 * repositories), made Ready by one real tick; then BackupSessions, most of them finished (phase Succeeded,
 * metrics pushed, history cleaned: the sweep skips them) and the newest of each configuration running. The
 * running ones are brought to a steady state by the real sweep playing against a fake executor (Snapshots
 * reported Running), so that a further sweep finds nothing to change.
 */

const PART = "sweep";
const REPOSITORIES = ["repo-a", "repo-b"];

export interface WorldShape {
  prefix: string;
  namespaces: number;
  configurationsPerNamespace: number;
  sessionsPerConfiguration: number;
  runningPerConfiguration: number;
}

export interface SweepWorld {
  sessions: number;
  running: Array<{ namespace: string; name: string }>;
}

function finishedStatus(name: string, namespace: string, time: string): BackupSessionStatus {
  const condition = (type: string, reason: string) => ({
    type,
    status: "True" as const,
    reason,
    lastTransitionTime: time,
  });
  return {
    phase: "Succeeded",
    duration: "1m3s",
    totalSnapshots: REPOSITORIES.length,
    snapshots: REPOSITORIES.map((repository) => ({
      name: `${repository}-${name}`,
      phase: "Succeeded" as const,
      appRef: { kind: "PersistentVolumeClaim", name: "data", namespace },
      repository,
    })),
    conditions: [
      condition(C.SnapshotsEnsured, R.SuccessfullyEnsuredSnapshots),
      condition(C.BackupExecutorEnsured, R.SuccessfullyEnsuredBackupExecutor),
      condition(C.SessionHistoryCleaned, R.SuccessfullyCleanedSessionHistory),
      condition(C.MetricsPushed, R.SuccessfullyPushedMetrics),
    ],
  };
}

/** What a restic executor reports while it uploads: one component Running. */
export function runningSnapshotStatus(current: SnapshotStatus | undefined, now: Date): SnapshotStatus {
  return {
    ...current,
    totalComponents: 1,
    components: { dump: { phase: "Running", driver: "Restic" } },
    conditions: [{ type: "RecentSnapshotListUpdated", status: "True", lastTransitionTime: toKubeTime(now) }],
  };
}

async function createSessions(
  admin: KubeClient,
  configs: BackupConfiguration[],
  shape: WorldShape,
): Promise<SweepWorld> {
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const plan = configs.flatMap((configuration) =>
    Array.from({ length: shape.sessionsPerConfiguration }, (_, i) => ({ configuration, i })),
  );
  const running: SweepWorld["running"] = [];
  await inBatches(PART, "BackupSessions", plan, 32, async ({ configuration, i }) => {
    const session = configuration.spec.sessions?.[0];
    if (!session) throw new Error("the configuration has a session");
    const scheduledTime = new Date(hour - i * 3_600_000);
    const name = `${configuration.metadata.name}-${session.name}-${scheduledTime.getTime() / 1000}`;
    const desired = newBackupSession({ configuration, session, name, scheduledTime, origin: "schedule" });
    const { object } = await admin.create("BackupSession", desired, () => true);
    const namespace = object.metadata.namespace ?? "default";
    if (i < shape.runningPerConfiguration) {
      running.push({ namespace, name });
      return;
    }
    const status = finishedStatus(name, namespace, toKubeTime(new Date(scheduledTime.getTime() + 63_000)));
    await admin.replaceStatus("BackupSession", { ...object, status });
  });
  return { sessions: plan.length, running };
}

/** Sweeps (as the functions) and plays the executor until a sweep writes no status; returns how many it took. */
async function settle(admin: KubeClient, functions: KubeClient): Promise<number> {
  const publisher = new RecordingPublisher();
  for (let round = 1; round <= 5; round++) {
    const started = Date.now();
    const outcomes = await sweepSessions({ client: functions, publisher }, () => new Date());
    const written = outcomes.filter((o) => o.statusWritten || o.actions > 0).length;
    const errors = outcomes.filter((o) => o.error);
    progress(
      PART,
      `settling sweep ${round}: ${outcomes.length} open sessions, ${written} changed, ${errors.length} errors (${formatSeconds(Date.now() - started)})`,
    );
    if (errors[0]) progress(PART, `  first error: ${errors[0].error}`);
    if (written === 0) return round;
    const snapshots = (await admin.list("Snapshot")).items.filter((s) => !s.status?.components);
    await inBatches(PART, "executor reports Snapshots Running", snapshots, 32, (s) =>
      admin.updateStatus("Snapshot", s.metadata.namespace, s.metadata.name, (current) =>
        current.status?.components ? undefined : runningSnapshotStatus(current.status, new Date()),
      ),
    );
  }
  throw new Error("the running sessions did not reach a steady state in 5 sweeps");
}

export async function buildSweepWorld(
  admin: KubeClient,
  functions: KubeClient,
  shape: WorldShape,
): Promise<SweepWorld> {
  const started = Date.now();
  await installRbac(admin);
  await installCatalog(admin);
  const plan: Array<{ namespace: string; name: string }> = [];
  for (let n = 0; n < shape.namespaces; n++) {
    const namespace = `${shape.prefix}-${n}`;
    await ensureNamespace(admin, namespace);
    await installBackend(admin, namespace, REPOSITORIES);
    for (let c = 0; c < shape.configurationsPerNamespace; c++) plan.push({ namespace, name: `cfg-${c}` });
  }
  await inBatches(PART, "BackupConfigurations", plan, 16, (c) =>
    installConfiguration(admin, c.namespace, c.name, {}, REPOSITORIES),
  );
  // One real tick makes the configurations Ready (status, nextSchedule); hourly, so nothing falls due now.
  const tick = await createDueSessions(
    { client: functions, publisher: new RecordingPublisher() },
    new Date(),
  );
  const configs = (await admin.list("BackupConfiguration")).items;
  const ready = configs.filter((c) => c.status?.phase === "Ready").length;
  const created = tick.outcomes.filter((o) => o.created).length;
  progress(PART, `${ready}/${configs.length} configurations Ready; the tick created ${created} sessions`);
  const world = await createSessions(admin, configs, shape);
  const rounds = await settle(admin, functions);
  progress(
    PART,
    `world of ${world.sessions} sessions (${world.running.length} running) steady after ${rounds} sweeps, built in ${formatSeconds(Date.now() - started)}`,
  );
  return world;
}
