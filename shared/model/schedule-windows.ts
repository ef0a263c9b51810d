import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LabelSelector } from "./common.ts";
import { formatGoDuration, parseGoDuration } from "./duration.ts";

/**
 * Exclusion windows and start windows (docs/windows.md): how they are written and read. Pure parsing with
 * precise messages; what a window does to a run is shared/decide/schedule/schedule-windows.ts.
 *
 * A window is written as a string (a one-off ISO 8601 interval, `2026-11-27T00:00Z/P3D` or `start/end`) or
 * an object:
 *
 *     { name: freeze, interval: 2026-11-27T00:00Z/P3D, policy: Skip }
 *     { name: nightly, recurrence: daily, start: "22:00", duration: 6h, timeZone: Europe/Berlin }
 *     { name: weekend, recurrence: weekly, days: [Sat, Sun], start: "00:00", duration: 24h }
 *
 * In the registry (per cluster) an object may also carry `namespaceSelector` (a Kubernetes LabelSelector on
 * the configuration's namespace).
 */

/** What happens to a run due inside a window (docs/windows.md#policy). */
export type WindowPolicy = "Wait" | "Skip";
export const WINDOW_POLICIES: readonly WindowPolicy[] = ["Wait", "Skip"];
/** A window that names no policy holds its runs until its end (docs/windows.md#policy). */
export const DEFAULT_WINDOW_POLICY: WindowPolicy = "Wait";

interface WindowBase {
  name: string;
  policy: WindowPolicy;
  /** Registry windows only: the namespaces (by their labels) the window applies to; unset: all. */
  namespaceSelector?: LabelSelector;
}

/** A one-off window [start, end) (epoch milliseconds). */
export interface OneOffWindow extends WindowBase {
  kind: "once";
  start: number;
  end: number;
}

/** A window that opens every day (daily) or on some weekdays (weekly) at a local time of its zone. */
export interface RecurringWindow extends WindowBase {
  kind: "daily" | "weekly";
  /** Weekdays it opens on, 0 = Sunday … 6 = Saturday (daily: all seven). */
  days: number[];
  /** Minutes after local midnight it opens at. */
  startMinute: number;
  /** How long it stays open (elapsed time, also across a daylight-saving change). */
  durationMs: number;
  /** IANA zone of `startMinute`; unset: the cluster's `timeZone` (registry), else UTC. */
  timeZone?: string;
}

export type ExclusionWindow = OneOffWindow | RecurringWindow;

/**
 * The condition on a configuration's `status.sessions[]` while exclusion windows hold its run
 * (docs/windows.md#how-it-shows): True while held, False (WindowClosed) once released.
 */
