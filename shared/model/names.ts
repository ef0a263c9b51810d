import { createHash } from "node:crypto";

/**
 * Deterministic names (docs/model.md#backupsession-metadata, docs/model.md#snapshot-name-and-labels;
 * docs/decisions.md#long-names).
 *
 * A name is `<prefix>-<name>-<suffix>` (empty parts dropped). When that is longer than the limit (63 where a
 * label value must hold it, 253 otherwise), the front part is cut and the first 8 hex characters of the
 * SHA-256 of the full name are put before the suffix: `<cut front>-<hash8>-<suffix>`. The same input always
 * gives the same name, two different long inputs almost surely differ, and the numeric suffix (the session's
 * time) stays last, so `<name>-<digits>` parsing still works.
 */

export const LABEL_NAME_MAX = 63;
export const OBJECT_NAME_MAX = 253;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1123Label(name: string): boolean {
  return name.length <= LABEL_NAME_MAX && DNS1123_LABEL.test(name);
}

export function isDns1123Subdomain(name: string): boolean {
  return name.length <= OBJECT_NAME_MAX && DNS1123_SUBDOMAIN.test(name);
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** Joins prefix, name and suffix with "-" and keeps the result within `max` characters as described above. */
export function validNameWithPrefixAndSuffix(
  prefix: string,
  name: string,
  suffix: string,
  max: number = LABEL_NAME_MAX,
): string {
  const head = [prefix, name].filter((p) => p !== "").join("-");
  const full = [head, suffix].filter((p) => p !== "").join("-");
  if (full.length <= max) return full;
  const tail = [shortHash(full), suffix].filter((p) => p !== "").join("-");
  const room = max - tail.length - 1;
  const cut = head.slice(0, Math.max(room, 0)).replace(/[-.]+$/, "");
  return cut === "" ? tail.slice(0, max) : `${cut}-${tail}`;
}

/** BackupSession: `<configuration>-<session>-<unix seconds of the scheduled or requested time>`. */
export function backupSessionName(configurationName: string, sessionName: string, at: Date): string {
  return validNameWithPrefixAndSuffix(
    configurationName,
    sessionName,
    String(Math.floor(at.getTime() / 1000)),
  );
}

const RETRY_SUFFIX = /^(.*)-retry-(\d+)$/;

/**
 * The retry of a failed BackupSession: `<original session name>-retry-<n>`, n counting from 1 along the
 * chain. Derived only from the failed session's name, so two attempts to retry the same failure collide.
 */
export function retrySessionName(failedSessionName: string): string {
  const match = RETRY_SUFFIX.exec(failedSessionName);
  const base = match?.[1] ?? failedSessionName;
  const attempt = match ? Number(match[2]) + 1 : 1;
  return validNameWithPrefixAndSuffix("", base, `retry-${attempt}`);
}

const NUMERIC_SUFFIX = /^(.*)-([0-9]+)$/;

/**
 * `<prefix>-<name>[-<extra>]` within the limits, `name` split at its last `-<digits>` (KubeStash's rule for
 * names derived from a session's) so that, when the name must be cut, its time suffix stays at the end —
 * followed only by `extra` (a component, say).
 */
export function nameKeepingTimeSuffix(prefix: string, name: string, extra = ""): string {
  const match = NUMERIC_SUFFIX.exec(name);
  const suffix = [match?.[2], extra].filter((part) => part !== undefined && part !== "").join("-");
  return validNameWithPrefixAndSuffix(prefix, match ? (match[1] ?? "") : name, suffix);
}

/**
 * Snapshot: the Repository name, then the BackupSession name split at its last `-<digits>` (KubeStash's
 * rule), so `gcs-repo` + `app-daily-1702543201` → `gcs-repo-app-daily-1702543201`.
 */
export function snapshotName(repositoryName: string, backupSessionName: string): string {
  return nameKeepingTimeSuffix(repositoryName, backupSessionName);
}

/** A Job KubeStash-style: `<purpose>-<owner name>` (purposes: trigger, upload, cleanup, retentionpolicy, …). */
export function jobName(purpose: string, ownerName: string, part = ""): string {
  return validNameWithPrefixAndSuffix(purpose, ownerName, part);
}

/**
 * A session asked for by an external trigger request: `<configuration>-<session>-manual-<hash8(requestId)>`.
 * Derived from the request id alone, so a duplicate delivery of the same request collides (AlreadyExists)
 * instead of creating a second session, even when two deliveries race.
 */
export function triggeredSessionName(
  configurationName: string,
  sessionName: string,
  requestId: string,
): string {
  return validNameWithPrefixAndSuffix(configurationName, sessionName, `manual-${shortHash(requestId)}`);
}

/**
 * The ClusterRole the backup executor is granted in each namespace it reads from (infra/rbac/executor-clusterrole.yaml,
 * docs/executor-rbac.md#the-executors-clusterrole).
 */
export const EXECUTOR_CLUSTER_ROLE = "kubestash-serverless-backup-executor";

/**
 * The ServiceAccount the executor runs as, in the session's namespace, when the configuration's
 * `addon.jobTemplate.spec.serviceAccountName` names none (docs/executor-rbac.md#identities).
 */
export const EXECUTOR_SERVICE_ACCOUNT = "kubestash-backup-executor";

/**
 * The RoleBinding that grants {@link EXECUTOR_CLUSTER_ROLE} to one ServiceAccount in one namespace:
 * `kubestash-serverless-backup-executor:<sa namespace>:<sa name>`. Namespace and ServiceAccount names cannot hold
 * a ":", so two ServiceAccounts never share a name; RBAC names allow it (as `system:` bindings do). Kept within
 * 253 characters by the rule of {@link validNameWithPrefixAndSuffix}.
 */
export function executorRoleBindingName(serviceAccount: { namespace: string; name: string }): string {
  const full = `${EXECUTOR_CLUSTER_ROLE}:${serviceAccount.namespace}:${serviceAccount.name}`;
  return validNameWithPrefixAndSuffix(full, "", "", OBJECT_NAME_MAX);
}
