import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { EventTooLargeError } from "./errors.ts";

/** What one PutEvents call accepts: at most 10 entries, at most 256 KB of entries together. */
export interface PutEventsLimits {
  maxEntries: number;
  maxBytes: number;
}

export const PUT_EVENTS_LIMITS: PutEventsLimits = { maxEntries: 10, maxBytes: 256 * 1024 };

/** A set `Time` counts as 14 bytes, whatever the date. */
const TIME_BYTES = 14;

/** The entries of one PutEvents call, by their position in the list that was planned. */
export interface PutEventsBatch {
  indexes: number[];
  /** Sum of the entries' sizes, as EventBridge counts them. */
  bytes: number;
}

const utf8Bytes = (text: string | undefined): number =>
  text === undefined ? 0 : Buffer.byteLength(text, "utf8");

/**
 * Size of a PutEvents entry the way EventBridge counts it ("Calculating PutEvents event entry size"):
 * 14 bytes for `Time` if set, plus the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource.
 * `EventBusName` and `TraceHeader` do not count.
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : TIME_BYTES;
  size += utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8Bytes(resource);
  return size;
}

/**
 * Splits entries into PutEvents calls, in order, each within `limits` (entry count and total bytes).
 * Throws {@link EventTooLargeError} for the first entry too large to be sent at all, before any plan is made,
 * so a caller that plans first sends nothing of a publish that cannot succeed.
 */
export function planPutEventsBatches(
  entries: readonly PutEventsRequestEntry[],
  limits: PutEventsLimits = PUT_EVENTS_LIMITS,
): PutEventsBatch[] {
  const sizes = entries.map((entry) => putEventsEntrySize(entry));
  sizes.forEach((size, index) => {
    if (size > limits.maxBytes) {
      const detailType = entries[index]?.DetailType ?? "(no detail-type)";
      throw new EventTooLargeError(detailType, size, limits.maxBytes);
    }
  });

  const batches: PutEventsBatch[] = [];
  let current: PutEventsBatch = { indexes: [], bytes: 0 };
  sizes.forEach((size, index) => {
    const full = current.indexes.length >= limits.maxEntries || current.bytes + size > limits.maxBytes;
    if (full && current.indexes.length > 0) {
      batches.push(current);
      current = { indexes: [], bytes: 0 };
    }
    current.indexes.push(index);
    current.bytes += size;
  });
  if (current.indexes.length > 0) batches.push(current);
  return batches;
}
