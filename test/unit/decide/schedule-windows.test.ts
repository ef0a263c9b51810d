import { describe, expect, it } from "vitest";
import { parseCronSchedule } from "../../../shared/decide/schedule/cron.ts";
import {
  decideSessionSchedule,
  type SessionScheduleDecision,
  type SessionScheduleInput,
} from "../../../shared/decide/schedule/due-sessions.ts";
import { newlyMissedRuns } from "../../../shared/decide/schedule/missed-schedules.ts";
import { concurrentVerificationSkippedStatus } from "../../../shared/decide/schedule/new-verification-session.ts";
import {
  nextRunStart,
  upcomingSessionTimes,
  windowDelay,
} from "../../../shared/decide/schedule/schedule-next.ts";
import { verificationSubject } from "../../../shared/decide/schedule/schedule-subject.ts";
import {
  openWindowsAt,
  placeStart,
  scheduleHeldConditions,
  sessionWindows,
  windowRelease,
  zonedInstant,
} from "../../../shared/decide/schedule/schedule-windows.ts";
import { planVerificationSchedule } from "../../../shared/decide/schedule/verification-plan.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import type { BackupVerifier } from "../../../shared/model/backup-verifier.ts";
import { type ExclusionWindow, parseExclusionWindow } from "../../../shared/model/schedule-windows.ts";
import { toKubeTime } from "../../../shared/model/time.ts";
import { clockFrom } from "../../support/clock.ts";

/**
 * Exclusion windows and start windows in the scheduling engine (docs/windows.md), on a fixed clock: where a
 * window is open (daylight saving in its zone, across midnight, overlapping, one-off), what it does to the runs
 * it covers (Wait: only the newest runs at its end; Skip: each Skipped once), and the start window's expiry
 * (exactly at the boundary, with a create that keeps failing, with startingDeadlineSeconds).
 *
 * `simulate` runs the engine tick by tick, as create-sessions does: a create that "fails" leaves no session, a
 * created one moves the last scheduled time (sessions finish at once, so Forbid never applies).
 */

const MINUTE = 60_000;

