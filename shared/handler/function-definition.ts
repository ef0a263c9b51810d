import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { z } from "zod";
import type { DeadLetterQueue } from "../bus/dead-letter.ts";
import type { Clock } from "../clock.ts";
import type { EventDefinition } from "../model/events/envelope.ts";

/** What every function gets, in the cloud and locally. */
export interface BaseDeps {
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Where a malformed incoming event goes, with the reason, instead of being retried. */
  deadLetters: DeadLetterQueue;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of event definitions of any detail type
export type AnyEventDefinition = EventDefinition<string, any>;

/** The parsed envelope of any of the accepted events. */
export type AcceptedEvent<E extends ReadonlyArray<AnyEventDefinition>> = z.output<E[number]["envelope"]>;

/**
 * One function of the set: which events it accepts and what it does with one. Wired to Lambda by
 * lambda.ts and to the local runtime by local/; `run` calls one use case.
 */
export interface FunctionDefinition<
  E extends ReadonlyArray<AnyEventDefinition>,
  D extends BaseDeps,
  R = unknown,
> {
  name: string;
  accepts: E;
  run(event: AcceptedEvent<E>, deps: D): Promise<R>;
}

export function defineFunction<E extends ReadonlyArray<AnyEventDefinition>, D extends BaseDeps, R>(
  definition: FunctionDefinition<E, D, R>,
): FunctionDefinition<E, D, R> {
  return definition;
}
