/**
 * `status` of a Job the real Job controller failed with BackoffLimitExceeded after `failed` Pods (its
 * FailureTarget, then Failed condition). Kept apart from the kubelet-playing runner (job-runner.ts), so a
 * test checks the runner's output against the controller's, not against itself.
 */
export function backoffLimitExceededStatus(failed: number) {
  return {
    failed,
    conditions: [
      { type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded" },
      {
        type: "Failed",
        status: "True",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      },
    ],
  };
}
