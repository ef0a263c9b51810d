import { describe, expect, it } from "vitest";
import { parseCronSchedule, parseGoDurationNs, timeZoneError } from "../../../shared/decide/schedule/cron.ts";
import { nextScheduleTime } from "../../../shared/decide/schedule/schedule-times.ts";

/**
 * The CronJob grammar: robfig/cron v3's ParseStandard, which the Kubernetes CronJob controller and the API
 * server's validation use. The rows rewrite robfig's own tests (parser_test.go, spec_test.go,
 * constantdelay_test.go) and Kubernetes' (pkg/apis/batch/validation/validation_test.go,
 * pkg/controller/cronjob/utils_test.go) as tables of whole schedules; each block names its source.
 * cron-robfig.test.ts compares many more schedules with robfig's own answers.
 */

function parsed(source: string) {
  const result = parseCronSchedule(source);
  if (!result.ok) throw new Error(`${source}: ${result.error}`);
  return result.schedule;
}

/** The values of the five fields, and whether the day fields hold a star. */
function fieldsOf(source: string) {
  const s = parsed(source);
  if (s.kind !== "cron") throw new Error(`${source} is not a five-field schedule`);
  return {
    minutes: s.minutes,
    hours: s.hours,
    daysOfMonth: s.daysOfMonth,
    months: s.months,
    daysOfWeek: s.daysOfWeek,
    star: [s.daysOfMonthStar, s.daysOfWeekStar],
  };
}

const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe("parseCronSchedule: what ParseStandard accepts", () => {
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
    // parser_test.go TestParseSchedule: two spaces after the zone, descriptors with a zone
    ["CRON_TZ=UTC  5 * * * *", "5 * * * *", "UTC"],
    ["TZ=UTC  @midnight", "0 0 * * *", "UTC"],
    ["TZ=Asia/Tokyo @midnight", "0 0 * * *", "Asia/Tokyo"],
    // fields are split on any white space, leading and trailing included
    ["  0\t*  * * *\n", "0 * * * *", "UTC"],
  ])("%j → %j in %s", (source, expression, timeZone) => {
    expect(parseCronSchedule(source)).toEqual({
      ok: true,
      schedule: expect.objectContaining({ kind: "cron", expression, timeZone, source }),
    });
  });

  // parser_test.go TestRange and TestField, spec_test.go TestActivation, rewritten as whole schedules
  it.each([
    ["5 * * * *", { minutes: [5] }],
    ["5-7 * * * *", { minutes: [5, 6, 7] }],
    ["5-6/2 * * * *", { minutes: [5] }],
    ["5-7/2 * * * *", { minutes: [5, 7] }],
    ["0/15 * * * *", { minutes: [0, 15, 30, 45] }],
    ["5/15 * * * *", { minutes: [5, 20, 35, 50] }],
    ["1,5-7/2,3 * * * *", { minutes: [1, 3, 5, 7] }],
    ["*/20 * * * *", { minutes: [0, 20, 40] }],
    ["5/100 * * * *", { minutes: [5] }],
    ["+5 * * * *", { minutes: [5] }], // strconv.Atoi takes a sign
    ["05 007 * * *", { minutes: [5], hours: [7] }],
    ["1,,2 * * * *", { minutes: [1, 2] }], // empty list items are dropped
    ["*-5 * * * *", { minutes: range(0, 59) }], // after * robfig ignores the rest of a range
    ["? ? * * *", { minutes: range(0, 59), hours: range(0, 23) }], // ? works in every field
    ["0 0 * jan-mar,Dec *", { months: [1, 2, 3, 12] }],
    ["0 0 * * Mon/2", { daysOfWeek: [1, 3, 5] }], // a name with a step runs to the maximum
    ["0 0 * * sun-sat", { daysOfWeek: [0, 1, 2, 3, 4, 5, 6] }],
    ["0 0 */10 * *", { daysOfMonth: [1, 11, 21, 31] }],
  ])("%j", (source, fields) => {
    expect(fieldsOf(source)).toMatchObject(fields);
  });

  it.each([
    ["0 0 * * *", [true, true]],
    ["0 0 ? * 1", [true, false]],
    ["0 0 */1 * 1", [true, false]], // a step of 1 keeps the star
    ["0 0 */2 * 1", [false, false]], // a step above 1 does not
    ["0 0 1-31 * 1", [false, false]], // all days written out is no star
    ["0 0 *,5 * 1", [true, false]],
  ])("day fields of %j: star %j", (source, star) => {
    expect(fieldsOf(source).star).toEqual(star);
  });

  // constantdelay_test.go (delays) and parser_test.go ("@every 5m")
  it.each([
    ["@every 5m", 300_000],
    ["@every 1h", 3_600_000],
    ["@every 1h30m", 5_400_000],
    ["@every 1.5h", 5_400_000],
    ["@every 90s", 90_000],
    ["@every 15m0.00000005s", 900_000], // fractions of a second are dropped
    ["@every 1500ms", 1000],
    ["@every 15ms", 1000], // under a second: a second
    ["@every 0", 1000],
    ["@every -1h", 1000], // Go parses negative durations; robfig makes them a second
    ["@every .5m", 30_000],
    ["@every 1.m", 60_000],
    ["@every +5m", 300_000],
    ["@every 2562047h", 2_562_047 * 3_600_000],
    ["CRON_TZ=Asia/Tokyo @every 5m", 300_000], // the zone means nothing to @every
  ])("%j: every %d ms", (source, everyMs) => {
    expect(parsed(source)).toMatchObject({
      kind: "every",
      everyMs,
      expression: source.replace(/^\S+=\S+ /, ""),
    });
  });
});

