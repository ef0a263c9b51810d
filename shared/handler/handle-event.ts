import { InvalidInputError } from "../model/errors.ts";
import { parseWith } from "../model/parse.ts";
import type {
  AcceptedEvent,
  AnyEventDefinition,
  BaseDeps,
  FunctionDefinition,
} from "./function-definition.ts";

/**
 * The handler convention's core, without Lambda: parse the incoming event with the schema of its
 * detail-type, tag the logs with its correlation ids, run the function. A malformed event is logged with the
 * path of every bad field and sent to the dead-letter queue with the reason; it is never retried and no
 * exception escapes for it. Failures of the work itself do escape, so the platform retries them.
 */

export type HandleOutcome<R> = { status: "done"; result: R } | { status: "rejected"; reason: string };

/** Keys that tie log lines of one piece of work together. */
const CORRELATION_KEYS = ["clusterId", "namespace", "configuration", "session", "name", "requestId"] as const;

export function correlationIds(event: { id?: string; detail?: unknown }): Record<string, string> {
  const keys: Record<string, string> = {};
  if (event.id) keys.eventId = event.id;
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  for (const key of CORRELATION_KEYS) {
    const value = detail[key];
    if (typeof value === "string") keys[key] = value;
  }
  return keys;
}

export function parseAccepted<E extends ReadonlyArray<AnyEventDefinition>>(
  accepts: E,
  raw: unknown,
  functionName: string,
): AcceptedEvent<E> {
  const detailType =
    raw && typeof raw === "object" ? (raw as Record<string, unknown>)["detail-type"] : undefined;
  const definition = accepts.find((d) => d.detailType === detailType);
  if (!definition) {
    const expected = accepts.map((d) => JSON.stringify(d.detailType)).join(", ");
    throw new InvalidInputError(`event for ${functionName}`, [
      { path: "detail-type", message: `expected one of ${expected}, got ${JSON.stringify(detailType)}` },
    ]);
  }
  return parseWith(
    definition.envelope,
    raw,
    `event "${definition.detailType}" for ${functionName}`,
  ) as AcceptedEvent<E>;
}

export async function handleEvent<E extends ReadonlyArray<AnyEventDefinition>, D extends BaseDeps, R>(
  fn: FunctionDefinition<E, D, R>,
  raw: unknown,
  deps: D,
): Promise<HandleOutcome<R>> {
  let event: AcceptedEvent<E>;
  try {
    event = parseAccepted(fn.accepts, raw, fn.name);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    deps.logger.error("malformed event sent to the dead-letter queue", { issues: error.issues, event: raw });
    deps.metrics.addMetric("MalformedEvents", "Count", 1);
    await deps.deadLetters.send({
      reason: error.message,
      issues: error.issues,
      event: raw,
      functionName: fn.name,
    });
    return { status: "rejected", reason: error.message };
  }
  deps.logger.appendKeys(correlationIds(event as { id?: string; detail?: unknown }));
  try {
    return { status: "done", result: await fn.run(event, deps) };
  } finally {
    deps.logger.resetKeys();
  }
}
