import { z } from "zod";
import { ObjectMeta } from "./common.ts";

/**
 * rbac.authorization.k8s.io/v1 ClusterRole — listed and deleted by `kss migrate` only: the ClusterRoles the
 * KubeStash operator created at run time for its Jobs (docs/migration.md#what-kss-migrate-does).
 */
export const ClusterRole = z.looseObject({
  apiVersion: z.literal("rbac.authorization.k8s.io/v1"),
  kind: z.literal("ClusterRole"),
  metadata: ObjectMeta,
  rules: z.array(z.looseObject({})).nullish(),
});
export type ClusterRole = z.infer<typeof ClusterRole>;
