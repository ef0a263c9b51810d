import type { Addon, KubeStashFunction } from "../../model/addon.ts";
import { CORE_API_VERSION, type OwnerReference } from "../../model/common.ts";
import type { Job } from "../../model/job.ts";
import { Label, MANAGED_BY } from "../../model/labels.ts";
import { nameKeepingTimeSuffix } from "../../model/names.ts";
import type { RestoreSession } from "../../model/restore-session.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { RESTORE_EXECUTOR_SERVICE_ACCOUNT, VerificationJobComponent } from "../../model/verification.ts";
import {
  buildAddonTaskPod,
  type ExecutorComponent,
  targetAndComponentVariables,
} from "../session/executor-job.ts";
import type { Variables } from "../session/function-variables.ts";
import { type BuildResult, DEFAULT_POD_SECURITY_CONTEXT, type PodSpec } from "../session/session-job-meta.ts";

/**
 * The restore executor of a verification's RestoreSession (docs/verification.md#what-a-verification-creates):
 * the RestoreSession's addon tasks taken from the Addon's `restoreTasks`, each a container from its Function,
 * built by the same builder as a backup executor (`buildAddonTaskPod`), with the variables KubeStash's
 * operator gives a restore Function: `namespace`, `restoreSession`, `snapshot`, `enableCache`, `PVC_NAME`
 * for a claim target, `COMPONENT_NAME` (and `POD_ORDINAL`) for a per-pod Job. One Job, or one per pod
 * component of a workload's Snapshot (`dump-pod-0`, `dump-<node>`), as the backup made one per pod.
 */

export interface RestoreJobsInput {
  restoreSession: RestoreSession;
  /** The Snapshot the RestoreSession names (`spec.dataSource.snapshot`). */
  snapshot: Snapshot;
  addon: Addon | undefined;
  functions: ReadonlyArray<KubeStashFunction>;
}

const PER_POD_COMPONENT = /^dump-.+$/;
const POD_ORDINAL = /^dump-pod-(\d+)$/;

/**
 * `restore-<restoresession>` (KubeStash's `restore` prefix), within 63 characters with the time suffix kept
 * last; a per-pod Job adds its component (`restore-<restoresession>-dump-pod-0`).
 */
export function restoreJobName(restoreSession: RestoreSession, componentName?: string): string {
  return nameKeepingTimeSuffix("restore", restoreSession.metadata.name, componentName);
}

/** Labels of a RestoreSession's Jobs: exactly KubeStash's `RestoreSession.OffshootLabels` plus the component. */
export function restoreJobLabels(restoreSession: RestoreSession): Record<string, string> {
  return {
    [Label.Component]: VerificationJobComponent.Restore,
    [Label.ManagedBy]: MANAGED_BY,
    [Label.InvokerName]: restoreSession.metadata.name,
    [Label.InvokerNamespace]: restoreSession.metadata.namespace ?? "default",
  };
}

/**
 * The per-pod components of a Snapshot (`dump-pod-<n>`, `dump-<node>`, those the RestoreSession's
 * `dataSource.components` keeps when it lists some), one Job each; none: one Job for the whole Snapshot.
 */
export function restoreComponents(restoreSession: RestoreSession, snapshot: Snapshot): ExecutorComponent[] {
  const wanted = restoreSession.spec.dataSource?.components;
  const perPod = Object.keys(snapshot.status?.components ?? {})
    .filter((name) => PER_POD_COMPONENT.test(name))
    .filter((name) => !wanted || wanted.length === 0 || wanted.includes(name))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (perPod.length === 0) return [{}];
  return perPod.map((componentName) => {
    const ordinal = POD_ORDINAL.exec(componentName)?.[1];
    return { componentName, ...(ordinal !== undefined ? { podOrdinal: Number(ordinal) } : {}) };
  });
}

/** A verification's Job: its labels on Job and Pod, its owner, never restarted in place, `nobody` by default. */
export function verificationJob(
  meta: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences?: OwnerReference[];
  },
  pod: { spec: PodSpec; labels?: Record<string, string>; annotations?: Record<string, string> },
  backoffLimit: number,
): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      labels: meta.labels,
      ...(meta.ownerReferences ? { ownerReferences: meta.ownerReferences } : {}),
    },
    spec: {
      backoffLimit,
      template: {
        metadata: {
          labels: { ...pod.labels, ...meta.labels },
          ...(pod.annotations ? { annotations: pod.annotations } : {}),
        },
        spec: { securityContext: DEFAULT_POD_SECURITY_CONTEXT, ...pod.spec, restartPolicy: "Never" },
      },
    },
  };
}

function restoreSessionOwner(restoreSession: RestoreSession): OwnerReference[] | undefined {
  const uid = restoreSession.metadata.uid;
  if (!uid) return undefined;
  return [
    {
      apiVersion: CORE_API_VERSION,
      kind: "RestoreSession",
      name: restoreSession.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

/** The variables of a restore Function for one component (docs/verification.md#what-a-verification-creates). */
function builtInVariables(input: RestoreJobsInput, component: ExecutorComponent): Variables {
  const { restoreSession, snapshot } = input;
  return {
    namespace: restoreSession.metadata.namespace ?? "default",
    restoreSession: restoreSession.metadata.name,
    snapshot: snapshot.metadata.name,
    enableCache: "true",
    ...targetAndComponentVariables(restoreSession.spec.target, component),
  };
}

/** The restore executor Job(s) of a RestoreSession, or why they cannot be built (the message names what is missing). */
export function buildRestoreJobs(input: RestoreJobsInput): BuildResult<Job[]> {
  const { restoreSession, snapshot } = input;
  const namespace = restoreSession.metadata.namespace ?? "default";
  const described = `RestoreSession ${namespace}/${restoreSession.metadata.name}`;
  const named = restoreSession.spec.dataSource?.snapshot;
  if (named && named !== "latest" && named !== snapshot.metadata.name) {
    return {
      ok: false,
      message: `${described} restores Snapshot ${named}, not ${snapshot.metadata.name}`,
    };
  }
  const labels = restoreJobLabels(restoreSession);
  const ownerReferences = restoreSessionOwner(restoreSession);
  const jobs: Job[] = [];
  for (const component of restoreComponents(restoreSession, snapshot)) {
    const pod = buildAddonTaskPod({
      purpose: "restore",
      addonInfo: restoreSession.spec.addon,
      addon: input.addon,
      functions: input.functions,
      builtIns: builtInVariables(input, component),
      component,
      owner: described,
      resolvedFor: "this restore",
      defaultServiceAccount: RESTORE_EXECUTOR_SERVICE_ACCOUNT,
    });
    if (!pod.ok) return pod;
    const { spec, labels: podLabels, annotations, backoffLimit } = pod.value;
    jobs.push(
      verificationJob(
        {
          name: restoreJobName(restoreSession, component.componentName),
          namespace,
          labels,
          ...(ownerReferences ? { ownerReferences } : {}),
        },
        {
          spec,
          ...(podLabels ? { labels: podLabels } : {}),
          ...(annotations ? { annotations } : {}),
        },
        backoffLimit,
      ),
    );
  }
  return { ok: true, value: jobs };
}
