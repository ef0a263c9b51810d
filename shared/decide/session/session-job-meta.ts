import type { BackupSession } from "../../model/backup-session.ts";
import { CORE_API_VERSION, type OwnerReference } from "../../model/common.ts";
import type { Job } from "../../model/job.ts";
import { type JobComponent, Label, sessionOffshootLabels } from "../../model/labels.ts";

/** What the executor and hook Job builders share: names, labels, owner, and the Job's outer shape. */

/** A build that may fail with a message the session's condition carries. */
export type BuildResult<T> = { ok: true; value: T } | { ok: false; message: string };

export type PodSpec = Record<string, unknown>;

export function sessionNamespace(session: BackupSession): string {
  return session.metadata.namespace ?? "default";
}

/** The BackupSession as controller owner of what is created for it (absent until it has a uid). */
export function sessionOwnerReferences(session: BackupSession): OwnerReference[] | undefined {
  const uid = session.metadata.uid;
  if (!uid) return undefined;
  return [
    {
      apiVersion: CORE_API_VERSION,
      kind: "BackupSession",
      name: session.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

export function jobLabels(session: BackupSession, component: JobComponent): Record<string, string> {
  return sessionOffshootLabels({
    name: session.metadata.name,
    namespace: sessionNamespace(session),
    sessionName: session.spec.session ?? "",
    component,
  });
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The string-valued entries of an object (labels, annotations); undefined when it is not an object. */
export function asStringMap(value: unknown): Record<string, string> | undefined {
  const record = asRecord(value);
  if (!record) return undefined;
  return Object.fromEntries(
    Object.entries(record).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

export function asRecords(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    const record = asRecord(v);
    return record ? [record] : [];
  });
}

/** Pod security context when the configuration sets none: KubeStash runs its Jobs as `nobody` (65534). */
export const DEFAULT_POD_SECURITY_CONTEXT = { runAsUser: 65534 } as const;

/** A batch/v1 Job for the session: its labels on Job and Pod, owned by the session, never restarted in place. */
export function sessionJob(
  session: BackupSession,
  name: string,
  component: JobComponent,
  pod: { spec: PodSpec; labels?: Record<string, string>; annotations?: Record<string, string> },
  spec: { backoffLimit: number; activeDeadlineSeconds?: number },
): Job {
  const labels = jobLabels(session, component);
  const ownerReferences = sessionOwnerReferences(session);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: sessionNamespace(session),
      labels,
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: {
      backoffLimit: spec.backoffLimit,
      ...(spec.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: spec.activeDeadlineSeconds }
        : {}),
      template: {
        metadata: {
          labels: { ...pod.labels, ...labels },
          ...(pod.annotations ? { annotations: pod.annotations } : {}),
        },
        spec: { securityContext: DEFAULT_POD_SECURITY_CONTEXT, ...pod.spec, restartPolicy: "Never" },
      },
    },
  };
}

/** The Jobs that serve a given BackupSession (by the invoker-name label or by owner uid). */
export function jobsOfSession(jobs: ReadonlyArray<Job>, session: BackupSession): Job[] {
  return jobs.filter(
    (job) =>
      job.metadata.labels?.[Label.InvokerName] === session.metadata.name ||
      (session.metadata.uid !== undefined &&
        (job.metadata.ownerReferences ?? []).some((o) => o.uid === session.metadata.uid)),
  );
}

/**
 * Merges lists of objects keyed by `key` (volumes and env by `name`, mounts by `mountPath`): a later entry with
 * the same key replaces an earlier one, in the earlier one's place.
 */
export function mergeBy(
  key: "name" | "mountPath",
  ...lists: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>
): Record<string, unknown>[] {
  const out = new Map<unknown, Record<string, unknown>>();
  lists.flat().forEach((item, index) => {
    const k = item[key];
    out.set(typeof k === "string" ? k : `#${index}`, item);
  });
  return [...out.values()];
}
