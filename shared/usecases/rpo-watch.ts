import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { clusterFleetFacts, type FleetOptions } from "../decide/fleet/fleet.ts";
import { decideRpoAlarm } from "../decide/rpo/rpo-alarm.ts";
import { hasRpoTarget, type RpoDefaults, rpoTargetOf } from "../decide/rpo/target.ts";
import type { KubeClient } from "../kube/client.ts";
import type { BackupConfiguration, BackupConfigurationStatus } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { type ConditionInput, setCondition } from "../model/conditions.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { RpoAtRisk } from "../model/events/rpo-at-risk.ts";
import { RpoAtRiskCondition } from "../model/rpo.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { toKubeTime } from "../model/time.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { isTransient, type Retrier, transientRetry } from "./transient-retry.ts";

/**
 * RPO targets on the Schedule Tick (docs/rpo.md#the-alarm): after create-sessions has done its work, every
 * session with an RPO target is rated as the fleet view rates it (shared/decide/fleet/rpo-view.ts, from the
 * BackupConfigurations and BackupSessions the tick listed and one LIST of Snapshots — only when some
 * configuration has a target, so a cluster without targets pays nothing), "RPO At Risk" is published for each
 * session whose level reached its alarm level since the last announcement, and the RPOAtRisk condition of
 * its `status.sessions[]` entry records it (written only when its status or level changes). Published first,
 * recorded after: a failed record announces again on the next tick (at least once), never not at all.
 * Nothing here fails the tick: what failed is on the outcomes, and the next tick tries again.
 */

export interface RpoWatchDeps {
  client: KubeClient;
  publisher: EventPublisher;
  /** The cluster's defaults (registry `rpoTarget`, `rpoAlarmLevel`). */
  rpo?: RpoDefaults;
  /** The cluster's exclusion windows (registry) and the namespaces' labels the tick listed (docs/rpo.md#windows). */
  windows?: FleetOptions["windows"];
  namespaces?: FleetOptions["namespaceLabels"];
  retry?: Retrier;
  concurrency?: number;
}

/** One rated session (or a configuration whose target could not be read) on this tick. */
export interface RpoOutcome {
  namespace: string;
  configuration: string;
  session: string;
  level?: number;
  alarmLevel?: number;
  /** level ≥ alarmLevel. */
  atRisk?: boolean;
  /** "RPO At Risk" was published on this tick. */
  announced?: boolean;
  /** The RPOAtRisk condition was written. */
  recorded?: boolean;
  /** The target cannot be read (a configuration problem). */
  invalid?: string;
  error?: string;
  transient?: boolean;
}

