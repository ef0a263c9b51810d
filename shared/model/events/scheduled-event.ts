import { z } from "zod";
import { defineEvent } from "./envelope.ts";

/**
 * What EventBridge (a `schedule: rate(1 minute)` rule) sends a function on a schedule. Not exchanged
 * between our functions, so not exported as a JSON Schema; its `time` is the minute it fires for.
 */
export const ScheduledEvent = defineEvent(
  "Scheduled Event",
  z.looseObject({}),
  "EventBridge's own event for a scheduled rule.",
  "aws.events",
);
