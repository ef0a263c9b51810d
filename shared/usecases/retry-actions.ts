import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { sessionConfigOf } from "../decide/configuration/session-config.ts";
import { type RetryDecision, type RetryGate, SKIP_REASON } from "../decide/retry/retry.ts";
import {
  awaitsRetry,
  failureTime,
  type RetryStatusChange,
  retryStatus,
} from "../decide/retry/retry-status.ts";
import { newBackupSession } from "../decide/schedule/new-session.ts";
import { phaseReasons, summaryError } from "../decide/session/session-summary.ts";
import type { KubeClient } from "../kube/client.ts";
import { UnavailableError } from "../kube/errors.ts";
import type { BackupConfiguration } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { RetryReason } from "../model/conditions.ts";
import { BackupFailed } from "../model/events/backup-failed.ts";
import { BackupSessionCreated } from "../model/events/backup-session-created.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { Annotation } from "../model/labels.ts";
import { retrySessionName } from "../model/names.ts";
import { toKubeTime } from "../model/time.ts";
import { recordInvalidDelay } from "./retry-configuration.ts";

/**
 * Carries out one retry decision on a failed BackupSession: status writes (with the resourceVersion they were
 * computed from), the retry's creation, Kubernetes Events on the failed session, and "BackupSession Created"
 * for the new retry so the session function drives it.
 */

export type FailureResult =
  | "scheduled"
  | "waiting"
  | "created"
  | "already-retried"
  | "deferred"
  | "no-retry"
  | "invalid-delay"
  | "error";

export interface FailureOutcome {
  namespace: string;
  /** The failed session. */
  name: string;
  result: FailureResult;
  /** Why: a no-retry reason of the decision or a RetryDeferred reason. */
  reason?: string;
  /** The retry session's name, when one is or will be created. */
  retry?: string;
  /** nextRetry. */
  at?: string;
  error?: string;
}

export interface RetryContext {
  failed: BackupSession;
  decision: RetryDecision;
  configuration?: BackupConfiguration;
  /** The retry session, when it exists already. */
  retry?: BackupSession;
}

interface ActionDeps {
  client: KubeClient;
  publisher: EventPublisher;
}

/** Writes a change to the failed session's status; re-reads and re-decides on Conflict. */
async function updateFailed(client: KubeClient, failed: BackupSession, change: RetryStatusChange, now: Date) {
  const { namespace, name } = failed.metadata;
  return client.updateStatus("BackupSession", namespace, name, (current) =>
    retryStatus(current.status, change, now),
  );
}

/** Holds the retry back (RetryDeferred=True): the sweep evaluates it again. Best effort when the API server is down. */
export async function deferRetry(
  client: KubeClient,
  failed: BackupSession,
  hold: { reason: string; message: string; at?: Date },
  now: Date,
): Promise<string | undefined> {
  try {
    const { changed } = await updateFailed(client, failed, { kind: "defer", ...hold }, now);
    if (changed) {
      const message = `Retry deferred: ${hold.message}`;
      await client.recordEvent(failed, { type: "Warning", reason: "RetryDeferred", message }, now);
    }
    return undefined;
  } catch (error) {
    if (hold.reason === RetryReason.APIServerUnhealthy && error instanceof UnavailableError)
      return error.message;
    throw error;
  }
}

function createdMessage(name: string, retryLeft: number | undefined): string {
  return `Created retry BackupSession ${name} (retryLeft ${retryLeft ?? 0})`;
}

async function createRetry(
  deps: ActionDeps,
  admission: { gate(): Promise<RetryGate>; started(): void },
  context: RetryContext,
  decision: Extract<RetryDecision, { action: "retry-now" }>,
  now: Date,
): Promise<FailureOutcome> {
  const { client } = deps;
  const { failed, configuration } = context;
  const { namespace = "default", name } = failed.metadata;
  const base = { namespace, name, retry: decision.name, at: toKubeTime(decision.dueAt) };
  const sessionConfig = sessionConfigOf(configuration, failed);
  if (!configuration || !sessionConfig) return { ...base, result: "no-retry", reason: "session-removed" };
  const gate = await admission.gate();
  if (!gate.admit) {
    const error = await deferRetry(client, failed, { ...gate, at: decision.dueAt }, now);
    return { ...base, result: "deferred", reason: gate.reason, ...(error ? { error } : {}) };
  }
  const desired = newBackupSession({
    configuration,
    session: sessionConfig,
    name: decision.name,
    scheduledTime: decision.dueAt,
    origin: "retry",
    retryLeft: decision.retryLeft,
    annotations: { [Annotation.RetryOf]: name },
  });
  const { object, created } = await client.create(
    "BackupSession",
    desired,
    (existing) => existing.metadata.annotations?.[Annotation.RetryOf] === name,
  );
  if (created) {
    admission.started();
    // Announced by its creator only (a lost announcement: reconcile-session's sweep finds the session).
    await deps.publisher.publish([
      eventFor(BackupSessionCreated, {
        version: DETAIL_VERSION,
        clusterId: client.clusterId,
        namespace,
        name: object.metadata.name,
        configuration: configuration.metadata.name,
        session: sessionConfig.name,
        origin: "retry",
        scheduledTime: toKubeTime(decision.dueAt),
        createdAt: toKubeTime(now),
      }),
    ]);
  }
  // Only now that the retry exists: retried = true (a failure before this leaves the sweep to finish it).
  await updateFailed(client, failed, { kind: "retried", at: decision.dueAt }, now);
  const message = createdMessage(decision.name, object.spec.retryLeft);
  await client.recordEvent(failed, { type: "Normal", reason: "RetryCreated", message }, now);
  if (!created) return { ...base, result: "already-retried", reason: "already-retried" };
  return { ...base, result: "created" };
}