function window(raw: unknown): ExclusionWindow {
  const parsed = parseExclusionWindow(raw);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function input(
  schedule: string,
  over: Partial<SessionScheduleInput> & { startingDeadlineSeconds?: number } = {},
): SessionScheduleInput {
  const { startingDeadlineSeconds, ...rest } = over;
  const scheduler = {
    schedule,
    jobTemplate: {},
    ...(startingDeadlineSeconds !== undefined ? { startingDeadlineSeconds } : {}),
  };
  return {
    namespace: "demo",
    configurationName: "app",
    session: { name: "daily", scheduler },
    createdAt: new Date("2026-01-01T00:00:00Z"),
    activeSessions: [],
    parsedSchedule: parseCronSchedule(schedule),
    ...rest,
  };
}

interface Made {
  at: string;
  scheduled: string;
  name: string;
  skipped?: string;
}

/**
 * Ticks every minute in [from, to); `failing(at)` says a tick's create fails (no session is made). Returns
 * the sessions made, in order.
 */
function simulate(
  given: SessionScheduleInput,
  from: string,
  to: string,
  failing: (at: Date) => boolean = () => false,
): Made[] {
  const made: Made[] = [];
  let last = given.lastScheduledTime;
  for (let t = new Date(from).getTime(); t < new Date(to).getTime(); t += MINUTE) {
    const now = new Date(t);
    const decision = decideSessionSchedule({ ...given, lastScheduledTime: last }, now);
    if (decision.action !== "create" && decision.action !== "skip-create") continue;
    if (failing(now)) continue;
    last = decision.scheduledTime;
    made.push({
      at: toKubeTime(now),
      scheduled: toKubeTime(decision.scheduledTime),
      name: decision.name,
      ...(decision.action === "skip-create" ? { skipped: decision.reason } : {}),
    });
  }
  return made;
}

const open = (windows: ExclusionWindow[], at: string) => openWindowsAt(windows, new Date(at)).length > 0;

describe("where a recurring window is open: daylight saving in the window's zone", () => {
  const berlin = (start: string, duration: string) =>
    window({ name: "w", recurrence: "daily", start, duration, timeZone: "Europe/Berlin" });
  const cases: Array<[string, ExclusionWindow, string, boolean]> = [
    // Spring forward, Sunday 2026-03-29: 02:00 CET → 03:00 CEST (01:00Z). 02:30 does not exist: the window
    // opens at 03:30 CEST (01:30Z), as far after the gap as 02:30 was into it, for its hour of elapsed time.
    ["the day before, 02:30 CET = 01:30Z", berlin("02:30", "1h"), "2026-03-28T01:30:00Z", true],
    ["the day before, closed at 02:30Z", berlin("02:30", "1h"), "2026-03-28T02:30:00Z", false],
    ["spring forward: not open at 01:00Z (03:00 CEST)", berlin("02:30", "1h"), "2026-03-29T01:00:00Z", false],
    ["spring forward: opens at 01:30Z (03:30 CEST)", berlin("02:30", "1h"), "2026-03-29T01:30:00Z", true],
    ["spring forward: open until 02:29Z", berlin("02:30", "1h"), "2026-03-29T02:29:00Z", true],
    ["spring forward: closed at 02:30Z", berlin("02:30", "1h"), "2026-03-29T02:30:00Z", false],
    ["the day after, 02:30 CEST = 00:30Z", berlin("02:30", "1h"), "2026-03-30T00:30:00Z", true],
    // A window over the change lasts its elapsed time: 01:00 CET + 3h = 05:00 CEST (03:00Z).
    ["over spring forward: 01:00 CET opens at 00:00Z", berlin("01:00", "3h"), "2026-03-29T00:00:00Z", true],
    ["over spring forward: open at 02:59Z (04:59 CEST)", berlin("01:00", "3h"), "2026-03-29T02:59:00Z", true],
    [
      "over spring forward: closed at 03:00Z (05:00 CEST)",
      berlin("01:00", "3h"),
      "2026-03-29T03:00:00Z",
      false,
    ],
    // Fall back, Sunday 2026-10-25: 03:00 CEST → 02:00 CET (01:00Z). 02:30 happens twice: the first counts.
    [
      "fall back: opens at the first 02:30 (00:30Z, CEST)",
      berlin("02:30", "1h"),
      "2026-10-25T00:30:00Z",
      true,
    ],
    ["fall back: open at 01:29Z (02:29 CET)", berlin("02:30", "1h"), "2026-10-25T01:29:00Z", true],
    [
      "fall back: the second 02:30 (01:30Z, CET) does not reopen it",
      berlin("02:30", "1h"),
      "2026-10-25T01:30:00Z",
      false,
    ],
    ["fall back: not open before it (00:29Z)", berlin("02:30", "1h"), "2026-10-25T00:29:00Z", false],
    ["the day after fall back, 02:30 CET = 01:30Z", berlin("02:30", "1h"), "2026-10-26T01:30:00Z", true],
  ];
  it.each(cases)("%s", (_, w, at, expected) => {
    expect(open([w], at)).toBe(expected);
  });

  it("zonedInstant reads skipped and repeated wall times the compatible way", () => {
    const at = (y: number, m: number, d: number, h: number, min: number) =>
      new Date(zonedInstant(y, m, d, h * 60 + min, "Europe/Berlin")).toISOString();
    expect(at(2026, 3, 29, 2, 30)).toBe("2026-03-29T01:30:00.000Z");
    expect(at(2026, 3, 29, 3, 0)).toBe("2026-03-29T01:00:00.000Z");
    expect(at(2026, 10, 25, 2, 30)).toBe("2026-10-25T00:30:00.000Z");
    expect(at(2026, 10, 25, 3, 0)).toBe("2026-10-25T02:00:00.000Z");
  });
});

describe("where windows are open: midnight, weekdays, overlaps, one-off", () => {
  const nightly = window({ name: "nightly", recurrence: "daily", start: "22:00", duration: "6h" });
  const weekend = window({
    name: "weekend",
    recurrence: "weekly",
    days: ["Sat"],
    start: "20:00",
    duration: "30h",
  });
  const freeze = window("2026-11-27T00:00Z/P3D");
  const cases: Array<[string, ExclusionWindow[], string, boolean]> = [
    ["spanning midnight: open at 23:59", [nightly], "2026-11-26T23:59:00Z", true],
    ["spanning midnight: open at 00:00 of the next day", [nightly], "2026-11-27T00:00:00Z", true],
    ["spanning midnight: open at 03:59", [nightly], "2026-11-27T03:59:00Z", true],
    ["spanning midnight: closed at its end, 04:00", [nightly], "2026-11-27T04:00:00Z", false],
    ["spanning midnight: closed before, 21:59", [nightly], "2026-11-26T21:59:00Z", false],
    // 2026-11-28 is a Saturday: open from 20:00 for 30 h, into Monday 02:00.
    ["weekly: Saturday 19:59 closed", [weekend], "2026-11-28T19:59:00Z", false],
    ["weekly: Sunday noon open", [weekend], "2026-11-29T12:00:00Z", true],
    ["weekly: Monday 01:59 still open", [weekend], "2026-11-30T01:59:00Z", true],
    ["weekly: Monday 02:00 closed", [weekend], "2026-11-30T02:00:00Z", false],
    ["weekly: Friday 21:00 closed (not its day)", [weekend], "2026-11-27T21:00:00Z", false],
    ["one-off: open at its start", [freeze], "2026-11-27T00:00:00Z", true],
    ["one-off: closed at its end", [freeze], "2026-11-30T00:00:00Z", false],
    ["one-off: closed a year later", [freeze], "2027-11-28T00:00:00Z", false],
  ];
  it.each(cases)("%s", (_, windows, at, expected) => {
    expect(open(windows, at)).toBe(expected);
  });

  it("overlapping Wait windows chain: the start moves to the end of the last one", () => {
    const a = window({ name: "a", recurrence: "daily", start: "22:00", duration: "4h" });
    const b = window({ name: "b", recurrence: "daily", start: "01:00", duration: "4h" });
    expect(placeStart([a, b], new Date("2026-11-26T23:00:00Z"))).toEqual({
      startAt: new Date("2026-11-27T05:00:00Z"),
      heldBy: { windows: ["a", "b"], until: new Date("2026-11-27T05:00:00Z") },
    });
    // The stagger offset is added after each window's end.
    expect(placeStart([a, b], new Date("2026-11-26T23:00:00Z"), 5 * MINUTE).startAt).toEqual(
      new Date("2026-11-27T05:05:00Z"),
    );
  });

  it("a Skip window overlapping a Wait window skips; one a held start is moved into skips it too", () => {
    const wait = window({ name: "wait", recurrence: "daily", start: "00:00", duration: "3h" });
    const skip = window({ name: "skip", interval: "2026-11-27T02:00Z/PT2H", policy: "Skip" });
    const inBoth = placeStart([wait, skip], new Date("2026-11-27T02:30:00Z"));
    expect(inBoth.skippedBy?.window.name).toBe("skip");
    const after = window({ name: "after", interval: "2026-11-27T03:00Z/PT1H", policy: "Skip" });
    const moved = placeStart([wait, after], new Date("2026-11-27T01:00:00Z"));
    expect(moved.startAt).toEqual(new Date("2026-11-27T03:00:00Z"));
    expect(moved.skippedBy?.window.name).toBe("after");
    expect(moved.heldBy?.windows).toEqual(["wait"]);
  });
});

describe("a window covering several schedule times", () => {
  // Every 20 minutes at :10, :30, :50; a window 00:00–03:00 UTC covers nine of them.
  const every20 = "10,30,50 * * * *";
  const base = { lastScheduledTime: new Date("2026-11-26T23:50:00Z") };
  it("Wait: none during the window, only the newest (02:50) at its end, then on schedule", () => {
    const wait = window({ name: "maintenance", recurrence: "daily", start: "00:00", duration: "3h" });
    const made = simulate(
      input(every20, { ...base, windows: [wait] }),
      "2026-11-26T23:55:00Z",
      "2026-11-27T03:35:00Z",
    );
    expect(made).toEqual([
      {
        at: "2026-11-27T03:00:00Z",
        scheduled: "2026-11-27T02:50:00Z",
        name: `app-daily-${new Date("2026-11-27T02:50:00Z").getTime() / 1000}`,
      },
      { at: "2026-11-27T03:10:00Z", scheduled: "2026-11-27T03:10:00Z", name: expect.any(String) },
      { at: "2026-11-27T03:30:00Z", scheduled: "2026-11-27T03:30:00Z", name: expect.any(String) },
    ]);
  });
  it("Wait: the held run and the ones it stood in for are no missed runs", () => {
    const wait = window({ name: "maintenance", recurrence: "daily", start: "00:00", duration: "3h" });
    const given = input(every20, { ...base, windows: [wait] });
    const now = new Date("2026-11-27T03:00:00Z");
    const decision = decideSessionSchedule(given, now);
    expect(decision).toMatchObject({ action: "create", scheduledTime: new Date("2026-11-27T02:50:00Z") });
    expect(newlyMissedRuns({ input: given, decision }, now)).toBeUndefined();
    // Without the window, the same eight older times are superseded and 02:50 itself started late.
    const plain = input(every20, base);
    expect(newlyMissedRuns({ input: plain, decision }, now)).toEqual({
      newest: new Date("2026-11-27T02:50:00Z"),
      reason: "StartedLate",
      count: 9,
    });
  });
  it("Wait: during the window the decision says until when and which run it holds", () => {
    const wait = window({ name: "maintenance", recurrence: "daily", start: "00:00", duration: "3h" });
    const decision = decideSessionSchedule(
      input(every20, { ...base, windows: [wait] }),
      new Date("2026-11-27T01:15:00Z"),
    );
    expect(decision).toEqual({
      action: "wait",
      next: new Date("2026-11-27T03:00:00Z"),
      heldBy: {
        windows: ["maintenance"],
        until: new Date("2026-11-27T03:00:00Z"),
        scheduledTime: new Date("2026-11-27T01:10:00Z"),
      },
    });
  });
  it("Skip: each of the nine is created Skipped once, on its own tick, naming the window", () => {
    const skip = window({
      name: "maintenance",
      recurrence: "daily",
      start: "00:00",
      duration: "3h",
      policy: "Skip",
    });
    const made = simulate(
      input(every20, { ...base, windows: [skip] }),
      "2026-11-26T23:55:00Z",
      "2026-11-27T03:15:00Z",
    );
    const skipped = made.filter((m) => m.skipped !== undefined);
    expect(skipped.map((m) => m.scheduled)).toEqual(
      ["00:10", "00:30", "00:50", "01:10", "01:30", "01:50", "02:10", "02:30", "02:50"].map(
        (hm) => `2026-11-27T${hm}:00Z`,
      ),
    );
    expect(skipped.every((m) => m.at === m.scheduled)).toBe(true);
    expect(skipped[0]?.skipped).toBe(
      'inside exclusion window "maintenance" (2026-11-27T00:00:00Z to 2026-11-27T03:00:00Z, policy Skip)',
    );
    expect(made.filter((m) => m.skipped === undefined).map((m) => m.scheduled)).toEqual([
      "2026-11-27T03:10:00Z",
    ]);
  });
});

describe("one-off windows", () => {
  const daily2 = "0 2 * * *";
  const base = { lastScheduledTime: new Date("2026-11-26T02:00:00Z") };
  it("Skip: the three runs inside 2026-11-27T00:00Z/P3D are Skipped, the fourth runs", () => {
    const freeze = window({ name: "freeze", interval: "2026-11-27T00:00Z/P3D", policy: "Skip" });
    const made = simulate(
      input(daily2, { ...base, windows: [freeze] }),
      "2026-11-26T23:00:00Z",
      "2026-11-30T03:00:00Z",
    );
    expect(made.map((m) => [m.scheduled, m.skipped !== undefined])).toEqual([
      ["2026-11-27T02:00:00Z", true],
      ["2026-11-28T02:00:00Z", true],
      ["2026-11-29T02:00:00Z", true],
      ["2026-11-30T02:00:00Z", false],
    ]);
  });
  it("Wait (the default): one run, the 29th's, at the window's end; then the 30th's on time", () => {
    const freeze = window("2026-11-27T00:00Z/P3D");
    const made = simulate(
      input(daily2, { ...base, windows: [freeze] }),
      "2026-11-26T23:00:00Z",
      "2026-11-30T03:00:00Z",
    );
    expect(made.map((m) => [m.at, m.scheduled])).toEqual([
      ["2026-11-30T00:00:00Z", "2026-11-29T02:00:00Z"],
      ["2026-11-30T02:00:00Z", "2026-11-30T02:00:00Z"],
    ]);
  });
  it("a window after the run or long past changes nothing", () => {
    const past = window("2025-11-27T00:00Z/P3D");
    const made = simulate(
      input(daily2, { ...base, windows: [past] }),
      "2026-11-27T01:00:00Z",
      "2026-11-27T03:00:00Z",
    );
    expect(made.map((m) => m.at)).toEqual(["2026-11-27T02:00:00Z"]);
  });
});

describe("start window", () => {
  const daily10 = "0 10 * * *";
  const base = { lastScheduledTime: new Date("2026-11-26T10:00:00Z"), startWindowMs: 30 * MINUTE };
  const decide = (over: Partial<SessionScheduleInput> & { startingDeadlineSeconds?: number }, at: string) =>
    decideSessionSchedule(input(daily10, { ...base, ...over }), new Date(at));

  const cases: Array<
    [
      string,
      Partial<SessionScheduleInput> & { startingDeadlineSeconds?: number },
      string,
      Partial<SessionScheduleDecision>,
    ]
  > = [
    ["on time", {}, "2026-11-27T10:00:00Z", { action: "create" }],
    ["exactly at the boundary: still started", {}, "2026-11-27T10:30:00Z", { action: "create" }],
    [
      "one second past it: created Skipped",
      {},
      "2026-11-27T10:30:01Z",
      {
        action: "skip-create",
        expired: true,
        reason:
          "not started within its start window (30m0s) after its start time 2026-11-27T10:00:00Z (30m1s late)",
      },
    ],
    [
      "startingDeadlineSeconds shorter: the deadline is the limit, and the late run is Skipped, not silently missed",
      { startingDeadlineSeconds: 600 },
      "2026-11-27T10:11:00Z",
      {
        action: "skip-create",
        expired: true,
        reason:
          "not started within startingDeadlineSeconds (600) after its start time 2026-11-27T10:00:00Z (11m0s late)",
      },
    ],
    [
      "startingDeadlineSeconds longer: the start window is the limit",
      { startingDeadlineSeconds: 3600 },
      "2026-11-27T10:31:00Z",
      { action: "skip-create", expired: true },
    ],
    [
      "no start window: startingDeadlineSeconds as KubeStash has it (no session)",
      { startWindowMs: undefined, startingDeadlineSeconds: 600 },
      "2026-11-27T10:11:00Z",
      { action: "missed-deadline" },
    ],
    [
      "counted from the stagger's start",
      { staggerWindowMs: 20 * MINUTE },
      "2026-11-27T10:30:01Z",
      { action: "create" },
    ],
    [
      "counted from a Wait window's end: 2h after its time, 0m after the window",
      { windows: [window({ name: "w", interval: "2026-11-27T09:00Z/2026-11-27T12:00Z" })] },
      "2026-11-27T12:00:00Z",
      { action: "create", scheduledTime: new Date("2026-11-27T10:00:00Z") },
    ],
    [
      "a Wait window's end + 31 minutes: Skipped",
      { windows: [window({ name: "w", interval: "2026-11-27T09:00Z/2026-11-27T12:00Z" })] },
      "2026-11-27T12:31:00Z",
      { action: "skip-create", expired: true },
    ],
  ];
  it.each(cases)("%s", (_, over, at, expected) => {
    expect(decide(over, at)).toMatchObject(expected);
  });

  it("a create that fails transiently is tried on the next tick inside the window, and made once", () => {
    // 10:00–10:04 the create fails (API unavailable); 10:05 it succeeds; nothing more before the next day.
    const failing = (at: Date) => at < new Date("2026-11-27T10:05:00Z");
    const made = simulate(input(daily10, base), "2026-11-27T09:59:00Z", "2026-11-28T09:59:00Z", failing);
    expect(made).toEqual([
      {
        at: "2026-11-27T10:05:00Z",
        scheduled: "2026-11-27T10:00:00Z",
        name: `app-daily-${new Date("2026-11-27T10:00:00Z").getTime() / 1000}`,
      },
    ]);
  });
  it("a create that keeps failing past the window ends as one Skipped session with the reason, same name", () => {
    const failing = (at: Date) => at <= new Date("2026-11-27T10:30:00Z");
    const made = simulate(input(daily10, base), "2026-11-27T09:59:00Z", "2026-11-28T09:59:00Z", failing);
    expect(made).toEqual([
      {
        at: "2026-11-27T10:31:00Z",
        scheduled: "2026-11-27T10:00:00Z",
        name: `app-daily-${new Date("2026-11-27T10:00:00Z").getTime() / 1000}`,
        skipped:
          "not started within its start window (30m0s) after its start time 2026-11-27T10:00:00Z (31m0s late)",
      },
    ]);
  });
  it("a create whose answer was lost made the session: the next tick finds it running and creates none", () => {
    const name = `app-daily-${new Date("2026-11-27T10:00:00Z").getTime() / 1000}`;
    const after = decide({ activeSessions: [{ name }] }, "2026-11-27T10:01:00Z");
    expect(after).toEqual({ action: "wait", next: new Date("2026-11-28T10:00:00Z") });
  });
  it("an expired run counts as missed once (MissedStartingDeadline), not as started late", () => {
    const given = input(daily10, base);
    const now = new Date("2026-11-27T10:31:00Z");
    const decision = decideSessionSchedule(given, now);
    expect(newlyMissedRuns({ input: given, decision }, now)).toEqual({
      newest: new Date("2026-11-27T10:00:00Z"),
      reason: "MissedStartingDeadline",
      count: 1,
    });
  });
});

describe("windows and the rest of the engine", () => {
  const nightly = window({ name: "nightly", recurrence: "daily", start: "22:00", duration: "6h" });
  it("a verification (subject set) is held by the same windows", () => {
    const given = input("0 23 * * *", {
      subject: verificationSubject("repo"),
      windows: [nightly],
      lastScheduledTime: new Date("2026-11-25T23:00:00Z"),
    });
    const decision = decideSessionSchedule(given, new Date("2026-11-26T23:00:00Z"));
    expect(decision).toMatchObject({ action: "wait", next: new Date("2026-11-27T04:00:00Z") });
    expect(decideSessionSchedule(given, new Date("2026-11-27T04:00:00Z"))).toMatchObject({
      action: "create",
      name: `repo-daily-${new Date("2026-11-26T23:00:00Z").getTime() / 1000}`,
    });
  });
  it("a window annotation that cannot be read makes the session invalid (no session, the reason in status)", () => {
    const decision = decideSessionSchedule(
      input("0 2 * * *", { windowError: "annotation x: bad" }),
      new Date("2026-11-27T02:00:00Z"),
    );
    expect(decision).toEqual({ action: "invalid", error: "annotation x: bad" });
  });
  it("paused and suspended still win over windows", () => {
    const given = input("0 23 * * *", { windows: [nightly], paused: true });
    expect(decideSessionSchedule(given, new Date("2026-11-26T23:00:00Z")).action).toBe("paused");
  });
  it("Replace does not fail the running session for a run a Skip window skips", () => {
    const skip = window({
      name: "skip",
      recurrence: "daily",
      start: "22:00",
      duration: "6h",
      policy: "Skip",
    });
    const given = input("0 23 * * *", {
      windows: [skip],
      activeSessions: [{ name: "running" }],
      lastScheduledTime: new Date("2026-11-25T23:00:00Z"),
    });
    given.session.scheduler = { schedule: "0 23 * * *", jobTemplate: {}, concurrencyPolicy: "Replace" };
    expect(decideSessionSchedule(given, new Date("2026-11-26T23:00:00Z"))).toMatchObject({
      action: "skip-create",
      window: "skip",
    });
  });
  it("a clock in a window that never closes (chained windows) waits, never starts", () => {
    const a = window({ name: "a", recurrence: "daily", start: "00:00", duration: "13h" });
    const b = window({ name: "b", recurrence: "daily", start: "12:00", duration: "13h" });
    const placed = placeStart([a, b], new Date("2026-11-26T03:00:00Z"));
    expect(placed.never).toBe(true);
  });
});

describe("sessionWindows: where a session's windows come from", () => {
  const { atMinutes } = clockFrom(new Date("2026-11-26T10:00:00Z"));
  function configuration(annotations: Record<string, string> = {}): BackupConfiguration {
    return {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: {
        name: "app",
        namespace: "demo",
        annotations,
        creationTimestamp: toKubeTime(atMinutes(-60)),
      },
      spec: { target: { kind: "PersistentVolumeClaim", name: "data", namespace: "demo" }, sessions: [] },
    } as unknown as BackupConfiguration;
  }
  const prodNights = parseExclusionWindow(
    {
      name: "prod-nights",
      recurrence: "daily",
      start: "01:00",
      duration: "2h",
      namespaceSelector: { matchLabels: { env: "prod" } },
    },
    { namespaceSelector: true },
  );
  const everywhere = window({ name: "everywhere", recurrence: "daily", start: "05:00", duration: "1h" });
  const cluster = [...(prodNights.ok ? [prodNights.value] : []), everywhere];

  it("the cluster's windows whose namespaceSelector matches, then the configuration's; the cluster zone for zoneless ones", () => {
    const found = sessionWindows(
      configuration({ "serverless.kubestash.com/exclusion-windows": '["2026-11-27T00:00Z/P3D"]' }),
      "daily",
      { clusterWindows: cluster, namespaceLabels: { env: "prod" }, clusterTimeZone: "Europe/Berlin" },
    );
    expect(found.windows.map((w) => [w.name, w.kind === "once" ? "-" : w.timeZone])).toEqual([
      ["prod-nights", "Europe/Berlin"],
      ["everywhere", "Europe/Berlin"],
      ["2026-11-27T00:00Z/P3D", "-"],
    ]);
    const elsewhere = sessionWindows(configuration(), "daily", {
      clusterWindows: cluster,
      namespaceLabels: { env: "dev" },
    });
    expect(elsewhere.windows.map((w) => w.name)).toEqual(["everywhere"]);
  });
  it("namespace labels not known (the fleet view): a window that selects namespaces is left out, not matched against no labels", () => {
    const notProd = parseExclusionWindow(
      {
        name: "not-prod",
        recurrence: "daily",
        start: "01:00",
        duration: "2h",
        namespaceSelector: { matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] },
      },
      { namespaceSelector: true },
    );
    const windows = [...(notProd.ok ? [notProd.value] : []), everywhere];
    const names = (context: Parameters<typeof sessionWindows>[2]) =>
      sessionWindows(configuration(), "daily", context).windows.map((w) => w.name);
    expect(names({ clusterWindows: windows })).toEqual(["everywhere"]);
    // A namespace known to have no labels: NotIn matches it.
    expect(names({ clusterWindows: windows, namespaceLabels: {} })).toEqual(["not-prod", "everywhere"]);
  });
  it("start window: the session's annotation, else the configuration's, else the cluster's", () => {
    const both = configuration({
      "serverless.kubestash.com/start-window": "2h",
      "serverless.kubestash.com/start-window.daily": "30m",
    });
    expect(sessionWindows(both, "daily", { defaultStartWindowMs: 1 }).startWindowMs).toBe(30 * MINUTE);
    expect(sessionWindows(both, "weekly", { defaultStartWindowMs: 1 }).startWindowMs).toBe(120 * MINUTE);
    expect(sessionWindows(configuration(), "daily", { defaultStartWindowMs: 7 * MINUTE }).startWindowMs).toBe(
      7 * MINUTE,
    );
    expect(sessionWindows(configuration(), "daily").startWindowMs).toBeUndefined();
  });
  it("bad annotations are errors naming the annotation", () => {
    const bad = configuration({
      "serverless.kubestash.com/exclusion-windows": "- nonsense",
      "serverless.kubestash.com/start-window": "soon",
    });
    expect(sessionWindows(bad, "daily").error).toBe(
      'annotation serverless.kubestash.com/exclusion-windows: window 1 ("nonsense"): "nonsense" is not an interval start/end or start/duration such as 2026-11-27T00:00Z/P3D; annotation serverless.kubestash.com/start-window: "soon" is not a duration such as 30m or 2h',
    );
  });
});

