import type { KubeStashFunction } from "../../model/addon.ts";
import type { HookInfo } from "../../model/backup-configuration.ts";
import type { BackupSession, HookPhase } from "../../model/backup-session.ts";
import { parseGoDuration } from "../../model/duration.ts";
import type { HookTemplate } from "../../model/hook-template.ts";
import { type Job, jobOutcome } from "../../model/job.ts";
import { JobComponent } from "../../model/labels.ts";
import { jobName } from "../../model/names.ts";
import {
  layerVariables,
  missingRequiredParameters,
  parameterDefaults,
  substituteVariables,
  type Variables,
} from "./function-variables.ts";
import { type BuildResult, mergeBy, type PodSpec, sessionJob, sessionNamespace } from "./session-job-meta.ts";

/**
 * The Job that runs one pre- or post-backup hook (docs/model.md#hooks: HookTemplate, HookInfo). A
 * Function-type HookTemplate runs its Function's container; a Pod- or Operator-type one runs the hook runner
 * image, which gets the template's action and executor as JSON in its environment. Each attempt may take
 * `timeout`; a failed attempt is retried `maxRetry` times (the Job's backoffLimit).
 */

export type HookKind = "pre" | "post";

export interface HookJobInput {
  session: BackupSession;
  kind: HookKind;
  hook: HookInfo;
  templates: ReadonlyArray<HookTemplate>;
  functions: ReadonlyArray<KubeStashFunction>;
  /** Image that runs Pod- and Operator-type hooks; without it such hooks fail with a clear message. */
  hookRunnerImage?: string;
}

const HOOK_TYPE: Record<HookKind, string> = { pre: "pre-backup", post: "post-backup" };

/** `prehook-<backupsession>-<hook>` / `posthook-…`, within 63 characters (the hook name kept last). */
export function hookJobName(kind: HookKind, session: BackupSession, hookName: string): string {
  const part = hookName.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
  return jobName(`${kind}hook`, session.metadata.name, part.replace(/^-+|-+$/g, ""));
}

/** Seconds a single attempt may take, when the hook has a timeout. */
export function hookTimeoutSeconds(hook: HookInfo): number | undefined {
  const ms = hook.timeout === undefined ? undefined : parseGoDuration(hook.timeout);
  return ms === undefined || ms <= 0 ? undefined : Math.ceil(ms / 1000);
}

function deepSubstitute(value: unknown, variables: Variables): unknown {
  if (typeof value === "string") return substituteVariables(value, variables);
  if (Array.isArray(value)) return value.map((v) => deepSubstitute(v, variables));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepSubstitute(v, variables)]));
  }
  return value;
}

function hookContainer(input: HookJobInput, template: HookTemplate, variables: Variables) {
  const { hook } = input;
  const executor = template.spec.executor;
  const extraEnv = hook.variables ?? [];
  if (executor?.type === "Function") {
    const fnName = executor.function?.name;
    const fn = input.functions.find((f) => f.metadata.name === fnName);
    if (!fn)
      return { ok: false as const, message: `Function ${fnName ?? "(none)"} of HookTemplate not found` };
    return {
      ok: true as const,
      container: {
        name: "hook",
        image: fn.spec.image,
        ...(fn.spec.command
          ? { command: fn.spec.command.map((c) => substituteVariables(c, variables)) }
          : {}),
        args: (fn.spec.args ?? []).map((a) => substituteVariables(a, variables)),
        env: mergeBy("name", executor.function?.env ?? [], extraEnv),
        volumeMounts: mergeBy(
          "mountPath",
          fn.spec.volumeMounts ?? [],
          executor.function?.volumeMounts ?? [],
          hook.volumeMounts ?? [],
        ),
      },
      volumes: mergeBy("name", executor.function?.volumes ?? [], hook.volumes ?? []),
    };
  }
  if (!input.hookRunnerImage) {
    const type = executor?.type ?? "(none)";
    return {
      ok: false as const,
      message: `executor type ${type} needs a hook runner image, none is configured`,
    };
  }
  const env = [
    { name: "HOOK_NAME", value: hook.name },
    { name: "HOOK_TYPE", value: HOOK_TYPE[input.kind] },
    { name: "HOOK_EXECUTOR", value: JSON.stringify(executor ?? {}) },
    { name: "HOOK_ACTION", value: JSON.stringify(deepSubstitute(template.spec.action ?? {}, variables)) },
    { name: "BACKUP_SESSION", value: input.session.metadata.name },
    { name: "NAMESPACE", value: sessionNamespace(input.session) },
  ];
  return {
    ok: true as const,
    container: {
      name: "hook",
      image: input.hookRunnerImage,
      args: ["run-hook"],
      env: mergeBy("name", env, extraEnv),
      volumeMounts: hook.volumeMounts ?? [],
    },
    volumes: hook.volumes ?? [],
  };
}

/** The hook's Job, or why it cannot be built (template, Function or required parameter missing). */
export function buildHookJob(input: HookJobInput): BuildResult<Job> {
  const { session, hook } = input;
  const namespace = hook.hookTemplate.namespace ?? sessionNamespace(session);
  const template = input.templates.find(
    (t) => t.metadata.name === hook.hookTemplate.name && (t.metadata.namespace ?? namespace) === namespace,
  );
  if (!template)
    return { ok: false, message: `HookTemplate ${namespace}/${hook.hookTemplate.name} not found` };
  const variables = layerVariables(hook.params, parameterDefaults(template.spec.params), {
    namespace: sessionNamespace(session),
    backupSession: session.metadata.name,
  });
  const missing = missingRequiredParameters(template.spec.params, variables);
  if (missing.length > 0) return { ok: false, message: `needs parameter(s) ${missing.join(", ")}` };
  const built = hookContainer(input, template, variables);
  if (!built.ok) return { ok: false, message: built.message };
  const timeout = hookTimeoutSeconds(hook);
  const podSpec: PodSpec = {
    containers: [built.container],
    volumes: built.volumes,
    ...(timeout !== undefined ? { activeDeadlineSeconds: timeout } : {}),
  };
  const job = sessionJob(
    session,
    hookJobName(input.kind, session, hook.name),
    JobComponent.Hook,
    { spec: podSpec },
    {
      backoffLimit: hook.maxRetry,
      ...(timeout !== undefined ? { activeDeadlineSeconds: timeout * (hook.maxRetry + 1) } : {}),
    },
  );
  return { ok: true, value: job };
}

/**
 * A hook Job's result: Succeeded or Failed from the Job's conditions; Failed too when it is still unfinished
 * after all its attempts could have timed out (so a cluster whose Job controller is slow or absent cannot hold
 * the session forever); otherwise Pending.
 */
export function hookJobPhase(job: Job, hook: HookInfo, now: Date): { phase: HookPhase; message?: string } {
  const outcome = jobOutcome(job);
  if (outcome === "Succeeded") return { phase: "Succeeded" };
  if (outcome === "Failed") {
    const failed = job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
    const why = [failed?.reason, failed?.message].filter(Boolean).join(": ");
    return { phase: "Failed", message: `Job ${job.metadata.name} failed${why ? ` (${why})` : ""}` };
  }
  const timeout = hookTimeoutSeconds(hook);
  const created = job.metadata.creationTimestamp;
  if (timeout !== undefined && created !== undefined) {
    const limitMs = timeout * (hook.maxRetry + 1) * 1000;
    if (now.getTime() - Date.parse(created) >= limitMs) {
      return {
        phase: "Failed",
        message: `Job ${job.metadata.name} did not finish within ${limitMs / 1000}s`,
      };
    }
  }
  return { phase: "Pending" };
}
