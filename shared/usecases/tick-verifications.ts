import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import type { SessionScheduleDecision } from "../decide/schedule/due-sessions.ts";
import { concurrentVerificationSkippedStatus } from "../decide/schedule/new-verification-session.ts";
import type { WindowContext } from "../decide/schedule/schedule-windows.ts";
import { planVerificationSchedule, type VerificationPlan } from "../decide/schedule/verification-plan.ts";
import type { BackupConfiguration } from "../model/backup-configuration.ts";
import type { BackupVerificationSession, BackupVerifier } from "../model/backup-verifier.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { VerificationOverdue, VerificationSessionCreated } from "../model/events/verification.ts";
import { toKubeTime } from "../model/time.ts";
import { attempt, createDue, type Noted, scheduleKey, type TickWrites } from "./tick-writes.ts";
import { isTransient } from "./transient-retry.ts";

/**
 * The verifications of one Schedule Tick (docs/verification.md#scheduling), beside the backups of
 * create-sessions.ts on the same engine: each verified repository's plan, the create of a due
 * BackupVerificationSession (the tick's one create path), its "Created" event, and afterwards the
 * configuration's Events and "Verification Overdue". Nothing here writes the configuration's status.
 */

/** What the verifications need of the tick. */
export interface VerificationTick extends TickWrites {
  publisher: EventPublisher;
  staggerWindowMs?: number | undefined;
  /** The listed BackupVerifiers (empty when no configuration names one). */
  verifiers: readonly BackupVerifier[];
  /** The listed BackupVerificationSessions by namespace and configuration (scheduleKey with session "*"). */
  verificationsBySchedule: ReadonlyMap<string, BackupVerificationSession[]>;
  /** The cluster's windows with the labels of a namespace (docs/windows.md#where-windows-come-from). */
  windowsFor: (namespace: string | undefined) => WindowContext;
}

/** One verified repository on this tick (a verifier that does not exist: `missing-verifier`). */
export interface VerificationOutcome extends Noted {
  namespace: string;
  configuration: string;
  session: string;
  repository: string;
  /** `<namespace>/<name>` of the verifier the repository names. */
  verifier: string;
  decision: SessionScheduleDecision["action"] | "missing-verifier";
  /** A verifier's run due more than one interval ago got no session; "Verification Overdue" was published. */
  overdue?: boolean;
}

/** A verified repository's plan on this tick and what applying it did. */
export interface AppliedVerification {
  configuration: BackupConfiguration;
  plan: VerificationPlan;
  outcome: VerificationOutcome;
}

export type VerificationCreation = AppliedVerification & {
  plan: VerificationPlan & { create: NonNullable<VerificationPlan["create"]> };
};

export function isVerificationCreation(applied: AppliedVerification): applied is VerificationCreation {
  return applied.plan.create !== undefined;
}

/** Whether a session of `config` names a `backupVerifier` for one of its repositories. */
export function namesVerifier(config: BackupConfiguration): boolean {
  return (config.spec.sessions ?? []).some((s) => (s.repositories ?? []).some((r) => r.backupVerifier));
}

/** The verification sessions by namespace and configuration; the plan filters session and repository. */
export function groupVerifications(
  sessions: ReadonlyArray<BackupVerificationSession>,
): Map<string, BackupVerificationSession[]> {
  const groups = new Map<string, BackupVerificationSession[]>();
  for (const session of sessions) {
    const invoker = session.spec.invoker;
    if (invoker?.kind !== "BackupConfiguration") continue;
    const key = scheduleKey(session.metadata.namespace, invoker.name, "*");
    const group = groups.get(key);
    if (group) group.push(session);
    else groups.set(key, [session]);
  }
  return groups;
}

/** The configuration's verified repositories on this tick; a failure to plan them leaves its backups be. */
export function planVerifications(
  context: VerificationTick,
  configuration: BackupConfiguration,
  now: Date,
): { verifications: AppliedVerification[]; verificationError?: unknown } {
  if (!namesVerifier(configuration)) return { verifications: [] };
  const { namespace, name } = configuration.metadata;
  try {
    const verificationPlans = planVerificationSchedule(
      configuration,
      context.verifiers,
      {
        verificationSessions: context.verificationsBySchedule.get(scheduleKey(namespace, name, "*")) ?? [],
        defaultStaggerWindowMs: context.staggerWindowMs,
        windows: context.windowsFor(namespace),
      },
      now,
    );
    const verifications = verificationPlans.map((verificationPlan) => ({
      configuration,
      plan: verificationPlan,
      outcome: {
        namespace: namespace ?? "default",
        configuration: name,
        session: verificationPlan.session.name,
        repository: verificationPlan.repository.name,
        verifier: `${verificationPlan.verifierRef.namespace}/${verificationPlan.verifierRef.name}`,
        decision:
          verificationPlan.missingVerifier !== undefined
            ? ("missing-verifier" as const)
            : verificationPlan.decision.action,
      },
    }));
    return { verifications };
  } catch (verificationError) {
    return { verifications: [], verificationError };
  }
}

