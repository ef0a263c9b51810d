import type { KubeClient } from "../shared/kube/client.ts";
import { BackupConfiguration, parseWith } from "../shared/model/index.ts";
import { createDueSessions } from "../shared/usecases/create-sessions.ts";
import { type ClusterInfo, ensureControlPlaneBinaries } from "../test/controlplane/index.ts";
import { clientFor, ensureNamespace, installRbac } from "../test/support/kube.ts";
import { installBackend, installCatalog, RecordingPublisher } from "../test/support/lifecycle.ts";
import { type AnchorResult, runCronJobAnchor } from "./cronjob-anchor.ts";
import {
  formatCounts,
  formatSeconds,
  inBatches,
  instrument,
  lagSummary,
  nextMinute,
  percentile,
  progress,
  type Row,
  scaled,
  sleep,
  withControlPlane,
} from "./support.ts";

/**
 * Issue 5 item 7: 1,000 BackupConfigurations × 2 sessions over 2 clusters, all due in the same minute, and one
 * tick of createDueSessions per cluster (in parallel, as the functions run) on a real clock: requests per tick
 * and lag from the scheduled minute to each BackupSession. Anchor, in the same run and on the same API
 * server binary: kube-controller-manager's cronjob controller with as many CronJobs (once with its default
 * client rate limit, once with the limit lifted), each alone on the machine in its own minute. Our schedules
 * are `* * * * *` and ticked once; the CronJobs are due once in their minute (see cronJob() for why).
 */

const PART = "scheduling";
const PER_NAMESPACE = 50;
const LIFTED = ["--kube-api-qps=1000", "--kube-api-burst=2000"];

interface Target {
  namespace: string;
  name: string;
}

function targets(configurations: number, prefix: string): Target[] {
  return Array.from({ length: configurations }, (_, i) => ({
    namespace: `${prefix}-${Math.floor(i / PER_NAMESPACE)}`,
    name: `cfg-${String(i).padStart(4, "0")}`,
  }));
}

function configuration({ namespace, name }: Target): BackupConfiguration {
  const session = (sessionName: string) => ({
    name: sessionName,
    scheduler: { schedule: "* * * * *", concurrencyPolicy: "Allow", jobTemplate: { backoffLimit: 1 } },
    repositories: [{ name: "repo-a", backend: "local", directory: `/${name}-${sessionName}` }],
    addon: { name: "pvc-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
  });
  const spec = {
    target: { kind: "PersistentVolumeClaim", name: "data", namespace },
    backends: [
      {
        name: "local",
        storageRef: { name: "storage", namespace },
        retentionPolicy: { name: "keep", namespace },
      },
    ],
    sessions: [session("a"), session("b")],
  };
  const object = {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name, namespace },
    spec,
  };
  return parseWith(BackupConfiguration, object, name);
}

async function prepareCluster(cluster: ClusterInfo, configs: Target[]): Promise<KubeClient> {
  const admin = await clientFor(cluster, "admin");
  await installRbac(admin);
  await installCatalog(admin);
  for (const ns of new Set(configs.map((c) => c.namespace))) {
    await ensureNamespace(admin, ns);
    await installBackend(admin, ns, ["repo-a"]);
  }
  await inBatches(PART, `BackupConfigurations on ${cluster.id}`, configs, 32, (c) =>
    admin.create("BackupConfiguration", configuration(c), () => true),
  );
  return admin;
}

interface TickResult {
  cluster: string;
  wallMs: number;
  requests: string;
  retries: number;
  errors: number;
  /** Seconds from the scheduled minute: creationTimestamp (1 s resolution), and when the create returned. */
  serverLag: number[];
  clientLag: number[];
}

/** Waits for the next minute boundary, then runs one tick per cluster at once, as the functions would. */
async function tick(
  clusters: ClusterInfo[],
  admins: KubeClient[],
): Promise<{ scheduled: number; results: TickResult[] }> {
  const functions = await Promise.all(clusters.map((c) => clientFor(c, "functions")));
  const logs = functions.map((f) => instrument(f, "/backupsessions"));
  const scheduled = nextMinute(Date.now() + 2_000);
  progress(
    PART,
    `our tick: waiting ${formatSeconds(scheduled - Date.now())} for ${new Date(scheduled).toISOString()}`,
  );
  await sleep(scheduled - Date.now());
  const results = await Promise.all(
    functions.map(async (client, i) => {
      const before = client.transport.stats.retries;
      const started = Date.now();
      const report = await createDueSessions({ client, publisher: new RecordingPublisher() }, new Date());
      const wallMs = Date.now() - started;
      const log = logs[i];
      const admin = admins[i];
      if (!log || !admin) throw new Error("one client per cluster");
      const suffix = `-${scheduled / 1000}`;
      const sessions = (await admin.list("BackupSession")).items.filter((s) =>
        s.metadata.name.endsWith(suffix),
      );
      const lagOf = (ms: number) => (ms - scheduled) / 1000;
      return {
        cluster: client.clusterId,
        wallMs,
        requests: formatCounts(log.counts),
        retries: client.transport.stats.retries - before,
        errors: report.outcomes.filter((o) => o.error).length,
        serverLag: sessions.map((s) => lagOf(Date.parse(s.metadata.creationTimestamp ?? ""))),
        clientLag: [...log.created.values()].map(lagOf),
      };
    }),
  );
  return { scheduled, results };
}

