import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { findCondition, RetryReason, ScheduleActiveCondition } from "../../model/conditions.ts";
import { parseGoDuration } from "../../model/duration.ts";
import { retrySessionName } from "../../model/names.ts";
import { toKubeTime } from "../../model/time.ts";
import { sessionConfigOf } from "../configuration/session-config.ts";
import { resumedAt } from "../schedule/schedule-state.ts";
import { sessionWindows, type WindowContext, windowRelease } from "../schedule/schedule-windows.ts";
import { failureTime } from "./retry-status.ts";

/**
 * Should a failed BackupSession be retried, and when (docs/model.md#retry;
 * docs/decisions.md#retry-bookkeeping, docs/decisions.md#resume-after-pause)? A pure decision on the objects
 * read and `now`; the caller writes `status.nextRetry`, creates the retry and records what was decided. Named
 * rules, checked in order: the session must be Failed, not retried, with retries left; its configuration must
 * still hold the session with a retryConfig, not be paused, and have a delay that parses. Then the retry is
 * due at `status.nextRetry` (once set, kept), else at the failure time + delay.
 */

export type NoRetryReason =
  | "session-deleted"
  | "skipped"
  | "succeeded"
  | "not-failed"
  | "already-retried"
  | "retries-exhausted"
  | "configuration-deleted"
  | "session-removed"
  | "no-retry-config"
  | "paused"
  | "due-while-paused";

export type RetryDecision =
  /** Create the retry now: its name and retryLeft; `dueAt` is the nextRetry it honours. */
  | { action: "retry-now"; name: string; retryLeft: number; dueAt: Date }
  /** Not yet: set `status.nextRetry = at` (if unset) and come back then. */
  | { action: "retry-at"; at: Date }
  /** No retry. `final`: it will never come (the caller marks it); otherwise a later evaluation may retry. */
  | { action: "no-retry"; reason: NoRetryReason; message: string; final: boolean }
  /** retryConfig.delay is not a Kubernetes duration: the caller records it and evaluates again later. */
  | { action: "invalid-delay"; delay: string; path: string; message: string };

export interface RetryInput {
  failed: BackupSession;
  /** The invoking BackupConfiguration; undefined when it no longer exists. */
  configuration: BackupConfiguration | undefined;
  /** The retry session (`retrySessionName(failed)`) exists already. */
  retryExists: boolean;
  /** The cluster's exclusion windows (registry) and the namespace's labels: a retry due inside one waits. */
  windows?: WindowContext;
}

/** Condition reason to record for a final no-retry on a session that still owed one. */
export const SKIP_REASON: Partial<Record<NoRetryReason, string>> = {
  "session-deleted": RetryReason.SessionDeleted,
  "configuration-deleted": RetryReason.ConfigurationDeleted,
  "session-removed": RetryReason.SessionNotInConfiguration,
  "no-retry-config": RetryReason.NoRetryConfig,
  "due-while-paused": RetryReason.DueWhilePaused,
};

function noRetry(reason: NoRetryReason, message: string, final = true): RetryDecision {
  return { action: "no-retry", reason, message, final };
}

/** The session's own state: deleted, not Failed, already retried, or out of retries. */
function sessionRule(failed: BackupSession, retryExists: boolean): RetryDecision | undefined {
  const phase = failed.status?.phase;
  if (failed.metadata.deletionTimestamp !== undefined)
    return noRetry("session-deleted", "the session is being deleted");
  if (phase === "Skipped") return noRetry("skipped", "skipped sessions are never retried");
  if (phase === "Succeeded") return noRetry("succeeded", "the session succeeded");
  if (phase !== "Failed") return noRetry("not-failed", `the session is ${phase ?? "new"}, not Failed`, false);
  if (failed.status?.retried === true) return noRetry("already-retried", "the session was retried already");
  if (retryExists)
    return noRetry("already-retried", `retry ${retrySessionName(failed.metadata.name)} exists already`);
  if ((failed.spec.retryLeft ?? 0) <= 0) return noRetry("retries-exhausted", "no retries left (retryLeft 0)");
  return undefined;
}

