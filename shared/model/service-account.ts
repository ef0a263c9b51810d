import { z } from "zod";
import { ObjectMeta, OpenObject } from "./common.ts";

/** core/v1 ServiceAccount — the identity the backup executor runs as (docs/executor-rbac.md#identities). */
export const ServiceAccount = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("ServiceAccount"),
  metadata: ObjectMeta,
  automountServiceAccountToken: z.boolean().optional(),
  imagePullSecrets: z.array(OpenObject).optional(),
  secrets: z.array(OpenObject).optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;
