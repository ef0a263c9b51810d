import type { KubeStashFunction } from "../../model/addon.ts";
import type { HookInfo } from "../../model/backup-configuration.ts";
import type { BackupSession, HookExecutionStatus } from "../../model/backup-session.ts";
import type { HookTemplate } from "../../model/hook-template.ts";
import type { Job } from "../../model/job.ts";
import { buildHookJob, type HookKind, hookJobName, hookJobPhase } from "./hook-job.ts";

/**
 * Running a session's pre- or post-backup hooks (docs/model.md#hooks; KubeStash's hook docs): one Job
 * per hook, one hook at a time in the order given. A failed pre-backup hook stops the rest (the backup is
 * skipped and the session fails); post-backup hooks all get their turn, since they usually undo something.
 */

export interface HookStepInput {
  session: BackupSession;
  kind: HookKind;
  hooks: ReadonlyArray<HookInfo>;
  jobs: ReadonlyArray<Job>;
  templates: ReadonlyArray<HookTemplate>;
  functions: ReadonlyArray<KubeStashFunction>;
  hookRunnerImage?: string;
  now: Date;
  /** When set (deadline passed), hooks not finished count as failed with this message and none is started. */
  abortMessage?: string;
}

export interface HookStepResult {
  /** One entry per hook reached so far. */
  statuses: HookExecutionStatus[];
  /** `none`: no hook to run; `running`: a hook Job is unfinished. */
  outcome: "none" | "running" | "succeeded" | "failed";
  create: Job[];
  failures: string[];
  /** Some hook failed only because of `abortMessage`. */
  aborted: boolean;
}

/** Post-backup hooks that apply to the backup's result (executionPolicy Always / OnSuccess / OnFailure). */
export function applicablePostHooks(hooks: ReadonlyArray<HookInfo>, backupSucceeded: boolean): HookInfo[] {
  return hooks.filter(
    (h) =>
      h.executionPolicy === "Always" || h.executionPolicy === (backupSucceeded ? "OnSuccess" : "OnFailure"),
  );
}

interface HookStep {
  status: HookExecutionStatus;
  job?: Job;
  why?: string | undefined;
  aborted?: boolean;
}

function stepHook(input: HookStepInput, hook: HookInfo): HookStep {
  const name = hookJobName(input.kind, input.session, hook.name);
  const job = input.jobs.find((j) => j.metadata.name === name);
  if (job) {
    const result = hookJobPhase(job, hook, input.now);
    if (result.phase === "Pending" && input.abortMessage !== undefined) {
      return { status: { name: hook.name, phase: "Failed" }, why: input.abortMessage, aborted: true };
    }
    return { status: { name: hook.name, phase: result.phase }, why: result.message };
  }
  if (input.abortMessage !== undefined) {
    return { status: { name: hook.name, phase: "Failed" }, why: input.abortMessage, aborted: true };
  }
  const built = buildHookJob({ ...input, hook });
  if (!built.ok) return { status: { name: hook.name, phase: "Failed" }, why: built.message };
  return { status: { name: hook.name, phase: "Pending" }, job: built.value };
}

export function runHooks(input: HookStepInput): HookStepResult {
  const result: HookStepResult = { statuses: [], outcome: "none", create: [], failures: [], aborted: false };
  for (const hook of input.hooks) {
    const step = stepHook(input, hook);
    result.statuses.push(step.status);
    if (step.job) result.create.push(step.job);
    if (step.aborted) result.aborted = true;
    if (step.status.phase === "Pending") return { ...result, outcome: "running" };
    if (step.status.phase === "Failed") {
      result.failures.push(`hook ${hook.name}: ${step.why ?? "failed"}`);
      if (input.kind === "pre") break;
    }
  }
  if (input.hooks.length === 0) return result;
  return { ...result, outcome: result.failures.length > 0 ? "failed" : "succeeded" };
}
