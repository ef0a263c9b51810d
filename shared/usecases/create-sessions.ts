import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { decideConfigurationStatus } from "../decide/configuration-status.ts";
import { parseCronSchedule } from "../decide/cron.ts";
import {
  decideSessionSchedule,
  earliestScheduleTime,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "../decide/due-sessions.ts";
import { indexObjectsInFile } from "../decide/manifest-references.ts";
import { semanticIssues } from "../decide/manifest-rules.ts";
import {
  type MissedRuns,
  missedRecord,
  newlyMissedRuns,
  recordedMisses,
} from "../decide/missed-schedules.ts";
import { newBackupSession, skippedStatus } from "../decide/new-session.ts";
import type { OperatorPresence } from "../decide/operator-presence.ts";
import { freshlyOverdue } from "../decide/overdue-notice.ts";
import { resumedAt } from "../decide/schedule-state.ts";
import { nextScheduleTime } from "../decide/schedule-times.ts";
import { scheduledTimeOf, sessionScheduleInput, sessionsOf } from "../decide/session-schedule-input.ts";
import { type KubeClient, statusUnchanged } from "../kube/client.ts";
import type { BackupConfiguration, Session } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import {
  BackupConfigurationCondition,
  BackupConfigurationReason,
  setCondition,
} from "../model/conditions.ts";
import { BackupSessionCreated } from "../model/events/backup-session-created.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { ScheduleOverdue } from "../model/events/schedule-overdue.ts";
import { Annotation } from "../model/labels.ts";
import { toKubeTime } from "../model/time.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { SchedulingIncompleteError } from "./errors.ts";
import { operatorHold } from "./operator-presence.ts";
import { isTransient, type Retrier, type TransientRetryOptions, transientRetry } from "./transient-retry.ts";

/**
 * Per cluster and tick: list the BackupConfigurations and BackupSessions (one LIST each, all namespaces),
 * decide for every session of every configuration what the CronJob controller would do, create the sessions
 * that are due (deterministic names: a duplicate tick collides and creates nothing), publish
 * "BackupSession Created", record a Kubernetes Event on the configuration, and keep the configuration's
 * status (validation, backends, nextSchedule, phase) current. A configuration that cannot be read or scheduled
 * is marked, and the others go on.
 *
 * Transient failures (docs/decisions.md#transient-errors): each write is retried with bounded back-off inside
 * the invocation; the session create comes first, and a failed Event, publish or status write after it never
 * makes the tick think the session was not created. What still fails for a reason that is not the
 * configuration's own fault is thrown as SchedulingIncompleteError once every other configuration is done,
 * so the platform retries the delivery; the creates are idempotent, so a retry creates nothing twice. A time
 * that still got no session is started late by a later tick, and counted as missed once
 * (docs/decisions.md#missed-schedules).
 */

export interface CreateSessionsDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** Stagger window for this cluster (registry), unless a configuration's annotation says otherwise. */
  staggerWindowMs?: number;
  /** Parallel writes towards the API server. */
  concurrency?: number;
  /** Back-off of a write that failed transiently, inside the invocation (transient-retry.ts). */
  retry?: TransientRetryOptions;
}

export interface SessionOutcome {
  namespace: string;
  configuration: string;
  session: string;
  decision: SessionScheduleDecision["action"];
  name?: string;
  created?: boolean;
  /** Seconds from the scheduled time to the creation. */
  lagSeconds?: number;
  /** A run due more than one interval ago got no session; "Schedule Overdue" was published. */
  overdue?: boolean;
  /** Schedule times this tick counted as missed (recorded in the configuration's status: once each). */
  missed?: number;
  error?: string;
  /** The error is not the configuration's own fault (5xx, 429, timeouts): the delivery is retried. */
  transient?: boolean;
}

export interface CreateSessionsReport {
  clusterId: string;
  outcomes: SessionOutcome[];
  invalidConfigurations: Array<{ namespace?: string; name: string; error: string }>;
  /** The KubeStash operator's footprint, when it held this cluster's sessions (docs/migration.md). */
  operator?: OperatorPresence;
}

