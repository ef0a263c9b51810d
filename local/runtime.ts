import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetterEntry, DeadLetterQueue } from "../shared/bus/dead-letter.ts";
import type { FollowUp, FollowUpQueue } from "../shared/bus/follow-up-queue.ts";
import { type Clock, systemClock } from "../shared/clock.ts";
import type { ClusterRegistry } from "../shared/clusters/registry.ts";
import type {
  AnyEventDefinition,
  BaseDeps,
  FunctionDefinition,
} from "../shared/handler/function-definition.ts";
import { handleEvent } from "../shared/handler/handle-event.ts";
import { type MetricsSink, observability } from "../shared/handler/observability.ts";
import { handleSqsBatch, type SqsBatchResult, type SqsRecord } from "../shared/handler/sqs-batch.ts";
import { ClusterClients } from "../shared/kube/cluster-clients.ts";
import { DashboardServer } from "./dashboard-server.ts";
import { FastForwardClock } from "./fast-forward-clock.ts";
import {
  type FollowUpQueues,
  LocalDelayQueues,
  MAX_RECEIVES,
  SqsFollowUpQueues,
} from "./follow-up-queues.ts";
import { type EventEnvelope, LocalBus } from "./local-bus.ts";
import { PutEventsServer } from "./put-events-server.ts";
import { type FunctionWiring, type QueuePipe, readQueuePipes, readWiring } from "./wiring.ts";

/**
 * The whole function set in one process: each function of serverless.yml loaded from
 * functions/<name>/function.ts, scheduled functions fired on the minute (on the real clock, or on a
 * fast-forwarded one), and events routed between them by serverless.yml's patterns. Like an asynchronous
 * Lambda invocation, a failed delivery is retried `maximumRetryAttempts` times (serverless.yml, Lambda's
 * default 2), one minute after the first failure and two after the second — minutes of the runtime's clock,
 * so a fast-forwarded run waits `msPerMinute` and twice that — then dead-lettered. The follow-up queues of
 * serverless.yml (docs/follow-ups.md) run in process on the same clock, or on real SQS queues when `sqs` is
 * given (moto in the tests); their consumers and the pipe to the bus are read from serverless.yml too.
 */

export interface LocalRuntimeOptions {
  registry: ClusterRegistry;
  /** Fast-forward: each minute of schedule time passes in this many real milliseconds. */
  msPerMinute?: number;
  /** Where the fast-forwarded clock starts (default: now, floored to the minute). */
  startAt?: Date;
  /** Each event as it is published, with the functions it goes to. */
  onEvent?: (envelope: EventEnvelope, targets: string[]) => void;
  /** Outcome of each delivery (errors included). */
  onDelivery?: (
    fn: string,
    envelope: EventEnvelope,
    outcome: "done" | "rejected" | "failed",
    error?: unknown,
    /** What the function returned, when it is done. */
    result?: unknown,
  ) => void;
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  /** Extra dependencies handed to every function (e.g. a different publisher in tests). */
  extraDeps?: Record<string, unknown>;
  /** Port of the local PutEvents endpoint (0: any free port). */
  putEventsPort?: number;
  /** Port of the fleet dashboard (0: any free port); no dashboard when undefined. */
  dashboardPort?: number;
  /** Follow-ups on real SQS queues through this client (moto in tests); in process when undefined. */
  sqs?: SQSClient;
  /** The per-cluster cap of follow-ups handled at once per batch (KSS_MAX_FOLLOW_UPS_PER_CLUSTER). */
  maxFollowUpsPerCluster?: number;
  /** Tests: lose or duplicate follow-ups on their way to the queue, as an at-least-once network may. */
  followUpFault?: (followUp: FollowUp) => "drop" | "duplicate" | undefined;
  /** Each batch of follow-ups a function handled. */
  onFollowUpBatch?: (fn: string, result: SqsBatchResult) => void;
}

/** Lambda's waits before the retries of an asynchronous invocation, in minutes: 1, then 2. */
export const RETRY_DELAY_MINUTES: readonly number[] = [1, 2];

// biome-ignore lint/suspicious/noExplicitAny: functions of every dependency shape run here
type AnyFunction = FunctionDefinition<ReadonlyArray<AnyEventDefinition>, any>;

class LocalDeadLetters implements DeadLetterQueue {
  readonly entries: DeadLetterEntry[] = [];
  async send(entry: DeadLetterEntry): Promise<void> {
    this.entries.push(entry);
  }
}

/** EMF documents the functions produced, and Powertools' own metric warnings (kept, not printed). */
class MetricsCollector implements MetricsSink {
  readonly lines: unknown[] = [];
  info(...content: unknown[]) {
    this.lines.push(...content);
  }
  warn(...content: unknown[]) {
    this.lines.push(...content);
  }
  error(...content: unknown[]) {
    this.lines.push(...content);
  }
  debug() {}
}

