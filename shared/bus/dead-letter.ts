import { SendMessageCommand, type SendMessageCommandOutput } from "@aws-sdk/client-sqs";
import type { FieldIssue } from "../model/errors.ts";
import { DeadLetterError } from "./errors.ts";

/** An incoming event a function could not handle (malformed, unknown), and why. */
export interface DeadLetterEntry {
  /** Short, stable words a person can search for, e.g. `invalid event "Schedule Tick"`. */
  reason: string;
  /** The bad fields, by path, when the event did not match its schema. */
  issues?: FieldIssue[];
  /** The event exactly as it was received. */
  event: unknown;
  /** The function that received it (its Lambda name). */
  functionName: string;
}

/** Where a function puts an event it cannot handle, so that the event never vanishes. */
export interface DeadLetterQueue {
  send(entry: DeadLetterEntry): Promise<void>;
}

/** The part of an `SQSClient` the queue uses; its endpoint, region and credentials are the caller's. */
export interface SendMessageSender {
  send(command: SendMessageCommand): Promise<SendMessageCommandOutput>;
}

export interface SqsDeadLetterQueueOptions {
  client: SendMessageSender;
  queueUrl: string;
  now?: () => Date;
}

/** SQS takes at most 256 KB per message, body and attributes together. */
const SQS_MAX_MESSAGE_BYTES = 256 * 1024;
/** Room kept for the attributes and the rest of the body when an event has to be cut. */
const ROOM_FOR_THE_REST = 16 * 1024;

/**
 * Dead-letter queue on SQS: one message per entry, its body the JSON of the entry (plus `deadLetteredAt`),
 * with `reason` and `functionName` also as message attributes so a person or a rule can filter on them.
 * An event too large for the message is kept as the first part of its JSON text, marked `truncated`.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  readonly queueUrl: string;
  private readonly client: SendMessageSender;
  private readonly now: () => Date;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.now = options.now ?? (() => new Date());
  }

  async send(entry: DeadLetterEntry): Promise<void> {
    const body = {
      reason: entry.reason,
      functionName: entry.functionName,
      deadLetteredAt: this.now().toISOString(),
      ...(entry.issues === undefined ? {} : { issues: entry.issues }),
      event: eventThatFits(entry.event),
    };
    const command = new SendMessageCommand({
      QueueUrl: this.queueUrl,
      MessageBody: sqsSafe(JSON.stringify(body)),
      MessageAttributes: {
        reason: { DataType: "String", StringValue: sqsSafe(entry.reason) || "(none)" },
        functionName: { DataType: "String", StringValue: sqsSafe(entry.functionName) || "(unknown)" },
      },
    });
    try {
      await this.client.send(command);
    } catch (error) {
      throw new DeadLetterError(this.queueUrl, entry.reason, { cause: error });
    }
  }
}

/** The event itself, or, when its JSON is too large for one message, a marked prefix of that JSON. */
function eventThatFits(event: unknown): unknown {
  const json = jsonOf(event);
  if (json === undefined) return { unserializable: true, text: String(event) };
  const limit = SQS_MAX_MESSAGE_BYTES - ROOM_FOR_THE_REST;
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes <= limit) return event;
  // Cut by bytes, then drop a possibly split last character.
  const prefix = Buffer.from(json, "utf8")
    .subarray(0, limit)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  return { truncated: true, originalBytes: bytes, jsonPrefix: prefix };
}

/** The JSON text of a value, or undefined when it has none (a cycle, a BigInt, a function). */
function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** SQS rejects some code points that JSON may carry raw (U+FFFE, U+FFFF, controls); escape them. */
function sqsSafe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters SQS refuses
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}
