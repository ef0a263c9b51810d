import type { Addon, KubeStashFunction, Task } from "../../model/addon.ts";
import type { SessionConfig, TaskReference } from "../../model/backup-configuration.ts";
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
 * as the main container.
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
    ...(target?.kind === "PersistentVolumeClaim" ? { PVC_NAME: target.name } : {}),
    ...(component.componentName ? { COMPONENT_NAME: component.componentName } : {}),
    ...(component.podOrdinal !== undefined ? { POD_ORDINAL: String(component.podOrdinal) } : {}),
  };
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

function taskParts(
  input: ExecutorJobInput,
  ref: TaskReference,
  index: number,
  component: ExecutorComponent,
): BuildResult<TaskParts> {
  const addonName = input.addon?.metadata.name ?? "";
  const task = input.addon?.spec.backupTasks?.find((t) => t.name === ref.name);
  if (!task) return { ok: false, message: `Addon ${addonName} has no backup task ${ref.name}` };
  if (!JOB_EXECUTORS.has(task.executor)) {
    return {
      ok: false,
      message: `backup task ${ref.name} uses executor ${task.executor}, which is not supported`,
    };
  }
  const fn = input.functions.find((f) => f.metadata.name === task.function);
  if (!fn)
    return {
      ok: false,
      message: `Function ${task.function ?? "(none)"} of backup task ${ref.name} not found`,
    };
  const variables = layerVariables(
    ref.params,
    parameterDefaults(task.parameters),
    builtInVariables(input, component),
  );
  const missing = missingRequiredParameters(task.parameters, variables);
  if (missing.length > 0) {
    return { ok: false, message: `backup task ${ref.name} needs parameter(s) ${missing.join(", ")}` };
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
      message: `backup task ${ref.name} (Function ${fn.metadata.name}) uses ${names}, which cannot be resolved for this session`,
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

/** The executor Job for one component, or why it cannot be built (missing Addon, task, Function, parameter, variable). */
export function buildExecutorJob(
  input: ExecutorJobInput,
  component: ExecutorComponent = {},
): BuildResult<Job> {
  const addonInfo = input.sessionConfig.addon;
  if (!addonInfo) return { ok: false, message: `session ${input.sessionConfig.name} names no addon` };
  if (!input.addon || input.addon.metadata.name !== addonInfo.name) {
    return { ok: false, message: `Addon ${addonInfo.name} not found` };
  }
  const parts: TaskParts[] = [];
  for (const [index, ref] of addonInfo.tasks.entries()) {
    const built = taskParts(input, ref, index, component);
    if (!built.ok) return built;
    parts.push(built.value);
  }
  const containers = parts.map((p) => p.container);
  const main = containers.at(-1);
  if (!main) return { ok: false, message: `addon ${addonInfo.name} lists no task` };
  const jobTemplate = asRecord(addonInfo.jobTemplate);
  const templateMeta = asRecord(jobTemplate?.metadata);
  const backoffLimit = typeof jobTemplate?.backoffLimit === "number" ? jobTemplate.backoffLimit : 0;
  const podSpec: PodSpec = {
    serviceAccountName: EXECUTOR_SERVICE_ACCOUNT,
    ...podSettings(jobTemplate),
    ...(component.nodeName ? { nodeName: component.nodeName } : {}),
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: [main],
    volumes: mergeBy("name", ...parts.map((p) => p.volumes)),
  };
  const job = sessionJob(
    input.session,
    executorJobName(input.session, component),
    JobComponent.Backup,
    {
      spec: podSpec,
      labels: asStringMap(templateMeta?.labels),
      annotations: asStringMap(templateMeta?.annotations),
    },
    { backoffLimit },
  );
  return { ok: true, value: job };
}