describe("parseCronSchedule: what ParseStandard (and so the API server) rejects", () => {
  it.each([
    // validation_test.go: "error" and "" are invalid schedules
    ["error", /expected 5 fields/],
    ["", /empty/],
    // parser_test.go TestParseScheduleErrors / TestStandardSpecSchedule, spec_test.go TestErrors
    ["5 j * * *", /"j" is not a number/],
    ["* * * *", /expected 5 fields.*found 4/],
    ["@every Xm", /invalid duration/],
    ["@unrecognized", /unrecognized descriptor/],
    ["xyz", /expected 5 fields/],
    ["60 0 * * *", /above maximum/],
    ["0 60 * * *", /above maximum/],
    ["0 0 * * XYZ", /"XYZ" is neither a number nor a name \(sun…sat\)/],
    ["TZ=America/New_York 15/0 * * * *", /positive number/], // spec_test.go TestSlash0NoHang
    // parser_test.go TestRange errors
    ["5--5 * * * *", /too many hyphens/],
    ["0 0 * jan-x *", /"x" is neither a number nor a name \(jan…dec\)/],
    ["0 0 2-x * *", /"x" is not a number/],
    ["*/-12 * * * *", /negative number/],
    ["*//2 * * * *", /too many slashes/],
    ["0 0 0 * *", /below minimum/],
    ["0 0 * 13 *", /above maximum/],
    ["5-3 * * * *", /beyond end of range/],
    ["*/0 * * * *", /positive number/],
    // no seconds field, no Quartz or Jenkins syntax
    ["* * * * * *", /expected 5 fields/],
    ["0 0 * * 7", /above maximum \(6\)/], // 7 is not Sunday in robfig
    ["0 0 L * *", /unsupported characters in field "L"/],
    ["0 0 * * 1#2", /unsupported characters in field "1#2"/],
    ["H * * * *", /unsupported characters in field "H"/],
    ["0 0 15W * *", /unsupported characters in field "15W"/],
    ["0 jan * * *", /"jan" is not a number/], // names only in their own field
    ["0 0 * * */mon", /"mon" is not a number/], // no names in a step
    // descriptors exactly as written
    ["@Daily", /unrecognized descriptor/],
    [" @daily", /expected 5 fields/],
    ["@daily ", /unrecognized descriptor/],
    ["@every", /unrecognized descriptor/],
    ["@every  5m", /invalid duration/],
    ["@every 5m ", /invalid duration/],
    ["@every 1d", /invalid duration/],
    ["@every 1H", /invalid duration/],
    ["@every 5", /invalid duration/],
    ["@every 2562048h", /invalid duration/], // beyond Go's int64 nanoseconds
    // time-zone prefixes: robfig's rules, then spec.timeZone's
    ["TZ=Mars/Olympus 0 * * * *", /unknown time zone/],
    ["CRON_TZ=UTC", /followed by a space/], // robfig panics here
    ["TZ=UTC\t0 * * * *", /unknown time zone/], // the zone runs up to the first space
    ["tz=UTC 0 * * * *", /expected 5 fields/],
    ["TZ=europe/berlin 0 * * * *", /unknown time zone/], // Go's zone names are case-sensitive
    ["TZ= 0 * * * *", /must not be empty/],
    ["TZ=Local 0 * * * *", /not "Local"/],
    ["TZ=+01:00 0 * * * *", /unknown time zone/],
  ])("%j is rejected", (source, message) => {
    const result = parseCronSchedule(source);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

// spec_test.go TestActivation: is the schedule due at this instant (Next from a second before)?
describe("day-of-month and day-of-week: both restricted → either; one * or ? → both", () => {
  it.each([
    ["2012-07-15T15:00:00Z", "0/15 * * Jul *", true],
    ["2012-07-15T15:00:00Z", "0/15 * * Jun *", false],
    ["2012-07-15T08:30:00Z", "30 08 ? Jul Sun", true],
    ["2012-07-15T08:30:00Z", "30 08 15 Jul ?", true],
    ["2012-07-16T08:30:00Z", "30 08 ? Jul Sun", false],
    ["2012-07-16T08:30:00Z", "30 08 15 Jul ?", false],
    ["2012-07-09T15:00:00Z", "@hourly", true],
    ["2012-07-09T15:04:00Z", "@hourly", false],
    ["2012-07-09T15:00:00Z", "@daily", false],
    ["2012-07-09T00:00:00Z", "@daily", true],
    ["2012-07-09T00:00:00Z", "@weekly", false],
    ["2012-07-08T00:00:00Z", "@weekly", true],
    ["2012-07-08T01:00:00Z", "@weekly", false],
    ["2012-07-08T00:00:00Z", "@monthly", false],
    ["2012-07-01T00:00:00Z", "@monthly", true],
    ["2012-07-15T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-06-15T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-08-01T00:00:00Z", "* * 1,15 * Sun", true],
    ["2012-07-15T00:00:00Z", "* * */10 * Sun", true],
    ["2012-07-15T00:00:00Z", "* * * * Mon", false],
    ["2012-07-09T00:00:00Z", "* * 1,15 * *", false],
    ["2012-07-15T00:00:00Z", "* * 1,15 * *", true],
    ["2012-07-15T00:00:00Z", "* * */2 * Sun", true],
    // ours: a day list that names every day is no star, so with a weekday it runs every day
    ["2026-11-26T00:00:00Z", "0 0 1-31 * 1", true],
    ["2026-11-26T00:00:00Z", "0 0 * * 1", false],
  ])("%s with %j: %s", (instant, source, due) => {
    const time = new Date(instant);
    const next = nextScheduleTime(parsed(source), new Date(time.getTime() - 1000));
    expect(next?.getTime() === time.getTime()).toBe(due);
  });
});

describe("parseGoDurationNs (Go's time.ParseDuration)", () => {
  it.each([
    ["0", 0n],
    ["1h", 3_600_000_000_000n],
    ["1h30m", 5_400_000_000_000n],
    ["-1.5h", -5_400_000_000_000n],
    ["300ms", 300_000_000n],
    ["1us", 1000n],
    ["1\u00b5s", 1000n],
    ["1\u03bcs", 1000n],
    ["1.000000001s", 1_000_000_001n],
    ["9223372036854775807ns", 9_223_372_036_854_775_807n],
    ["-9223372036854775808ns", -9_223_372_036_854_775_808n],
    ["", undefined],
    ["1", undefined],
    ["h", undefined],
    [".s", undefined],
    ["1d", undefined],
    ["1 h", undefined],
    ["9223372036854775808ns", undefined],
  ])("%j → %s", (text, ns) => {
    expect(parseGoDurationNs(text)).toBe(ns);
  });
});

describe("timeZoneError (the rules of spec.timeZone)", () => {
  it.each([
    ["UTC", undefined],
    ["Europe/Berlin", undefined],
    ["America/Argentina/Buenos_Aires", undefined],
    ["US/Eastern", undefined],
    ["Etc/GMT+5", undefined],
    ["", /empty/],
    ["Local", /Local/],
    ["local", /local/],
    ["Europe/berlin", /unknown/],
    ["../etc/passwd", /unknown/],
    ["Europe//Berlin", /unknown/],
    ["America/Very_Long_Name_Here", /unknown/],
  ])("%j", (zone, error) => {
    const result = timeZoneError(zone);
    if (error === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(error);
  });
});
