/**
 * One BackupVerificationSession's lifecycle, decided from one load of its world (docs/verification.md#lifecycle):
 * `reconcile-verification.ts` (`decideVerification`) runs the steps — the Snapshot (`snapshot-choice.ts`,
 * docs/verification.md#snapshot-choice), the scratch target, the RestoreSession and its phase, the check, the
 * deadline, the finishing steps — with KubeStash's phase rules (`verification-phase.ts`) and one retry per
 * failure (`verification-retry.ts`, docs/verification.md#retries).
 * What a verification creates (docs/verification.md#what-a-verification-creates), each built by a pure builder:
 * - the RestoreSession from the verifier's `restoreOption` (`restore-session-build.ts`: `desiredRestoreSession`);
 * - its restore executor Job(s) from the addon's restore tasks, by the backup executor's builder
 *   (`restore-job.ts`: `buildRestoreJobs`, `restoreJobName`);
 * - for `Query` and `Script`, the verifier Job from `spec.function` (`verifier-job.ts`: `buildVerifierJob`,
 *   `verifierJobName`);
 * - the RBAC of both, as ExecutorRbacPlans (`verification-rbac.ts`: `decideRestoreRbac`, `decideVerifierRbac`).
 */

export { decideVerification, verificationDeadline } from "./reconcile-verification.ts";
export { buildRestoreJobs, type RestoreJobsInput, restoreJobName } from "./restore-job.ts";
export { desiredRestoreSession, type RestoreSessionBuildInput } from "./restore-session-build.ts";
export { chooseSnapshot } from "./snapshot-choice.ts";
export { restoreSessionPhase, verificationPhase } from "./verification-phase.ts";
export {
  decideRestoreRbac,
  decideVerifierRbac,
  type RestoreRbacInput,
  type VerifierRbacInput,
} from "./verification-rbac.ts";
export { decideVerificationRetry } from "./verification-retry.ts";
export { buildVerifierJob, type VerifierJobInput, verifierJobName } from "./verifier-job.ts";