/** A due BackupVerificationSession: Skipped with BackupVerificationSkipped and the plan's reason. */
export function createVerification(
  context: VerificationTick,
  applied: VerificationCreation,
  now: Date,
): Promise<void> {
  const { create } = applied.plan;
  const { skippedReason } = create;
  return createDue(
    context,
    applied.outcome,
    {
      kind: "BackupVerificationSession",
      desired: create.desired,
      scheduledTime: create.decision.scheduledTime,
      ...(skippedReason !== undefined
        ? {
            skipped: (current: BackupVerificationSession) =>
              concurrentVerificationSkippedStatus(
                current.status,
                skippedReason,
                now,
                create.skippedConditionReason,
              ),
          }
        : {}),
      replaces: create.replaces,
    },
    now,
  );
}

/**
 * After the creates, per verified repository: the Event on the configuration (created, created Skipped, or
 * the verifier it names does not exist) and "Verification Overdue". The configuration's status records
 * nothing of verifications (docs/verification.md#scheduling).
 */
export async function finishVerifications(
  context: VerificationTick,
  applied: {
    configuration: BackupConfiguration;
    verifications: AppliedVerification[];
    verificationError?: unknown;
  },
  now: Date,
): Promise<VerificationOutcome[]> {
  const { configuration: config } = applied;
  const deps = context;
  const outcomes: VerificationOutcome[] = [];
  if (applied.verificationError !== undefined) {
    const error = applied.verificationError;
    outcomes.push({
      namespace: config.metadata.namespace ?? "default",
      configuration: config.metadata.name,
      session: "*",
      repository: "*",
      verifier: "*",
      decision: "wait",
      error: String(error),
      transient: isTransient(error),
    });
  }
  for (const { plan, outcome } of applied.verifications) {
    const event = verificationEvent(plan, outcome);
    if (event !== undefined) {
      await attempt(context, outcome, "record event", () => deps.client.recordEvent(config, event, now));
    }
    const { overdue } = plan;
    if (overdue) {
      outcome.overdue =
        (await attempt(context, outcome, "announce overdue", () =>
          announceVerificationOverdue(deps, config, plan, overdue, now),
        )) ?? false;
    } else if (plan.decision.action === "missed-deadline") outcome.overdue = false;
    outcomes.push(outcome);
  }
  return outcomes;
}

/** The Event a verified repository's tick records on its configuration, if any. */
function verificationEvent(
  plan: VerificationPlan,
  outcome: VerificationOutcome,
): { type: "Normal" | "Warning"; reason: string; message: string } | undefined {
  if (plan.missingVerifier !== undefined)
    return { type: "Warning", reason: "VerifierNotFound", message: plan.missingVerifier };
  const create = plan.create;
  if (!create || outcome.created !== true || !outcome.name) return undefined;
  const message =
    create.skippedReason !== undefined
      ? `Skipped BackupVerificationSession ${outcome.name}: ${create.skippedReason}`
      : `Created BackupVerificationSession ${outcome.name} for ${toKubeTime(create.decision.scheduledTime)}`;
  return { type: "Normal", reason: "BackupVerificationSessionCreated", message };
}

/** "Verification Overdue" as the plan found it (once per overdue run). */
async function announceVerificationOverdue(
  deps: Pick<VerificationTick, "client" | "publisher">,
  config: BackupConfiguration,
  plan: VerificationPlan,
  overdue: NonNullable<VerificationPlan["overdue"]>,
  now: Date,
): Promise<boolean> {
  await deps.publisher.publish([
    eventFor(VerificationOverdue, {
      version: DETAIL_VERSION,
      clusterId: deps.client.clusterId,
      namespace: config.metadata.namespace ?? "default",
      configuration: config.metadata.name,
      session: plan.session.name,
      repository: plan.repository.name,
      verifier: `${plan.verifierRef.namespace}/${plan.verifierRef.name}`,
      schedule: overdue.schedule,
      overdueSince: toKubeTime(overdue.dueSince),
      missedRuns: overdue.missedRuns,
      ...(overdue.lastVerified ? { lastVerified: toKubeTime(overdue.lastVerified) } : {}),
      detectedAt: toKubeTime(now),
    }),
  ]);
  return true;
}

/** The "BackupVerificationSession Created" event of a session this tick created. */
export function verificationCreatedEvent(
  clusterId: string,
  { configuration, plan, outcome }: VerificationCreation,
  now: Date,
): ReturnType<typeof eventFor> {
  return eventFor(VerificationSessionCreated, {
    version: DETAIL_VERSION,
    clusterId,
    namespace: outcome.namespace,
    configuration: configuration.metadata.name,
    session: plan.session.name,
    repository: plan.repository.name,
    name: outcome.name ?? plan.create.desired.metadata.name,
    origin: "schedule",
    scheduledTime: toKubeTime(plan.create.decision.scheduledTime),
    createdAt: toKubeTime(now),
  });
}
