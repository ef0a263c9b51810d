import type { BackupConfiguration, BackupConfigurationPhase } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import type { Repository } from "../../model/repository.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { toKubeTime } from "../../model/time.ts";
import { type PauseRecord, pauseRecordOf } from "../configuration/pause-plan.ts";
import { clusterMessageOf, operatorStateOf } from "../operator/operator-presence.ts";
import { type RpoDefaults, rpoConfigurationErrors } from "../rpo/target.ts";
import type { WindowContext } from "../schedule/schedule-windows.ts";
import { backupConfigurationPhase } from "../session/phase.ts";
import { appRefOf } from "../session/session-snapshots.ts";
import {
  type ScheduleLookup,
  SESSION_STATE_ORDER,
  type SessionFleetFacts,
  type SessionState,
  scheduleLookup,
  sessionFleetFacts,
} from "./fleet-session.ts";
import { sessionVerificationViews, verificationOwner } from "./verification-view.ts";

export * from "./fleet-schedule.ts";
export * from "./fleet-session.ts";
export * from "./rpo-view.ts";
export * from "./verification-view.ts";

/**
 * The fleet view of one cluster (issue 9): from the objects a few LISTs return (BackupConfigurations,
 * BackupSessions, Snapshots, Repositories) and `now`, per configuration its phase, whether it is paused, per
 * session the last success and its age, running sessions, failures and retries in the last 24 h, the overdue
 * run and the RPO (see fleet-session.ts and fleet-schedule.ts), Snapshot counts per repository and the
 * retention last applied. Pure: no I/O, no clock.
 */

export interface ClusterObjects {
  configurations: readonly BackupConfiguration[];
  sessions: readonly BackupSession[];
  snapshots: readonly Snapshot[];
  repositories: readonly Repository[];
  /** BackupVerifiers and BackupVerificationSessions (none when the cluster lacks their CRDs). */
  verifiers?: readonly BackupVerifier[];
  verificationSessions?: readonly BackupVerificationSession[];
}

export interface RepositoryFacts {
  name: string;
  /** The Repository object exists in the configuration's namespace. */
  found: boolean;
  snapshots: { total: number; succeeded: number; failed: number; inProgress: number };
  lastSnapshotTime?: string;
}

/** The configuration's state: Invalid, else the worst of its sessions' states. */
export type ConfigurationState = "invalid" | SessionState;

export interface ConfigurationFleetFacts {
  namespace: string;
  name: string;
  phase: BackupConfigurationPhase;
  paused: boolean;
  /** While paused: who paused it, why and when, as `kss pause` recorded it (docs/pause.md#the-fleet-view). */
  pause?: PauseRecord;
  state: ConfigurationState;
  sessions: SessionFleetFacts[];
  repositories: RepositoryFacts[];
  /** The KubeStash operator's footprint holds this configuration (its KubeStashOperatorPresent condition). */
  operator?: OperatorFleetFact;
  /** Its RPO annotations cannot be read (docs/rpo.md#targets): one sentence each. */
  rpoErrors?: string[];
}

/**
 * What create-sessions found at its last tick, read from the configurations' KubeStashOperatorPresent
 * condition (docs/migration.md#the-fleet-view): no extra LIST, and the view says what the functions acted on.
 */
export interface OperatorFleetFact {
  state: "present" | "leftover-webhook";
  since: string;
  message: string;
}

/** The cluster's footprint: the newest condition among its configurations, and how many carry one. */
export type ClusterOperatorFact = OperatorFleetFact & { configurations: number };

export interface FleetTotals {
  configurations: number;
  ready: number;
  notReady: number;
  invalid: number;
  paused: number;
  overdue: number;
  failing: number;
  rpoBreached: number;
  /** Sessions whose RPO risk level is at or above their alarm level (docs/rpo.md#the-alarm). */
  rpoAtRisk: number;
  running: number;
  failures24h: number;
  retries24h: number;
  /** Repositories whose last verification (docs/verification.md#visibility) Failed. */
  verificationsFailed: number;
}

export interface ClusterFleetFacts {
  now: string;
  configurations: ConfigurationFleetFacts[];
  totals: FleetTotals;
  /** "KubeStash operator present" or its leftover webhook: the functions drive none of this cluster's sessions. */
  operator?: ClusterOperatorFact;
}

