import { z } from "zod";
import { Int32, LabelSelector, ObjectMeta, OpenObject } from "./common.ts";

/**
 * apps/v1 StatefulSet and DaemonSet, and core/v1 Pod — what the executor of a workload backup needs to know
 * (docs/snapshot-completion.md#workload-targets): how many pods, where they run, which volumes they mount.
 * Field names as in Kubernetes. (Deployment is in deployment.ts.)
 */

export const StatefulSet = z.looseObject({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("StatefulSet"),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      replicas: Int32.optional(),
      /** The first pod's ordinal (`spec.ordinals.start`, default 0): pods are start … start+replicas−1. */
      ordinals: z.looseObject({ start: Int32.optional() }).optional(),
      selector: LabelSelector.optional(),
      template: OpenObject.optional(),
      volumeClaimTemplates: z.array(OpenObject).optional(),
    })
    .optional(),
});
export type StatefulSet = z.infer<typeof StatefulSet>;

export const DaemonSet = z.looseObject({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("DaemonSet"),
  metadata: ObjectMeta,
  spec: z.looseObject({ selector: LabelSelector.optional(), template: OpenObject.optional() }).optional(),
});
export type DaemonSet = z.infer<typeof DaemonSet>;

export const Pod = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("Pod"),
  metadata: ObjectMeta,
  spec: z.looseObject({ nodeName: z.string().optional() }).optional(),
});
export type Pod = z.infer<typeof Pod>;
