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
import { newBackupSession, skippedStatus } from "../decide/new-session.ts";
import type { OperatorPresence } from "../decide/operator-presence.ts";
import { freshlyOverdue } from "../decide/overdue-notice.ts";
import { resumedAt } from "../decide/schedule-state.ts";
import { nextScheduleTime } from "../decide/schedule-times.ts";
import { sessionScheduleInput } from "../decide/session-schedule-input.ts";
import type { KubeClient } from "../kube/client.ts";
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
import { operatorHold } from "./operator-presence.ts";

/**
 * Per cluster and tick: list the BackupConfigurations and BackupSessions (one LIST each, all namespaces),
 * decide for every session of every configuration what the CronJob controller would do, create the sessions
 * that are due (deterministic names: a duplicate tick collides and creates nothing), publish
 * "BackupSession Created", record a Kubernetes Event on the configuration, and keep the configuration's
 * status (validation, backends, nextSchedule, phase) current. A configuration that cannot be read or scheduled
 * is marked, and the others go on.
 */

export interface CreateSessionsDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** Stagger window for this cluster (registry), unless a configuration's annotation says otherwise. */
  staggerWindowMs?: number;
  /** Parallel writes towards the API server. */
  concurrency?: number;
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
  error?: string;
}

export interface CreateSessionsReport {
  clusterId: string;
  outcomes: SessionOutcome[];
  invalidConfigurations: Array<{ namespace?: string; name: string; error: string }>;
  /** The KubeStash operator's footprint, when it held this cluster's sessions (docs/migration.md). */
  operator?: OperatorPresence;
}

export async function createDueSessions(deps: CreateSessionsDeps, now: Date): Promise<CreateSessionsReport> {
  // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): beside the KubeStash operator, create none.
  const operator = await operatorHold(deps.client, now);
  if (operator)
    return { clusterId: deps.client.clusterId, outcomes: [], invalidConfigurations: [], operator };
  const { client } = deps;
  const [configs, sessions, storages, policies] = await Promise.all([
    client.list("BackupConfiguration"),
    client.list("BackupSession"),
    client.list("BackupStorage"),
    client.list("RetentionPolicy"),
  ]);
  const namespaces = await namespaceLabels(client, configs.items);
  const invalidConfigurations = await Promise.all(
    configs.invalid.map(async (bad) => {
      await markUnreadable(client, bad.namespace, bad.name, bad.error.message, now);
      return { namespace: bad.namespace, name: bad.name, error: bad.error.message };
    }),
  );
  const objects = { storages: storages.items, policies: policies.items };
  const perConfig = await mapWithConcurrency(configs.items, deps.concurrency ?? 16, async (config) => {
    try {
      return await scheduleConfiguration(deps, config, sessions.items, objects, namespaces, now);
    } catch (error) {
      // One configuration's failure (a denied write, a conflict that kept coming) does not stop the others.
      const { namespace = "default", name } = config.metadata;
      return [
        { namespace, configuration: name, session: "*", decision: "wait" as const, error: String(error) },
      ];
    }
  });
  return { clusterId: client.clusterId, outcomes: perConfig.flat(), invalidConfigurations };
}

async function namespaceLabels(client: KubeClient, configs: ReadonlyArray<BackupConfiguration>) {
  const labels = new Map<string, Record<string, string>>();
  if (configs.length === 0) return labels;
  const list = await client.list("Namespace");
  for (const ns of list.items) labels.set(ns.metadata.name, ns.metadata.labels ?? {});
  return labels;
}

