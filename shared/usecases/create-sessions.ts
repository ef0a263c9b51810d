import { PublishError } from "../bus/errors.ts";
import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { isMarkedInvalid } from "../decide/configuration/configuration-invalid.ts";
import { configurationIssues } from "../decide/configuration/configuration-rules.ts";
import { decideConfigurationStatus } from "../decide/configuration/configuration-status.ts";
import type { OperatorPresence } from "../decide/operator/operator-presence.ts";
import type { SessionScheduleDecision } from "../decide/schedule/due-sessions.ts";
import { missedRecord, recordedMisses } from "../decide/schedule/missed-schedules.ts";
import { skippedStatus } from "../decide/schedule/new-session.ts";
import {
  createdEventMessage,
  planConfigurationSchedule,
  type SessionPlan,
  type SessionScheduleFacts,
  scheduleFactsAfter,
} from "../decide/schedule/schedule-plan.ts";
import type { WindowContext } from "../decide/schedule/schedule-windows.ts";
import { type KubeClient, statusUnchanged } from "../kube/client.ts";
import type { BackupConfiguration } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import type { BackupVerificationSession, BackupVerifier } from "../model/backup-verifier.ts";
import { BackupSessionCreated } from "../model/events/backup-session-created.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { ScheduleOverdue } from "../model/events/schedule-overdue.ts";
import { toKubeTime } from "../model/time.ts";
import { listOrNone } from "./cluster-reads.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { markConfigurationInvalid } from "./configuration-invalid.ts";
import { SchedulingIncompleteError } from "./errors.ts";
import { operatorHold } from "./operator-presence.ts";
import { type RpoOutcome, type RpoWatchDeps, watchRpo } from "./rpo-watch.ts";
import {
  type AppliedVerification,
  createVerification,
  finishVerifications,
  groupVerifications,
  isVerificationCreation,
  namesVerifier,
  planVerifications,
  type VerificationCreation,
  type VerificationOutcome,
  type VerificationTick,
  verificationCreatedEvent,
} from "./tick-verifications.ts";
import { attempt, createDue, type Noted, noteFailure, scheduleKey } from "./tick-writes.ts";
import { isTransient, type Retrier, type TransientRetryOptions, transientRetry } from "./transient-retry.ts";

/**
 * Per cluster and tick: list the BackupConfigurations and BackupSessions (one LIST each, all namespaces),
 * decide for every session of every configuration what the CronJob controller would do (one pure plan per
 * configuration, shared/decide/schedule/schedule-plan.ts; docs/costs.md#scheduling-lag), create the sessions
 * that are due (deterministic names: a duplicate tick collides and creates nothing), publish
 * "BackupSession Created", record a Kubernetes Event on the configuration, and keep the configuration's
 * status (validation, backends, nextSchedule, phase) current. A configuration that cannot be read or scheduled
 * is marked, and the others go on.
 *
 * Verifications run on the same tick and engine (docs/verification.md#scheduling): when a configuration names
 * a `backupVerifier`, the BackupVerifiers and BackupVerificationSessions are listed too (one LIST each), each
 * verified repository's verifier schedule is planned beside the backups (verification-plan.ts), its due
 * BackupVerificationSession is created with the BackupSessions, its "BackupVerificationSession Created" goes
 * in the same publish, and its Event and "Verification Overdue" come after, with the backups'.
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
  /**
   * The cluster's exclusion windows, their default zone and the default start window (registry;
   * docs/windows.md). The namespace labels for the windows' selectors come from the tick's Namespace LIST.
   */
  windows?: Omit<WindowContext, "namespaceLabels">;
  /** The cluster's RPO defaults (registry `rpoTarget`, `rpoAlarmLevel`; docs/rpo.md#the-alarm). */
  rpo?: RpoWatchDeps["rpo"];
  /** Parallel writes towards the API server. */
  concurrency?: number;
  /** Back-off of a write that failed transiently, inside the invocation (transient-retry.ts). */
  retry?: TransientRetryOptions;
}

