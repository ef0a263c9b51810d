import type { BackupConfiguration, BackupConfigurationStatus } from "../../model/backup-configuration.ts";
import type { BackupStorage } from "../../model/backup-storage.ts";
import type { Condition } from "../../model/common.ts";
import {
  BackupConfigurationCondition as C,
  BackupConfigurationReason as R,
  setCondition,
} from "../../model/conditions.ts";
import type { FieldIssue } from "../../model/errors.ts";
import type { RetentionPolicy } from "../../model/retention-policy.ts";
import { toKubeTime } from "../../model/time.ts";
import { type MissedRuns, missedScheduleConditions } from "../schedule/missed-schedules.ts";
import { scheduleActiveConditions } from "../schedule/schedule-state.ts";
import { scheduleHeldConditions, type WindowHold } from "../schedule/schedule-windows.ts";
import { backupConfigurationPhase } from "../session/phase.ts";
import { isUsageAllowed, resolveDefault } from "./usage-policy.ts";

/**
 * The status KubeStash's operator keeps on a BackupConfiguration (docs/model.md#backupconfiguration-fields,
 * docs/model.md#backupconfiguration-conditions, docs/model.md#backupconfiguration-phase), which we keep
 * instead: validation, each backend's storage and retention policy, each session's scheduler and next
 * schedule, and the phase that follows from them. Pure: the caller lists the objects.
 */

export interface ConfigurationFacts {
  storages: ReadonlyArray<BackupStorage>;
  policies: ReadonlyArray<RetentionPolicy>;
  /** Labels of the configuration's namespace (usagePolicy `from: Selector`). */
  namespaceLabels?: Record<string, string>;
  /** Problems the model's schema cannot express (bad cron, unknown backend, …). */
  validationIssues: ReadonlyArray<FieldIssue>;
  /** Per session: when it next fires (undefined: never / not scheduled) and whether its scheduler works. */
  sessions: ReadonlyArray<{
    name: string;
    nextSchedule?: Date;
    schedulerError?: string;
    /** Schedule times this tick found missed (missed-schedules.ts), recorded once. */
    missed?: MissedRuns;
    /** Exclusion windows hold its due run (docs/windows.md#how-it-shows). */
    held?: WindowHold;
  }>;
}

type BackendStatus = NonNullable<BackupConfigurationStatus["backends"]>[number];

function backendStatus(
  config: BackupConfiguration,
  backend: NonNullable<BackupConfiguration["spec"]["backends"]>[number],
  facts: ConfigurationFacts,
): BackendStatus {
  const namespace = config.metadata.namespace ?? "default";
  const caller = { namespace, labels: facts.namespaceLabels };
  const ref = backend.storageRef;
  const storage = ref
    ? facts.storages.find(
        (s) => s.metadata.name === ref.name && s.metadata.namespace === (ref.namespace ?? namespace),
      )
    : resolveDefault(facts.storages, caller)?.chosen;
  const storageRef = storage ? { name: storage.metadata.name, namespace: storage.metadata.namespace } : ref;
  let storageReason = "";
  if (!storage)
    storageReason = ref
      ? `BackupStorage ${ref.namespace ?? namespace}/${ref.name} not found`
      : "no default BackupStorage allows this namespace";
  else if (!isUsageAllowed(storage.spec.usagePolicy, storage.metadata.namespace ?? "", caller)) {
    storageReason = `BackupStorage ${storage.metadata.namespace}/${storage.metadata.name} does not allow namespace ${namespace}`;
  }

  const policyRef = backend.retentionPolicy;
  const policy = policyRef
    ? facts.policies.find(
        (p) =>
          p.metadata.name === policyRef.name && p.metadata.namespace === (policyRef.namespace ?? namespace),
      )
    : resolveDefault(facts.policies, caller)?.chosen;
  let policyReason = "";
  if (!policy)
    policyReason = policyRef
      ? `RetentionPolicy ${policyRef.namespace ?? namespace}/${policyRef.name} not found`
      : "no default RetentionPolicy allows this namespace";
  else if (!isUsageAllowed(policy.spec.usagePolicy, policy.metadata.namespace ?? "", caller)) {
    policyReason = `RetentionPolicy ${policy.metadata.namespace}/${policy.metadata.name} does not allow namespace ${namespace}`;
  }

  return {
    name: backend.name,
    ready: storageReason === "" && policyReason === "",
    storage: {
      ...(storageRef ? { ref: storageRef } : {}),
      phase: storageReason === "" ? "Ready" : "NotReady",
      reason: storageReason,
    },
    retentionPolicy: {
      ...(policy
        ? { ref: { name: policy.metadata.name, namespace: policy.metadata.namespace } }
        : policyRef
          ? { ref: policyRef }
          : {}),
      found: policy !== undefined,
      reason: policyReason,
    },
  };
}

function sessionConditions(
  previous: Condition[] | undefined,
  schedulerError: string | undefined,
  now: Date,
): Condition[] {
  return setCondition(
    previous,
    schedulerError
      ? { type: C.SchedulerEnsured, status: "False", reason: R.SchedulerNotEnsured, message: schedulerError }
      : {
          type: C.SchedulerEnsured,
          status: "True",
          reason: R.SchedulerEnsured,
          message: "Scheduled by kubestash-serverless.",
        },
    now,
  );
}

export function decideConfigurationStatus(
  config: BackupConfiguration,
  facts: ConfigurationFacts,
  now: Date,
): BackupConfigurationStatus {
  const previous = config.status;
  const validation =
    facts.validationIssues.length === 0
      ? {
          type: C.ValidationPassed,
          status: "True" as const,
          reason: R.ResourceValidationPassed,
          message: "Resource validation passed.",
        }
      : {
          type: C.ValidationPassed,
          status: "False" as const,
          reason: R.ResourceValidationFailed,
          message: facts.validationIssues.map((i) => `${i.path}: ${i.message}`).join("; "),
        };
  const status: BackupConfigurationStatus = {
    ...previous,
    // A configuration without a target backs up cluster resources (the manifest/kubedump addons): there is
    // nothing to find, and KubeStash's operator reports it found (docs/operator-contract.md#executor-job).
    targetFound: true,
    backends: (config.spec.backends ?? []).map((b) => backendStatus(config, b, facts)),
    sessions: facts.sessions.map((s) => {
      const before = previous?.sessions?.find((p) => p.name === s.name);
      const spec = config.spec.sessions?.find((p) => p.name === s.name);
      const active = spec
        ? scheduleActiveConditions(before?.conditions, config, spec, now)
        : before?.conditions;
      const withMissed = s.missed ? missedScheduleConditions(active, s.missed, now) : active;
      const withActive = scheduleHeldConditions(withMissed, s.held, now);
      return {
        name: s.name,
        ...(s.nextSchedule ? { nextSchedule: toKubeTime(s.nextSchedule) } : {}),
        conditions: sessionConditions(withActive, s.schedulerError, now),
      };
    }),
    conditions: setCondition(previous?.conditions, validation, now),
  };
  return { ...status, phase: backupConfigurationPhase({ ...config, status }) };
}