async function scheduleConfiguration(
  deps: CreateSessionsDeps,
  config: BackupConfiguration,
  allSessions: ReadonlyArray<BackupSession>,
  objects: Pick<Parameters<typeof decideConfigurationStatus>[1], "storages" | "policies">,
  namespaces: Map<string, Record<string, string>>,
  now: Date,
): Promise<SessionOutcome[]> {
  const validationIssues = semanticIssues("BackupConfiguration", config, indexObjectsInFile([]));
  const outcomes: SessionOutcome[] = [];
  const sessionFacts: Array<{ name: string; nextSchedule?: Date; schedulerError?: string }> = [];
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
    const outcome = await applyDecision(deps, config, session, decision, now);
    if (decision.action === "missed-deadline")
      outcome.overdue = await announceOverdue(deps, config, session, input, now);
    outcomes.push(outcome);
    sessionFacts.push(scheduleFacts(session, decision, now));
  }
  await deps.client.updateStatus(
    "BackupConfiguration",
    config.metadata.namespace,
    config.metadata.name,
    (current) =>
      decideConfigurationStatus(
        current,
        {
          ...objects,
          namespaceLabels: namespaces.get(config.metadata.namespace ?? ""),
          validationIssues,
          sessions: sessionFacts,
        },
        now,
      ),
  );
  return outcomes;
}

function scheduleFacts(session: Session, decision: SessionScheduleDecision, now: Date) {
  if (decision.action === "invalid") return { name: session.name, schedulerError: decision.error };
  const parsed = session.scheduler ? parseCronSchedule(session.scheduler.schedule) : undefined;
  const next = parsed?.ok ? nextScheduleTime(parsed.schedule, now) : undefined;
  const active = decision.action !== "paused" && decision.action !== "suspended";
  return { name: session.name, ...(active && next ? { nextSchedule: next } : {}) };
}

async function applyDecision(
  deps: CreateSessionsDeps,
  config: BackupConfiguration,
  session: Session,
  decision: SessionScheduleDecision,
  now: Date,
): Promise<SessionOutcome> {
  const base = {
    namespace: config.metadata.namespace ?? "default",
    configuration: config.metadata.name,
    session: session.name,
    decision: decision.action,
  };
  if (decision.action === "missed-deadline") {
    await deps.client.recordEvent(
      config,
      { type: "Warning", reason: "MissedSchedule", message: `${session.name}: ${decision.reason}` },
      now,
    );
    return base;
  }
  if (decision.action !== "create" && decision.action !== "skip-create" && decision.action !== "replace")
    return base;

  const desired = newBackupSession({
    configuration: config,
    session,
    name: decision.name,
    scheduledTime: decision.scheduledTime,
    origin: "schedule",
  });
  const { object, created } = await deps.client.create("BackupSession", desired);
  if (created && decision.action === "skip-create") {
    await deps.client.updateStatus(
      "BackupSession",
      object.metadata.namespace,
      object.metadata.name,
      (current) => (current.status?.phase ? undefined : skippedStatus(current.status, decision.reason, now)),
    );
  }
  if (decision.action === "replace") {
    for (const running of decision.replaces) {
      await deps.client.patch("BackupSession", object.metadata.namespace, running, {
        metadata: { annotations: { [Annotation.ReplacedBy]: object.metadata.name } },
      });
    }
  }
  if (created) {
    const message =
      decision.action === "skip-create"
        ? `Skipped BackupSession ${object.metadata.name}: ${decision.reason}`
        : `Created BackupSession ${object.metadata.name} for ${toKubeTime(decision.scheduledTime)}`;
    await deps.client.recordEvent(config, { type: "Normal", reason: "BackupSessionCreated", message }, now);
    await deps.publisher.publish([
      eventFor(BackupSessionCreated, {
        version: DETAIL_VERSION,
        clusterId: deps.client.clusterId,
        namespace: base.namespace,
        name: object.metadata.name,
        configuration: config.metadata.name,
        session: session.name,
        origin: "schedule",
        scheduledTime: toKubeTime(decision.scheduledTime),
        createdAt: toKubeTime(now),
      }),
    ]);
  }
  return {
    ...base,
    name: object.metadata.name,
    created,
    lagSeconds: Math.max(0, (now.getTime() - decision.scheduledTime.getTime()) / 1000),
  };
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