describe("nextRunStart: when the next run actually starts, given the windows (for the RPO view)", () => {
  const nightly = window({ name: "nightly", recurrence: "daily", start: "22:00", duration: "6h" });
  const freeze = window({ name: "freeze", interval: "2026-11-27T00:00Z/P3D", policy: "Skip" });
  const last = { lastScheduledTime: new Date("2026-11-26T02:00:00Z") };
  it("no window: the next schedule time", () => {
    expect(nextRunStart(input("0 2 * * *", last), new Date("2026-11-26T12:00:00Z"))).toEqual({
      scheduledTime: new Date("2026-11-27T02:00:00Z"),
      startAt: new Date("2026-11-27T02:00:00Z"),
      skipped: [],
    });
  });
  it("a Wait window: the window's end, with the windows that hold it", () => {
    expect(
      nextRunStart(input("0 2 * * *", { ...last, windows: [nightly] }), new Date("2026-11-26T12:00:00Z")),
    ).toEqual({
      scheduledTime: new Date("2026-11-27T02:00:00Z"),
      startAt: new Date("2026-11-27T04:00:00Z"),
      heldBy: { windows: ["nightly"], until: new Date("2026-11-27T04:00:00Z") },
      skipped: [],
    });
  });
  it("a run held right now: its release", () => {
    const given = input("0 23 * * *", {
      lastScheduledTime: new Date("2026-11-25T23:00:00Z"),
      windows: [nightly],
    });
    expect(nextRunStart(given, new Date("2026-11-26T23:30:00Z"))).toMatchObject({
      scheduledTime: new Date("2026-11-26T23:00:00Z"),
      startAt: new Date("2026-11-27T04:00:00Z"),
    });
  });
  it("a two-day Skip window over an every-10-minutes schedule: passed in one jump, the first run after it", () => {
    const long = window({ name: "freeze", interval: "2026-11-26T12:35Z/P2D", policy: "Skip" });
    const next = nextRunStart(
      input("*/10 * * * *", { lastScheduledTime: new Date("2026-11-26T12:30:00Z"), windows: [long] }),
      new Date("2026-11-26T12:30:00Z"),
    );
    expect(next?.startAt).toEqual(new Date("2026-11-28T12:40:00Z"));
    expect(next?.beyondSearch).toBeUndefined();
    expect(next?.skipped.map((s) => toKubeTime(s.scheduledTime))).toEqual([
      "2026-11-26T12:40:00Z",
      "2026-11-28T12:30:00Z",
    ]);
  });
  it("windows still in the way when the search runs out: held at least until the last time examined", () => {
    // 400 back-to-back ten-minute Skip windows, one per run: each is a step of its own.
    const start = Date.parse("2026-11-26T12:35:00Z");
    const many = Array.from({ length: 400 }, (_, i) =>
      window({
        name: `w${i}`,
        interval: `${new Date(start + i * 600_000).toISOString().slice(0, 16)}Z/PT10M`,
        policy: "Skip",
      }),
    );
    const next = nextRunStart(
      input("*/10 * * * *", { lastScheduledTime: new Date("2026-11-26T12:30:00Z"), windows: many }),
      new Date("2026-11-26T12:30:00Z"),
    );
    expect(next?.beyondSearch).toBe(true);
    expect(next?.startAt.getTime()).toBeGreaterThan(Date.parse("2026-11-27T04:00:00Z"));
    expect(
      windowDelay(
        input("*/10 * * * *", { lastScheduledTime: new Date("2026-11-26T12:30:00Z"), windows: many }),
        new Date("2026-11-26T12:30:00Z"),
      )?.until,
    ).toEqual(next?.startAt);
  });
  it("a Skip window: the runs it skips are listed by the first and the last, the first one after it is the next start", () => {
    const next = nextRunStart(
      input("0 2 * * *", { ...last, windows: [freeze] }),
      new Date("2026-11-26T12:00:00Z"),
    );
    expect(next?.startAt).toEqual(new Date("2026-11-30T02:00:00Z"));
    expect(next?.skipped.map((s) => [toKubeTime(s.scheduledTime), s.window])).toEqual([
      ["2026-11-27T02:00:00Z", "freeze"],
      ["2026-11-29T02:00:00Z", "freeze"],
    ]);
  });
  it("windowDelay: the shape the RPO rating takes, only when a window moves the next run", () => {
    const now = new Date("2026-11-26T12:00:00Z");
    expect(windowDelay(input("0 2 * * *", { ...last, windows: [nightly] }), now)).toEqual({
      until: new Date("2026-11-27T04:00:00Z"),
      name: "nightly",
    });
    expect(windowDelay(input("0 2 * * *", { ...last, windows: [freeze] }), now)).toEqual({
      until: new Date("2026-11-30T02:00:00Z"),
      name: "freeze",
    });
    expect(windowDelay(input("0 2 * * *", last), now)).toBeUndefined();
  });
  it("paused: none coming", () => {
    expect(
      nextRunStart(input("0 2 * * *", { ...last, paused: true }), new Date("2026-11-26T12:00:00Z")),
    ).toBeUndefined();
  });
});

