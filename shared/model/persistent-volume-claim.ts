import { z } from "zod";
import { ObjectMeta, OpenObject } from "./common.ts";

/**
 * core/v1 PersistentVolumeClaim — the fields a verification reads from a backed-up claim to make a scratch
 * claim of the same shape to restore into (docs/verification.md#cleanup); the rest is kept as it is.
 */
export const PersistentVolumeClaim = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("PersistentVolumeClaim"),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      accessModes: z.array(z.string()).optional(),
      resources: OpenObject.optional(),
      storageClassName: z.string().optional(),
      volumeMode: z.string().optional(),
    })
    .optional(),
  status: OpenObject.optional(),
});
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaim>;
