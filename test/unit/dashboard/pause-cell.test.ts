import { describe, expect, it } from "vitest";
import { pauseNote } from "../../../shared/dashboard/browser/pause-cell.ts";

/** The dashboard's note on a paused configuration (docs/pause.md#the-fleet-view). */

describe("pauseNote", () => {
  it.each([
    [
      "the whole record",
      { by: "alice", at: "2026-11-25T08:00:00Z", reason: "bucket move" },
      "paused by alice at 2026-11-25T08:00:00Z: bucket move",
    ],
    ["who only", { by: "alice" }, "paused by alice"],
    ["no record: paused without kss", undefined, undefined],
  ])("%s", (_case, record, expected) => {
    expect(pauseNote(record)).toBe(expected);
  });
});
