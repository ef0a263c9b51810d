import type { KubeClient } from "../shared/kube/client.ts";
import type { Job } from "../shared/model/job.ts";
import { toKubeTime } from "../shared/model/time.ts";

/**
 * Plays Kubernetes' Job controller where no kubelet runs (the local demo, the tests): when a Job's pod has ended,
 * the controller writes the Job's status, and only that. What it writes is what kube-controller-manager v1.31+
 * writes for a Job with one pod (pkg/controller/job): `SuccessCriteriaMet` then `Complete` with reason
 * `CompletionsReached` on success; `FailureTarget` then `Failed` with reason `BackoffLimitExceeded` on failure;
 * start and completion times, the succeeded/failed counts, `ready: 0`, `terminating: 0` and an empty
 * `uncountedTerminatedPods`.
 */

export type JobEnd = "Succeeded" | "Failed";

export function finishedJobStatus(job: Job, outcome: JobEnd, now: Date): NonNullable<Job["status"]> {
  const time = toKubeTime(now);
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: "True" as const,
    reason,
    message,
    lastProbeTime: time,
    lastTransitionTime: time,
  });
  const startTime = job.status?.startTime ?? time;
  if (outcome === "Succeeded") {
    const message = "Reached expected number of succeeded pods";
    return {
      conditions: [
        condition("SuccessCriteriaMet", "CompletionsReached", message),
        condition("Complete", "CompletionsReached", message),
      ],
      startTime,
      completionTime: time,
      succeeded: 1,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
    };
  }
  const message = "Job has reached the specified backoff limit";
  return {
    conditions: [
      condition("FailureTarget", "BackoffLimitExceeded", message),
      condition("Failed", "BackoffLimitExceeded", message),
    ],
    startTime,
    failed: (job.spec.backoffLimit ?? 0) + 1,
    ready: 0,
    terminating: 0,
    uncountedTerminatedPods: {},
  };
}

/** Writes a finished Job's status, as the Job controller would; a Job that already ended is left alone. */
export async function finishJob(client: KubeClient, job: Job, outcome: JobEnd, now: Date): Promise<void> {
  await client.updateStatus("Job", job.metadata.namespace, job.metadata.name, (current) =>
    (current.status?.conditions ?? []).some(
      (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
    )
      ? undefined
      : finishedJobStatus(current, outcome, now),
  );
}
