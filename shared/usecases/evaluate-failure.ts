import type { EventPublisher } from "../bus/publisher.ts";
import {
  DEFAULT_MAX_CONCURRENT_RETRIES,
  decideRetry,
  type RetryGate,
  retryGate,
} from "../decide/retry/retry.ts";
import { awaitsRetry, isRunningRetry } from "../decide/retry/retry-status.ts";
import type { WindowContext } from "../decide/schedule/schedule-windows.ts";
import { type KubeClient, retryOnConflict } from "../kube/client.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { RetryReason } from "../model/conditions.ts";
import { InvalidInputError } from "../model/errors.ts";
import { UNFINISHED_SELECTOR } from "../model/labels.ts";
import { retrySessionName } from "../model/names.ts";
import { windowsForNamespace } from "./cluster-windows.ts";
import { operatorHold } from "./operator-presence.ts";
import { applyRetryDecision, deferRetry, type FailureOutcome } from "./retry-actions.ts";
import { readRetryConfiguration } from "./retry-configuration.ts";

/**
 * Evaluates failed BackupSessions and spawns their retries (docs/decisions.md#retry-bookkeeping); the only
 * path that creates a retry. Three entries: a "BackupSession Phase Changed" to Failed and a "BackupSession
 * Retry Due" (one session), and the per-cluster sweep on every Schedule Tick (every failed session that still
 * owes a retry whose nextRetry has come or was never set). Each evaluation re-reads the objects, decides (pure),
 * then: sets `status.nextRetry` once; when due, creates the retry under its deterministic name (AlreadyExists
 * = done already), then sets `status.retried = true` with the resourceVersion precondition. So duplicated,
 * reordered, parallel or lost events and 409/5xx mid-way all end with exactly one retry: the name collides,
 * `retried` is durable, and what is not finished is found again by the sweep. The wait is in the object
 * (`nextRetry`), so a restart loses nothing.
 */

export type { FailureOutcome, FailureResult } from "./retry-actions.ts";

export interface EvaluateFailureDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** The cluster's cap of running retry sessions (registry `maxConcurrentRetries`). */
  maxConcurrentRetries?: number;
  /** The cluster's exclusion windows (registry): a retry due inside one waits for its end (docs/windows.md#retries). */
  windows?: Omit<WindowContext, "namespaceLabels">;
  /** Told of every evaluation's outcome: the function turns them into metrics. */
  onDecision?: (outcome: FailureOutcome) => void;
  /** Runs an evaluation alone per key (cluster id) in this process, so the cap is counted, then spent. */
  serialize?: <T>(key: string, work: () => Promise<T>) => Promise<T>;
}

const MAX_ATTEMPTS = 4;

/** The storm guard's view of the cluster, read at most once per invocation and kept current as retries start. */
export class RetryAdmission {
  private running: number | undefined;
  private health: Awaited<ReturnType<KubeClient["health"]>> | undefined;

  constructor(
    private readonly deps: EvaluateFailureDeps,
    listed?: ReadonlyArray<BackupSession>,
  ) {
    if (listed) this.running = listed.filter(isRunningRetry).length;
  }

  async gate(): Promise<RetryGate> {
    this.health ??= await this.deps.client.health();
    // Only a healthy API server is asked how many retries run (an unhealthy one is not asked for more).
    if (this.health.ok) {
      this.running ??= (await listUnsettled(this.deps.client)).filter(isRunningRetry).length;
    }
    return retryGate({
      healthy: this.health.ok,
      ...(this.health.ok ? {} : { healthMessage: this.health.message }),
      runningRetries: this.running ?? 0,
      maxConcurrentRetries: this.deps.maxConcurrentRetries ?? DEFAULT_MAX_CONCURRENT_RETRIES,
    });
  }

  started(): void {
    this.running = (this.running ?? 0) + 1;
  }
}

/**
 * The sessions not labelled completed: every running retry and every failed session that still owes one is
 * among them, since neither is ever settled (docs/costs.md#the-sweep-lists-only-what-is-unfinished).
 */
async function listUnsettled(client: KubeClient): Promise<BackupSession[]> {
  return (await client.list("BackupSession", { labelSelector: UNFINISHED_SELECTOR })).items;
}

