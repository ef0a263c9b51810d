import type { Addon, KubeStashFunction, Task } from "../../model/addon.ts";
import type { AddonInfo, SessionConfig, TaskReference } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import type { TypedObjectReference } from "../../model/common.ts";
import type { Job } from "../../model/job.ts";
import { JobComponent } from "../../model/labels.ts";
import { EXECUTOR_SERVICE_ACCOUNT, nameKeepingTimeSuffix } from "../../model/names.ts";
import {
  layerVariables,
  missingRequiredParameters,
  parameterDefaults,
  substituteDeep,
  type Variables,
} from "./function-variables.ts";
import {
  asRecord,
  asRecords,
  asStringMap,
  type BuildResult,
  mergeBy,
  type PodSpec,
  sessionJob,
  sessionNamespace,
} from "./session-job-meta.ts";

/**
 * The backup executor of a session (docs/model.md#addons-and-functions, docs/model.md#session-config): one
 * Job that runs the configuration's addon tasks, each task a container built from the Function its Addon task
 * names. Tasks run in the order the configuration lists them: all but the last as init containers, the last
 * as the main container. The Pod is built by {@link buildAddonTaskPod}, which a restore executor shares
 * (its `restoreTasks`, its own variables; docs/verification.md#what-a-verification-creates).
 */

export interface ExecutorJobInput {
  session: BackupSession;
  /** The configuration's `spec.sessions[]` entry this BackupSession runs. */
  sessionConfig: SessionConfig;
  /** The configuration's target, when it has one (a targetless configuration backs up cluster resources). */
  target?: TypedObjectReference | undefined;
  addon: Addon | undefined;
  functions: ReadonlyArray<KubeStashFunction>;
}

/**
 * One executor Job of a session. A single Job serves a PVC, a Deployment or a targetless configuration; a
 * StatefulSet gets one per pod and a DaemonSet one per node, each with its own component (`COMPONENT_NAME`).
 */
export interface ExecutorComponent {
  /** `COMPONENT_NAME` for per-pod Jobs (`dump-pod-0`, `dump-<node>`); absent for a single Job. */
  componentName?: string;
  /** `POD_ORDINAL` for a StatefulSet's pod. */
  podOrdinal?: number;
  /** The node a DaemonSet's pod runs on. */
  nodeName?: string;
  /** The target's volumes this Job mounts (from the workload; a StatefulSet pod's own claim). */
  volumes?: ReadonlyArray<Record<string, unknown>>;
}

/**
 * `upload-<backupsession>` (KubeStash's `upload` prefix), within 63 characters; when it must be cut, the
 * session's time suffix stays last. A per-pod Job adds its component (`upload-<backupsession>-dump-pod-0`).
 */
export function executorJobName(session: BackupSession, component: ExecutorComponent = {}): string {
  return nameKeepingTimeSuffix("upload", session.metadata.name, component.componentName);
}

/** Task executors we run as a Job; Sidecar and EphemeralContainer would need the workload changed. */
const JOB_EXECUTORS = new Set<Task["executor"]>(["Job", "MultiLevelJob", undefined]);

/** Pod-level settings a configuration's `addon.jobTemplate.spec` may give the executor Pod. */
const POD_SETTINGS = [
  "serviceAccountName",
  "nodeSelector",
  "tolerations",
  "affinity",
  "securityContext",
  "imagePullSecrets",
  "priorityClassName",
  "runtimeClassName",
] as const;

/**
 * The variables KubeStash's operator gives a backup Function (docs/operator-contract.md#executor-job): `namespace`,
 * `backupSession`, `enableCache`; `PVC_NAME` for a PersistentVolumeClaim target; `COMPONENT_NAME` and
 * `POD_ORDINAL` for a workload's per-pod Job. Restore-only ones (`snapshot`, `restoreSession`) are not set.
 */
function builtInVariables(input: ExecutorJobInput, component: ExecutorComponent): Variables {
  const { session, target } = input;
  return {
    namespace: sessionNamespace(session),
    backupSession: session.metadata.name,
    enableCache: "true",
    ...targetAndComponentVariables(target, component),
  };
}

