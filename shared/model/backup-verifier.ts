import { z } from "zod";
import { AddonInfo, RetryConfig, SchedulerSpec } from "./backup-configuration.ts";
import { Invoker } from "./backup-session.ts";
import {
  CORE_API_VERSION,
  Condition,
  Int32,
  OpenObject,
  resourceHead,
  TypedObjectReference,
} from "./common.ts";

/**
 * core.kubestash.com/v1alpha1 BackupVerifier and BackupVerificationSession — every spec and status field of
 * their CRDs (docs/model.md#backupverifier). A repository entry of a BackupConfiguration names a verifier
 * (`repositories[].backupVerifier`); the verifier's scheduler runs a restore of that repository's newest
 * good Snapshot into its `restoreOption.target`, then the check its `type` asks for; each run is a
 * BackupVerificationSession. The CRD of BackupVerifier has no status subresource.
 */

export const BackupVerifierType = z.enum(["RestoreOnly", "Query", "Script"]);
export type BackupVerifierType = z.infer<typeof BackupVerifierType>;

export const RestoreOption = z.looseObject({
  addonInfo: AddonInfo.optional(),
  /** Where the snapshot is restored to: a scratch target, never the source. */
  target: TypedObjectReference.optional(),
});
export type RestoreOption = z.infer<typeof RestoreOption>;

export const VerificationScript = z.looseObject({
  location: z.string().optional(),
  args: z.array(z.string()).optional(),
});
export type VerificationScript = z.infer<typeof VerificationScript>;

export const BackupVerifier = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "BackupVerifier"),
  spec: z.looseObject({
    restoreOption: RestoreOption.optional(),
    scheduler: SchedulerSpec.optional(),
    function: z.string().optional(),
    volumes: z.array(OpenObject).optional(),
    volumeMounts: z.array(OpenObject).optional(),
    type: BackupVerifierType.optional(),
    query: OpenObject.optional(),
    script: VerificationScript.optional(),
    retryConfig: RetryConfig.optional(),
    sessionHistoryLimit: Int32.default(1),
    runtimeSettings: OpenObject.optional(),
  }),
});
export type BackupVerifier = z.infer<typeof BackupVerifier>;

export const BackupVerificationSessionPhase = z.enum(["Running", "Succeeded", "Failed", "Skipped"]);
export type BackupVerificationSessionPhase = z.infer<typeof BackupVerificationSessionPhase>;

export const BackupVerificationSession = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "BackupVerificationSession"),
  spec: z.looseObject({
    invoker: Invoker.optional(),
    /** The repository entry of the invoking BackupConfiguration's session whose Snapshot is verified. */
    repository: z.string().optional(),
    /** The session (a `spec.sessions[]` entry) of the invoker. */
    session: z.string().optional(),
    /** The Snapshot restored. */
    snapshot: z.string().optional(),
    retryLeft: Int32.optional(),
  }),
  status: z
    .looseObject({
      phase: BackupVerificationSessionPhase.optional(),
      duration: z.string().optional(),
      retried: z.boolean().optional(),
      conditions: z.array(Condition).optional(),
    })
    .optional(),
});
export type BackupVerificationSession = z.infer<typeof BackupVerificationSession>;
