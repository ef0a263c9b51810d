import { z } from "zod";
import { ObjectMeta } from "./common.ts";

/**
 * batch/v1 CronJob — the parts that identify the KubeStash operator's `trigger-<configuration>-<session>`
 * CronJobs (docs/migration.md#detection): owner, pod labels, ServiceAccount, container args. Field names as in
 * Kubernetes; everything else is kept as it is.
 */

export const CronJobContainer = z.looseObject({
  name: z.string(),
  image: z.string().optional(),
  args: z.array(z.string()).optional(),
  command: z.array(z.string()).optional(),
});

export const CronJob = z.looseObject({
  apiVersion: z.literal("batch/v1"),
  kind: z.literal("CronJob"),
  metadata: ObjectMeta,
  spec: z.looseObject({
    schedule: z.string(),
    suspend: z.boolean().optional(),
    jobTemplate: z.looseObject({
      metadata: z.looseObject({ labels: z.record(z.string(), z.string()).optional() }).optional(),
      spec: z
        .looseObject({
          template: z
            .looseObject({
              metadata: z.looseObject({ labels: z.record(z.string(), z.string()).optional() }).optional(),
              spec: z
                .looseObject({
                  serviceAccountName: z.string().optional(),
                  containers: z.array(CronJobContainer).optional(),
                })
                .optional(),
            })
            .optional(),
        })
        .optional(),
    }),
  }),
});
export type CronJob = z.infer<typeof CronJob>;
