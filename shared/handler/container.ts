import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { ObservabilityDeps } from "./function-definition.ts";

/**
 * What every Lambda adapter of the handler convention shares (lambda.ts for events, function-url.ts for
 * HTTPS): dependencies built once per container, and middy with Powertools' logger (Lambda context in every
 * JSON line) and metrics (flushed as CloudWatch EMF at the end of each invocation, cold starts counted).
 */

/** `build` on the first call, its result for every later one; a failed start-up is retried, not cached. */
export function oncePerContainer<D>(build: () => Promise<D>): () => Promise<D> {
  let deps: Promise<D> | undefined;
  return () => {
    deps ??= build().catch((error: unknown) => {
      deps = undefined;
      throw error;
    });
    return deps;
  };
}

export function withObservability<R>(
  handler: (event: unknown) => Promise<R>,
  observability: ObservabilityDeps,
) {
  return middy(handler)
    .use(injectLambdaContext(observability.logger, { resetKeys: true }))
    .use(logMetrics(observability.metrics, { captureColdStartMetric: true }));
}
