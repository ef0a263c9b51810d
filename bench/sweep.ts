import { addonComponent } from "../local/demo-executor.ts";
import type { KubeClient } from "../shared/kube/client.ts";
import { sweepSessions } from "../shared/usecases/reconcile-session.ts";
import { clientFor } from "../test/support/kube.ts";
import { RecordingPublisher } from "../test/support/lifecycle.ts";
import {
  formatCounts,
  formatSeconds,
  inBatches,
  instrument,
  median,
  progress,
  type Row,
  scaled,
  withControlPlane,
  writesOf,
} from "./support.ts";
import { buildSweepWorld, type WorldShape } from "./sweep-world.ts";

/**
 * Issue 6: one sweep of every unfinished BackupSession of a cluster, as the per-cluster function runs it each
 * minute. 10,000 sessions (10 % running) in a steady state: requests by kind and wall time; then a smaller
 * cluster where each running session has one Snapshot that changed, so each of them needs one status write.
 * Anchor: the issue's aim, ≤ 2 LIST requests per cluster plus one write per changed session.
 */

const PART = "sweep";
const AIM = "aim: ≤ 2 LIST requests per cluster + 1 write per changed session";
const STEADY_RUNS = 3;

interface Measured {
  counts: Record<string, number>;
  lists: Map<string, number>;
  wallMs: number[];
  written: number;
  errors: number;
}

/** Runs the sweep `runs` times as the functions' identity; the request counts are those of the first run. */
async function measureSweep(functions: KubeClient, runs: number): Promise<Measured> {
  const log = instrument(functions);
  const publisher = new RecordingPublisher();
  const result: Measured = { counts: {}, lists: new Map(), wallMs: [], written: 0, errors: 0 };
  for (let run = 0; run < runs; run++) {
    log.reset();
    const started = Date.now();
    // The per-minute sweep (not the hourly full one, docs/costs.md), whatever minute the bench runs in.
    const outcomes = await sweepSessions({ client: functions, publisher }, () => new Date(), {
      scope: "unfinished",
    });
    result.wallMs.push(Date.now() - started);
    progress(
      PART,
      `sweep ${run + 1}/${runs}: ${outcomes.length} open sessions in ${formatSeconds(Date.now() - started)}: ${formatCounts(log.counts)}`,
    );
    if (run === 0) {
      result.counts = { ...log.counts };
      result.lists = new Map(log.lists);
      result.written = outcomes.filter((o) => o.statusWritten).length;
      result.errors = outcomes.filter((o) => o.error).length;
    }
  }
  return result;
}

function listText(m: Measured): string {
  const pages = [...m.lists.values()].reduce((a, b) => a + b, 0);
  const kinds = [...m.lists.keys()].map((p) => p.split("/").at(-1)).join(", ");
  return `${m.lists.size} LIST calls (${pages} pages of ≤ 500: ${kinds})`;
}

function rowsFor(label: string, m: Measured, changed: number): Row[] {
  const writes = writesOf(m.counts);
  const perChanged = changed > 0 ? `; ${(writes / changed).toFixed(2)} writes per changed session` : "";
  return [
    {
      name: `sweep: ${label}: requests of one sweep`,
      value: `${formatCounts(m.counts)}; ${writes} writes, ${m.written} status writes${perChanged}; ${m.errors} errors`,
      anchor: `${AIM}: here ≤ 2 LIST + ${changed} writes`,
    },
    { name: `sweep: ${label}: LIST requests`, value: listText(m), anchor: "aim: ≤ 2" },
    {
      name: `sweep: ${label}: wall time${m.wallMs.length > 1 ? ` (median of ${m.wallMs.length})` : ""}`,
      value: `${formatSeconds(median(m.wallMs))}${m.wallMs.length > 1 ? ` (runs: ${m.wallMs.map(formatSeconds).join(", ")})` : ""}`,
      anchor: "runs every minute per cluster: must stay well under 60 s",
    },
  ];
}

/** Plays the executor: the first Snapshot of each running session finishes, the other stays Running. */
async function changeOneSnapshotEach(
  admin: KubeClient,
  running: ReadonlyArray<{ namespace: string; name: string }>,
) {
  const snapshots = (await admin.list("Snapshot")).items;
  const firstOf = running.flatMap(({ namespace, name }) => {
    const mine = snapshots
      .filter((s) => s.metadata.namespace === namespace && s.spec.backupSession === name)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    return mine.slice(0, 1);
  });
  // What a real addon writes when it finishes: its component, nothing else.
  await inBatches(PART, "executor finishes one Snapshot per running session", firstOf, 32, (s) =>
    admin.updateStatus("Snapshot", s.metadata.namespace, s.metadata.name, (current) => ({
      ...current.status,
      components: addonComponent(current, "Succeeded", new Date()),
    })),
  );
  return firstOf.length;
}

export async function benchSweep(): Promise<Row[]> {
  const big: WorldShape = {
    prefix: "sweep",
    namespaces: scaled(10),
    configurationsPerNamespace: 10,
    sessionsPerConfiguration: 100,
    runningPerConfiguration: 10,
  };
  const small: WorldShape = {
    ...big,
    prefix: "changed",
    namespaces: scaled(2),
    configurationsPerNamespace: 5,
  };
  return withControlPlane(PART, 2, async (plane) => {
    const [one, two] = plane.clusters;
    if (!one || !two) throw new Error("the sweep benchmark needs 2 clusters");
    const rows: Row[] = [];

    const bigAdmin = await clientFor(one, "admin");
    const bigFunctions = await clientFor(one, "functions");
    const steadyWorld = await buildSweepWorld(bigAdmin, bigFunctions, big);
    const steady = await measureSweep(bigFunctions, STEADY_RUNS);
    rows.push(
      ...rowsFor(
        `${steadyWorld.sessions} sessions, ${steadyWorld.running.length} running, none changed`,
        steady,
        0,
      ),
    );

    const smallAdmin = await clientFor(two, "admin");
    const smallFunctions = await clientFor(two, "functions");
    const changedWorld = await buildSweepWorld(smallAdmin, smallFunctions, small);
    const changed = await changeOneSnapshotEach(smallAdmin, changedWorld.running);
    const label = `${changedWorld.sessions} sessions, ${changedWorld.running.length} running, ${changed} with one Snapshot changed`;
    rows.push(...rowsFor(label, await measureSweep(smallFunctions, 1), changed));
    return rows;
  });
}
