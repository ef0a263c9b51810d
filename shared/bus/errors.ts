import { type FieldIssue, KssError } from "../model/errors.ts";

/**
 * What can go wrong putting events on the bus or a message on the dead-letter queue, as a small typed
 * family. Raw AWS SDK errors never leave the adapters: they are kept as `cause`.
 */
export class BusError extends KssError {}

/**
 * An event we were about to send does not match its schema, or has no source. A programming error: the
 * event is never sent.
 */
export class InvalidOutgoingEventError extends BusError {
  constructor(
    readonly detailType: string,
    readonly issues: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    const listed = issues.map((issue) => `${issue.path || "(root)"}: ${issue.message}`).join("; ");
    super(`outgoing event "${detailType}" is invalid: ${listed}`, options);
  }
}

/** One entry alone exceeds what a PutEvents call accepts; nothing of the publish call was sent. */
export class EventTooLargeError extends BusError {
  constructor(
    readonly detailType: string,
    /** Entry size as EventBridge counts it (UTF-8 bytes of Source, DetailType, Detail, Resources; Time 14). */
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `event "${detailType}" is ${sizeBytes} bytes, over the PutEvents limit of ${limitBytes} bytes; ` +
        "nothing was sent (put large payloads in S3 and send a reference)",
    );
  }
}

/** An event EventBridge did not accept, after the retries it was worth. */
export interface FailedEvent {
  /** Position of the event in the list given to `publish`. */
  index: number;
  detailType: string;
  /** EventBridge's per-entry ErrorCode (e.g. ThrottlingException), or the name of the error of the call. */
  errorCode: string;
  errorMessage: string;
}

/** Some events were not published after bounded retries; the others were (see `publishedCount`). */
export class PublishError extends BusError {
  constructor(
    readonly eventBusName: string,
    readonly failures: FailedEvent[],
    readonly publishedCount: number,
    options?: { cause?: unknown },
  ) {
    const listed = failures
      .map(
        (failure) =>
          `#${failure.index} "${failure.detailType}": ${failure.errorCode}: ${failure.errorMessage}`,
      )
      .join("; ");
    super(
      `${failures.length} of ${failures.length + publishedCount} events were not published to bus ` +
        `"${eventBusName}": ${listed}`,
      options,
    );
  }
}

/** The dead-letter queue did not take a message; the caller must not treat the bad event as handled. */
export class DeadLetterError extends BusError {
  constructor(
    readonly queueUrl: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const detail = options?.cause === undefined ? "" : `: ${describeError(options.cause).message}`;
    super(`could not send to dead-letter queue ${queueUrl} (reason: ${reason})${detail}`, options);
  }
}

/** Short text of an unknown thrown value, for error messages that wrap it. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name || "Error", message: error.message };
  return { name: "Error", message: String(error) };
}

/** SQS did not take a follow-up; the sweep still reaches the session, only later. */
export class FollowUpError extends BusError {
  constructor(
    readonly queueUrl: string,
    readonly ids: string[],
    options?: { cause?: unknown },
  ) {
    super(`follow-ups not sent to ${queueUrl}: ${ids.join(", ")}`, options);
  }
}