/**
 * The definition of functions/<name>/function.ts: its export `definition`, as handler.ts imports it (the
 * handler convention's one export name); a module without one, or with another kind of definition, is an error.
 */
export async function loadFunction(name: string): Promise<AnyFunction> {
  const file = path.resolve(import.meta.dirname, "../functions", name, "function.ts");
  const { definition } = (await import(pathToFileURL(file).href)) as { definition?: Partial<AnyFunction> };
  if (!definition || !Array.isArray(definition.accepts) || typeof definition.run !== "function")
    throw new Error(`${file} exports no event function definition named "definition"`);
  return definition as AnyFunction;
}

export class LocalRuntime {
  readonly deadLetters = new LocalDeadLetters();
  readonly metrics = new MetricsCollector();
  readonly bus: LocalBus;
  readonly clusters: ClusterClients;
  readonly clock: Clock;
  private timer: NodeJS.Timeout | undefined;
  private lastMinute = -1;
  /** Ends the waits of deliveries to be retried when the runtime stops (they are retried at once). */
  private readonly stopping = new AbortController();
  /** PutEvents on loopback: where other systems and `kss trigger --endpoint` send events. */
  putEvents: PutEventsServer | undefined;
  /** The fleet dashboard on loopback, when `dashboardPort` was given. */
  dashboard: DashboardServer | undefined;
  /** Batches of follow-ups being handled now, and the most at once (the cap's other half). */
  readonly followUpStats = { batchesInFlight: 0, maxBatchesInFlight: 0 };
  /** The follow-up queues (in process, or SQS). */
  followUpQueues: FollowUpQueues | undefined;
  /** What the functions send as follow-ups, after `followUpFault`. */
  readonly followUps: FollowUpQueue = {
    send: async (followUps) => {
      const fault = this.options.followUpFault;
      const sent = followUps.flatMap((f) => {
        const what = fault?.(f);
        return what === "drop" ? [] : what === "duplicate" ? [f, f] : [f];
      });
      if (sent.length > 0) await this.followUpQueues?.send(sent);
    },
  };

  private constructor(
    private readonly options: LocalRuntimeOptions,
    private readonly wiring: FunctionWiring[],
    private readonly functions: Map<string, AnyFunction>,
  ) {
    const start = new Date(Math.floor((options.startAt ?? new Date()).getTime() / 60_000) * 60_000);
    this.clock = options.msPerMinute ? new FastForwardClock(start, options.msPerMinute) : systemClock;
    this.clusters = new ClusterClients(options.registry, { transport: { timeoutMs: 5_000, maxAttempts: 2 } });
    this.bus = new LocalBus(
      wiring,
      (fn, envelope) => this.deliver(fn, envelope),
      () => this.clock.now(),
      options.onEvent,
    );
  }

  static async start(options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const wiring = readWiring();
    const functions = new Map<string, AnyFunction>();
    // Functions without events (the fleet dashboard behind its function URL) are served by DashboardServer.
    for (const w of wiring.filter((f) => f.everyMinutes.length > 0 || f.patterns.length > 0))
      functions.set(w.name, await loadFunction(w.name));
    const runtime = new LocalRuntime(options, wiring, functions);
    runtime.putEvents = await PutEventsServer.start(runtime.bus, options.putEventsPort ?? 0);
    if (options.dashboardPort !== undefined) {
      const { registry, dashboardPort: port } = options;
      runtime.dashboard = await DashboardServer.start({ registry, clock: runtime.clock, port });
    }
    await runtime.startFollowUps(readQueuePipes());
    runtime.startSchedules();
    return runtime;
  }

  /** The follow-up queues, their consumers (sqs events) and the pipe to the bus, as serverless.yml wires them. */
  private async startFollowUps(pipes: QueuePipe[]): Promise<void> {
    const { sqs, msPerMinute } = this.options;
    const queues = sqs
      ? await SqsFollowUpQueues.create(sqs, `kss-local-${Date.now().toString(36)}`)
      : new LocalDelayQueues(
          () => this.clock.now(),
          (msPerMinute ?? 60_000) / 60,
          (queue, record) =>
            void this.deadLetters.send({
              reason: `follow-up failed ${MAX_RECEIVES} times`,
              event: record.body,
              functionName: queue,
            }),
        );
    this.followUpQueues = queues;
    for (const w of this.wiring)
      for (const { queue, batchSize } of w.queues)
        queues.consume(queue, batchSize, (records) => this.deliverBatch(w.name, records));
    for (const pipe of pipes)
      queues.consume(pipe.queue, 10, async (records) => {
        for (const record of records) {
          const detail = (JSON.parse(record.body) as { detail?: object }).detail ?? {};
          this.bus.dispatch(this.bus.envelope({ detailType: pipe.detailType, source: pipe.source, detail }));
        }
        return [];
      });
  }

