import { z } from "zod";
import { Int32, ObjectMeta, OpenObject, Time } from "./common.ts";

/** batch/v1 Job — the parts we write (executor and hook Jobs) and read back (their outcome). */

export const JobCondition = z.looseObject({
  type: z.string(),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: Time.optional(),
});

export const Job = z.looseObject({
  apiVersion: z.literal("batch/v1"),
  kind: z.literal("Job"),
  metadata: ObjectMeta,
  spec: z.looseObject({
    backoffLimit: Int32.optional(),
    activeDeadlineSeconds: z.number().int().optional(),
    ttlSecondsAfterFinished: Int32.optional(),
    template: OpenObject,
  }),
  status: z
    .looseObject({
      active: Int32.optional(),
      succeeded: Int32.optional(),
      failed: Int32.optional(),
      startTime: Time.optional(),
      completionTime: Time.optional(),
      conditions: z.array(JobCondition).optional(),
    })
    .optional(),
});
export type Job = z.infer<typeof Job>;

/** A Job is finished when it has a Complete or Failed condition that is True. */
export function jobOutcome(job: Job): "Succeeded" | "Failed" | "Running" {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return "Succeeded";
  if (conditions.some((c) => c.type === "Failed" && c.status === "True")) return "Failed";
  return "Running";
}
