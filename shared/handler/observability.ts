import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";

/** Service name in every log line and metric dimension. */
export const SERVICE_NAME = "kubestash-serverless";
/** CloudWatch namespace of our metrics (Embedded Metric Format). */
export const METRICS_NAMESPACE = "KubestashServerless";

/** Where EMF lines go instead of stdout (the local runtime keeps them). */
export interface MetricsSink {
  info(...content: unknown[]): void;
  warn(...content: unknown[]): void;
  error(...content: unknown[]): void;
  debug(...content: unknown[]): void;
}

export interface ObservabilityOptions {
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT";
  metricsSink?: MetricsSink;
}

/** Powertools logger and metrics for one function: structured JSON logs, EMF metrics. */
export function observability(
  functionName: string,
  options: ObservabilityOptions = {},
): { logger: Logger; metrics: Metrics } {
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    persistentKeys: { function: functionName },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { function: functionName },
    ...(options.metricsSink ? { logger: options.metricsSink } : {}),
  });
  return { logger, metrics };
}
