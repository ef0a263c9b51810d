import { z } from "zod";
import { Int32, LabelSelector, ObjectMeta, OpenObject } from "./common.ts";

/**
 * apps/v1 Deployment — only what tells whether the KubeStash operator is installed (docs/migration.md#detection):
 * its labels, and the replicas it asks for and has. Field names as in Kubernetes.
 */
export const Deployment = z.looseObject({
  apiVersion: z.literal("apps/v1"),
  kind: z.literal("Deployment"),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      replicas: Int32.optional(),
      selector: LabelSelector.optional(),
      template: OpenObject.optional(),
    })
    .optional(),
  status: z
    .looseObject({
      replicas: Int32.optional(),
      readyReplicas: Int32.optional(),
      availableReplicas: Int32.optional(),
    })
    .optional(),
});
export type Deployment = z.infer<typeof Deployment>;
