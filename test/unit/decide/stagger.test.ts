import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import { nextScheduleTimes } from "../../../shared/decide/schedule/schedule-times.ts";
import { staggerKey, staggerOffsetMs, TICK_MS } from "../../../shared/decide/schedule/stagger.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const scheduled = new Date("2026-11-26T10:00:00Z");
const inAnHour = new Date(scheduled.getTime() + HOUR);

describe("staggerOffsetMs", () => {
  it.each([
    ["no window", undefined, inAnHour, 0],
    ["a zero window", 0, inAnHour, 0],
    ["10m window on an hourly schedule: 61% of it", 10 * MINUTE, inAnHour, 366_000],
    [
      "1h window on a */5 schedule: 61% of the 4 minutes before the next tick",
      HOUR,
      new Date(scheduled.getTime() + 5 * MINUTE),
      146_000,
    ],
    ["an every-minute schedule leaves no room", HOUR, new Date(scheduled.getTime() + MINUTE), 0],
    ["no following time (the schedule ends): the whole window", 10 * MINUTE, undefined, 366_000],
  ])("%s", (_scenario, window, following, expected) => {
    expect(staggerOffsetMs(staggerKey("demo", "app", "hourly"), window, scheduled, following)).toBe(expected);
  });

  it("is the same for the same session on every call, and differs between sessions", () => {
    const offset = (key: string) => staggerOffsetMs(key, 10 * MINUTE, scheduled, inAnHour);

    expect(offset("demo/app/hourly")).toBe(offset("demo/app/hourly"));
    expect(new Set(["demo/a/x", "demo/b/x", "demo/c/x", "other/a/x"].map(offset)).size).toBe(4);
  });

  it("never reaches the tick before the next schedule time, whatever the key, window and schedule", () => {
    const schedules = [
      "*/5 * * * *",
      "*/7 * * * *",
      "0 * * * *",
      "0 9,10 * * *",
      "CRON_TZ=Europe/Berlin 30 2 * * *",
    ];
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 48 * HOUR }),
        fc.constantFrom(...schedules),
        fc.integer({ min: 0, max: 400 * 24 * 60 }),
        (key, window, source, minutes) => {
          const parsed = parseCronSchedule(source);
          if (!parsed.ok) throw new Error(parsed.error);
          const after = new Date(Date.UTC(2026, 0, 1) + minutes * MINUTE);
          const [time, following] = nextScheduleTimes(parsed.schedule, after, 2);
          if (time === undefined || following === undefined) throw new Error("schedule ended");
          const offset = staggerOffsetMs(key, window, time, following);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThan(window);
          expect(offset % 1000).toBe(0);
          expect(time.getTime() + offset).toBeLessThanOrEqual(following.getTime() - TICK_MS);
        },
      ),
      { numRuns: 200 },
    );
  });
});
