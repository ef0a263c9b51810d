import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import type { z } from "zod";
import type { DeadLetterQueue } from "../bus/dead-letter.ts";
import type { Clock } from "../clock.ts";
import type { EventDefinition } from "../model/events/envelope.ts";

/** What every function's handler gives it to record its work: Powertools' logger and metrics (EMF). */
export interface ObservabilityDeps {
  logger: Logger;
  metrics: Metrics;
}

/** What every event function gets, in the cloud and locally. */
export interface BaseDeps extends ObservabilityDeps {
  clock: Clock;
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

/** An HTTPS request to a function URL, as a URL function sees it (function-url.ts parses Lambda's event). */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a URL function gets: the logger and metrics calls the core makes, and its own dependencies. */
export interface UrlFunctionDeps {
  logger: Pick<Logger, "warn" | "error">;
  metrics: Pick<Metrics, "addMetric">;
}

/**
 * One function behind a Lambda function URL (the fleet dashboard): what it answers to one request. Wired to
 * Lambda by function-url.ts; a request that is not a function URL request is answered 400 and an exception
 * of `answer` 500, both logged and counted, so nothing escapes to the caller.
 */
export interface UrlFunctionDefinition<D extends UrlFunctionDeps> {
  name: string;
  /** What the 500 answer and its log line say failed, e.g. "the fleet view". */
  work: string;
  answer(request: HttpRequest, deps: D): Promise<HttpResponse>;
}

export function defineUrlFunction<D extends UrlFunctionDeps>(
  definition: UrlFunctionDefinition<D>,
): UrlFunctionDefinition<D> {
  return definition;
}