/** `PVC_NAME` of a PersistentVolumeClaim target; `COMPONENT_NAME` and `POD_ORDINAL` of a per-pod Job. */
export function targetAndComponentVariables(
  target: TypedObjectReference | undefined,
  component: ExecutorComponent,
): Variables {
  return {
    ...(target?.kind === "PersistentVolumeClaim" ? { PVC_NAME: target.name } : {}),
    ...(component.componentName ? { COMPONENT_NAME: component.componentName } : {}),
    ...(component.podOrdinal !== undefined ? { POD_ORDINAL: String(component.podOrdinal) } : {}),
  };
}

/**
 * What the backup and the restore executor Pods are built from: the owner's `addon` (a session's, a
 * RestoreSession's), which of the Addon's task lists it names tasks of, and the variables the operator gives.
 */
export interface AddonTaskPodInput {
  /** `backup` reads the Addon's `backupTasks`, `restore` its `restoreTasks`; messages say which. */
  purpose: "backup" | "restore";
  /** The owner's addon: name, tasks (with params, variables, volumes), jobTemplate. */
  addonInfo: AddonInfo | undefined;
  addon: Addon | undefined;
  functions: ReadonlyArray<KubeStashFunction>;
  /** The built-in variables, below the task's params and the Addon's defaults. */
  builtIns: Variables;
  component: ExecutorComponent;
  /** How messages name the owner: `session daily` ("… names no addon"). */
  owner: string;
  /** What an unresolved variable cannot be resolved for: `this session`. */
  resolvedFor: string;
  /** The ServiceAccount when `addonInfo.jobTemplate.spec.serviceAccountName` names none. */
  defaultServiceAccount: string;
}

/** The executor's Pod, its template's extra labels and annotations (from the jobTemplate), and the Job's backoffLimit. */
export interface AddonTaskPod {
  spec: PodSpec;
  labels: Record<string, string> | undefined;
  annotations: Record<string, string> | undefined;
  backoffLimit: number;
}

/** KubeStash names a task's container `<task>-<index>` (`manifest-backup-0`), made a valid DNS label. */
function containerName(taskName: string, index: number): string {
  const name =
    taskName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "task";
  return `${name.slice(0, 60 - String(index).length)}-${index}`;
}

interface TaskParts {
  container: Record<string, unknown>;
  volumes: Record<string, unknown>[];
}

function taskParts(input: AddonTaskPodInput, ref: TaskReference, index: number): BuildResult<TaskParts> {
  const { purpose, component } = input;
  const addonName = input.addon?.metadata.name ?? "";
  const tasks = purpose === "backup" ? input.addon?.spec.backupTasks : input.addon?.spec.restoreTasks;
  const task = tasks?.find((t) => t.name === ref.name);
  if (!task) return { ok: false, message: `Addon ${addonName} has no ${purpose} task ${ref.name}` };
  if (!JOB_EXECUTORS.has(task.executor)) {
    return {
      ok: false,
      message: `${purpose} task ${ref.name} uses executor ${task.executor}, which is not supported`,
    };
  }
  const fn = input.functions.find((f) => f.metadata.name === task.function);
  if (!fn)
    return {
      ok: false,
      message: `Function ${task.function ?? "(none)"} of ${purpose} task ${ref.name} not found`,
    };
  const variables = layerVariables(ref.params, parameterDefaults(task.parameters), input.builtIns);
  const missing = missingRequiredParameters(task.parameters, variables);
  if (missing.length > 0) {
    return { ok: false, message: `${purpose} task ${ref.name} needs parameter(s) ${missing.join(", ")}` };
  }
  const target = asRecord(ref.targetVolumes);
  const overrides = new Map((ref.addonVolumes ?? []).map((v) => [v.name, v.source]));
  const addonVolumes = (task.volumeTemplate ?? []).map((template) => {
    const name = String(template.name ?? "");
    return { name, ...(overrides.get(name) ?? asRecord(template.source) ?? {}) };
  });
  const componentEnv = component.componentName
    ? [{ name: "COMPONENT_NAME", value: component.componentName }]
    : [];
  const env = mergeBy("name", componentEnv, ref.variables ?? []);
  const container: Record<string, unknown> = {
    name: containerName(ref.name, index),
    image: fn.spec.image,
    imagePullPolicy: "IfNotPresent",
    ...(fn.spec.command ? { command: fn.spec.command } : {}),
    args: fn.spec.args ?? [],
    ...(fn.spec.workingDir ? { workingDir: fn.spec.workingDir } : {}),
    ...(env.length > 0 ? { env } : {}),
    volumeMounts: mergeBy(
      "mountPath",
      fn.spec.volumeMounts ?? [],
      task.volumeMounts ?? [],
      asRecords(target?.volumeMounts),
    ),
  };
  const substituted = substituteDeep(
    { container, volumes: [...addonVolumes, ...(component.volumes ?? []), ...asRecords(target?.volumes)] },
    variables,
  );
  if (substituted.unresolved.length > 0) {
    const names = substituted.unresolved.map((n) => `\${${n}}`).join(", ");
    return {
      ok: false,
      message: `${purpose} task ${ref.name} (Function ${fn.metadata.name}) uses ${names}, which cannot be resolved for ${input.resolvedFor}`,
    };
  }
  return { ok: true, value: substituted.value };
}

