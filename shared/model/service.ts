import { z } from "zod";
import { ObjectMeta } from "./common.ts";

/**
 * core/v1 Service and discovery.k8s.io/v1 EndpointSlice — read only to tell whether a webhook's server is
 * there: the Service exists and one of its endpoints is ready (docs/migration.md#the-leftover-webhook).
 * Field names as in Kubernetes.
 */

export const Service = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("Service"),
  metadata: ObjectMeta,
  spec: z
    .looseObject({
      type: z.string().optional(),
      selector: z.record(z.string(), z.string()).optional(),
      externalName: z.string().optional(),
    })
    .optional(),
});
export type Service = z.infer<typeof Service>;

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export const EndpointSlice = z.looseObject({
  apiVersion: z.literal("discovery.k8s.io/v1"),
  kind: z.literal("EndpointSlice"),
  metadata: ObjectMeta,
  addressType: z.string(),
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string()),
        /** An endpoint without `ready` is ready (Kubernetes: "nil should be interpreted as true"). */
        conditions: z.looseObject({ ready: z.boolean().optional() }).optional(),
      }),
    )
    .nullish(),
});
export type EndpointSlice = z.infer<typeof EndpointSlice>;
