import type { KubeClient } from "../shared/kube/client.ts";
import type { KubeRequest } from "../shared/kube/transport.ts";
import { mapWithConcurrency } from "../shared/usecases/concurrency.ts";
import { type ControlPlane, startControlPlane } from "../test/controlplane/index.ts";

/** What every benchmark returns: one printed figure, and what it is compared with (if anything). */
export interface Row {
  name: string;
  value: string;
  anchor?: string;
}

/** Size factor for quick trial runs (`npm run bench -- --scale 0.1`); 1 = the issues' figures. */
export function benchScale(): number {
  const index = process.argv.indexOf("--scale");
  const value = index >= 0 ? Number(process.argv[index + 1]) : 1;
  return Number.isFinite(value) && value > 0 ? value : 1;
}

export function scaled(count: number): number {
  return Math.max(1, Math.round(count * benchScale()));
}

export function progress(part: string, line: string): void {
  process.stderr.write(`[bench ${part}] ${line}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The first minute boundary strictly after `ms`. */
export function nextMinute(ms: number): number {
  return (Math.floor(ms / 60_000) + 1) * 60_000;
}

/** Nearest-rank percentile of unsorted values; NaN when empty. */
export function percentile(values: ReadonlyArray<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function median(values: ReadonlyArray<number>): number {
  return percentile(values, 50);
}

/** "p50 1.2 s · p99 3.4 s · max 3.9 s (n=2000)" for a list of seconds. */
export function lagSummary(seconds: ReadonlyArray<number>): string {
  if (seconds.length === 0) return "no samples";
  const s = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} s`;
  const max = Math.max(...seconds);
  return `p50 ${s(percentile(seconds, 50))} · p99 ${s(percentile(seconds, 99))} · max ${s(max)} (n=${seconds.length})`;
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** Runs `fn` over `items` with at most `limit` in flight, printing progress about every tenth. */
export async function inBatches<T, R>(
  part: string,
  label: string,
  items: ReadonlyArray<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const started = Date.now();
  const step = Math.max(1, Math.ceil(items.length / 10));
  let done = 0;
  const results = await mapWithConcurrency(items, limit, async (item, index) => {
    const result = await fn(item, index);
    done++;
    if (done % step === 0 || done === items.length) {
      progress(part, `${label}: ${done}/${items.length} (${formatSeconds(Date.now() - started)})`);
    }
    return result;
  });
  return results;
}

/** Starts the test control plane (building it on first use), runs `fn`, and always stops it. */
export async function withControlPlane<T>(
  part: string,
  clusters: number,
  fn: (plane: ControlPlane) => Promise<T>,
  options: { controllerManager?: boolean } = {},
): Promise<T> {
  const started = Date.now();
  const plane = await startControlPlane({
    clusters,
    controllerManager: options.controllerManager ?? false,
    onProgress: (line) => progress(part, line),
  });
  progress(part, `control plane with ${clusters} clusters up in ${formatSeconds(Date.now() - started)}`);
  try {
    return await fn(plane);
  } finally {
    await plane.stop();
    progress(part, "control plane stopped");
  }
}

/** Requests one client sent, by kind of call: a LIST page is a GET with `limit`, the rest by method. */
export interface RequestLog {
  counts: Record<string, number>;
  /** When each matching POST returned (ms since epoch), by the created object's name. */
  created: Map<string, number>;
  /** LIST pages per collection path. */
  lists: Map<string, number>;
  reset(): void;
}

/**
 * Wraps the client's transport so that every request is counted (LIST pages apart from GETs) and the return
 * time of each POST to a collection ending in `createdCollection` is kept (client-side creation time).
 */
export function instrument(client: KubeClient, createdCollection?: string): RequestLog {
  const transport = client.transport;
  const send = transport.request.bind(transport);
  const log: RequestLog = {
    counts: {},
    created: new Map(),
    lists: new Map(),
    reset() {
      this.counts = {};
      this.created.clear();
      this.lists.clear();
    },
  };
  transport.request = async (req: KubeRequest) => {
    const kind = req.method === "GET" && req.query?.limit !== undefined ? "LIST" : req.method;
    log.counts[kind] = (log.counts[kind] ?? 0) + 1;
    if (kind === "LIST") log.lists.set(req.path, (log.lists.get(req.path) ?? 0) + 1);
    const body = await send(req);
    if (createdCollection && req.method === "POST" && req.path.endsWith(createdCollection)) {
      const name = (body as { metadata?: { name?: string } } | undefined)?.metadata?.name;
      if (name) log.created.set(name, Date.now());
    }
    return body;
  };
  return log;
}

/** "LIST 4 · GET 500 · POST 2000 · PUT 500 (total 3004)". */
export function formatCounts(counts: Record<string, number>): string {
  const order = ["LIST", "GET", "POST", "PUT", "PATCH", "DELETE"];
  const keys = Object.keys(counts).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return `${keys.map((k) => `${k} ${counts[k] ?? 0}`).join(" · ") || "none"} (total ${total})`;
}

export function writesOf(counts: Record<string, number>): number {
  return ["POST", "PUT", "PATCH", "DELETE"].reduce((sum, k) => sum + (counts[k] ?? 0), 0);
}
