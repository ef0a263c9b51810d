import { createHash } from "node:crypto";
import type { KubeClient } from "../shared/kube/client.ts";
import type { Job } from "../shared/model/job.ts";
import { JobComponent, Label, MANAGED_BY } from "../shared/model/labels.ts";
import type { Component, Snapshot } from "../shared/model/snapshot.ts";
import { toKubeTime } from "../shared/model/time.ts";
import { VerificationJobComponent } from "../shared/model/verification.ts";
import { finishJob, type JobEnd } from "./job-controller.ts";
import { releaseUnusedClaims } from "./pvc-protection.ts";
import { componentNameEnv, runRestoreJobs, runVerifierJobs } from "./restore-executor.ts";

/**
 * Plays the parts of a cluster that the local demo and the tests do not run (no kubelet, no addon image):
 * - the addon in the backup Job, which writes **only** `status.components.<name>` of its Snapshot — here one
 *   `dump` component as KubeStash's pvc addon writes it (docs/operator-contract.md#snapshot-status-ownership);
 *   everything else on the Snapshot is the operator's, so ours;
 * - the Job controller, which marks the backup Job and the metadata upload Job finished (job-controller.ts);
 * - for a verification, the restore executor and the verifier binary (restore-executor.ts) and
 *   kube-controller-manager's pvc-protection controller (pvc-protection.ts), docs/verification.md#demo.
 * It writes nothing our code waits for that a real cluster would not write.
 */

/** The component a pvc addon writes: phase, driver, path, duration, and size, integrity and restic stats on success. */
export function addonComponent(
  snapshot: Snapshot,
  outcome: JobEnd,
  now: Date,
  name = "dump",
): Record<string, Component> {
  const session = snapshot.spec.session ?? "session";
  const id = createHash("sha256").update(`${snapshot.metadata.name}/${now.toISOString()}`).digest("hex");
  const time = toKubeTime(now);
  const common = {
    path: `repository/v1/${session}/dump`,
    phase: outcome,
    driver: "Restic" as const,
    duration: "2.1s",
  };
  if (outcome === "Failed") return { dump: { ...common, error: "restic: connection reset by peer" } };
  const summary = {
    id,
    hostPath: "/kubestash-data",
    size: "1.200 MiB",
    uploaded: "310.000 KiB",
    startTime: time,
    endTime: time,
  };
  return { [name]: { ...common, size: "1.200 MiB", integrity: true, resticStats: [{ summary }] } };
}

/**
 * Writes one executor Job's addon result on a Snapshot: its component (named by the Job's `COMPONENT_NAME`,
 * else `dump`) and nothing else; a component already reported is left alone. The operator must have
 * created the Snapshot's status first (totalComponents).
 */
export async function writeAddonResult(
  client: KubeClient,
  snapshot: Snapshot,
  outcome: JobEnd,
  now: Date,
  component = "dump",
) {
  return client.updateStatus("Snapshot", snapshot.metadata.namespace, snapshot.metadata.name, (current) =>
    current.status?.components?.[component]
      ? undefined
      : {
          ...current.status,
          components: { ...current.status?.components, ...addonComponent(current, outcome, now, component) },
        },
  );
}

/** The addon while it uploads: its component reported Running, with no size or stats yet (only that field). */
export async function reportRunning(client: KubeClient, snapshot: Snapshot, component = "dump") {
  return client.updateStatus("Snapshot", snapshot.metadata.namespace, snapshot.metadata.name, (current) => ({
    ...current.status,
    components: {
      ...current.status?.components,
      [component]: { phase: "Running" as const, driver: "Restic" as const },
    },
  }));
}

/** The component an executor Job's addon reports: its `COMPONENT_NAME`, else `dump` (a single Job). */
const componentNameOf = (job: Job): string => componentNameEnv(job) ?? "dump";

const isFinished = (job: Job) =>
  (job.status?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );

const componentOf = (job: Job) => job.metadata.labels?.[Label.Component];

/**
 * Runs every backup Job of one session the way a real pod would end: the addon reports its components on the
 * session's Snapshots, then the Job controller marks the Job finished.
 */