/** anchor ÷ ours per percentile; both are 1 s timestamps (truncated), so each is taken at its midpoint. */
function ratio(ours: number[], anchor: number[]): string {
  const parts = [50, 99, 100].map((p) => {
    const label = p === 100 ? "max" : `p${p}`;
    return `${label} ${((percentile(anchor, p) + 0.5) / (percentile(ours, p) + 0.5)).toFixed(1)}×`;
  });
  return `anchor ÷ ours (> 1: ours is faster): ${parts.join(" · ")} (1 s timestamps taken at their midpoint)`;
}

function anchorText(label: string, result: AnchorResult): string {
  const missing =
    result.missing > 0
      ? `, ${result.missing} Jobs still missing after ${formatSeconds(result.settledMs)}`
      : "";
  return `kube-controller-manager cronjob controller (${label}; CronJobs \`<m> * * * *\`): ${lagSummary(result.lagSeconds)}${missing}`;
}

export async function benchScheduling(): Promise<Row[]> {
  const total = scaled(1_000);
  const bins = await ensureControlPlaneBinaries({
    controllerManager: true,
    onProgress: (l) => progress(PART, l),
  });
  const binary = bins.kubeControllerManager;
  if (!binary) throw new Error("kube-controller-manager was not built");
  return withControlPlane(
    PART,
    4,
    async (plane) => {
      const [one, two, three, four] = plane.clusters;
      if (!one || !two || !three || !four) throw new Error("the scheduling benchmark needs 4 clusters");
      const half = Math.ceil(total / 2);
      const all = targets(total, "sched");
      const admins = [
        await prepareCluster(one, all.slice(0, half)),
        await prepareCluster(two, all.slice(half)),
      ];
      const ours = await tick([one, two], admins);
      const cronJobs = all.flatMap((c) =>
        ["a", "b"].map((s) => ({ namespace: c.namespace, name: `${c.name}-${s}` })),
      );
      const anchor = async (cluster: ClusterInfo, extraArgs: string[]) =>
        runCronJobAnchor({
          binary,
          cluster,
          admin: await clientFor(cluster, "admin"),
          cronJobs,
          extraArgs,
          logDir: plane.stateDir,
        });
      const lifted = await anchor(four, LIFTED);
      const defaults = await anchor(three, []);

      const serverLag = ours.results.flatMap((r) => r.serverLag);
      const clientLag = ours.results.flatMap((r) => r.clientLag);
      const sessions = `${serverLag.length} of ${total * 2} BackupSessions`;
      const design =
        "by its design (not counted here): per CronJob 1 Job POST + 1 status PUT (+ 1 Event), reads from watch caches";
      return [
        ...ours.results.map((r) => ({
          name: `scheduling: requests of one tick on ${r.cluster} (${half} configurations × 2 sessions)`,
          value: `${r.requests}; ${r.retries} retries; ${r.errors} errors; wall ${formatSeconds(r.wallMs)}`,
          anchor: `kube-controller-manager ${design}`,
        })),
        {
          name: `scheduling: lag scheduled minute → creationTimestamp (${sessions}; 1 s resolution)`,
          value: lagSummary(serverLag),
          anchor: anchorText("defaults: --kube-api-qps 20, burst 30, 5 workers", defaults),
        },
        {
          name: "scheduling: ratio vs the default controller",
          value: ratio(serverLag, defaults.lagSeconds),
          anchor: "",
        },
        {
          name: "scheduling: lag scheduled minute → creationTimestamp, vs the controller with its rate limit lifted",
          value: lagSummary(serverLag),
          anchor: anchorText(`${LIFTED.join(" ")}, 5 workers`, lifted),
        },
        {
          name: "scheduling: ratio vs the lifted controller",
          value: ratio(serverLag, lifted.lagSeconds),
          anchor: "",
        },
        {
          name: "scheduling: lag scheduled minute → our create returned (client clock, ms resolution)",
          value: lagSummary(clientLag),
          anchor: "not observable for the controller (creationTimestamp only)",
        },
      ];
    },
    { controllerManager: true },
  );
}