interface Pending {
  configuration: BackupConfiguration;
  session: string;
  condition?: ConditionInput;
  outcome: RpoOutcome;
  event?: ReturnType<typeof eventFor>;
}

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? "default"}/${name}`;

export async function watchRpo(
  deps: RpoWatchDeps,
  configurations: readonly BackupConfiguration[],
  sessions: readonly BackupSession[],
  now: Date,
): Promise<RpoOutcome[]> {
  // Those with a target, and those whose status still records one (a target removed: its condition is cleared).
  const targeted = configurations.filter((c) => hasRpoTarget(c, deps.rpo) || recordsRpo(c));
  if (targeted.length === 0) return [];
  const retry = deps.retry ?? transientRetry();
  let snapshots: Snapshot[];
  try {
    snapshots = (await retry(() => deps.client.list("Snapshot"))).items;
  } catch (error) {
    return [
      {
        namespace: "*",
        configuration: "*",
        session: "*",
        error: `list Snapshots: ${String(error)}`,
        transient: isTransient(error),
      },
    ];
  }
  let view: ReturnType<typeof clusterFleetFacts>;
  try {
    view = clusterFleetFacts({ configurations: targeted, sessions, snapshots, repositories: [] }, now, {
      ...(deps.rpo ? { rpo: deps.rpo } : {}),
      ...(deps.windows ? { windows: deps.windows } : {}),
      ...(deps.namespaces ? { namespaceLabels: deps.namespaces } : {}),
    });
  } catch (error) {
    // Nothing of the rating fails the tick (docs/rpo.md): reported, rated again on the next one.
    return [{ namespace: "*", configuration: "*", session: "*", error: `rate: ${String(error)}` }];
  }
  const byKey = new Map(targeted.map((c) => [keyOf(c.metadata.namespace, c.metadata.name), c]));
  const pending: Pending[] = [];
  for (const facts of view.configurations) {
    const configuration = byKey.get(keyOf(facts.namespace, facts.name));
    if (configuration === undefined) continue;
    for (const session of facts.sessions) {
      const { error } = rpoTargetOf(configuration, session.session, deps.rpo);
      const risk = session.rpoRisk;
      const outcome: RpoOutcome = {
        namespace: facts.namespace,
        configuration: facts.name,
        session: session.session,
        ...(risk ? { level: risk.level, alarmLevel: risk.alarmLevel, atRisk: risk.atRisk } : {}),
        ...(error ? { invalid: error } : {}),
      };
      const conditions = configuration.status?.sessions?.find((s) => s.name === session.session)?.conditions;
      const decision = decideRpoAlarm({
        ...(conditions ? { conditions } : {}),
        ...(risk ? { risk } : {}),
        ...(error ? { error } : {}),
      });
      const event =
        decision.announce && risk
          ? eventFor(RpoAtRisk, {
              version: DETAIL_VERSION,
              clusterId: deps.client.clusterId,
              namespace: facts.namespace,
              configuration: facts.name,
              session: session.session,
              level: risk.level,
              alarmLevel: risk.alarmLevel,
              reason: risk.reason.slice(0, 1024),
              target: risk.target,
              targetSeconds: Math.max(1, risk.targetSeconds),
              timeLeftSeconds: risk.timeLeftSeconds,
              ...(session.lastSuccess ? { lastSuccessfulBackup: session.lastSuccess.time } : {}),
              since: risk.deadline,
              ...(risk.projectedAt ? { projectedAt: risk.projectedAt } : {}),
              detectedAt: toKubeTime(now),
            })
          : undefined;
      pending.push({
        configuration,
        session: session.session,
        outcome,
        ...(decision.condition ? { condition: decision.condition } : {}),
        ...(event ? { event } : {}),
      });
    }
  }
  await announce(deps, retry, pending);
  await record(deps, retry, pending, now);
  return pending.map((p) => p.outcome);
}

function noteFailure(outcome: RpoOutcome, what: string, error: unknown): void {
  const message = `${what}: ${String(error)}`;
  outcome.error = outcome.error ? `${outcome.error}; ${message}` : message;
  outcome.transient = outcome.transient === true || isTransient(error);
}

/** One publish for every announcement; what the bus did not take is not recorded (announced next tick). */
async function announce(deps: RpoWatchDeps, retry: Retrier, pending: Pending[]): Promise<void> {
  const events = pending.filter((p) => p.event !== undefined);
  if (events.length === 0) return;
  try {
    await retry(() => deps.publisher.publish(events.map((p) => p.event as NonNullable<Pending["event"]>)));
    for (const p of events) p.outcome.announced = true;
  } catch (error) {
    for (const p of events) {
      noteFailure(p.outcome, "publish", error);
      // Not recorded, so the next tick announces it again.
      delete p.condition;
    }
  }
}

/** The conditions, one status write per configuration that has a change. */
async function record(deps: RpoWatchDeps, retry: Retrier, pending: Pending[], now: Date): Promise<void> {
  const byConfiguration = new Map<BackupConfiguration, Pending[]>();
  for (const p of pending) {
    if (p.condition === undefined) continue;
    byConfiguration.set(p.configuration, [...(byConfiguration.get(p.configuration) ?? []), p]);
  }
  await mapWithConcurrency([...byConfiguration], deps.concurrency ?? 8, async ([configuration, changes]) => {
    try {
      await retry(() =>
        deps.client.updateStatus(
          "BackupConfiguration",
          configuration.metadata.namespace,
          configuration.metadata.name,
          (current) => withConditions(current.status, changes, now),
          // The tick may have written this status already: a stale copy costs one Conflict and a GET.
          { known: configuration },
        ),
      );
      for (const p of changes) p.outcome.recorded = true;
    } catch (error) {
      for (const p of changes) noteFailure(p.outcome, "record RPOAtRisk", error);
    }
  });
}

function withConditions(
  status: BackupConfigurationStatus | undefined,
  changes: readonly Pending[],
  now: Date,
): BackupConfigurationStatus {
  const sessions = [...(status?.sessions ?? [])];
  for (const change of changes) {
    const condition = change.condition;
    if (condition === undefined) continue;
    const index = sessions.findIndex((s) => s.name === change.session);
    const entry = index >= 0 ? sessions[index] : undefined;
    const next = { ...(entry ?? { name: change.session }) };
    next.conditions = setCondition(entry?.conditions, condition, now);
    if (index >= 0) sessions[index] = next;
    else sessions.push(next);
  }
  return { ...status, sessions };
}

/** The configuration's status records an RPO rating (RPOAtRisk True or Unknown) for some session. */
function recordsRpo(configuration: BackupConfiguration): boolean {
  return (configuration.status?.sessions ?? []).some((s) =>
    (s.conditions ?? []).some((c) => c.type === RpoAtRiskCondition.type && c.status !== "False"),
  );
}
