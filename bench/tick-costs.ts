import type { KubeClient } from "../shared/kube/client.ts";
import { createDueSessions } from "../shared/usecases/create-sessions.ts";
import { sweepFailures } from "../shared/usecases/evaluate-failure.ts";
import type { SweepOptions } from "../shared/usecases/reconcile-session.ts";
import { sweepSessions } from "../shared/usecases/reconcile-session.ts";
import { cleanUpSnapshots } from "../shared/usecases/snapshot-cleanup.ts";
import { clientFor } from "../test/support/kube.ts";
import { RecordingPublisher } from "../test/support/lifecycle.ts";
import {
  formatCounts,
  instrument,
  progress,
  type RequestLog,
  type Row,
  scaled,
  withControlPlane,
  writesOf,
} from "./support.ts";
import { buildSweepWorld, type WorldShape } from "./sweep-world.ts";

/**
 * Issue 15, "cut what each tick costs" (docs/costs.md): the sweep over 10,000 finished + 100 running sessions
 * beside the same 100 running with no history, on two clusters of one control plane in one run — requests,
 * LIST pages and response bytes — and what one Schedule Tick costs a cluster with nothing due (every function
 * the tick starts, as the functions' identity): LIST pages per kind and writes.
 */

const PART = "tick-costs";
const CONFIGURATIONS = { namespaces: 10, configurationsPerNamespace: 10 };

interface Cost {
  counts: Record<string, number>;
  /** LIST pages per collection path. */
  lists: Map<string, number>;
  bytes: number;
}

