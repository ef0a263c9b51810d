import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import { CORE_API_VERSION, type OwnerReference } from "../../model/common.ts";
import { Label, MANAGED_BY } from "../../model/labels.ts";
import type { Repository } from "../../model/repository.ts";
import type { RestoreSession } from "../../model/restore-session.ts";
import { verificationRestoreSessionName } from "../../model/verification.ts";
import type { BuildResult } from "../session/session-job-meta.ts";

/**
 * The RestoreSession of a verification (docs/verification.md#what-a-verification-creates), as KubeStash's
 * operator makes one from the verifier's `restoreOption`: named as the BackupVerificationSession, in the
 * restore target's namespace (a Job mounts only claims of its own namespace), restoring the chosen Snapshot of
 * the verification's Repository into `restoreOption.target` with `restoreOption.addonInfo`. Labelled with the
 * verification session's offshoot labels (KubeStash's `BackupVerificationSession.OffshootLabels`), owned by it
 * only in the same namespace (Kubernetes has no cross-namespace owners).
 */

export interface RestoreSessionBuildInput {
  verification: BackupVerificationSession;
  verifier: BackupVerifier;
  /** The Repository restored from: its encryption Secret; its namespace when given. */
  repository?: Repository | undefined;
  /** The Snapshot restored (a name, never `latest`: the verification chose it). */
  snapshot: string;
  /**
   * The namespace of the Repository when it is not given: the invoking configuration's (where its
   * Repositories are made); default the verification's own namespace, which is the configuration's.
   */
  configurationNamespace?: string | undefined;
}

const namespaceOf = (o: { metadata: { namespace?: string | undefined } }) =>
  o.metadata.namespace ?? "default";

/** The verification session's offshoot labels: managed-by, invoker name and namespace, session and repository. */
export function verificationOffshootLabels(verification: BackupVerificationSession): Record<string, string> {
  return {
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerName]: verification.metadata.name,
    [Label.InvokerNamespace]: namespaceOf(verification),
    [Label.SessionName]: verification.spec.session ?? "",
    [Label.RepoName]: verification.spec.repository ?? "",
  };
}

/** The BackupVerificationSession as controller owner (absent until it has a uid). */
export function verificationOwnerReferences(
  verification: BackupVerificationSession,
): OwnerReference[] | undefined {
  const uid = verification.metadata.uid;
  if (!uid) return undefined;
  return [
    {
      apiVersion: CORE_API_VERSION,
      kind: "BackupVerificationSession",
      name: verification.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

export function desiredRestoreSession(input: RestoreSessionBuildInput): BuildResult<RestoreSession> {
  const { verification, verifier, repository } = input;
  const verifierName = `BackupVerifier ${namespaceOf(verifier)}/${verifier.metadata.name}`;
  const option = verifier.spec.restoreOption;
  if (!option) return { ok: false, message: `${verifierName} has no spec.restoreOption` };
  if (!option.addonInfo) {
    return { ok: false, message: `${verifierName} has no spec.restoreOption.addonInfo` };
  }
  if (!option.target) return { ok: false, message: `${verifierName} has no spec.restoreOption.target` };
  const repositoryName = repository?.metadata.name ?? verification.spec.repository;
  if (!repositoryName) {
    return {
      ok: false,
      message: `BackupVerificationSession ${verification.metadata.name} names no repository`,
    };
  }
  if (input.snapshot === "") {
    return { ok: false, message: `no Snapshot to restore for ${verification.metadata.name}` };
  }
  const ownNamespace = namespaceOf(verification);
  const namespace = option.target.namespace ?? ownNamespace;
  const repositoryNamespace = repository?.metadata.namespace ?? input.configurationNamespace ?? ownNamespace;
  const encryptionSecret = repository?.spec.encryptionSecret;
  const owners = namespace === ownNamespace ? verificationOwnerReferences(verification) : undefined;
  return {
    ok: true,
    value: {
      apiVersion: CORE_API_VERSION,
      kind: "RestoreSession",
      metadata: {
        name: verificationRestoreSessionName(verification.metadata.name),
        namespace,
        labels: verificationOffshootLabels(verification),
        ...(owners ? { ownerReferences: owners } : {}),
      },
      spec: {
        dataSource: {
          repository: repositoryName,
          snapshot: input.snapshot,
          namespace: repositoryNamespace,
          ...(encryptionSecret
            ? {
                encryptionSecret: {
                  name: encryptionSecret.name,
                  namespace: encryptionSecret.namespace ?? repositoryNamespace,
                },
              }
            : {}),
        },
        target: { ...option.target, namespace },
        addon: option.addonInfo,
      },
    },
  };
}
