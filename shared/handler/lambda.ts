import { oncePerContainer, withObservability } from "./container.ts";
import type { AnyEventDefinition, BaseDeps, FunctionDefinition } from "./function-definition.ts";
import { handleEvent } from "./handle-event.ts";
import { type FollowUpDeps, handleSqsBatch, type SqsRecord } from "./sqs-batch.ts";

/**
 * The Lambda adapter of the handler convention: dependencies are built once per container (on the first
 * call, reused by every later one), then each invocation goes through middy with Powertools' logger (Lambda
 * context and correlation ids in every JSON line) and metrics (flushed as CloudWatch EMF at the end). An
 * SQS batch (the follow-up queues, docs/follow-ups.md) is handled message by message and answers with its
 * partial batch failures (`ReportBatchItemFailures`).
 */
export function lambdaHandler<E extends ReadonlyArray<AnyEventDefinition>, D extends BaseDeps, R>(
  fn: FunctionDefinition<E, D, R>,
  buildDeps: () => Promise<D>,
  observability: Pick<BaseDeps, "logger" | "metrics">,
) {
  const depsOnce = oncePerContainer(buildDeps);
  return withObservability(async (event: unknown) => {
    const records = sqsRecords(event);
    if (records) {
      const { batchItemFailures } = await handleSqsBatch(fn, records, (await depsOnce()) as D & FollowUpDeps);
      return { batchItemFailures };
    }
    return handleEvent(fn, event, await depsOnce());
  }, observability);
}

/** The records of an SQS event source's batch, or undefined for any other event. */
function sqsRecords(event: unknown): SqsRecord[] | undefined {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return undefined;
  const sqs = records.filter(
    (r): r is SqsRecord =>
      typeof r === "object" && r !== null && (r as { eventSource?: unknown }).eventSource === "aws:sqs",
  );
  return sqs.length === records.length ? sqs : undefined;
}