/** Decides the retry of `input.failed` at `now`. */
export function decideRetry(input: RetryInput, now: Date): RetryDecision {
  const { failed, configuration } = input;
  const bySession = sessionRule(failed, input.retryExists);
  if (bySession) return bySession;
  const invoker = `${failed.metadata.namespace ?? "default"}/${failed.spec.invoker?.name ?? "(none)"}`;
  if (!configuration || failed.spec.invoker?.kind !== "BackupConfiguration")
    return noRetry("configuration-deleted", `BackupConfiguration ${invoker} no longer exists`);
  const index = (configuration.spec.sessions ?? []).findIndex((s) => s.name === failed.spec.session);
  const sessionConfig = sessionConfigOf(configuration, failed);
  if (!sessionConfig)
    return noRetry("session-removed", `${invoker} no longer has session ${failed.spec.session ?? "(none)"}`);
  const retryConfig = sessionConfig.retryConfig;
  if (!retryConfig) return noRetry("no-retry-config", `session ${sessionConfig.name} has no retryConfig`);
  if (configuration.spec.paused === true)
    return noRetry("paused", `BackupConfiguration ${invoker} is paused`, false);

  let due: Date;
  if (failed.status?.nextRetry !== undefined) {
    due = new Date(failed.status.nextRetry);
  } else {
    const delay = retryConfig.delay;
    const ms = delay === undefined ? 0 : parseGoDuration(delay);
    if (delay !== undefined && (ms === undefined || ms < 0)) {
      const path = `spec.sessions[${index}].retryConfig.delay`;
      return {
        action: "invalid-delay",
        delay,
        path,
        message: `${path}: ${JSON.stringify(delay)} is not a duration such as "30s", "5m" or "1h30m"`,
      };
    }
    due = new Date(failureTime(failed, now).getTime() + (ms ?? 0));
  }
  const statusConditions = configuration.status?.sessions?.find((s) => s.name === sessionConfig.name);
  // Un-paused, but no tick has recorded the resume yet: when it resumed is not known, so wait for that tick
  // rather than create a retry that may have fallen due while paused.
  const active = findCondition(statusConditions?.conditions, ScheduleActiveCondition.type);
  if (active?.status === "False" && active.reason === ScheduleActiveCondition.Paused) {
    return noRetry(
      "paused",
      `BackupConfiguration ${invoker} was paused; the next tick records its resume`,
      false,
    );
  }
  const resumed = resumedAt(statusConditions?.conditions);
  if (resumed !== undefined && resumed.getTime() > due.getTime()) {
    return noRetry(
      "due-while-paused",
      `the retry was due at ${toKubeTime(due)}, before scheduling resumed at ${toKubeTime(resumed)}; ` +
        "what fell due while paused is not caught up",
    );
  }
  // A retry due inside an exclusion window waits for its end, whatever the window's policy: it is delayed,
  // never dropped (docs/windows.md#retries). One due earlier but decided later (a late tick) is looked at
  // from now: inside a window now, it waits for that window's end; outside every window, it runs now.
  const { windows } = sessionWindows(configuration, sessionConfig.name, input.windows);
  const from = new Date(Math.max(due.getTime(), now.getTime()));
  const released = windowRelease(windows, from);
  if (released.getTime() > from.getTime()) due = released;
  if (due.getTime() > now.getTime()) return { action: "retry-at", at: due };
  return {
    action: "retry-now",
    name: retrySessionName(failed.metadata.name),
    retryLeft: (failed.spec.retryLeft ?? 0) - 1,
    dueAt: due,
  };
}

/** What the storm guard knows about the cluster when a retry is due. */
export interface RetryGateInput {
  /** The API server answered its readiness check; `healthMessage` says why not. */
  healthy: boolean;
  healthMessage?: string;
  /** Retry sessions of the cluster that have not finished. */
  runningRetries: number;
  /** The registry's `maxConcurrentRetries` (default {@link DEFAULT_MAX_CONCURRENT_RETRIES}). */
  maxConcurrentRetries: number;
}

export const DEFAULT_MAX_CONCURRENT_RETRIES = 5;

export type RetryGate = { admit: true } | { admit: false; reason: string; message: string };

/** The storm guard: no retry while the API server is unhealthy, nor beyond the cluster's cap. */
export function retryGate(input: RetryGateInput): RetryGate {
  if (!input.healthy) {
    return {
      admit: false,
      reason: RetryReason.APIServerUnhealthy,
      message: `the cluster's API server fails its readiness check${input.healthMessage ? `: ${input.healthMessage}` : ""}; retrying later`,
    };
  }
  if (input.runningRetries >= input.maxConcurrentRetries) {
    return {
      admit: false,
      reason: RetryReason.TooManyConcurrentRetries,
      message: `${input.runningRetries} retries are running on this cluster (maxConcurrentRetries ${input.maxConcurrentRetries}); retrying when one ends`,
    };
  }
  return { admit: true };
}