/** The requests and response bytes of `act` on the functions' client (instrumented once, by `log`). */
async function costOf(client: KubeClient, log: RequestLog, act: () => Promise<unknown>): Promise<Cost> {
  log.reset();
  const before = client.transport.stats.responseBytes;
  await act();
  return {
    counts: { ...log.counts },
    lists: new Map(log.lists),
    bytes: client.transport.stats.responseBytes - before,
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const pages = (c: Cost) => [...c.lists.values()].reduce((a, b) => a + b, 0);

/** "backupsessions 1 · jobs 1 · …": LIST pages per kind (the collection path's last segment). */
function perKind(c: Cost): string {
  const byKind = new Map<string, number>();
  for (const [path, n] of c.lists) {
    const kind = path.split("/").at(-1) ?? path;
    byKind.set(kind, (byKind.get(kind) ?? 0) + n);
  }
  return [...byKind].map(([k, n]) => `${k} ${n}`).join(" · ");
}

function sweepValue(c: Cost): string {
  return `${formatCounts(c.counts)}; ${c.lists.size} LISTs, ${pages(c)} pages; ${kib(c.bytes)} received; ${writesOf(c.counts)} writes`;
}

interface Cluster {
  label: string;
  finished: number;
  running: number;
  functions: KubeClient;
  log: RequestLog;
}

async function buildCluster(
  admin: KubeClient,
  functions: KubeClient,
  prefix: string,
  finishedPerConfiguration: number,
): Promise<Cluster> {
  const shape: WorldShape = {
    prefix,
    ...CONFIGURATIONS,
    sessionsPerConfiguration: 1 + finishedPerConfiguration,
    runningPerConfiguration: 1,
  };
  const world = await buildSweepWorld(admin, functions, shape);
  const running = world.running.length;
  const finished = world.sessions - running;
  return {
    label: `${finished} finished + ${running} running`,
    finished,
    running,
    functions,
    log: instrument(functions),
  };
}

const sweep = (c: Cluster, options: SweepOptions) =>
  costOf(c.functions, c.log, () =>
    sweepSessions({ client: c.functions, publisher: new RecordingPublisher() }, () => new Date(), options),
  );

/** One Schedule Tick of a cluster whose configurations are up to date and where nothing is due, per function. */
async function tickCosts(c: Cluster): Promise<Array<[string, Cost]>> {
  const publisher = new RecordingPublisher();
  const now = new Date();
  // The tick before brings every configuration's status up to date (it was written by the world's build).
  await createDueSessions({ client: c.functions, publisher }, now);
  const client = c.functions;
  const at = () => new Date(now.getTime() + 1_000);
  const created = await costOf(client, c.log, async () => {
    const report = await createDueSessions({ client, publisher }, at());
    const made = report.outcomes.filter((o) => o.created).length;
    if (made > 0)
      progress(PART, `warning: the quiet tick created ${made} sessions (an hour boundary passed)`);
  });
  return [
    ["create-sessions", created],
    ["reconcile-session: sweep", await sweep(c, { scope: "unfinished" })],
    [
      "reconcile-session: snapshot cleanup",
      await costOf(client, c.log, () => cleanUpSnapshots({ client }, at(), undefined, "unfinished")),
    ],
    [
      "reconcile-session: snapshot cleanup, hourly full list",
      await costOf(client, c.log, () => cleanUpSnapshots({ client }, at(), undefined, "all")),
    ],
    ["evaluate-failure: sweep", await costOf(client, c.log, () => sweepFailures({ client, publisher }, at))],
  ];
}

export async function benchTickCosts(): Promise<Row[]> {
  return withControlPlane(PART, 2, async (plane) => {
    const [one, two] = plane.clusters;
    if (!one || !two) throw new Error("the tick-costs benchmark needs 2 clusters");
    const big = await buildCluster(
      await clientFor(one, "admin"),
      await clientFor(one, "functions"),
      "history",
      scaled(100),
    );
    const none = await buildCluster(
      await clientFor(two, "admin"),
      await clientFor(two, "functions"),
      "fresh",
      0,
    );
    const rows: Row[] = [];
    const measured: Array<[Cluster, Cost]> = [];
    for (const c of [big, none]) {
      const cost = await sweep(c, { scope: "unfinished" });
      progress(PART, `sweep, ${c.label}: ${sweepValue(cost)}`);
      measured.push([c, cost]);
      rows.push({
        name: `tick-costs: sweep over ${c.label}`,
        value: `${sweepValue(cost)}; LIST pages: ${perKind(cost)}`,
        anchor: "issue 15: today 8 LISTs, 31 pages (10,000 + 100); target: independent of the finished ones",
      });
    }
    const [[, withHistory], [, without]] = measured as [[Cluster, Cost], [Cluster, Cost]];
    const total = (c: Cost) => Object.values(c.counts).reduce((a, b) => a + b, 0);
    rows.push({
      name: `tick-costs: sweep, ${big.finished} finished vs 0 finished (same 100 running)`,
      value: `requests ${total(withHistory)} vs ${total(without)}; pages ${pages(withHistory)} vs ${pages(without)}; bytes ${kib(withHistory.bytes)} vs ${kib(without.bytes)} (×${(withHistory.bytes / Math.max(1, without.bytes)).toFixed(2)})`,
      anchor:
        "independent of the finished ones: ×1 requests; bytes differ only by the namespaces' Repositories and configurations",
    });
    const full = await sweep(big, { scope: "all" });
    rows.push({
      name: `tick-costs: the hourly full sweep (minute 30) over ${big.label}`,
      value: sweepValue(full),
      anchor:
        "once an hour: finds labelled sessions deleted by others (docs/costs.md#sessions-being-deleted)",
    });
    for (const c of [none, big]) {
      const ticks = await tickCosts(c);
      for (const [fn, cost] of ticks) {
        rows.push({
          name: `tick-costs: one tick with nothing due, ${c.label}: ${fn}`,
          value: `LIST pages: ${perKind(cost) || "none"}; ${formatCounts(cost.counts)}; ${writesOf(cost.counts)} writes; ${kib(cost.bytes)}`,
          anchor: "target: 1 LIST-equivalent per kind read, 0 writes",
        });
      }
    }
    return rows;
  });
}
