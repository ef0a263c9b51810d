import { z } from "zod";

/** Our events' `source` on the bus. Trigger requests from other systems carry their own source. */
export const EVENT_SOURCE = "kubestash-serverless";

/** Version of the detail layout; bumped on a breaking change so consumers can tell. */
export const DETAIL_VERSION = "1";

/** A cluster id as it appears in the cluster registry: a DNS-1123 label. */
export const ClusterId = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a cluster id from the registry (lowercase DNS label)")
  .max(63);

/** Fields every detail has. */
export const DetailBase = {
  version: z.literal(DETAIL_VERSION),
  clusterId: ClusterId,
};

/** The EventBridge envelope as a Lambda target receives it, with a typed detail. */
export function eventBridgeEnvelope<T extends string, D extends z.ZodType>(detailType: T, detail: D) {
  return z.looseObject({
    version: z.string().optional(),
    id: z.string().min(1),
    "detail-type": z.literal(detailType),
    source: z.string().min(1),
    account: z.string().optional(),
    time: z.string().optional(),
    region: z.string().optional(),
    resources: z.array(z.string()).optional(),
    detail,
  });
}

/** One event type: its detail-type, its detail schema, and the envelope a handler parses. */
export interface EventDefinition<T extends string, D extends z.ZodType> {
  detailType: T;
  /** Our source, or undefined where other systems send it (trigger requests). */
  source: string | undefined;
  detail: D;
  envelope: ReturnType<typeof eventBridgeEnvelope<T, D>>;
  description: string;
}

export function defineEvent<T extends string, D extends z.ZodType>(
  detailType: T,
  detail: D,
  description: string,
  /** Our source unless given; `null` where other systems send the event (an explicit `undefined` would default). */
  source: string | null = EVENT_SOURCE,
): EventDefinition<T, D> {
  return {
    detailType,
    source: source ?? undefined,
    detail,
    envelope: eventBridgeEnvelope(detailType, detail),
    description,
  };
}