export const ScheduleHeldCondition = {
  type: "ScheduleHeld",
  /** A due run waits for the end of exclusion windows (policy Wait). */
  Held: "HeldByExclusionWindow",
  /** No window holds the run any more. */
  Released: "WindowClosed",
} as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DAY_MS = 86_400_000;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FULL_WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const LOCAL_TIME = /^(\d{1,2}):(\d{2})$/;

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** An RFC 3339 / ISO 8601 time with its offset (`2026-11-27T00:00Z`, `2026-11-27T01:00:00+01:00`), epoch ms. */
export function parseIsoInstant(text: string): Parsed<number> {
  const m = ISO_TIME.exec(text.trim());
  if (!m) {
    return {
      ok: false,
      error: `"${text}" is not a time with an offset such as 2026-11-27T00:00Z or 2026-11-27T01:00+01:00`,
    };
  }
  const [, y, mo, d, h, mi, s = "0", frac = "0", zone = "Z"] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)] as const;
  const [year, month, day, hour, minute, second] = fields;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0.${frac}`) * 1000));
  const back = new Date(utc);
  if (
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return { ok: false, error: `"${text}" is not a valid date and time` };
  }
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== "Z") {
    const digits = zone.replace(":", "");
    const sign = digits.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
    if (Math.abs(offsetMinutes) > 18 * 60)
      return { ok: false, error: `"${text}" has an offset beyond ±18:00` };
  }
  return { ok: true, value: utc - offsetMinutes * 60_000 };
}

/** An ISO 8601 duration of weeks, days, hours, minutes, seconds (`P3D`, `PT6H`, `P1DT12H`); a day is 24 h. */
export function parseIsoDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text.trim());
  if (!m || text.trim().toUpperCase() === "P" || text.trim().toUpperCase().endsWith("T")) return undefined;
  const [, w = "0", d = "0", h = "0", mi = "0", s = "0"] = m;
  return (
    Number(w) * 7 * DAY_MS +
    Number(d) * DAY_MS +
    Number(h) * 3_600_000 +
    Number(mi) * 60_000 +
    Number(s) * 1000
  );
}

/**
 * The longest a window may last: a year and a day. Longer is not a window but a pause (`spec.paused`,
 * `kss pause`), and a far end would leave the range of a date (docs/windows.md#formats).
 */
export const MAX_WINDOW_MS = 366 * DAY_MS;

const TOO_LONG =
  "is longer than 366 days: for a longer stop pause the configuration (spec.paused, kss pause)";

/** A window's length: ISO 8601 (`PT6H`, `P1D`) or a Go duration (`6h`, `90m`); milliseconds. */
export function parseWindowDuration(text: string): Parsed<number> {
  const trimmed = text.trim();
  const ms = /^p/i.test(trimmed) ? parseIsoDuration(trimmed) : parseGoDuration(trimmed);
  if (ms === undefined) {
    return { ok: false, error: `"${text}" is not a duration such as PT6H, P1D, 6h or 90m` };
  }
  if (ms <= 0) return { ok: false, error: `"${text}" must be longer than zero` };
  if (ms > MAX_WINDOW_MS) return { ok: false, error: `"${text}" ${TOO_LONG}` };
  return { ok: true, value: ms };
}

/** A one-off ISO 8601 interval: `start/duration` or `start/end`, start before end. */
export function parseIsoInterval(text: string): Parsed<{ start: number; end: number }> {
  const parts = text.split("/");
  if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined) {
    return {
      ok: false,
      error: `"${text}" is not an interval start/end or start/duration such as 2026-11-27T00:00Z/P3D`,
    };
  }
  const start = parseIsoInstant(parts[0]);
  if (!start.ok) return { ok: false, error: `interval start: ${start.error}` };
  let end: number;
  if (/^p/i.test(parts[1].trim())) {
    const length = parseIsoDuration(parts[1]);
    if (length === undefined || length <= 0) {
      return {
        ok: false,
        error: `interval duration "${parts[1]}" is not an ISO 8601 duration such as P3D or PT6H`,
      };
    }
    end = start.value + length;
  } else {
    const parsedEnd = parseIsoInstant(parts[1]);
    if (!parsedEnd.ok) return { ok: false, error: `interval end: ${parsedEnd.error}` };
    end = parsedEnd.value;
  }
  if (end <= start.value) return { ok: false, error: `interval "${text}" ends before it starts` };
  if (end - start.value > MAX_WINDOW_MS) return { ok: false, error: `interval "${text}" ${TOO_LONG}` };
  return { ok: true, value: { start: start.value, end } };
}

function parseWeekday(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isInteger(value) && value >= 0 && value <= 6 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const lower = value.trim().toLowerCase();
  const short = WEEKDAYS.indexOf(lower);
  return short >= 0 ? short : FULL_WEEKDAYS.indexOf(lower) >= 0 ? FULL_WEEKDAYS.indexOf(lower) : undefined;
}

const ONE_OFF_FIELDS = new Set(["name", "policy", "interval", "namespaceSelector"]);
const RECURRING_FIELDS = new Set([
  "name",
  "policy",
  "recurrence",
  "days",
  "start",
  "duration",
  "timeZone",
  "namespaceSelector",
]);

export interface WindowParseOptions {
  /** Accept `namespaceSelector` (registry windows). */
  namespaceSelector?: boolean;
}

function parsePolicy(value: unknown): Parsed<WindowPolicy> {
  if (value === undefined) return { ok: true, value: DEFAULT_WINDOW_POLICY };
  if (value === "Wait" || value === "Skip") return { ok: true, value };
  return { ok: false, error: `policy ${JSON.stringify(value)} must be "Wait" or "Skip"` };
}

function parseSelector(value: unknown, options: WindowParseOptions): Parsed<LabelSelector | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (options.namespaceSelector !== true) {
    return {
      ok: false,
      error: "namespaceSelector is only for the registry's windows (a configuration has one namespace)",
    };
  }
  const parsed = LabelSelector.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `namespaceSelector: ${issue?.path.join(".") || "value"} ${issue?.message ?? "is invalid"}`,
    };
  }
  return { ok: true, value: parsed.data };
}

function parseRecurring(raw: Record<string, unknown>, base: WindowBase): Parsed<RecurringWindow> {
  const recurrence = raw.recurrence;
  if (recurrence !== "daily" && recurrence !== "weekly") {
    return { ok: false, error: `recurrence ${JSON.stringify(recurrence)} must be "daily" or "weekly"` };
  }
  if (typeof raw.start !== "string") {
    return { ok: false, error: 'start must be a local time of day such as "22:00"' };
  }
  const time = LOCAL_TIME.exec(raw.start.trim());
  const hour = Number(time?.[1]);
  const minute = Number(time?.[2]);
  if (!time || hour > 23 || minute > 59) {
    return { ok: false, error: `start "${raw.start}" must be a local time of day HH:MM such as "22:00"` };
  }
  if (typeof raw.duration !== "string")
    return { ok: false, error: "duration must be given, such as PT6H or 6h" };
  const duration = parseWindowDuration(raw.duration);
  if (!duration.ok) return { ok: false, error: `duration ${duration.error}` };
  const limit = recurrence === "daily" ? DAY_MS : 7 * DAY_MS;
  if (duration.value >= limit) {
    return {
      ok: false,
      error: `duration "${raw.duration}" must be shorter than ${recurrence === "daily" ? "a day" : "a week"} for a ${recurrence} window (it would never close)`,
    };
  }
  let days = [0, 1, 2, 3, 4, 5, 6];
  if (recurrence === "daily" && raw.days !== undefined) {
    return { ok: false, error: 'days is for recurrence "weekly"; a daily window opens every day' };
  }
  if (recurrence === "weekly") {
    if (!Array.isArray(raw.days) || raw.days.length === 0) {
      return { ok: false, error: "days must list the weekdays it opens on, such as [Sat, Sun]" };
    }
    const parsedDays: number[] = [];
    for (const day of raw.days) {
      const index = parseWeekday(day);
      if (index === undefined) {
        return {
          ok: false,
          error: `day ${JSON.stringify(day)} must be a weekday such as Mon, Tuesday or 0 (Sunday) … 6`,
        };
      }
      if (!parsedDays.includes(index)) parsedDays.push(index);
    }
    days = parsedDays.sort((a, b) => a - b);
  }
  if (raw.timeZone !== undefined && (typeof raw.timeZone !== "string" || !isIanaZone(raw.timeZone))) {
    return {
      ok: false,
      error: `timeZone ${JSON.stringify(raw.timeZone)} must be an IANA time zone such as Europe/Berlin`,
    };
  }
  const zone = typeof raw.timeZone === "string" ? raw.timeZone : undefined;
  const startText = `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
  const dayText = recurrence === "weekly" ? ` ${days.map((d) => WEEKDAYS[d]).join(",")}` : "";
  return {
    ok: true,
    value: {
      ...base,
      name:
        base.name ||
        `${recurrence}${dayText} ${startText}+${formatGoDuration(duration.value)}${zone ? ` ${zone}` : ""}`,
      kind: recurrence,
      days,
      startMinute: hour * 60 + minute,
      durationMs: duration.value,
      ...(zone ? { timeZone: zone } : {}),
    },
  };
}