function serialized<T>(deps: EvaluateFailureDeps, work: () => Promise<T>): Promise<T> {
  return deps.serialize ? deps.serialize(deps.client.clusterId, work) : work();
}

/** Evaluates one session (a Phase Changed or Retry Due event). Errors escape, so the platform retries. */
export function evaluateFailure(
  deps: EvaluateFailureDeps,
  namespace: string,
  name: string,
  now: () => Date,
): Promise<FailureOutcome> {
  return serialized(deps, async () => {
    const outcome = await evaluateWithConflicts(deps, new RetryAdmission(deps), namespace, name, now);
    deps.onDecision?.(outcome);
    return outcome;
  });
}

/** The sweep: every failed session of the cluster that still owes a retry and is due or not yet scheduled. */
export function sweepFailures(deps: EvaluateFailureDeps, now: () => Date): Promise<FailureOutcome[]> {
  return serialized(deps, async () => {
    // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): the KubeStash operator retries its own.
    if (await operatorHold(deps.client)) return [];
    const sessions = await listUnsettled(deps.client);
    const at = now().getTime();
    const candidates = sessions.filter(
      (s) => awaitsRetry(s) && (s.status?.nextRetry === undefined || Date.parse(s.status.nextRetry) <= at),
    );
    const admission = new RetryAdmission(deps, sessions);
    const outcomes: FailureOutcome[] = [];
    // One at a time: each admission sees the retries the previous ones started.
    for (const session of candidates) {
      const { namespace = "default", name } = session.metadata;
      let outcome: FailureOutcome;
      try {
        outcome = await evaluateWithConflicts(deps, admission, namespace, name, now);
      } catch (error) {
        outcome = { namespace, name, result: "error", error: String(error) };
      }
      deps.onDecision?.(outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  });
}

/** A stale read (409 Conflict) reads everything again and decides again (retryOnConflict). */
function evaluateWithConflicts(
  deps: EvaluateFailureDeps,
  admission: RetryAdmission,
  namespace: string,
  name: string,
  now: () => Date,
): Promise<FailureOutcome> {
  return retryOnConflict(() => evaluateOnce(deps, admission, namespace, name, now()), MAX_ATTEMPTS);
}

async function evaluateOnce(
  deps: EvaluateFailureDeps,
  admission: RetryAdmission,
  namespace: string,
  name: string,
  now: Date,
): Promise<FailureOutcome> {
  const { client } = deps;
  let failed: BackupSession | undefined;
  try {
    failed = await client.find("BackupSession", namespace, name);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { namespace, name, result: "error", error: error.message };
  }
  if (!failed) return { namespace, name, result: "no-retry", reason: "session-deleted" };
  // The session's own state decides first: only one that may be retried costs reading its configuration.
  const onlySession = decideRetry({ failed, configuration: undefined, retryExists: false }, now);
  if (onlySession.action === "no-retry" && onlySession.reason !== "configuration-deleted") {
    return applyRetryDecision(deps, admission, { failed, decision: onlySession }, now);
  }
  const invoker = failed.spec.invoker?.name ?? "";
  const [read, retry] = await Promise.all([
    invoker
      ? readRetryConfiguration(client, namespace, invoker)
      : Promise.resolve({ status: "missing" as const }),
    client.find("BackupSession", namespace, retrySessionName(name)),
  ]);
  const configuration = read.status === "found" ? read.configuration : undefined;
  const windows = deps.windows ? await windowsForNamespace(client, namespace, deps.windows) : undefined;
  const decision = decideRetry(
    { failed, configuration, retryExists: retry !== undefined, ...(windows ? { windows } : {}) },
    now,
  );
  if (
    read.status === "unreadable" &&
    decision.action === "no-retry" &&
    decision.reason === "configuration-deleted"
  ) {
    // Not gone, only unreadable (create-sessions marks it Invalid): hold the retry until it is fixed.
    const message = `BackupConfiguration ${namespace}/${invoker} cannot be read: ${read.message}`;
    await deferRetry(client, failed, { reason: RetryReason.ConfigurationUnreadable, message }, now);
    return { namespace, name, result: "deferred", reason: RetryReason.ConfigurationUnreadable };
  }
  return applyRetryDecision(deps, admission, { failed, decision, configuration, retry }, now);
}