describe("upcomingSessionTimes (kss schedule next) marks what the windows do", () => {
  function configuration(annotations: Record<string, string>, schedule: string): BackupConfiguration {
    return {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name: "app", namespace: "demo", annotations, creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: { sessions: [{ name: "s", scheduler: { schedule, jobTemplate: {} } }] },
    } as unknown as BackupConfiguration;
  }
  const annotation = (windows: unknown[]) => ({
    "serverless.kubestash.com/exclusion-windows": JSON.stringify(windows),
  });
  it("held, superseded (a newer time is due by the window's end) and skipped, untouched times unmarked", () => {
    const config = configuration(
      annotation([
        { name: "maint", recurrence: "daily", start: "01:00", duration: "90m" },
        { name: "freeze", interval: "2026-11-27T04:00Z/PT1H", policy: "Skip" },
      ]),
      "0 * * * *",
    );
    const times = upcomingSessionTimes(config, new Date("2026-11-27T00:30:00Z"), 5).times;
    expect(times.map((t) => [t.next, t.window?.effect, t.window?.startsAt])).toEqual([
      ["2026-11-27T01:00:00Z", "superseded", "2026-11-27T02:30:00Z"],
      ["2026-11-27T02:00:00Z", "held", "2026-11-27T02:30:00Z"],
      ["2026-11-27T03:00:00Z", undefined, undefined],
      ["2026-11-27T04:00:00Z", "skipped", "2026-11-27T04:00:00Z"],
      ["2026-11-27T05:00:00Z", undefined, undefined],
    ]);
    expect(times[1]?.window?.reason).toBe("held by maint until 2026-11-27T02:30:00Z");
    expect(times[3]?.window?.reason).toBe(
      'inside exclusion window "freeze" (2026-11-27T04:00:00Z to 2026-11-27T05:00:00Z, policy Skip)',
    );
  });
  it("the cluster's windows apply when given; a bad annotation makes the session invalid", () => {
    const plain = configuration({}, "0 2 * * *");
    const cluster = {
      clusterWindows: [window({ name: "c", recurrence: "daily", start: "01:00", duration: "2h" })],
    };
    expect(
      upcomingSessionTimes(plain, new Date("2026-11-27T00:00:00Z"), 1, cluster).times[0]?.window,
    ).toMatchObject({
      effect: "held",
      windows: ["c"],
    });
    const bad = configuration(
      { "serverless.kubestash.com/exclusion-windows": "[{recurrence: daily}]" },
      "0 2 * * *",
    );
    expect(upcomingSessionTimes(bad, new Date("2026-11-27T00:00:00Z"), 1).notScheduled).toEqual([
      {
        session: "s",
        reason:
          'annotation serverless.kubestash.com/exclusion-windows: window 1: start must be a local time of day such as "22:00"',
        invalid: true,
      },
    ]);
  });
});

