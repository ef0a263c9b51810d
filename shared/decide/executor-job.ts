import type { Addon, KubeStashFunction, Task } from "../model/addon.ts";
import type { Session, TaskReference } from "../model/backup-configuration.ts";
import type { BackupSession } from "../model/backup-session.ts";
import type { Job } from "../model/job.ts";
import { jobName } from "../model/names.ts";
import {
  layerVariables,
  missingRequiredParameters,
  parameterDefaults,
  substituteVariables,
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
  sessionConfig: Session;
  addon: Addon | undefined;
  functions: ReadonlyArray<KubeStashFunction>;
  /** Names of the session's Snapshots (built-in variable `snapshot` when there is exactly one). */
  snapshotNames: ReadonlyArray<string>;
}

const NUMERIC_SUFFIX = /^(.*)-(\d+)$/;

/**
 * `upload-<backupsession>` (KubeStash's `upload` prefix), within 63 characters; when it must be cut, the
 * session's time suffix stays last.
 */
export function executorJobName(session: BackupSession): string {
  const match = NUMERIC_SUFFIX.exec(session.metadata.name);
  return match ? jobName("upload", match[1] ?? "", match[2] ?? "") : jobName("upload", session.metadata.name);
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

function builtInVariables(input: ExecutorJobInput): Variables {
  const { session, snapshotNames } = input;
  return {
    namespace: sessionNamespace(session),
    backupSession: session.metadata.name,
    enableCache: "true",
    ...(snapshotNames.length === 1 && snapshotNames[0] ? { snapshot: snapshotNames[0] } : {}),
  };
}

function containerName(taskName: string): string {
  const name = taskName.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return name.replace(/^-+|-+$/g, "").slice(0, 63) || "task";
}

interface TaskParts {
  container: Record<string, unknown>;
  volumes: Record<string, unknown>[];
}

function taskParts(input: ExecutorJobInput, ref: TaskReference): BuildResult<TaskParts> {
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
  const variables = layerVariables(ref.params, parameterDefaults(task.parameters), builtInVariables(input));
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
  const container: Record<string, unknown> = {
    name: containerName(ref.name),
    image: fn.spec.image,
    ...(fn.spec.command ? { command: fn.spec.command.map((c) => substituteVariables(c, variables)) } : {}),
    args: (fn.spec.args ?? []).map((a) => substituteVariables(a, variables)),
    ...(fn.spec.workingDir ? { workingDir: fn.spec.workingDir } : {}),
    env: mergeBy("name", ref.variables ?? []),
    volumeMounts: mergeBy(
      "mountPath",
      fn.spec.volumeMounts ?? [],
      task.volumeMounts ?? [],
      asRecords(target?.volumeMounts),
    ),
  };
  return { ok: true, value: { container, volumes: [...addonVolumes, ...asRecords(target?.volumes)] } };
}

function podSettings(jobTemplate: Record<string, unknown> | undefined): PodSpec {
  const spec = asRecord(jobTemplate?.spec) ?? {};
  const out: PodSpec = {};
  for (const key of POD_SETTINGS) if (spec[key] !== undefined) out[key] = spec[key];
  return out;
}

/** The executor Job, or why it cannot be built (missing Addon, task, Function or parameter). */
export function buildExecutorJob(input: ExecutorJobInput): BuildResult<Job> {
  const addonInfo = input.sessionConfig.addon;
  if (!addonInfo) return { ok: false, message: `session ${input.sessionConfig.name} names no addon` };
  if (!input.addon || input.addon.metadata.name !== addonInfo.name) {
    return { ok: false, message: `Addon ${addonInfo.name} not found` };
  }
  const parts: TaskParts[] = [];
  for (const ref of addonInfo.tasks) {
    const built = taskParts(input, ref);
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
    ...podSettings(jobTemplate),
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: [main],
    volumes: mergeBy("name", ...parts.map((p) => p.volumes)),
  };
  const job = sessionJob(
    input.session,
    executorJobName(input.session),
    {
      spec: podSpec,
      labels: asStringMap(templateMeta?.labels),
      annotations: asStringMap(templateMeta?.annotations),
    },
    { backoffLimit },
  );
  return { ok: true, value: job };
}