export type { VerificationOutcome } from "./tick-verifications.ts";

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
  /** The verified repositories' schedules (absent when no configuration names a verifier). */
  verifications?: VerificationOutcome[];
  invalidConfigurations: Array<{ namespace?: string; name: string; error: string }>;
  /** Sessions with an RPO target, rated after the rest of the tick (rpo-watch.ts; absent when none has one). */
  rpo?: RpoOutcome[];
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
  const verified = configs.items.some(namesVerifier);
  const [sessions, storages, policies, verifiers, verifications] = await Promise.all([
    client.list("BackupSession"),
    client.list("BackupStorage"),
    client.list("RetentionPolicy"),
    // Only when some configuration names a verifier: a tick without any lists no more than before. A cluster
    // without the verification CRDs (404) has none: its backups are scheduled all the same.
    verified ? listOrNone(client, "BackupVerifier") : undefined,
    verified ? listOrNone(client, "BackupVerificationSession") : undefined,
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
    verifiers: verifiers?.items ?? [],
    verificationsBySchedule: groupVerifications(verifications?.items ?? []),
    objects: { storages: storages.items, policies: policies.items },
    namespaces,
  };
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  // docs/costs.md#scheduling-lag: decide everything first (shared/decide/schedule/schedule-plan.ts, no request), then
  // create every due session before anything else is written, so no Event, status or notice waits in front
  // of a create; then publish all "BackupSession Created" and "BackupVerificationSession Created" at once, then
  // each configuration's Events and status.
  const plans = configs.items.map((config) => planConfiguration(context, config, now));
  const creations = plans.flatMap((plan) => plan.sessions.filter(isCreation));
  const verificationCreations = plans.flatMap((plan) => plan.verifications.filter(isVerificationCreation));
  // Backups first, then verifications, in one pool of writes.
  const creates = [
    ...creations.map((applied) => () => createSession(context, applied, now)),
    ...verificationCreations.map(
      (applied) => () => createVerification(verificationTick(context), applied, now),
    ),
  ];
  await mapWithConcurrency(creates, concurrency, (create) => create());
  await publishCreated(context, creations, verificationCreations, now);
  const perConfig = await mapWithConcurrency(plans, concurrency, async (plan) => {
    try {
      if (plan.error !== undefined) throw plan.error;
      const outcomes = await finishConfiguration(context, plan, now);
      return { outcomes, verifications: await finishVerifications(verificationTick(context), plan, now) };
    } catch (error) {
      // One configuration's failure (a bug, an unexpected object) does not stop the others.
      return { outcomes: [configurationFailure(plan.configuration, error)], verifications: [] };
    }
  });
  // Last, after every create and status write (docs/rpo.md#the-alarm); never fails the tick.
  const rpoDeps = { ...deps, retry: context.retry, concurrency, namespaces };
  const rpo = await watchRpo(rpoDeps, configs.items, sessions.items, now);
  const report: CreateSessionsReport = {
    clusterId: client.clusterId,
    outcomes: perConfig.flatMap((c) => c.outcomes),
    ...(verified ? { verifications: perConfig.flatMap((c) => c.verifications) } : {}),
    invalidConfigurations,
    ...(rpo.length > 0 ? { rpo } : {}),
  };
  const transient = [
    ...report.outcomes.filter((o) => o.transient === true),
    ...(report.verifications ?? [])
      .filter((o) => o.transient === true)
      .map((o) => ({ ...o, session: `${o.session} verification of ${o.repository}` })),
  ];
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
  /** The listed BackupVerifiers (empty when no configuration names one). */
  verifiers: readonly BackupVerifier[];
  /** The listed BackupVerificationSessions by namespace and configuration (scheduleKey with session "*"). */
  verificationsBySchedule: ReadonlyMap<string, BackupVerificationSession[]>;
  objects: Pick<Parameters<typeof decideConfigurationStatus>[1], "storages" | "policies">;
  namespaces: Map<string, Record<string, string>>;
}

/** A session's plan on this tick and what applying it did. */
interface AppliedSession {
  configuration: BackupConfiguration;
  plan: SessionPlan;
  outcome: SessionOutcome;
}

type Creation = AppliedSession & { plan: SessionPlan & { create: NonNullable<SessionPlan["create"]> } };

/** One configuration's plan on this tick, with an outcome per session. */
interface AppliedConfiguration {
  configuration: BackupConfiguration;
  sessions: AppliedSession[];
  verifications: AppliedVerification[];
  /** Its verifications could not be decided: reported, its backups go on. */
  verificationError?: unknown;
  /** The configuration could not be decided (a bug or an unexpected object): reported, the others go on. */
  error?: unknown;
}

function isCreation(applied: AppliedSession): applied is Creation {
  return applied.plan.create !== undefined;
}

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

function planConfiguration(
  context: TickContext,
  configuration: BackupConfiguration,
  now: Date,
): AppliedConfiguration {
  try {
    const { namespace, name } = configuration.metadata;
    const plan = planConfigurationSchedule(
      configuration,
      {
        sessionsOf: (session) => context.sessionsBySchedule.get(scheduleKey(namespace, name, session)) ?? [],
        defaultStaggerWindowMs: context.deps.staggerWindowMs,
        windows: windowContext(context, namespace),
      },
      now,
    );
    const sessions = plan.sessions.map((sessionPlan) => ({
      configuration,
      plan: sessionPlan,
      outcome: {
        namespace: namespace ?? "default",
        configuration: name,
        session: sessionPlan.session.name,
        decision: sessionPlan.decision.action,
      },
    }));
    const { verifications, verificationError } = planVerifications(
      verificationTick(context),
      configuration,
      now,
    );
    return { configuration, sessions, verifications, verificationError };
  } catch (error) {
    return { configuration, sessions: [], verifications: [], error };
  }
}

/** What the tick's verifications need of it (tick-verifications.ts). */
function verificationTick(context: TickContext): VerificationTick {
  return {
    client: context.deps.client,
    publisher: context.deps.publisher,
    retry: context.retry,
    staggerWindowMs: context.deps.staggerWindowMs,
    verifiers: context.verifiers,
    verificationsBySchedule: context.verificationsBySchedule,
    windowsFor: (namespace) => windowContext(context, namespace),
  };
}