const key = (...parts: ReadonlyArray<string | undefined>) => parts.map((p) => p ?? "").join("\u0000");

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    if (k === undefined) continue;
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function repositoryFacts(name: string, found: boolean, snapshots: readonly Snapshot[]): RepositoryFacts {
  const counts = { total: snapshots.length, succeeded: 0, failed: 0, inProgress: 0 };
  let newest: string | undefined;
  for (const snapshot of snapshots) {
    const phase = snapshot.status?.phase;
    if (phase === "Succeeded") counts.succeeded++;
    else if (phase === "Failed") counts.failed++;
    else counts.inProgress++;
    const time = snapshot.status?.snapshotTime ?? snapshot.metadata.creationTimestamp;
    if (time !== undefined && (newest === undefined || Date.parse(time) > Date.parse(newest))) newest = time;
  }
  return {
    name,
    found,
    snapshots: counts,
    ...(newest ? { lastSnapshotTime: toKubeTime(new Date(newest)) } : {}),
  };
}

function worstState(states: readonly SessionState[]): SessionState {
  let worst: SessionState = "ok";
  for (const state of states) {
    if (SESSION_STATE_ORDER.indexOf(state) < SESSION_STATE_ORDER.indexOf(worst)) worst = state;
  }
  return worst;
}

/** Lookups built once per cluster, so 200 configurations do not each scan every object. */
class ClusterIndex {
  readonly sessions: Map<string, BackupSession[]>;
  readonly snapshotsBySession: Map<string, Snapshot[]>;
  readonly snapshotsByRepository: Map<string, Snapshot[]>;
  readonly repositories: Set<string>;
  readonly verificationSessions: Map<string, BackupVerificationSession[]>;
  readonly verifiers: readonly BackupVerifier[];

  constructor(objects: ClusterObjects) {
    this.sessions = groupBy(objects.sessions, (s) =>
      s.spec.invoker?.kind === "BackupConfiguration"
        ? key(s.metadata.namespace, s.spec.invoker.name, s.spec.session)
        : undefined,
    );
    this.snapshotsBySession = groupBy(objects.snapshots, (s) =>
      key(s.metadata.namespace, s.spec.appRef?.kind, s.spec.appRef?.name, s.spec.session),
    );
    this.snapshotsByRepository = groupBy(objects.snapshots, (s) =>
      key(s.metadata.namespace, s.spec.repository),
    );
    this.repositories = new Set(objects.repositories.map((r) => key(r.metadata.namespace, r.metadata.name)));
    this.verificationSessions = groupBy(objects.verificationSessions ?? [], (s) => {
      const owner = verificationOwner(s);
      return owner.configuration === undefined
        ? undefined
        : key(owner.namespace, owner.configuration, owner.session);
    });
    this.verifiers = objects.verifiers ?? [];
  }
}

function configurationFacts(
  config: BackupConfiguration,
  index: ClusterIndex,
  schedules: ScheduleLookup,
  now: Date,
  options: FleetOptions,
): ConfigurationFleetFacts {
  const namespace = config.metadata.namespace ?? "default";
  const appRef = appRefOf(config);
  const sessions = (config.spec.sessions ?? []).map((session) => {
    const facts = sessionFleetFacts(
      {
        configuration: config,
        session,
        sessions: index.sessions.get(key(namespace, config.metadata.name, session.name)) ?? [],
        snapshots: index.snapshotsBySession.get(key(namespace, appRef.kind, appRef.name, session.name)) ?? [],
        schedules,
        ...(options.rpo ? { rpo: options.rpo } : {}),
        windows: windowsOf(options, namespace),
      },
      now,
    );
    const verifications = sessionVerificationViews(
      {
        configuration: config,
        session,
        verifiers: index.verifiers,
        verificationSessions:
          index.verificationSessions.get(key(namespace, config.metadata.name, session.name)) ?? [],
      },
      now,
    );
    return verifications.length > 0 ? { ...facts, verifications } : facts;
  });
  const repositoryNames = [
    ...new Set((config.spec.sessions ?? []).flatMap((s) => (s.repositories ?? []).map((r) => r.name))),
  ];
  const phase = config.status?.phase ?? backupConfigurationPhase(config);
  const pause = config.spec.paused === true ? pauseRecordOf(config.metadata) : undefined;
  const operator = operatorStateOf(config);
  const rpoErrors = rpoConfigurationErrors(config);
  return {
    namespace,
    name: config.metadata.name,
    phase,
    paused: config.spec.paused === true,
    ...(pause ? { pause } : {}),
    state: phase === "Invalid" ? "invalid" : worstState(sessions.map((s) => s.state)),
    sessions,
    repositories: repositoryNames.map((name) =>
      repositoryFacts(
        name,
        index.repositories.has(key(namespace, name)),
        index.snapshotsByRepository.get(key(namespace, name)) ?? [],
      ),
    ),
    ...(operator ? { operator } : {}),
    ...(rpoErrors.length > 0 ? { rpoErrors } : {}),
  };
}

