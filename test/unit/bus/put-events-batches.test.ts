import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { EventTooLargeError } from "../../../shared/bus/errors.ts";
import {
  PUT_EVENTS_LIMITS,
  planPutEventsBatches,
  putEventsEntrySize,
} from "../../../shared/bus/put-events-batches.ts";

const KB = 1024;
const LIMIT = PUT_EVENTS_LIMITS.maxBytes;

/** An entry of exactly `bytes` bytes as EventBridge counts them: Source "s" + DetailType "t" + Detail. */
function entryOfSize(bytes: number, detailType = "t"): PutEventsRequestEntry {
  const detail = "x".repeat(bytes - 1 - Buffer.byteLength(detailType));
  return { Source: "s", DetailType: detailType, Detail: detail };
}

const sizesOfBatches = (entries: PutEventsRequestEntry[]) =>
  planPutEventsBatches(entries).map((batch) => batch.indexes.length);

describe("putEventsEntrySize", () => {
  it.each([
    ["ASCII source, detail-type and detail", { Source: "abc", DetailType: "Tick", Detail: "{}" }, 9],
    ["a set Time counts 14 bytes", { Source: "a", DetailType: "b", Detail: "c", Time: new Date(0) }, 17],
    ["each resource counts its bytes", { Source: "a", DetailType: "b", Resources: ["arn:1", "arn:22"] }, 13],
    ["no detail counts nothing for it", { Source: "a", DetailType: "b" }, 2],
    ["the bus name does not count", { Source: "a", DetailType: "b", EventBusName: "a-long-bus-name" }, 2],
    ["é is 2 bytes in UTF-8", { Source: "a", DetailType: "b", Detail: '"é"' }, 6],
    ["€ is 3 bytes in UTF-8", { Source: "a", DetailType: "b", Detail: '"€"' }, 7],
    ["an emoji (surrogate pair) is 4 bytes", { Source: "a", DetailType: "b", Detail: '"🦀"' }, 8],
    ["unicode in source and detail-type", { Source: "ü", DetailType: "日本", Detail: "{}" }, 10],
  ] satisfies [string, PutEventsRequestEntry, number][])("%s", (_, entry, expected) => {
    expect(putEventsEntrySize(entry)).toBe(expected);
  });
});

describe("planPutEventsBatches", () => {
  it.each([
    ["no entries, no call", 0, []],
    ["one entry, one call", 1, [1]],
    ["exactly 10 entries fit one call", 10, [10]],
    ["11 entries need a second call", 11, [10, 1]],
    ["25 entries make 3 calls of 10, 10, 5", 25, [10, 10, 5]],
  ])("%s", (_, count, expected) => {
    const entries = Array.from({ length: count }, () => entryOfSize(100));
    expect(sizesOfBatches(entries)).toEqual(expected);
  });

  it.each([
    ["two entries of 128 KB fill one call exactly", [128 * KB, 128 * KB], [2]],
    ["one byte more starts a second call", [128 * KB, 128 * KB + 1], [1, 1]],
    ["three entries of 100 KB: 2 + 1", [100 * KB, 100 * KB, 100 * KB], [2, 1]],
    ["an entry of exactly 256 KB goes alone", [10, LIMIT, 10], [1, 1, 1]],
    [
      "small entries after a big one share its call while they fit",
      [250 * KB, 4 * KB, 4 * KB, 1 * KB],
      [2, 2],
    ],
  ])("%s", (_, sizes, expected) => {
    const entries = sizes.map((size) => entryOfSize(size));
    expect(sizesOfBatches(entries)).toEqual(expected);
  });

  it("counts unicode by UTF-8 bytes, not characters: 3-byte characters fill a call 3 times faster", () => {
    // Prepare: each detail is 30 000 characters of "€", 90 000 bytes
    const euros = (n: number): PutEventsRequestEntry => ({
      Source: "s",
      DetailType: "t",
      Detail: "€".repeat(n),
    });
    // Act
    const batches = planPutEventsBatches([euros(30_000), euros(30_000), euros(30_000)]);
    // Assess: 2 × 90 002 fit in 262 144 bytes, 3 × 90 002 do not
    expect(batches.map((batch) => batch.indexes)).toEqual([[0, 1], [2]]);
    expect(batches[0]?.bytes).toBe(2 * 90_002);
  });

  it("keeps the entries' order across calls", () => {
    const entries = Array.from({ length: 12 }, () => entryOfSize(50));
    const order = planPutEventsBatches(entries).flatMap((batch) => batch.indexes);
    expect(order).toEqual([...entries.keys()]);
  });

  it("rejects an entry over 256 KB on its own, naming its detail-type and size, before planning any call", () => {
    // Prepare
    const entries = [entryOfSize(10), entryOfSize(LIMIT + 1, "BackupSession Created"), entryOfSize(10)];
    // Act
    const plan = () => planPutEventsBatches(entries);
    // Assess
    expect(plan).toThrow(EventTooLargeError);
    expect(plan).toThrow(
      'event "BackupSession Created" is 262145 bytes, over the PutEvents limit of 262144 bytes',
    );
  });

  it("honours other limits when given", () => {
    const entries = Array.from({ length: 5 }, () => entryOfSize(10));
    const batches = planPutEventsBatches(entries, { maxEntries: 2, maxBytes: 1_000 });
    expect(batches.map((batch) => batch.indexes.length)).toEqual([2, 2, 1]);
  });
});
