/**
 * One BackupVerificationSession's lifecycle, decided from one load of its world (docs/verification.md#lifecycle).
 * What a verification creates (docs/verification.md#what-a-verification-creates), each built by a pure builder:
 * - the RestoreSession from the verifier's `restoreOption` (`restore-session-build.ts`: `desiredRestoreSession`);
 * - its restore executor Job(s) from the addon's restore tasks, by the backup executor's builder
 *   (`restore-job.ts`: `buildRestoreJobs`, `restoreJobName`);
 * - for `Query` and `Script`, the verifier Job from `spec.function` (`verifier-job.ts`: `buildVerifierJob`,
 *   `verifierJobName`);
 * - the RBAC of both, as ExecutorRbacPlans (`verification-rbac.ts`: `decideRestoreRbac`, `decideVerifierRbac`).
 */

export { buildRestoreJobs, type RestoreJobsInput, restoreJobName } from "./restore-job.ts";
export { desiredRestoreSession, type RestoreSessionBuildInput } from "./restore-session-build.ts";
export {
  decideRestoreRbac,
  decideVerifierRbac,
  type RestoreRbacInput,
  type VerifierRbacInput,
} from "./verification-rbac.ts";
export { buildVerifierJob, type VerifierJobInput, verifierJobName } from "./verifier-job.ts";
