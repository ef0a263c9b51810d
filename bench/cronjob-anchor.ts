import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import type { KubeClient } from "../shared/kube/client.ts";
import type { ClusterInfo } from "../test/controlplane/index.ts";
import { createRaw, ensureNamespace } from "../test/support/kube.ts";
import { formatSeconds, inBatches, nextMinute, progress, sleep } from "./support.ts";

/**
 * The anchor of the scheduling benchmark: kube-controller-manager (built from the same k8s.io/kubernetes
 * module as the API server) running only its cronjob controller against one cluster of the control plane,
 * with N CronJobs all due in the same minute (see {@link cronJob}); measured from the scheduled minute to
 * each Job's creationTimestamp (the controller names a Job `<cronjob>-<minutes since the epoch>`).
 */

const PART = "scheduling";

export interface AnchorOptions {
  binary: string;
  cluster: ClusterInfo;
  admin: KubeClient;
  cronJobs: ReadonlyArray<{ namespace: string; name: string }>;
  /** Extra kube-controller-manager flags (e.g. a higher client QPS). */
  extraArgs: string[];
  logDir: string;
}

export interface AnchorResult {
  scheduled: Date;
  /** Seconds from the scheduled minute to each Job's creationTimestamp. */
  lagSeconds: number[];
  missing: number;
  /** How long after the scheduled minute the last Job was seen. */
  settledMs: number;
}

/** Starts kube-controller-manager with only the cronjob controller; resolves once its caches are synced. */
async function startControllerManager(options: AnchorOptions): Promise<ChildProcess> {
  const logFile = path.join(options.logDir, `kube-controller-manager-${options.cluster.id}.log`);
  const args = [
    `--kubeconfig=${options.cluster.kubeconfigPath}`,
    "--controllers=cronjob-controller",
    "--leader-elect=false",
    "--secure-port=0",
    ...options.extraArgs,
  ];
  const child = spawn(options.binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  const log = createWriteStream(logFile);
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  return new Promise((resolve, reject) => {
    let started = false;
    let text = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`kube-controller-manager did not sync within 60 s; see ${logFile}`));
    }, 60_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kube-controller-manager exited (${code}) before it synced; see ${logFile}`));
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      log.write(chunk);
      if (started) return;
      text += chunk.toString();
      if (/Starting cronjob controller[\s\S]*Caches are synced/.test(text)) {
        started = true;
        clearTimeout(timer);
        progress(
          PART,
          `kube-controller-manager on ${options.cluster.id} synced (${args.slice(1).join(" ")})`,
        );
        resolve(child);
      }
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Due once in the measured minute (`<minute> * * * *`, UTC). With `* * * * *` a controller that is still behind
 * when the next minute comes starts that minute's Job instead (CronJob semantics: only the most recent missed
 * time runs), so the late Jobs of the measured minute would never exist and their lag could not be measured.
 */
export function cronJob(namespace: string, name: string, minute: number) {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace },
    spec: {
      schedule: `${minute} * * * *`,
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Allow",
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          template: {
            spec: {
              restartPolicy: "Never",
              containers: [{ name: "backup", image: "ghcr.io/kubestash/pvc:v0.1.0", args: ["backup"] }],
            },
          },
        },
      },
    },
  };
}

/** Every Job of the cluster (all pages): name and creationTimestamp. */
async function listJobs(admin: KubeClient): Promise<Array<{ name: string; created: string }>> {
  const jobs: Array<{ name: string; created: string }> = [];
  let token: string | undefined;
  do {
    const page = (await admin.transport.request({
      method: "GET",
      path: "/apis/batch/v1/jobs",
      query: { limit: 500, continue: token },
    })) as {
      items?: Array<{ metadata?: { name?: string; creationTimestamp?: string } }>;
      metadata?: { continue?: string };
    };
    for (const item of page.items ?? []) {
      jobs.push({ name: item.metadata?.name ?? "", created: item.metadata?.creationTimestamp ?? "" });
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  return jobs;
}

/**
 * Runs the controller, creates the CronJobs early in a minute (so that no earlier minute fires for them) and
 * waits until every Job for the next minute exists, or `timeoutMs` after it.
 */
export async function runCronJobAnchor(
  options: AnchorOptions,
  timeoutMs = 10 * 60_000,
): Promise<AnchorResult> {
  const controller = await startControllerManager(options);
  try {
    for (const ns of new Set(options.cronJobs.map((c) => c.namespace)))
      await ensureNamespace(options.admin, ns);
    // CronJobs created across a minute boundary would fire for it: start creating early in a minute.
    if (nextMinute(Date.now()) - Date.now() < 40_000) {
      const wait = nextMinute(Date.now()) + 1_000 - Date.now();
      progress(PART, `waiting ${formatSeconds(wait)} to create the CronJobs early in a minute`);
      await sleep(wait);
    }
    const scheduled = nextMinute(Date.now());
    await inBatches(PART, `CronJobs on ${options.cluster.id}`, options.cronJobs, 32, (c) =>
      createRaw(
        options.admin,
        `/apis/batch/v1/namespaces/${c.namespace}/cronjobs`,
        cronJob(c.namespace, c.name, new Date(scheduled).getUTCMinutes()),
      ),
    );
    if (Date.now() >= scheduled - 1_000) {
      progress(
        PART,
        "WARNING: CronJobs were still being created at the scheduled minute; lags are not comparable",
      );
    }
    const suffix = `-${scheduled / 60_000}`;
    progress(
      PART,
      `waiting for ${options.cronJobs.length} Jobs named *${suffix} (scheduled ${new Date(scheduled).toISOString()})`,
    );
    await sleep(scheduled - Date.now());
    let jobs: Array<{ name: string; created: string }> = [];
    let lastCount = -1;
    while (Date.now() < scheduled + timeoutMs) {
      await sleep(5_000);
      jobs = (await listJobs(options.admin)).filter((j) => j.name.endsWith(suffix));
      if (jobs.length !== lastCount)
        progress(
          PART,
          `  ${jobs.length}/${options.cronJobs.length} Jobs after ${formatSeconds(Date.now() - scheduled)}`,
        );
      lastCount = jobs.length;
      if (jobs.length >= options.cronJobs.length) break;
    }
    const lagSeconds = jobs.map((j) => (Date.parse(j.created) - scheduled) / 1000);
    return {
      scheduled: new Date(scheduled),
      lagSeconds,
      missing: options.cronJobs.length - jobs.length,
      settledMs: Date.now() - scheduled,
    };
  } finally {
    await stopProcess(controller);
    progress(PART, `kube-controller-manager on ${options.cluster.id} stopped`);
  }
}
