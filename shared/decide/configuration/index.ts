/**
 * A BackupConfiguration's own status (docs/model.md#backupconfiguration-phase): `configuration-status.ts`
 * decides validation, backends, sessions' nextSchedule and missed runs, and the phase;
 * `configuration-rules.ts` is KubeStash's rules for one configuration on its own;
 * `configuration-invalid.ts` the status of one the model cannot read; `usage-policy.ts` whether a
 * namespace may use a BackupStorage or RetentionPolicy; `session-config.ts` which `spec.sessions[]` entry a
 * BackupSession runs.
 */
export { invalidConfigurationStatus, isMarkedInvalid } from "./configuration-invalid.ts";
export { configurationIssues } from "./configuration-rules.ts";
export { decideConfigurationStatus } from "./configuration-status.ts";
export { sessionConfigOf } from "./session-config.ts";
export { isUsageAllowed } from "./usage-policy.ts";
