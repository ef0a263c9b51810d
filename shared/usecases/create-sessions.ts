import { PublishError } from "../bus/errors.ts";
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
import { scheduledTimeOf, sessionScheduleInput } from "../decide/session-schedule-input.ts";
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
  const context: TickContext = {
    deps,
    retry: transientRetry(deps.retry),
    sessionsBySchedule: groupBySchedule(sessions.items),
    objects: { storages: storages.items, policies: policies.items },
    namespaces,
  };
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  // docs/costs.md#scheduling-lag: decide everything first (no request), then create every due session before
  // anything else is written, so no Event, status or notice waits in front of a create; then publish all
  // "BackupSession Created" at once, then each configuration's Events and status.
  const plans = configs.items.map((config) => planConfiguration(context, config, now));
  const creations = plans.flatMap((plan) => plan.sessions.filter(isCreation));
  await mapWithConcurrency(creations, concurrency, (planned) => createSession(context, planned, now));
  await publishCreated(context, creations, now);
  const perConfig = await mapWithConcurrency(plans, concurrency, async (plan) => {
    try {
      if (plan.error !== undefined) throw plan.error;
      return await finishConfiguration(context, plan, now);
    } catch (error) {
      // One configuration's failure (a bug, an unexpected object) does not stop the others.
      return [configurationFailure(plan.config, error)];
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

function configurationFailure(config: BackupConfiguration, error: unknown): SessionOutcome {
  return {
    namespace: config.metadata.namespace ?? "default",
    configuration: config.metadata.name,
    session: "*",
    decision: "wait",
    error: String(error),
    transient: isTransient(error),
  };
}

/** Writes in flight towards the API server, by default (creates first, then Events and statuses). */
const DEFAULT_CONCURRENCY = 32;

interface TickContext {
  deps: CreateSessionsDeps;
  retry: Retrier;
  /** The listed BackupSessions by namespace, configuration and session (scheduleKey). */
  sessionsBySchedule: ReadonlyMap<string, BackupSession[]>;
  objects: Pick<Parameters<typeof decideConfigurationStatus>[1], "storages" | "policies">;
  namespaces: Map<string, Record<string, string>>;
}

/** One session of a configuration on this tick: what was decided, and what applying it did. */
interface PlannedSession {
  config: BackupConfiguration;
  session: Session;
  input: SessionScheduleInput;
  decision: SessionScheduleDecision;
  statusConditions: SessionStatusConditions;
  outcome: SessionOutcome;
}

type SessionStatusConditions = NonNullable<
  NonNullable<BackupConfiguration["status"]>["sessions"]
>[number]["conditions"];

type Creation = PlannedSession & { decision: Extract<SessionScheduleDecision, { name: string }> };

/** Every decision of one configuration on this tick, made before any write. */
interface ConfigurationPlan {
  config: BackupConfiguration;
  sessions: PlannedSession[];
  /** The configuration could not be decided (a bug or an unexpected object): reported, the others go on. */
  error?: unknown;
}

function isCreation(planned: PlannedSession): planned is Creation {
  const { action } = planned.decision;
  return action === "create" || action === "skip-create" || action === "replace";
}

const scheduleKey = (namespace: string | undefined, configuration: string, session: string) =>
  `${namespace ?? ""}/${configuration}/${session}`;

/** The sessions a schedule may own, grouped once per tick (sessionsOf then filters a handful, not all). */
function groupBySchedule(sessions: ReadonlyArray<BackupSession>): Map<string, BackupSession[]> {
  const groups = new Map<string, BackupSession[]>();
  for (const session of sessions) {
    const invoker = session.spec.invoker;
    if (invoker?.kind !== "BackupConfiguration" || session.spec.session === undefined) continue;
    const key = scheduleKey(session.metadata.namespace, invoker.name, session.spec.session);
    const group = groups.get(key);
    if (group) group.push(session);
    else groups.set(key, [session]);
  }
  return groups;
}

function ownSessions(context: TickContext, config: BackupConfiguration, session: string) {
  return context.sessionsBySchedule.get(
    scheduleKey(config.metadata.namespace, config.metadata.name, session),
  );
}

function planConfiguration(context: TickContext, config: BackupConfiguration, now: Date): ConfigurationPlan {
  const sessions: PlannedSession[] = [];
  try {
    for (const session of config.spec.sessions ?? []) {
      const statusConditions = config.status?.sessions?.find((s) => s.name === session.name)?.conditions;
      const input = sessionScheduleInput(config, session.name, {
        sessions: ownSessions(context, config, session.name) ?? [],
        now,
        resumedAt: resumedAt(statusConditions),
        defaultStaggerWindowMs: context.deps.staggerWindowMs,
      });
      if (!input) continue;
      const decision = decideSessionSchedule(input, now);
      const outcome: SessionOutcome = {
        namespace: config.metadata.namespace ?? "default",
        configuration: config.metadata.name,
        session: session.name,
        decision: decision.action,
      };
      sessions.push({ config, session, input, decision, statusConditions, outcome });
    }
    return { config, sessions };
  } catch (error) {
    return { config, sessions: [], error };
  }
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
    noteFailure(outcome, what, error);
    return undefined;
  }
}

function noteFailure(outcome: SessionOutcome, what: string, error: unknown): void {
  const message = `${what}: ${String(error)}`;
  outcome.error = outcome.error ? `${outcome.error}; ${message}` : message;
  outcome.transient = outcome.transient === true || isTransient(error);
}

/** When the schedule's newest session was created (the one `lastScheduledTime` comes from). */
function lastCreatedAt(
  sessions: ReadonlyArray<BackupSession>,
  lastScheduled: Date | undefined,
): Date | undefined {
  if (lastScheduled === undefined) return undefined;
  const session = sessions.find(
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

/**
 * Creates one due session, and what must be true of it before anyone hears of it: a Skipped one gets its
 * phase (reconcile-session must never see it Pending), the sessions it replaces are marked.
 */
async function createSession(context: TickContext, planned: Creation, now: Date): Promise<void> {
  const { deps } = context;
  const { config, session, decision, outcome } = planned;
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
  if (made === undefined) return;
  const { object } = made;
  const created = made.created || failedOnce;
  outcome.name = object.metadata.name;
  outcome.created = created;
  outcome.lagSeconds = Math.max(0, (now.getTime() - decision.scheduledTime.getTime()) / 1000);
  if (created && decision.action === "skip-create") {
    await attempt(context, outcome, "skipped status", () =>
      deps.client.updateStatus(
        "BackupSession",
        object.metadata.namespace,
        object.metadata.name,
        (current) =>
          current.status?.phase ? undefined : skippedStatus(current.status, decision.reason, now),
        { known: object },
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
}

/** One publish call for every session this tick created (the publisher sends PutEvents of up to 10). */
async function publishCreated(context: TickContext, creations: Creation[], now: Date): Promise<void> {
  const { deps } = context;
  let pending = creations.filter((c) => c.outcome.created === true);
  if (pending.length === 0) return;
  const eventOf = ({ config, session, decision, outcome }: Creation) =>
    eventFor(BackupSessionCreated, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: outcome.namespace,
      name: outcome.name ?? decision.name,
      configuration: config.metadata.name,
      session: session.name,
      origin: "schedule",
      scheduledTime: toKubeTime(decision.scheduledTime),
      createdAt: toKubeTime(now),
    });
  try {
    await context.retry(async () => {
      try {
        await deps.publisher.publish(pending.map(eventOf));
      } catch (error) {
        // Only what the bus did not take is sent again (the rest is on the bus already).
        if (error instanceof PublishError) {
          const failed = new Set(error.failures.map((f) => f.index));
          pending = pending.filter((_, index) => failed.has(index));
        }
        throw error;
      }
    });
  } catch (error) {
    for (const creation of pending) noteFailure(creation.outcome, "publish", error);
  }
}

/**
 * After the creates: each session's Kubernetes Event and overdue notice, then the configuration's status
 * (validation, backends, nextSchedule, missed runs) when it changed, and the missed runs' Warning Events.
 */
async function finishConfiguration(
  context: TickContext,
  plan: ConfigurationPlan,
  now: Date,
): Promise<SessionOutcome[]> {
  const { config } = plan;
  const { deps, objects, namespaces } = context;
  const validationIssues = semanticIssues("BackupConfiguration", config, indexObjectsInFile([]));
  const outcomes: SessionOutcome[] = [];
  const sessionFacts: Array<{
    name: string;
    nextSchedule?: Date;
    schedulerError?: string;
    missed?: MissedRuns;
  }> = [];
  for (const planned of plan.sessions) {
    const { session, input, decision, statusConditions, outcome } = planned;
    if (isCreation(planned) && outcome.created === true) {
      const message =
        decision.action === "skip-create"
          ? `Skipped BackupSession ${outcome.name}: ${decision.reason}`
          : `Created BackupSession ${outcome.name} for ${toKubeTime(planned.decision.scheduledTime)}`;
      await attempt(context, outcome, "record event", () =>
        deps.client.recordEvent(config, { type: "Normal", reason: "BackupSessionCreated", message }, now),
      );
    }
    if (decision.action === "missed-deadline")
      outcome.overdue =
        (await attempt(context, outcome, "announce overdue", () =>
          announceOverdue(deps, config, session, input, now),
        )) ?? false;
    // A create that did not happen is no fact yet: the time stays due and a later tick decides it again.
    const missed =
      isCreation(planned) && outcome.name === undefined
        ? undefined
        : newlyMissedRuns(
            {
              input,
              decision,
              recorded: missedRecord(statusConditions)?.newest,
              lastCreatedAt: lastCreatedAt(
                ownSessions(context, config, session.name) ?? [],
                input.lastScheduledTime,
              ),
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
  // configuration as listed, so an unchanged one costs no request; a change is written with the listed
  // resourceVersion, and decided again on a fresh read only if that one is stale.
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
      { known: config },
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
