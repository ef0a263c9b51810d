import type { z } from "zod";
import { issuesFromZod } from "../model/errors.ts";
import type { EventDefinition } from "../model/events/envelope.ts";
import { InvalidOutgoingEventError } from "./errors.ts";

/** One event to put on the bus, as our functions build it (see {@link eventFor}). */
export interface OutgoingEvent {
  detailType: string;
  source: string;
  /** The detail object; sent as its JSON text. */
  detail: object;
  /** ARNs or other identifiers of what the event is about. */
  resources?: string[];
  /** The event's time; EventBridge uses the time of the call when absent. */
  time?: Date;
}

export interface PublishResult {
  /** EventBridge's event ids, in the order of the events given to `publish`. */
  eventIds: string[];
  /** How many entries were sent again after a retryable per-entry failure (0 when none failed). */
  retriedEntries: number;
}

/**
 * Puts events on the bus. Either every event is published, or it throws a `PublishError` naming those that
 * were not (the others were published: the bus is at-least-once and consumers are idempotent).
 */
export interface EventPublisher {
  publish(events: OutgoingEvent[]): Promise<PublishResult>;
}

export interface EventOptions {
  /** For events other systems send (no source in their definition), e.g. `kss trigger`'s trigger request. */
  source?: string;
  resources?: string[];
  time?: Date;
}

/**
 * Builds the outgoing event of `definition` after checking `detail` against its schema. A detail that does
 * not match is a programming error: it throws {@link InvalidOutgoingEventError} and nothing is sent.
 */
export function eventFor<T extends string, D extends z.ZodType>(
  definition: EventDefinition<T, D>,
  detail: z.input<D>,
  options: EventOptions = {},
): OutgoingEvent {
  const parsed = definition.detail.safeParse(detail);
  if (!parsed.success) {
    throw new InvalidOutgoingEventError(definition.detailType, issuesFromZod(parsed.error), {
      cause: parsed.error,
    });
  }
  const parsedDetail: unknown = parsed.data;
  if (typeof parsedDetail !== "object" || parsedDetail === null || Array.isArray(parsedDetail)) {
    throw new InvalidOutgoingEventError(definition.detailType, [
      { path: "", message: "the detail of an event must be a JSON object" },
    ]);
  }
  const source = sourceOf(definition, options.source);
  return {
    detailType: definition.detailType,
    source,
    detail: parsedDetail,
    ...(options.resources === undefined ? {} : { resources: options.resources }),
    ...(options.time === undefined ? {} : { time: options.time }),
  };
}

function sourceOf(definition: EventDefinition<string, z.ZodType>, given: string | undefined): string {
  const fixed = definition.source;
  if (fixed !== undefined && given !== undefined && given !== fixed) {
    throw new InvalidOutgoingEventError(definition.detailType, [
      { path: "source", message: `is always "${fixed}" for this event, not "${given}"` },
    ]);
  }
  const source = fixed ?? given;
  if (source === undefined || source === "") {
    throw new InvalidOutgoingEventError(definition.detailType, [
      { path: "source", message: "this event has no fixed source: the sender must name one" },
    ]);
  }
  return source;
}
