import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/cron.ts";

describe("parseCronSchedule (CronJob grammar)", () => {
  it.each([
    ["*/5 * * * *", "*/5 * * * *", "UTC"],
    ["0 2 * * MON-FRI", "0 2 * * MON-FRI", "UTC"],
    ["0 0 ? * 1", "0 0 ? * 1", "UTC"],
    ["@hourly", "0 * * * *", "UTC"],
    ["@daily", "0 0 * * *", "UTC"],
    ["@midnight", "0 0 * * *", "UTC"],
    ["@weekly", "0 0 * * 0", "UTC"],
    ["@monthly", "0 0 1 * *", "UTC"],
    ["@yearly", "0 0 1 1 *", "UTC"],
    ["@annually", "0 0 1 1 *", "UTC"],
    ["CRON_TZ=Europe/Berlin 30 1 * * *", "30 1 * * *", "Europe/Berlin"],
    ["TZ=America/New_York @daily", "0 0 * * *", "America/New_York"],
  ])("%j → %j in %s", (source, expression, timeZone) => {
    expect(parseCronSchedule(source)).toEqual({ ok: true, schedule: { expression, timeZone, source } });
  });

  it.each([
    ["* * * * * *", /expected 5 fields/],
    ["* * * *", /expected 5 fields/],
    ["", /expected 5 fields/],
    ["61 * * * *", /61/],
    ["5-3 * * * *", /Invalid range/],
    ["0 0 L * *", /unsupported/],
    ["0 0 * * 1#2", /unsupported/],
    ["H * * * *", /unsupported/],
    ["@every 5m", /unknown macro/],
    ["TZ=Mars/Olympus 0 * * * *", /unknown time zone/],
    ["CRON_TZ=UTC", /must be followed/],
  ])("%j is rejected", (source, message) => {
    const result = parseCronSchedule(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});
