import { z } from "zod";
import { Int32, ObjectMeta, Time } from "./common.ts";

/** core/v1 Event — what `kubectl describe` shows under "Events" for an object we act on. */
export const KubeEvent = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("Event"),
  metadata: ObjectMeta,
  involvedObject: z.looseObject({
    apiVersion: z.string().optional(),
    kind: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
  }),
  type: z.enum(["Normal", "Warning"]),
  reason: z.string(),
  message: z.string(),
  source: z.looseObject({ component: z.string().optional() }).optional(),
  reportingComponent: z.string().optional(),
  firstTimestamp: Time.optional(),
  lastTimestamp: Time.optional(),
  count: Int32.optional(),
});
export type KubeEvent = z.infer<typeof KubeEvent>;

/** core/v1 Namespace — its labels decide `usagePolicy.allowedNamespaces.from: Selector`. */
export const Namespace = z.looseObject({
  apiVersion: z.literal("v1"),
  kind: z.literal("Namespace"),
  metadata: ObjectMeta,
});
export type Namespace = z.infer<typeof Namespace>;