/** The cluster's footprint from its configurations' conditions: the most recent transition wins. */
export function clusterOperatorFact(
  configurations: readonly ConfigurationFleetFacts[],
): ClusterOperatorFact | undefined {
  const held = configurations.flatMap((c) => (c.operator ? [c.operator] : []));
  const newest = held.reduce<OperatorFleetFact | undefined>(
    (best, o) => (best === undefined || Date.parse(o.since) > Date.parse(best.since) ? o : best),
    undefined,
  );
  return newest
    ? { ...newest, message: clusterMessageOf(newest.message), configurations: held.length }
    : undefined;
}

export function fleetTotals(configurations: readonly ConfigurationFleetFacts[]): FleetTotals {
  const sessions = configurations.flatMap((c) => c.sessions);
  const sum = (f: (s: SessionFleetFacts) => number) => sessions.reduce((total, s) => total + f(s), 0);
  return {
    configurations: configurations.length,
    ready: configurations.filter((c) => c.phase === "Ready").length,
    notReady: configurations.filter((c) => c.phase === "NotReady").length,
    invalid: configurations.filter((c) => c.phase === "Invalid").length,
    paused: configurations.filter((c) => c.paused).length,
    overdue: sessions.filter((s) => s.overdue !== undefined).length,
    failing: sessions.filter((s) => s.state === "failing").length,
    rpoBreached: sessions.filter((s) => s.rpo?.breached === true).length,
    rpoAtRisk: sessions.filter((s) => s.rpoRisk?.atRisk === true).length,
    running: sum((s) => s.running.length),
    failures24h: sum((s) => s.failures24h),
    retries24h: sum((s) => s.retries24h),
    verificationsFailed: sum(
      (s) => (s.verifications ?? []).filter((v) => v.lastVerification?.phase === "Failed").length,
    ),
  };
}

/** What the registry entry adds to a cluster's view. */
export interface FleetOptions {
  /** The cluster's RPO defaults (registry `rpoTarget`, `rpoAlarmLevel`; docs/rpo.md#targets). */
  rpo?: RpoDefaults;
  /** The cluster's exclusion windows and zone (registry), for the RPO rating's next run (docs/rpo.md#windows). */
  windows?: Omit<WindowContext, "namespaceLabels">;
  /** Labels per namespace, for the windows' namespaceSelector (the tick has them; the fleet view does not). */
  namespaceLabels?: ReadonlyMap<string, Record<string, string>>;
}

function windowsOf(options: FleetOptions, namespace: string): WindowContext {
  const labels = options.namespaceLabels?.get(namespace);
  return { ...options.windows, ...(labels ? { namespaceLabels: labels } : {}) };
}

/** The fleet view of one cluster's objects at `now`, configurations ordered by namespace and name. */
export function clusterFleetFacts(
  objects: ClusterObjects,
  now: Date,
  options: FleetOptions = {},
): ClusterFleetFacts {
  const index = new ClusterIndex(objects);
  const schedules = scheduleLookup(now);
  const configurations = [...objects.configurations]
    .sort((a, b) =>
      key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)),
    )
    .map((config) => configurationFacts(config, index, schedules, now, options));
  const operator = clusterOperatorFact(configurations);
  return {
    now: toKubeTime(now),
    configurations,
    totals: fleetTotals(configurations),
    ...(operator ? { operator } : {}),
  };
}
