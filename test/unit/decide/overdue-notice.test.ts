import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import { freshlyOverdue } from "../../../shared/decide/schedule/overdue-notice.ts";

const hourly = (() => {
  const parsed = parseCronSchedule("0 * * * *");
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
})();
const t = (h: number, m = 0, s = 0) => new Date(Date.UTC(2026, 10, 26, h, m, s));

describe("freshlyOverdue (announce each overdue run once)", () => {
  it.each<[string, Date, Date | undefined, boolean]>([
    ["the 12:00 run is late but not yet a whole interval", t(12, 59), t(11), false],
    [
      "12:00 had no session and 13:00 passed: overdue, announced in the first minute",
      t(13, 0, 30),
      t(11),
      true,
    ],
    ["still overdue a minute later: not announced again", t(13, 1, 30), t(11), false],
    ["the 12:00 run has a session: nothing overdue", t(13, 0, 30), t(12), false],
    [
      "never had a session since creation at 11:30: 12:00 missed, overdue at 13:00",
      t(13, 0, 10),
      undefined,
      true,
    ],
  ])("%s", (_case, now, lastSessionAt, announced) => {
    const result = freshlyOverdue(
      { schedule: hourly, earliest: t(11, 30), ...(lastSessionAt ? { lastSessionAt } : {}) },
      now,
    );
    expect(result !== undefined).toBe(announced);
    if (result) expect(result.dueSince).toEqual(t(12));
  });
});