export async function createDueSessions(deps: CreateSessionsDeps, now: Date): Promise<CreateSessionsReport> {
  const { client } = deps;
  // One LIST per kind (docs/costs.md#what-a-quiet-tick-costs): the operator check marks the configurations
  // listed here.
  const configs = await client.list("BackupConfiguration");
  // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): beside the KubeStash operator, create none.
  const operator = await operatorHold(deps.client, now, configs.items);
  if (operator)
    return { clusterId: deps.client.clusterId, outcomes: [], invalidConfigurations: [], operator };
  const [sessions, storages, policies] = await Promise.all([
    client.list("BackupSession"),
    client.list("BackupStorage"),
    client.list("RetentionPolicy"),
  ]);
  const namespaces = await namespaceLabels(client, configs.items);
  const invalidConfigurations = await Promise.all(
    configs.invalid.map(async (bad) => {
      // Marked once: a configuration still unreadable for the same reason is not written again.
      if (!markedUnreadable(bad.raw, bad.error.message)) {
        await markUnreadable(client, bad.namespace, bad.name, bad.error.message, now);
      }
      return { namespace: bad.namespace, name: bad.name, error: bad.error.message };
    }),
  );
  const objects = { storages: storages.items, policies: policies.items };
  const retry = transientRetry(deps.retry);
  const perConfig = await mapWithConcurrency(configs.items, deps.concurrency ?? 16, async (config) => {
    const context = { deps, retry, allSessions: sessions.items, objects, namespaces };
    try {
      return await scheduleConfiguration(context, config, now);
    } catch (error) {
      // One configuration's failure (a denied write, a server that kept failing) does not stop the others.
      const { namespace = "default", name } = config.metadata;
      return [
        {
          namespace,
          configuration: name,
          session: "*",
          decision: "wait" as const,
          error: String(error),
          transient: isTransient(error),
        },
      ];
    }
  });
  const report = { clusterId: client.clusterId, outcomes: perConfig.flat(), invalidConfigurations };
  const transient = report.outcomes.filter((o) => o.transient === true);
  if (transient.length > 0)
    throw new SchedulingIncompleteError(
      report,
      transient.map((o) => ({ ...o, error: o.error ?? "transient failure" })),
    );
  return report;
}

interface TickContext {
  deps: CreateSessionsDeps;
  retry: Retrier;
  allSessions: ReadonlyArray<BackupSession>;
  objects: Pick<Parameters<typeof decideConfigurationStatus>[1], "storages" | "policies">;
  namespaces: Map<string, Record<string, string>>;
}

/** Runs one write with the tick's back-off; a failure is noted on `outcome` (never thrown) and gives undefined. */
async function attempt<T>(
  context: Pick<TickContext, "retry">,
  outcome: SessionOutcome,
  what: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await context.retry(work);
  } catch (error) {
    const message = `${what}: ${String(error)}`;
    outcome.error = outcome.error ? `${outcome.error}; ${message}` : message;
    outcome.transient = outcome.transient === true || isTransient(error);
    return undefined;
  }
}

/** When the schedule's newest session was created (the one `lastScheduledTime` comes from). */
function lastCreatedAt(
  config: BackupConfiguration,
  sessionName: string,
  sessions: ReadonlyArray<BackupSession>,
  lastScheduled: Date | undefined,
): Date | undefined {
  if (lastScheduled === undefined) return undefined;
  const session = sessionsOf(config, sessionName, sessions).find(
    (s) =>
      (s.metadata.annotations?.[Annotation.Origin] ?? "schedule") === "schedule" &&
      scheduledTimeOf(s)?.getTime() === lastScheduled.getTime(),
  );
  const created = session?.metadata.creationTimestamp;
  return created === undefined ? undefined : new Date(created);
}

async function namespaceLabels(client: KubeClient, configs: ReadonlyArray<BackupConfiguration>) {
  const labels = new Map<string, Record<string, string>>();
  if (configs.length === 0) return labels;
  const list = await client.list("Namespace");
  for (const ns of list.items) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
  return labels;
}