  /** One SQS batch to a function, as Lambda's event source hands it (partial batch failures returned). */
  private async deliverBatch(name: string, records: SqsRecord[]): Promise<string[]> {
    const fn = this.functions.get(name);
    if (!fn) return [];
    const deps = this.depsFor(name);
    const stats = this.followUpStats;
    stats.maxBatchesInFlight = Math.max(stats.maxBatchesInFlight, ++stats.batchesInFlight);
    let result: SqsBatchResult;
    try {
      result = await handleSqsBatch(fn, records, deps);
    } finally {
      stats.batchesInFlight--;
    }
    this.collectMetrics(deps.metrics);
    this.options.onFollowUpBatch?.(name, result);
    return result.batchItemFailures.map((f) => f.itemIdentifier);
  }

  /** Dependencies of every function: each takes the parts it declares. */
  depsFor(name: string): BaseDeps & Record<string, unknown> {
    return {
      ...observability(name, { logLevel: this.options.logLevel ?? "WARN", metricsSink: this.metrics }),
      clock: this.clock,
      deadLetters: this.deadLetters,
      publisher: this.bus,
      loadRegistry: async () => this.options.registry,
      clusters: this.clusters,
      followUps: this.followUps,
      ...(this.options.maxFollowUpsPerCluster === undefined
        ? {}
        : { maxFollowUpsPerCluster: this.options.maxFollowUpsPerCluster }),
      ...this.options.extraDeps,
    };
  }

  private async deliver(name: string, envelope: EventEnvelope): Promise<void> {
    const fn = this.functions.get(name);
    if (!fn) return;
    const deps = this.depsFor(name);
    const retries =
      this.wiring.find((w) => w.name === name)?.maximumRetryAttempts ?? RETRY_DELAY_MINUTES.length;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await handleEvent(fn, envelope, deps);
        this.collectMetrics(deps.metrics);
        this.options.onDelivery?.(
          name,
          envelope,
          outcome.status,
          undefined,
          outcome.status === "done" ? outcome.result : undefined,
        );
        return;
      } catch (error) {
        this.collectMetrics(deps.metrics); // Powertools flushes a failed invocation's metrics too
        if (attempt <= retries) {
          await this.waitBeforeRetry(RETRY_DELAY_MINUTES[attempt - 1] ?? 2);
          continue;
        }
        this.options.onDelivery?.(name, envelope, "failed", error);
        await this.deadLetters.send({
          reason: `failed ${attempt} times: ${String(error)}`,
          event: envelope,
          functionName: name,
        });
        return;
      }
    }
  }

  /** Waits `minutes` of the runtime's clock (real minutes, or `msPerMinute` each); cut short by stop(). */
  private async waitBeforeRetry(minutes: number): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) return;
    const ms = minutes * (this.options.msPerMinute ?? 60_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  }

  /** Keeps what a Lambda would flush as EMF (so the local run prints no EMF lines). */
  private collectMetrics(metrics: BaseDeps["metrics"]): void {
    if (!metrics.hasStoredMetrics()) return;
    this.metrics.lines.push(metrics.serializeMetrics());
    metrics.clearMetrics();
    metrics.clearDimensions();
  }

  /** Fires the scheduled functions for one minute (what EventBridge's `rate(...)` rules do). */
  fireSchedules(minute: Date): void {
    const minutes = Math.floor(minute.getTime() / 60_000);
    for (const w of this.wiring) {
      if (!w.everyMinutes.some((every) => minutes % every === 0)) continue;
      this.bus.dispatchTo(w.name, {
        version: "0",
        id: `scheduled-${w.name}-${minutes}`,
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: "000000000000",
        time: new Date(minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        region: "local",
        resources: [`rule/${w.name}`],
        detail: {},
      });
    }
  }

  private startSchedules(): void {
    const step = () => {
      const minute = Math.floor(this.clock.now().getTime() / 60_000);
      if (minute !== this.lastMinute) {
        this.lastMinute = minute;
        this.fireSchedules(new Date(minute * 60_000));
      }
    };
    step();
    // Checked ten times a (fast-forwarded) minute, at most every second.
    this.timer = setInterval(step, Math.min(1_000, (this.options.msPerMinute ?? 60_000) / 10));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.putEvents?.stop();
    await this.dashboard?.stop();
    await this.followUpQueues?.stop();
    await this.bus.idle();
    await this.clusters.close();
  }
}
