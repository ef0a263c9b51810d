/**
 * A BackupConfiguration's own status (docs/model.md#backupconfiguration-phase): `configuration-status.ts`
 * decides validation, backends, sessions' nextSchedule and missed runs, and the phase;
 * `configuration-rules.ts` is KubeStash's rules for one configuration on its own;
 * `configuration-invalid.ts` the status of one the model cannot read; `usage-policy.ts` whether a
 * namespace may use a BackupStorage or RetentionPolicy; `session-config.ts` which `spec.sessions[]` entry a
 * BackupSession runs; `pause-plan.ts` what `kss pause` / `kss resume` do to each configuration.
 */
export { invalidConfigurationStatus, isMarkedInvalid } from "./configuration-invalid.ts";
export { configurationIssues } from "./configuration-rules.ts";
export { decideConfigurationStatus } from "./configuration-status.ts";
export {
  type ConfigurationPausePlan,
  decidePause,
  MAX_REASON_LENGTH,
  type PauseAction,
  type PauseDecision,
  type PausePatch,
  type PauseRecord,
  type PauseRequest,
  type PauseScope,
  parseConfigurationSelector,
  pauseRecordOf,
  pauseRequestIssues,
  planPause,
  type RecordCleanupPatch,
  type ResumeRecord,
  resumeRecordOf,
  type UnreadableConfiguration,
} from "./pause-plan.ts";
export { sessionConfigOf } from "./session-config.ts";
export { isUsageAllowed } from "./usage-policy.ts";
