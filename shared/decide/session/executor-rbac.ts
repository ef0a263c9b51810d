import type { SessionConfig } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import { Label, SERVERLESS_MANAGED_BY } from "../../model/labels.ts";
import {
  EXECUTOR_CLUSTER_ROLE,
  EXECUTOR_SERVICE_ACCOUNT,
  executorRoleBindingName,
} from "../../model/names.ts";
import type { Repository } from "../../model/repository.ts";
import { RBAC_API_GROUP, RBAC_API_VERSION, type RoleBinding } from "../../model/role-binding.ts";
import type { ServiceAccount } from "../../model/service-account.ts";
import { asRecord, sessionNamespace } from "./session-job-meta.ts";

/**
 * Who the backup executor runs as and where it is granted the executor's ClusterRole
 * (docs/executor-rbac.md#one-binding-per-namespace-and-serviceaccount): one RoleBinding per namespace it reads
 * from — the session's, and those of the BackupStorages and encryption Secrets when they live elsewhere — each
 * binding `kubestash-serverless-backup-executor` to the executor's ServiceAccount. Per namespace and
 * ServiceAccount, not per session: the next session of the same configuration needs no write at all.
 * Pure: the session and its configuration in, the objects to ensure out.
 */

export interface ExecutorRbacInput {
  /** The BackupSession the executor runs for; the executor runs in its namespace. */
  session: BackupSession;
  /** The configuration's `spec.sessions[]` entry: `addon.jobTemplate.spec.serviceAccountName`. */
  sessionConfig: SessionConfig;
  /** Namespaces of the BackupStorages the session's Repositories point at (their storage Secrets live there). */
  storageNamespaces: ReadonlyArray<string>;
  /** Namespaces of the Repositories' encryption Secrets. */
  encryptionSecretNamespaces: ReadonlyArray<string>;
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export interface ExecutorRbacPlan {
  /** The identity of the executor Pod (`serviceAccountName` of the executor Job). */
  serviceAccount: ServiceAccountRef;
  /** The ServiceAccount to create when the configuration names none; undefined when it names its own. */
  serviceAccountToEnsure: ServiceAccount | undefined;
  /** One per namespace the executor reads from: the session's first, then the others sorted. */
  roleBindings: RoleBinding[];
}

const managedLabels = (): Record<string, string> => ({
  [Label.ManagedBy]: SERVERLESS_MANAGED_BY,
  "app.kubernetes.io/component": "backup-executor",
});

/** The ServiceAccount the configuration names in `addon.jobTemplate.spec.serviceAccountName`, if any. */
export function configuredServiceAccountName(sessionConfig: SessionConfig): string | undefined {
  const spec = asRecord(asRecord(sessionConfig.addon?.jobTemplate)?.spec);
  const name = spec?.serviceAccountName;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/**
 * The namespaces the executor reads through a session's Repositories: each one's BackupStorage
 * (`spec.storageRef`, whose storage Secret lives beside it) and encryption Secret (`spec.encryptionSecret`),
 * a missing namespace meaning the Repository's own (kmapi.ObjectReference).
 */
export function namespacesReadThrough(repositories: ReadonlyArray<Repository>): {
  storageNamespaces: string[];
  encryptionSecretNamespaces: string[];
} {
  const own = (r: Repository) => r.metadata.namespace ?? "default";
  return {
    storageNamespaces: repositories.flatMap((r) =>
      r.spec.storageRef ? [r.spec.storageRef.namespace ?? own(r)] : [],
    ),
    encryptionSecretNamespaces: repositories.flatMap((r) =>
      r.spec.encryptionSecret ? [r.spec.encryptionSecret.namespace ?? own(r)] : [],
    ),
  };
}

function executorRoleBinding(namespace: string, serviceAccount: ServiceAccountRef): RoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "RoleBinding",
    metadata: { name: executorRoleBindingName(serviceAccount), namespace, labels: managedLabels() },
    roleRef: { apiGroup: RBAC_API_GROUP, kind: "ClusterRole", name: EXECUTOR_CLUSTER_ROLE },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount.name, namespace: serviceAccount.namespace }],
  };
}

export function decideExecutorRbac(input: ExecutorRbacInput): ExecutorRbacPlan {
  const namespace = sessionNamespace(input.session);
  const configured = configuredServiceAccountName(input.sessionConfig);
  const serviceAccount = { namespace, name: configured ?? EXECUTOR_SERVICE_ACCOUNT };
  const elsewhere = new Set(
    [...input.storageNamespaces, ...input.encryptionSecretNamespaces].filter(
      (ns) => ns !== "" && ns !== namespace,
    ),
  );
  const namespaces = [namespace, ...[...elsewhere].sort()];
  return {
    serviceAccount,
    serviceAccountToEnsure: configured
      ? undefined
      : {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: EXECUTOR_SERVICE_ACCOUNT, namespace, labels: managedLabels() },
        },
    roleBindings: namespaces.map((ns) => executorRoleBinding(ns, serviceAccount)),
  };
}
