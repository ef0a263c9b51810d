import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { runBackupJobs, runMetadataJobs } from "../../local/demo-executor.ts";
import type { JobEnd } from "../../local/job-controller.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { JobComponent, Label, MANAGED_BY } from "../../shared/model/labels.ts";
import type { ClusterInfo } from "../controlplane/index.ts";

/**
 * The cluster's part for the follow-up tests, on the real API server: the executor (the addon writes its
 * Snapshot components, the Job controller ends the Job) after a given run time, and the Job controller for the
 * metadata upload Jobs. It records when each session's final Snapshot write happened, so a test can measure
 * how long our functions took to see it. It writes only what a real cluster writes (local/demo-executor.ts).
 */
export class TimedExecutor {
  /** Session name → when its backup Jobs' Snapshot components were written (ms). */
  readonly snapshotWritten = new Map<string, number>();
  /** Session name → when its first backup Job was seen (ms). */
  readonly jobSeen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly admin: KubeClient,
    private readonly namespace: string,
    /** The outcome of a session's backup, and how long it runs; undefined: it keeps running. */
    private readonly plan: (session: string) => { outcome: JobEnd; runMs: number } | undefined,
    private readonly pollMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick()).catch(() => {});
    }, this.pollMs);
  }

  private async tick(): Promise<void> {
    const jobs = await this.admin.list("Job", {
      namespace: this.namespace,
      labelSelector: `${Label.ManagedBy}=${MANAGED_BY},${Label.Component}=${JobComponent.Backup}`,
    });
    const now = Date.now();
    for (const job of jobs.items) {
      const session = job.metadata.labels?.[Label.InvokerName] ?? "";
      if (this.snapshotWritten.has(session)) continue;
      if (!this.jobSeen.has(session)) this.jobSeen.set(session, now);
      const plan = this.plan(session);
      if (!plan || now - (this.jobSeen.get(session) ?? now) < plan.runMs) continue;
      // The moment the addon starts its write: a watch of the Snapshot cannot see it before.
      const writing = Date.now();
      await runBackupJobs(this.admin, this.namespace, session, plan.outcome, new Date());
      this.snapshotWritten.set(session, writing);
    }
    await runMetadataJobs(this.admin, "Succeeded", new Date());
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}

/** A registry of the clusters as the functions' identity, with a storm guard cap high enough for the tests. */
export async function writeRegistry(clusters: ClusterInfo[], file: string, maxConcurrentRetries = 50) {
  const registry = {
    clusters: clusters.map((c) => ({
      id: c.id,
      maxConcurrentRetries,
      credentials: { source: "kubeconfig", path: c.functionsKubeconfigPath },
    })),
  };
  await writeFile(file, stringify(registry));
}

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
