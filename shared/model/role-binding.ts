import { z } from "zod";
import { ObjectMeta } from "./common.ts";

/**
 * rbac.authorization.k8s.io/v1 RoleBinding — grants the executor's ServiceAccount a ClusterRole within one
 * namespace (docs/executor-rbac.md#one-binding-per-namespace-and-serviceaccount). Field names as in Kubernetes.
 */

export const RBAC_API_GROUP = "rbac.authorization.k8s.io";
export const RBAC_API_VERSION = `${RBAC_API_GROUP}/v1`;

/** What is granted: a Role or ClusterRole. Immutable once the binding exists. */
export const RoleRef = z.looseObject({
  apiGroup: z.string(),
  kind: z.string(),
  name: z.string(),
});
export type RoleRef = z.infer<typeof RoleRef>;

/** Who is granted it. The API server stores `apiGroup: ""` (omitted) for ServiceAccounts. */
export const Subject = z.looseObject({
  kind: z.string(),
  apiGroup: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type Subject = z.infer<typeof Subject>;

export const RoleBinding = z.looseObject({
  apiVersion: z.literal(RBAC_API_VERSION),
  kind: z.literal("RoleBinding"),
  metadata: ObjectMeta,
  roleRef: RoleRef,
  subjects: z.array(Subject).optional(),
});
export type RoleBinding = z.infer<typeof RoleBinding>;