describe("scheduleHeldConditions: the hold on the configuration's status", () => {
  const at = new Date("2026-11-27T01:00:00Z");
  const later = new Date("2026-11-27T02:00:00Z");
  const hold = { windows: ["nightly"], until: new Date("2026-11-27T04:00:00Z") };
  it("held: True with the windows and the end; the same hold later changes nothing (no write per tick)", () => {
    const first = scheduleHeldConditions(undefined, hold, at);
    expect(first).toEqual([
      {
        type: "ScheduleHeld",
        status: "True",
        reason: "HeldByExclusionWindow",
        message: 'The due run waits for exclusion window "nightly" until 2026-11-27T04:00:00Z.',
        lastTransitionTime: toKubeTime(at),
      },
    ]);
    expect(scheduleHeldConditions(first, hold, later)).toEqual(first);
  });
  it("released: False (WindowClosed); never held: no condition at all", () => {
    const held = scheduleHeldConditions(undefined, hold, at);
    expect(scheduleHeldConditions(held, undefined, later)).toEqual([
      expect.objectContaining({ type: "ScheduleHeld", status: "False", reason: "WindowClosed" }),
    ]);
    expect(scheduleHeldConditions(undefined, undefined, later)).toEqual([]);
  });
});

describe("planVerificationSchedule follows the configuration's windows", () => {
  const config = (annotations: Record<string, string>) =>
    ({
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name: "app", namespace: "demo", annotations, creationTimestamp: "2026-11-01T00:00:00Z" },
      spec: {
        target: { kind: "PersistentVolumeClaim", name: "data", namespace: "demo" },
        sessions: [
          {
            name: "hourly",
            scheduler: { schedule: "@hourly", jobTemplate: {} },
            repositories: [{ name: "repo", backend: "s3", directory: "/r", backupVerifier: { name: "v" } }],
          },
        ],
      },
    }) as unknown as BackupConfiguration;
  const verifier = {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerifier",
    metadata: { name: "v", namespace: "demo", creationTimestamp: "2026-11-01T00:00:00Z" },
    spec: { scheduler: { schedule: "0 3 * * *", jobTemplate: {} }, sessionHistoryLimit: 1 },
  } as unknown as BackupVerifier;
  const now = new Date("2026-11-27T03:00:00Z");
  it("a Skip window: created Skipped with reason SkippedByScheduleWindow, not ConcurrentVerificationRunning", () => {
    const annotations = {
      "serverless.kubestash.com/exclusion-windows": JSON.stringify([
        { name: "freeze", interval: "2026-11-27T00:00Z/P1D", policy: "Skip" },
      ]),
    };
    const [only] = planVerificationSchedule(
      config(annotations),
      [verifier],
      { verificationSessions: [] },
      now,
    );
    expect(only?.create).toMatchObject({
      skippedReason:
        'inside exclusion window "freeze" (2026-11-27T00:00:00Z to 2026-11-28T00:00:00Z, policy Skip)',
      skippedConditionReason: "SkippedByScheduleWindow",
    });
    // The reason is on the object from its create (docs/decisions.md#created-skipped).
    expect(only?.create?.desired.metadata.annotations?.["serverless.kubestash.com/skip-reason"]).toBe(
      only?.create?.skippedReason,
    );
    const status = concurrentVerificationSkippedStatus(
      undefined,
      only?.create?.skippedReason ?? "",
      now,
      only?.create?.skippedConditionReason,
    );
    expect(status.conditions?.[0]).toMatchObject({ status: "True", reason: "SkippedByScheduleWindow" });
  });
  it("a Wait window of the cluster holds it; the session's start-window annotation expires it", () => {
    const cluster = { clusterWindows: [window({ name: "c", interval: "2026-11-27T02:00Z/PT2H" })] };
    const [held] = planVerificationSchedule(
      config({}),
      [verifier],
      { verificationSessions: [], windows: cluster },
      now,
    );
    expect(held?.decision).toMatchObject({ action: "wait", next: new Date("2026-11-27T04:00:00Z") });
    const late = new Date("2026-11-27T03:31:00Z");
    const [expired] = planVerificationSchedule(
      config({ "serverless.kubestash.com/start-window.hourly": "30m" }),
      [verifier],
      { verificationSessions: [] },
      late,
    );
    expect(expired?.create?.skippedConditionReason).toBe("SkippedByScheduleWindow");
  });
});

describe("windowRelease: when something due at T may start, whatever the windows' policy", () => {
  const wait = window({ name: "w", interval: "2026-11-27T01:00Z/PT2H" });
  const skip = window({ name: "s", interval: "2026-11-27T03:00Z/PT1H", policy: "Skip" });
  it("a Wait window alone: its end", () => {
    expect(windowRelease([wait], new Date("2026-11-27T01:30:00Z"))).toEqual(new Date("2026-11-27T03:00:00Z"));
  });
  it.each([
    ["outside: itself", "2026-11-27T00:59:00Z", "2026-11-27T00:59:00Z"],
    [
      "inside a Wait window with a Skip window right after it: the end of both",
      "2026-11-27T01:30:00Z",
      "2026-11-27T04:00:00Z",
    ],
    ["inside the Skip window: its end", "2026-11-27T03:30:00Z", "2026-11-27T04:00:00Z"],
    ["at the end: itself", "2026-11-27T04:00:00Z", "2026-11-27T04:00:00Z"],
  ])("%s", (_, at, expected) => {
    expect(windowRelease([wait, skip], new Date(at))).toEqual(new Date(expected));
  });
});
