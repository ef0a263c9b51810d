import type { Logger } from "@aws-lambda-powertools/logger";
import type { Metrics } from "@aws-lambda-powertools/metrics";

/**
 * What a use case records about its work: CloudWatch metrics (EMF) and structured logs, as the handler
 * convention hands them to every function (shared/handler/observability.ts: Powertools' Metrics and Logger).
 * Only the calls use cases make, so a test can pass a recorder.
 */
export interface Observability {
  metrics: Pick<Metrics, "addMetric" | "addDimension">;
  logger: Pick<Logger, "info" | "warn" | "error">;
}