async function scheduleConfiguration(
  context: TickContext,
  config: BackupConfiguration,
  now: Date,
): Promise<SessionOutcome[]> {
  const { deps, allSessions, objects, namespaces } = context;
  const validationIssues = semanticIssues("BackupConfiguration", config, indexObjectsInFile([]));
  const outcomes: SessionOutcome[] = [];
  const sessionFacts: Array<{
    name: string;
    nextSchedule?: Date;
    schedulerError?: string;
    missed?: MissedRuns;
  }> = [];
  for (const session of config.spec.sessions ?? []) {
    const statusConditions = config.status?.sessions?.find((s) => s.name === session.name)?.conditions;
    const input = sessionScheduleInput(config, session.name, {
      sessions: allSessions,
      now,
      resumedAt: resumedAt(statusConditions),
      defaultStaggerWindowMs: deps.staggerWindowMs,
    });
    if (!input) continue;
    const decision = decideSessionSchedule(input, now);
    const outcome = await applyDecision(context, config, session, decision, now);
    if (decision.action === "missed-deadline")
      outcome.overdue =
        (await attempt(context, outcome, "announce overdue", () =>
          announceOverdue(deps, config, session, input, now),
        )) ?? false;
    // A create that did not happen is no fact yet: the time stays due and a later tick decides it again.
    const creates =
      decision.action === "create" || decision.action === "skip-create" || decision.action === "replace";
    const missed =
      creates && outcome.name === undefined
        ? undefined
        : newlyMissedRuns(
            {
              input,
              decision,
              recorded: missedRecord(statusConditions)?.newest,
              lastCreatedAt: lastCreatedAt(config, session.name, allSessions, input.lastScheduledTime),
            },
            now,
          );
    outcomes.push(outcome);
    sessionFacts.push({ ...scheduleFacts(session, decision, now), ...(missed ? { missed } : {}) });
  }
  let before: BackupConfiguration["status"];
  const statusOutcome: SessionOutcome = {
    namespace: config.metadata.namespace ?? "default",
    configuration: config.metadata.name,
    session: "*",
    decision: "wait",
  };
  const statusOf = (current: BackupConfiguration) =>
    decideConfigurationStatus(
      current,
      {
        ...objects,
        namespaceLabels: namespaces.get(config.metadata.namespace ?? ""),
        validationIssues,
        sessions: sessionFacts,
      },
      now,
    );
  // Written only when it changed (docs/costs.md#writes-only-when-something-changed): decided first on the
  // configuration as listed, so an unchanged one costs no request; a change is decided again on a fresh read.
  if (statusUnchanged(statusOf(config), config.status)) return outcomes;
  const written = await attempt(context, statusOutcome, "status", () =>
    deps.client.updateStatus(
      "BackupConfiguration",
      config.metadata.namespace,
      config.metadata.name,
      (current) => {
        before = current.status;
        return statusOf(current);
      },
    ),
  );
  if (statusOutcome.error) outcomes.push(statusOutcome);
  if (written?.changed) await countMisses(context, written.object, before, outcomes, now);
  return outcomes;
}

/** What the status write recorded as missed goes on each outcome, with one Warning Event per newly missed run. */
async function countMisses(
  context: TickContext,
  config: BackupConfiguration,
  before: BackupConfiguration["status"],
  outcomes: SessionOutcome[],
  now: Date,
): Promise<void> {
  for (const outcome of outcomes) {
    const conditionsOf = (status: BackupConfiguration["status"]) =>
      status?.sessions?.find((s) => s.name === outcome.session)?.conditions;
    const after = conditionsOf(config.status);
    const missed = recordedMisses(conditionsOf(before), after);
    if (missed === 0) continue;
    outcome.missed = missed;
    const record = missedRecord(after);
    const message = `${outcome.session}: ${missed} schedule time(s) missed, the newest ${toKubeTime(record?.newest ?? now)} (${record?.reason ?? "missed"})`;
    await attempt(context, outcome, "record event", () =>
      context.deps.client.recordEvent(config, { type: "Warning", reason: "MissedSchedule", message }, now),
    );
  }
}

function scheduleFacts(session: Session, decision: SessionScheduleDecision, now: Date) {
  if (decision.action === "invalid") return { name: session.name, schedulerError: decision.error };
  const parsed = session.scheduler ? parseCronSchedule(session.scheduler.schedule) : undefined;
  const next = parsed?.ok ? nextScheduleTime(parsed.schedule, now) : undefined;
  const active = decision.action !== "paused" && decision.action !== "suspended";
  return { name: session.name, ...(active && next ? { nextSchedule: next } : {}) };
}