/** The cluster's windows with the labels of the configuration's namespace (docs/windows.md#where-windows-come-from). */
function windowContext(context: TickContext, namespace: string | undefined): WindowContext {
  const labels = context.namespaces.get(namespace ?? "");
  return { ...context.deps.windows, ...(labels ? { namespaceLabels: labels } : {}) };
}

async function namespaceLabels(client: KubeClient, configs: ReadonlyArray<BackupConfiguration>) {
  const labels = new Map<string, Record<string, string>>();
  if (configs.length === 0) return labels;
  const list = await client.list("Namespace");
  for (const ns of list.items) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
  return labels;
}

/** A due BackupSession: Skipped under Forbid (or a window) with its reason. */
function createSession(context: TickContext, applied: Creation, now: Date): Promise<void> {
  const { create } = applied.plan;
  const { skippedReason } = create;
  return createDue(
    { client: context.deps.client, retry: context.retry },
    applied.outcome,
    {
      kind: "BackupSession",
      desired: create.desired,
      scheduledTime: create.decision.scheduledTime,
      ...(skippedReason !== undefined
        ? { skipped: (current: BackupSession) => skippedStatus(current.status, skippedReason, now) }
        : {}),
      replaces: create.replaces,
    },
    now,
  );
}

/**
 * One publish call for every session and verification session this tick created (the publisher sends
 * PutEvents of up to 10).
 */
async function publishCreated(
  context: TickContext,
  creations: Creation[],
  verificationCreations: VerificationCreation[],
  now: Date,
): Promise<void> {
  const { deps } = context;
  const createdSession = ({ configuration, plan, outcome }: Creation) =>
    eventFor(BackupSessionCreated, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: outcome.namespace,
      name: outcome.name ?? plan.create.desired.metadata.name,
      configuration: configuration.metadata.name,
      session: plan.session.name,
      origin: "schedule",
      scheduledTime: toKubeTime(plan.create.decision.scheduledTime),
      createdAt: toKubeTime(now),
    });
  const createdVerification = (creation: VerificationCreation) =>
    verificationCreatedEvent(deps.client.clusterId, creation, now);
  let pending: Array<{ outcome: Noted; event: () => ReturnType<typeof eventFor> }> = [
    ...creations
      .filter((c) => c.outcome.created === true)
      .map((c) => ({ outcome: c.outcome, event: () => createdSession(c) })),
    ...verificationCreations
      .filter((c) => c.outcome.created === true)
      .map((c) => ({ outcome: c.outcome, event: () => createdVerification(c) })),
  ];
  if (pending.length === 0) return;
  try {
    await context.retry(async () => {
      try {
        await deps.publisher.publish(pending.map((p) => p.event()));
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
  applied: AppliedConfiguration,
  now: Date,
): Promise<SessionOutcome[]> {
  const { configuration: config } = applied;
  const { deps, objects, namespaces } = context;
  const validationIssues = configurationIssues(config);
  const outcomes: SessionOutcome[] = [];
  const sessionFacts: SessionScheduleFacts[] = [];
  for (const { plan, outcome } of applied.sessions) {
    const message =
      outcome.created === true && outcome.name ? createdEventMessage(plan, outcome.name) : undefined;
    if (message !== undefined) {
      await attempt(context, outcome, "record event", () =>
        deps.client.recordEvent(config, { type: "Normal", reason: "BackupSessionCreated", message }, now),
      );
    }
    const { overdue } = plan;
    if (overdue) {
      outcome.overdue =
        (await attempt(context, outcome, "announce overdue", () =>
          announceOverdue(deps, config, plan.session.name, overdue, now),
        )) ?? false;
    } else if (plan.decision.action === "missed-deadline") outcome.overdue = false;
    outcomes.push(outcome);
    sessionFacts.push(scheduleFactsAfter(plan, outcome.name, now));
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

/** "Schedule Overdue" as the plan found it (once per overdue run). */
async function announceOverdue(
  deps: CreateSessionsDeps,
  config: BackupConfiguration,
  session: string,
  overdue: NonNullable<SessionPlan["overdue"]>,
  now: Date,
): Promise<boolean> {
  await deps.publisher.publish([
    eventFor(ScheduleOverdue, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: config.metadata.namespace ?? "default",
      configuration: config.metadata.name,
      session,
      schedule: overdue.schedule,
      overdueSince: toKubeTime(overdue.dueSince),
      missedRuns: overdue.missedRuns,
      detectedAt: toKubeTime(now),
    }),
  ]);
  return true;
}

/** The configuration as the server holds it says Invalid already, for this reason. */
function markedUnreadable(raw: unknown, message: string): boolean {
  return isMarkedInvalid((raw as { status?: unknown } | undefined)?.status, message);
}

/** A configuration the model cannot read (the API server accepted it): Invalid, with the reason. */
async function markUnreadable(
  client: KubeClient,
  namespace: string | undefined,
  name: string,
  message: string,
  now: Date,
) {
  await markConfigurationInvalid(client, namespace, name, message, now);
}