export async function runBackupJobs(
  client: KubeClient,
  namespace: string,
  sessionName: string,
  outcome: JobEnd,
  now: Date,
): Promise<number> {
  const jobs = await client.list("Job", { namespace, labelSelector: `${Label.InvokerName}=${sessionName}` });
  const backups = jobs.items.filter((j) => componentOf(j) === JobComponent.Backup && !isFinished(j));
  if (backups.length === 0) return 0;
  const snapshots = (await client.list("Snapshot", { namespace })).items.filter(
    (s) => s.spec.backupSession === sessionName,
  );
  for (const job of backups) {
    for (const snapshot of snapshots)
      await writeAddonResult(client, snapshot, outcome, now, componentNameOf(job));
    await finishJob(client, job, outcome, now);
  }
  return backups.length;
}

/** Lets every unfinished metadata upload Job of a session (or of all sessions) end as `outcome`. */
export async function runMetadataJobs(
  client: KubeClient,
  outcome: JobEnd,
  now: Date,
  sessionName?: string,
): Promise<number> {
  const selector = [
    `${Label.ManagedBy}=${MANAGED_BY}`,
    `${Label.Component}=${JobComponent.SnapshotMetadata}`,
    ...(sessionName ? [`${Label.InvokerName}=${sessionName}`] : []),
  ].join(",");
  const jobs = (await client.list("Job", { labelSelector: selector })).items.filter((j) => !isFinished(j));
  for (const job of jobs) await finishJob(client, job, outcome, now);
  return jobs.length;
}

/** Whether a run ends Failed: about one in `every`, by a hash of its name (stable across ticks). */
function failsByName(name: string, every: number): boolean {
  const hash = createHash("sha256").update(name).digest()[0] ?? 0;
  return hash % every === 0;
}

/**
 * The demo's cluster stand-in: every backup Job runs (about one in four fails, by its session's name), every
 * upload succeeds; every restore Job runs (about one in six fails, by its RestoreSession's name, so a
 * verification is retried now and then), every verifier Job succeeds; deleted claims no Pod uses go.
 */
export class DemoExecutor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clients: ReadonlyArray<KubeClient>,
    private readonly now: () => Date,
    private readonly intervalMs = 2_000,
    private readonly failureEvery = 4,
    private readonly restoreFailureEvery = 6,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick().catch(() => {}), this.intervalMs);
  }

  async tick(): Promise<number> {
    let finished = 0;
    for (const client of this.clients) {
      const jobs = await client.list("Job", {
        labelSelector: `${Label.ManagedBy}=${MANAGED_BY},${Label.Component}=${JobComponent.Backup}`,
      });
      for (const job of jobs.items.filter((j) => !isFinished(j))) {
        const session = job.metadata.labels?.[Label.InvokerName] ?? "";
        const outcome = failsByName(session, this.failureEvery) ? "Failed" : "Succeeded";
        finished += await runBackupJobs(
          client,
          job.metadata.namespace ?? "default",
          session,
          outcome,
          this.now(),
        );
      }
      finished += await runMetadataJobs(client, "Succeeded", this.now());
      finished += await this.runVerificationJobs(client);
      await releaseUnusedClaims(client);
    }
    return finished;
  }

  /** Restore executor Jobs, then verifier Jobs, each group by the session that invoked it. */
  private async runVerificationJobs(client: KubeClient): Promise<number> {
    let finished = 0;
    for (const component of [VerificationJobComponent.Restore, VerificationJobComponent.Verifier]) {
      const jobs = await client.list("Job", {
        labelSelector: `${Label.ManagedBy}=${MANAGED_BY},${Label.Component}=${component}`,
      });
      const invokers = new Set(
        jobs.items
          .filter((j) => !isFinished(j))
          .map((j) => `${j.metadata.namespace ?? "default"}/${j.metadata.labels?.[Label.InvokerName] ?? ""}`),
      );
      for (const key of invokers) {
        const [namespace = "default", name = ""] = key.split("/");
        if (component === VerificationJobComponent.Restore) {
          const outcome = failsByName(name, this.restoreFailureEvery) ? "Failed" : "Succeeded";
          finished += await runRestoreJobs(client, namespace, name, outcome, this.now());
        } else finished += await runVerifierJobs(client, namespace, name, "Succeeded", this.now());
      }
    }
    return finished;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
