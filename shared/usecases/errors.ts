import { KssError } from "../model/errors.ts";
import type { CreateSessionsReport } from "./create-sessions.ts";

/**
 * Some configurations of a tick could not be scheduled for a reason that is not their own fault (5xx, 429,
 * timeouts): thrown after every other configuration was done, so the invocation fails and the platform
 * retries the delivery (docs/decisions.md#transient-errors). `report` is what the tick did do.
 */
export class SchedulingIncompleteError extends KssError {
  constructor(
    readonly report: CreateSessionsReport,
    readonly failures: ReadonlyArray<{
      namespace: string;
      configuration: string;
      session: string;
      error: string;
    }>,
    options?: { cause?: unknown },
  ) {
    const listed = failures.map((f) => `${f.namespace}/${f.configuration} ${f.session}: ${f.error}`);
    super(
      `[${report.clusterId}] ${failures.length} transient failure(s), the delivery is to be retried: ${listed.join("; ")}`,
      options,
    );
  }
}