async function applyDecision(
  context: TickContext,
  config: BackupConfiguration,
  session: Session,
  decision: SessionScheduleDecision,
  now: Date,
): Promise<SessionOutcome> {
  const { deps } = context;
  const outcome: SessionOutcome = {
    namespace: config.metadata.namespace ?? "default",
    configuration: config.metadata.name,
    session: session.name,
    decision: decision.action,
  };
  if (decision.action !== "create" && decision.action !== "skip-create" && decision.action !== "replace")
    return outcome;

  const desired = newBackupSession({
    configuration: config,
    session,
    name: decision.name,
    scheduledTime: decision.scheduledTime,
    origin: "schedule",
  });
  // A create whose answer was lost may have happened: when a retry then finds the same object, it is ours.
  let failedOnce = false;
  const made = await attempt(context, outcome, "create", async () => {
    try {
      return await deps.client.create("BackupSession", desired);
    } catch (error) {
      failedOnce = true;
      throw error;
    }
  });
  if (made === undefined) return outcome;
  const { object } = made;
  const created = made.created || failedOnce;
  outcome.name = object.metadata.name;
  outcome.created = created;
  outcome.lagSeconds = Math.max(0, (now.getTime() - decision.scheduledTime.getTime()) / 1000);
  if (created && decision.action === "skip-create") {
    await attempt(context, outcome, "skipped status", () =>
      deps.client.updateStatus("BackupSession", object.metadata.namespace, object.metadata.name, (current) =>
        current.status?.phase ? undefined : skippedStatus(current.status, decision.reason, now),
      ),
    );
  }
  if (decision.action === "replace") {
    for (const running of decision.replaces) {
      await attempt(context, outcome, `mark ${running} replaced`, () =>
        deps.client.patch("BackupSession", object.metadata.namespace, running, {
          metadata: { annotations: { [Annotation.ReplacedBy]: object.metadata.name } },
        }),
      );
    }
  }
  if (!created) return outcome;
  await attempt(context, outcome, "publish", () =>
    deps.publisher.publish([
      eventFor(BackupSessionCreated, {
        version: DETAIL_VERSION,
        clusterId: deps.client.clusterId,
        namespace: outcome.namespace,
        name: object.metadata.name,
        configuration: config.metadata.name,
        session: session.name,
        origin: "schedule",
        scheduledTime: toKubeTime(decision.scheduledTime),
        createdAt: toKubeTime(now),
      }),
    ]),
  );
  const message =
    decision.action === "skip-create"
      ? `Skipped BackupSession ${object.metadata.name}: ${decision.reason}`
      : `Created BackupSession ${object.metadata.name} for ${toKubeTime(decision.scheduledTime)}`;
  await attempt(context, outcome, "record event", () =>
    deps.client.recordEvent(config, { type: "Normal", reason: "BackupSessionCreated", message }, now),
  );
  return outcome;
}

/** "Schedule Overdue" when the missed run has just become a whole interval late (once per overdue run). */
async function announceOverdue(
  deps: CreateSessionsDeps,
  config: BackupConfiguration,
  session: Session,
  input: SessionScheduleInput,
  now: Date,
): Promise<boolean> {
  const parsed = session.scheduler ? parseCronSchedule(session.scheduler.schedule) : undefined;
  if (!parsed?.ok) return false;
  const earliest = earliestScheduleTime(input.createdAt, undefined, input.resumedAt);
  const overdue = freshlyOverdue(
    {
      schedule: parsed.schedule,
      earliest,
      ...(input.lastScheduledTime ? { lastSessionAt: input.lastScheduledTime } : {}),
    },
    now,
  );
  if (!overdue) return false;
  await deps.publisher.publish([
    eventFor(ScheduleOverdue, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: config.metadata.namespace ?? "default",
      configuration: config.metadata.name,
      session: session.name,
      schedule: parsed.schedule.source,
      overdueSince: toKubeTime(overdue.dueSince),
      missedRuns: Math.max(1, overdue.missedRuns),
      detectedAt: toKubeTime(now),
    }),
  ]);
  return true;
}

/** The configuration as the server holds it says Invalid already, for this reason. */
function markedUnreadable(raw: unknown, message: string): boolean {
  const status = (raw as { status?: { phase?: unknown; conditions?: unknown } } | undefined)?.status;
  if (status?.phase !== "Invalid" || !Array.isArray(status.conditions)) return false;
  return status.conditions.some(
    (c: { type?: unknown; status?: unknown; reason?: unknown; message?: unknown }) =>
      c.type === BackupConfigurationCondition.ValidationPassed &&
      c.status === "False" &&
      c.reason === BackupConfigurationReason.ResourceValidationFailed &&
      c.message === message,
  );
}

/** A configuration the model cannot read (the API server accepted it): Invalid, with the reason. */
async function markUnreadable(
  client: KubeClient,
  namespace: string | undefined,
  name: string,
  message: string,
  now: Date,
) {
  const conditions = setCondition(
    [],
    {
      type: BackupConfigurationCondition.ValidationPassed,
      status: "False",
      reason: BackupConfigurationReason.ResourceValidationFailed,
      message,
    },
    now,
  );
  await client.patchUnparsed(
    "BackupConfiguration",
    namespace,
    name,
    { status: { phase: "Invalid", conditions } },
    "status",
  );
}