function podSettings(jobTemplate: Record<string, unknown> | undefined): PodSpec {
  const spec = asRecord(jobTemplate?.spec) ?? {};
  const out: PodSpec = {};
  for (const key of POD_SETTINGS) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
}

/**
 * The executor Pod of an owner's addon tasks, or why it cannot be built (missing Addon, task, Function,
 * parameter, variable): one container per task, in order, all but the last as init containers.
 */
export function buildAddonTaskPod(input: AddonTaskPodInput): BuildResult<AddonTaskPod> {
  const { addonInfo, component } = input;
  if (!addonInfo) return { ok: false, message: `${input.owner} names no addon` };
  if (!input.addon || input.addon.metadata.name !== addonInfo.name) {
    return { ok: false, message: `Addon ${addonInfo.name} not found` };
  }
  const parts: TaskParts[] = [];
  for (const [index, ref] of addonInfo.tasks.entries()) {
    const built = taskParts(input, ref, index);
    if (!built.ok) return built;
    parts.push(built.value);
  }
  const containers = parts.map((p) => p.container);
  const main = containers.at(-1);
  if (!main) return { ok: false, message: `addon ${addonInfo.name} lists no task` };
  const jobTemplate = asRecord(addonInfo.jobTemplate);
  const templateMeta = asRecord(jobTemplate?.metadata);
  const backoffLimit = typeof jobTemplate?.backoffLimit === "number" ? jobTemplate.backoffLimit : 0;
  const spec: PodSpec = {
    serviceAccountName: input.defaultServiceAccount,
    ...podSettings(jobTemplate),
    ...(component.nodeName ? { nodeName: component.nodeName } : {}),
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: [main],
    volumes: mergeBy("name", ...parts.map((p) => p.volumes)),
  };
  return {
    ok: true,
    value: {
      spec,
      labels: asStringMap(templateMeta?.labels),
      annotations: asStringMap(templateMeta?.annotations),
      backoffLimit,
    },
  };
}

/** The executor Job for one component, or why it cannot be built (missing Addon, task, Function, parameter, variable). */
export function buildExecutorJob(
  input: ExecutorJobInput,
  component: ExecutorComponent = {},
): BuildResult<Job> {
  const pod = buildAddonTaskPod({
    purpose: "backup",
    addonInfo: input.sessionConfig.addon,
    addon: input.addon,
    functions: input.functions,
    builtIns: builtInVariables(input, component),
    component,
    owner: `session ${input.sessionConfig.name}`,
    resolvedFor: "this session",
    defaultServiceAccount: EXECUTOR_SERVICE_ACCOUNT,
  });
  if (!pod.ok) return pod;
  const { spec, labels, annotations, backoffLimit } = pod.value;
  const job = sessionJob(
    input.session,
    executorJobName(input.session, component),
    JobComponent.Backup,
    { spec, labels, annotations },
    { backoffLimit },
  );
  return { ok: true, value: job };
}