async function declineRetry(
  deps: ActionDeps,
  context: RetryContext,
  decision: Extract<RetryDecision, { action: "no-retry" }>,
  now: Date,
): Promise<FailureOutcome> {
  const { client } = deps;
  const { failed, retry } = context;
  const { namespace = "default", name } = failed.metadata;
  const base = { namespace, name, result: "no-retry" as const, reason: decision.reason };
  if (decision.reason === "already-retried" && retry && failed.status?.retried !== true) {
    // The retry was created but the bookkeeping did not finish (a crash, a 5xx): finish it.
    const at = failed.status?.nextRetry ? new Date(failed.status.nextRetry) : now;
    await updateFailed(client, failed, { kind: "retried", at }, now);
    const message = createdMessage(retry.metadata.name, retry.spec.retryLeft);
    await client.recordEvent(failed, { type: "Normal", reason: "RetryCreated", message }, now);
    return { ...base, result: "already-retried", retry: retry.metadata.name };
  }
  if (decision.reason === "paused") {
    await deferRetry(
      client,
      failed,
      { reason: RetryReason.ConfigurationPaused, message: decision.message },
      now,
    );
    return base;
  }
  if (failed.status?.phase !== "Failed" || decision.reason === "already-retried") return base;
  const skipReason = SKIP_REASON[decision.reason];
  if (decision.final && skipReason && awaitsRetry(failed)) {
    await updateFailed(client, failed, { kind: "skip", reason: skipReason, message: decision.message }, now);
  }
  const message = `No retry: ${decision.message}`;
  await client.recordEvent(failed, { type: "Normal", reason: "NoRetry", message }, now);
  if (decision.final) await publishBackupFailed(deps, failed, now);
  return base;
}

/** The final failure of a backup (no retry will come): the notification a platform team routes. */
async function publishBackupFailed(deps: ActionDeps, failed: BackupSession, now: Date): Promise<void> {
  const status = failed.status ?? {};
  const original = /^(.*)-retry-(\d+)$/.exec(failed.metadata.name);
  await deps.publisher.publish([
    eventFor(BackupFailed, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: failed.metadata.namespace ?? "default",
      configuration: failed.spec.invoker?.name ?? "",
      session: failed.spec.session ?? "",
      name: failed.metadata.name,
      ...(original?.[1] ? { originalSession: original[1] } : {}),
      attempts: original?.[2] ? Number(original[2]) + 1 : 1,
      error: (summaryError(status) || "the backup failed").slice(0, 1024),
      reasons: phaseReasons(status, "Failed"),
      failedAt: toKubeTime(failureTime(failed, now)),
    }),
  ]);
}

/** Applies the decision; returns what happened. */
export async function applyRetryDecision(
  deps: ActionDeps,
  admission: { gate(): Promise<RetryGate>; started(): void },
  context: RetryContext,
  now: Date,
): Promise<FailureOutcome> {
  const { client } = deps;
  const { failed, decision } = context;
  const { namespace = "default", name } = failed.metadata;
  switch (decision.action) {
    case "retry-now":
      return createRetry(deps, admission, context, decision, now);
    case "retry-at": {
      const retry = retrySessionName(name);
      const { changed } = await updateFailed(client, failed, { kind: "schedule", at: decision.at }, now);
      const at = toKubeTime(decision.at);
      if (changed) {
        const message = `Retry BackupSession ${retry} scheduled at ${at}`;
        await client.recordEvent(failed, { type: "Normal", reason: "RetryScheduled", message }, now);
      }
      return { namespace, name, result: changed ? "scheduled" : "waiting", retry, at };
    }
    case "invalid-delay": {
      if (context.configuration)
        await recordInvalidDelay(client, context.configuration, decision.message, now);
      await deferRetry(
        client,
        failed,
        { reason: RetryReason.InvalidRetryDelay, message: decision.message },
        now,
      );
      return { namespace, name, result: "invalid-delay", reason: RetryReason.InvalidRetryDelay };
    }
    case "no-retry":
      return declineRetry(deps, context, decision, now);
  }
}