/** One window as written (a string or an object), or why it cannot be read. */
export function parseExclusionWindow(
  raw: unknown,
  options: WindowParseOptions = {},
): Parsed<ExclusionWindow> {
  if (typeof raw === "string") {
    const interval = parseIsoInterval(raw);
    if (!interval.ok) return interval;
    return {
      ok: true,
      value: { kind: "once", name: raw.trim(), policy: DEFAULT_WINDOW_POLICY, ...interval.value },
    };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      ok: false,
      error: "must be an interval such as 2026-11-27T00:00Z/P3D or an object with interval or recurrence",
    };
  }
  const object = raw as Record<string, unknown>;
  if (object.name !== undefined && (typeof object.name !== "string" || object.name.trim() === "")) {
    return { ok: false, error: "name must be a non-empty string" };
  }
  const policy = parsePolicy(object.policy);
  if (!policy.ok) return policy;
  const selector = parseSelector(object.namespaceSelector, options);
  if (!selector.ok) return selector;
  const base: WindowBase = {
    name: typeof object.name === "string" ? object.name.trim() : "",
    policy: policy.value,
    ...(selector.value ? { namespaceSelector: selector.value } : {}),
  };
  const oneOff = object.interval !== undefined;
  if (oneOff && object.recurrence !== undefined) {
    return { ok: false, error: "give either interval (one-off) or recurrence (daily/weekly), not both" };
  }
  if (!oneOff && object.recurrence === undefined) {
    return {
      ok: false,
      error: "needs interval (one-off, e.g. 2026-11-27T00:00Z/P3D) or recurrence (daily or weekly)",
    };
  }
  const known = oneOff ? ONE_OFF_FIELDS : RECURRING_FIELDS;
  const unknown = Object.keys(object).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (a ${oneOff ? "one-off" : "recurring"} window has ${[...known].join(", ")})`,
    };
  }
  if (!oneOff) return parseRecurring(object, base);
  if (typeof object.interval !== "string") {
    return { ok: false, error: "interval must be a string such as 2026-11-27T00:00Z/P3D" };
  }
  const interval = parseIsoInterval(object.interval);
  if (!interval.ok) return interval;
  return {
    ok: true,
    value: { ...base, name: base.name || object.interval.trim(), kind: "once", ...interval.value },
  };
}

function describe(raw: unknown, index: number): string {
  const name =
    raw !== null && typeof raw === "object" && typeof (raw as { name?: unknown }).name === "string"
      ? ` ("${(raw as { name: string }).name}")`
      : typeof raw === "string"
        ? ` ("${raw}")`
        : "";
  return `window ${index + 1}${name}`;
}

/** A list of windows (a single window is a list of one); the first bad one is the error, by position. */
export function parseExclusionWindows(
  raw: unknown,
  options: WindowParseOptions = {},
): Parsed<ExclusionWindow[]> {
  const list = Array.isArray(raw) ? raw : [raw];
  const windows: ExclusionWindow[] = [];
  for (const [index, item] of list.entries()) {
    const parsed = parseExclusionWindow(item, options);
    if (!parsed.ok) return { ok: false, error: `${describe(item, index)}: ${parsed.error}` };
    windows.push(parsed.value);
  }
  return { ok: true, value: windows };
}

/** The `serverless.kubestash.com/exclusion-windows` annotation's text: a YAML or JSON list of windows. */
export function parseExclusionWindowsText(text: string): Parsed<ExclusionWindow[]> {
  if (text.trim() === "") return { ok: true, value: [] };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const first = String(error instanceof Error ? error.message : error).split("\n")[0];
    return { ok: false, error: `not a YAML or JSON list of windows: ${first}` };
  }
  if (raw === null || raw === undefined) return { ok: true, value: [] };
  return parseExclusionWindows(raw);
}

/** A start window: a Go duration longer than zero ("30m", "2h"). */
export function parseStartWindow(text: string): Parsed<number> {
  const ms = parseGoDuration(text.trim());
  if (ms === undefined) return { ok: false, error: `"${text}" is not a duration such as 30m or 2h` };
  if (ms <= 0) return { ok: false, error: `"${text}" must be longer than zero` };
  if (ms > MAX_WINDOW_MS) return { ok: false, error: `"${text}" ${TOO_LONG}` };
  return { ok: true, value: ms };
}

/**
 * The registry's `exclusionWindows` entries: each window as parseExclusionWindow reads it (with an optional
 * namespaceSelector); a bad one is a validation issue at its index with the parser's message.
 */
export const RegistryExclusionWindows = z.array(z.unknown()).transform((list, ctx) => {
  const windows: ExclusionWindow[] = [];
  for (const [index, item] of list.entries()) {
    const parsed = parseExclusionWindow(item, { namespaceSelector: true });
    if (parsed.ok) windows.push(parsed.value);
    else ctx.addIssue({ code: "custom", path: [index], message: parsed.error });
  }
  return windows;
});
