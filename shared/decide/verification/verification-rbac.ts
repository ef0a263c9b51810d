import type { BackupVerificationSession, BackupVerifier } from "../../model/backup-verifier.ts";
import { Label, SERVERLESS_MANAGED_BY } from "../../model/labels.ts";
import type { Repository } from "../../model/repository.ts";
import type { RestoreSession } from "../../model/restore-session.ts";
import { RBAC_API_GROUP, RBAC_API_VERSION, type RoleBinding } from "../../model/role-binding.ts";
import {
  RESTORE_EXECUTOR_CLUSTER_ROLE,
  RESTORE_EXECUTOR_SERVICE_ACCOUNT,
  VERIFIER_CLUSTER_ROLE,
  VERIFIER_SERVICE_ACCOUNT,
  verificationRoleBindingName,
} from "../../model/verification.ts";
import { type ExecutorRbacPlan, namespacesReadThrough } from "../session/executor-rbac.ts";
import { asRecord } from "../session/session-job-meta.ts";
import { configuredVerifierServiceAccount } from "./verifier-job.ts";

/**
 * Who a verification's Jobs run as and where they are granted their ClusterRole
 * (docs/verification.md#what-a-verification-creates), as for the backup executor
 * (docs/executor-rbac.md#one-binding-per-namespace-and-serviceaccount): the same {@link ExecutorRbacPlan},
 * carried out by the same `ensure-executor-rbac` action — the ServiceAccount when we own it, one RoleBinding
 * per namespace the Job reads from. The restore executor (`kubestash-serverless-restore-executor`) runs in the
 * RestoreSession's namespace and reads the Repository and Snapshot in the data source's namespace, the
 * BackupStorage and its Secret in the storage's, the encryption Secret in its own; the verifier Job
 * (`kubestash-serverless-verifier`) runs in the verification session's namespace and reads the BackupVerifier
 * in its namespace.
 */

export interface RestoreRbacInput {
  restoreSession: RestoreSession;
  /** The Repository of `spec.dataSource`: where its BackupStorage and encryption Secret live. */
  repository?: Repository | undefined;
}

export interface VerifierRbacInput {
  verification: BackupVerificationSession;
  /** The BackupVerifier run: its namespace, and `runtimeSettings.pod.serviceAccountName`. */
  verifier?: BackupVerifier | undefined;
}

function plan(input: {
  namespace: string;
  configured: string | undefined;
  defaultServiceAccount: string;
  clusterRole: string;
  component: string;
  readsFrom: ReadonlyArray<string | undefined>;
}): ExecutorRbacPlan {
  const { namespace, configured, clusterRole } = input;
  const labels = () => ({ [Label.ManagedBy]: SERVERLESS_MANAGED_BY, [Label.Component]: input.component });
  const serviceAccount = { namespace, name: configured ?? input.defaultServiceAccount };
  const elsewhere = new Set(
    input.readsFrom.filter((ns): ns is string => ns !== undefined && ns !== "" && ns !== namespace),
  );
  const binding = (ns: string): RoleBinding => ({
    apiVersion: RBAC_API_VERSION,
    kind: "RoleBinding",
    metadata: {
      name: verificationRoleBindingName(clusterRole, serviceAccount),
      namespace: ns,
      labels: labels(),
    },
    roleRef: { apiGroup: RBAC_API_GROUP, kind: "ClusterRole", name: clusterRole },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount.name, namespace }],
  });
  return {
    serviceAccount,
    serviceAccountToEnsure: configured
      ? undefined
      : {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: input.defaultServiceAccount, namespace, labels: labels() },
        },
    roleBindings: [namespace, ...[...elsewhere].sort()].map(binding),
  };
}

/** The ServiceAccount the RestoreSession's `addon.jobTemplate.spec.serviceAccountName` names, if any. */
export function restoreServiceAccountName(restoreSession: RestoreSession): string | undefined {
  const name = asRecord(asRecord(restoreSession.spec.addon?.jobTemplate)?.spec)?.serviceAccountName;
  return typeof name === "string" && name !== "" ? name : undefined;
}

export function decideRestoreRbac(input: RestoreRbacInput): ExecutorRbacPlan {
  const { restoreSession, repository } = input;
  const namespace = restoreSession.metadata.namespace ?? "default";
  const source = restoreSession.spec.dataSource;
  const sourceNamespace = source?.namespace ?? namespace;
  const through = namespacesReadThrough(repository ? [repository] : []);
  return plan({
    namespace,
    configured: restoreServiceAccountName(restoreSession),
    defaultServiceAccount: RESTORE_EXECUTOR_SERVICE_ACCOUNT,
    clusterRole: RESTORE_EXECUTOR_CLUSTER_ROLE,
    component: "restore-executor",
    readsFrom: [
      sourceNamespace,
      ...(source?.encryptionSecret ? [source.encryptionSecret.namespace ?? sourceNamespace] : []),
      ...through.storageNamespaces,
      ...through.encryptionSecretNamespaces,
    ],
  });
}

export function decideVerifierRbac(input: VerifierRbacInput): ExecutorRbacPlan {
  const { verification, verifier } = input;
  const namespace = verification.metadata.namespace ?? "default";
  return plan({
    namespace,
    configured: configuredVerifierServiceAccount(verifier),
    defaultServiceAccount: VERIFIER_SERVICE_ACCOUNT,
    clusterRole: VERIFIER_CLUSTER_ROLE,
    component: "backup-verifier",
    readsFrom: [verifier?.metadata.namespace],
  });
}
