/**
 * Parsing of `spec.sessions[].scheduler.schedule` with the Kubernetes CronJob's grammar, which is
 * robfig/cron v3's `ParseStandard` (the controller and the API server's validation both call it):
 *
 * - five fields, minute hour day-of-month month day-of-week, split on (Unicode) white space; each field a
 *   comma list of `*` or `?`, a number or a name (`jan`…`dec` in the month field, `sun`…`sat` in the
 *   day-of-week field, any case), a range `a-b`, each optionally with a step `/n`; `n/step` means
 *   `n-max/step`. Bounds: 0-59, 0-23, 1-31, 1-12, 0-6 (7 is not Sunday). Numbers are Go's `strconv.Atoi`
 *   ("+5" and "05" are 5). Empty list items are dropped, and a `*` or `?` ignores what follows its `-`
 *   ("*-5" is "*"): quirks of robfig's parser that the API server therefore accepts, kept here as they are.
 * - day-of-month and day-of-week: when either field holds a `*` or `?` (without a step above 1) both must
 *   match, otherwise either may (`0 0 1,15 * MON` runs on the 1st, the 15th and every Monday).
 * - descriptors, exactly as written (lower case, nothing around them): @yearly @annually @monthly
 *   @weekly @daily @midnight @hourly, and `@every <duration>` (Go's time.ParseDuration: "1h30m", "90s",
 *   "1.5h"; a delay under one second is one second, fractions of a second are dropped).
 * - an optional `CRON_TZ=<zone> ` or `TZ=<zone> ` prefix (up to the first space). The API server refuses
 *   TZ in a new CronJob's schedule and points to `spec.timeZone`; a BackupConfiguration has no such field,
 *   so the prefix stays our way to name a zone, checked by the rules of `spec.timeZone` (an IANA name, not
 *   "Local", not empty). Without one the zone is UTC (the controller uses its own process's zone).
 *
 * No seconds field, no L, W, # or H (robfig's standard parser has none). docs/decisions.md#cron-grammar.
 */

interface ScheduleBase {
  /** IANA time zone, "UTC" when the schedule names none. */
  timeZone: string;
  /** The schedule as written. */
  source: string;
}

/** A five-field schedule (descriptors other than @every are five-field schedules). */
export interface CronFieldSchedule extends ScheduleBase {
  kind: "cron";
  /** The expression without its time-zone prefix, descriptors expanded ("@hourly" → "0 * * * *"). */
  expression: string;
  /** The values each field allows, ascending. */
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: readonly number[];
  months: readonly number[];
  daysOfWeek: readonly number[];
  /** Whether the field held `*` or `?` (without a step above 1): then both day fields must match. */
  daysOfMonthStar: boolean;
  daysOfWeekStar: boolean;
}

/** `@every <duration>`: robfig's ConstantDelaySchedule, each time `everyMs` after the one before. */
export interface EverySchedule extends ScheduleBase {
  kind: "every";
  /** The expression without its time-zone prefix ("@every 1h30m"). */
  expression: string;
  /** The delay in milliseconds: whole seconds, at least 1000. */
  everyMs: number;
}

export type CronSchedule = CronFieldSchedule | EverySchedule;

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const EVERY = "@every ";

interface Bounds {
  name: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: readonly Bounds[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])),
  },
  { name: "day-of-week", min: 0, max: 6, names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])) },
];

/** Go's unicode.IsSpace, which strings.Fields and strings.TrimSpace use (not quite JavaScript's \s). */
const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const GO_FIELDS = new RegExp(`[^${GO_SPACE}]+`, "g");
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, "g");

class ParseError extends Error {}

/** Go's strconv.Atoi on a 64-bit platform: an optional sign, then decimal digits. */
function goAtoi(text: string): number {
  if (text === "") throw new ParseError("a number is missing");
  if (!/^[+-]?\d+$/.test(text)) throw new ParseError(`"${text}" is not a number`);
  const value = BigInt(text);
  if (value > 9_223_372_036_854_775_807n || value < -9_223_372_036_854_775_808n) {
    throw new ParseError(`"${text}" is out of range`);
  }
  // Beyond 2^53 the exact value no longer matters: it is above every field's maximum anyway.
  return Number(value);
}

function nonNegative(text: string): number {
  const value = goAtoi(text);
  if (value < 0) throw new ParseError(`negative number (${value}) not allowed`);
  return value;
}

function numberOrName(text: string, bounds: Bounds): number {
  const names = bounds.names;
  if (names === undefined) return nonNegative(text);
  const named = names[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^[+-]?\d+$/.test(text) && text !== "") {
    const known = Object.keys(names);
    throw new ParseError(`"${text}" is neither a number nor a name (${known[0]}…${known[known.length - 1]})`);
  }
  return nonNegative(text);
}

/** One comma-separated item: `*`, `?`, `n`, `a-b`, each with an optional `/step`. */
function parseRange(expr: string, bounds: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split("/");
  if (rangeAndStep.length > 2) throw new ParseError("too many slashes");
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-");
  const low = lowAndHigh[0] ?? "";
  let start: number;
  let end: number;
  let star = false;
  if (low === "*" || low === "?") {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    if (lowAndHigh.length > 2) throw new ParseError("too many hyphens");
    start = numberOrName(low, bounds);
    end = lowAndHigh.length === 2 ? numberOrName(lowAndHigh[1] ?? "", bounds) : start;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = nonNegative(rangeAndStep[1] ?? "");
    if (lowAndHigh.length === 1) end = bounds.max; // "n/step" is "n-max/step"
    if (step > 1) star = false;
  }
  if (start < bounds.min) throw new ParseError(`beginning of range (${start}) below minimum (${bounds.min})`);
  if (end > bounds.max) throw new ParseError(`end of range (${end}) above maximum (${bounds.max})`);
  if (start > end) throw new ParseError(`beginning of range (${start}) beyond end of range (${end})`);
  if (step === 0) throw new ParseError("step of range should be a positive number");
  for (let value = start; value <= end; value += step) into.add(value);
  return star;
}

function parseField(text: string, bounds: Bounds): { values: number[]; star: boolean } {
  const values = new Set<number>();
  let star = false;
  const items = text.split(",").filter((item) => item !== ""); // robfig's strings.FieldsFunc drops empty ones
  let item = "";
  try {
    for (item of items) if (parseRange(item, bounds, values)) star = true;
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    // Quartz's and Jenkins' L, W, # and H, which robfig reads as bad numbers
    if (/^[\d*?,/\-LW#H]+$/.test(text) && /[LW#H]/.test(text)) {
      throw new ParseError(`unsupported characters in field "${text}"`);
    }
    const where = items.length > 1 ? ` (in "${item}")` : "";
    throw new ParseError(`${bounds.name} field "${text}": ${error.message}${where}`);
  }
  return { values: [...values].sort((a, b) => a - b), star };
}

const GO_DURATION_UNITS_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_DURATION_NS = 9_223_372_036_854_775_807n;

/** Go's time.ParseDuration, in nanoseconds: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or "0". */
export function parseGoDurationNs(text: string): bigint | undefined {
  let rest = text;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0n;
  const term = /^(\d*)(?:\.(\d*))?([^.\d]+)/;
  while (rest !== "") {
    const match = term.exec(rest);
    if (match === null) return undefined;
    const [whole, integer = "", fraction, unitText = ""] = match;
    if (integer === "" && (fraction === undefined || fraction === "")) return undefined;
    const unit = GO_DURATION_UNITS_NS[unitText];
    if (unit === undefined) return undefined;
    let value = (integer === "" ? 0n : BigInt(integer)) * unit;
    if (fraction !== undefined && fraction !== "") {
      // Go scales the fraction in float64; only its whole nanoseconds count.
      value += BigInt(Math.trunc(Number(BigInt(fraction)) * (Number(unit) / 10 ** fraction.length)));
    }
    total += value;
    if (total > MAX_DURATION_NS + 1n) return undefined;
    rest = rest.slice(whole.length);
  }
  if (!negative && total > MAX_DURATION_NS) return undefined;
  return negative ? -total : total;
}

/** robfig's Every: under a second is a second; otherwise whole seconds (the fraction is dropped). */
function everyDelayMs(ns: bigint): number {
  const second = 1_000_000_000n;
  if (ns < second) return 1000;
  return Number(ns / second) * 1000;
}

/** The rules of the CronJob's `spec.timeZone` (an IANA name the runtime knows, exactly as spelled). */
export function timeZoneError(zone: string): string | undefined {
  if (zone === "") return "the time zone must not be empty";
  const unknown = `unknown time zone "${zone}"`;
  for (const part of zone.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part)) {
      return unknown;
    }
  }
  if (zone.toLowerCase() === "local") return `the time zone must be an IANA zone, not "${zone}"`;
  const known = zoneErrors.get(zone);
  if (known !== undefined) return known || undefined;
  const error = runtimeZoneError(zone, unknown);
  zoneErrors.set(zone, error ?? "");
  return error;
}

/** Checked zones: the error, or "" for a valid one. */
const zoneErrors = new Map<string, string>();
let canonicalZones: Map<string, string> | undefined;

function runtimeZoneError(zone: string, unknown: string): string | undefined {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return unknown;
  }
  // Intl ignores case where Go's time.LoadLocation does not: "europe/berlin" is no zone there.
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) return unknown;
  canonicalZones ??= new Map(Intl.supportedValuesOf("timeZone").map((z) => [z.toLowerCase(), z]));
  const canonical = canonicalZones.get(zone.toLowerCase());
  if (canonical !== undefined && canonical !== zone) return unknown;
  return undefined;
}

function parseDescriptor(spec: string, base: ScheduleBase): CronParseResult {
  const expanded = DESCRIPTORS[spec];
  if (expanded !== undefined) return parseFields(expanded, base);
  if (spec.startsWith(EVERY)) {
    const ns = parseGoDurationNs(spec.slice(EVERY.length));
    if (ns === undefined) {
      return {
        ok: false,
        error: `invalid duration in "${spec}" (a Go duration such as 90s, 15m or 1h30m)`,
      };
    }
    return { ok: true, schedule: { kind: "every", expression: spec, everyMs: everyDelayMs(ns), ...base } };
  }
  return {
    ok: false,
    error: `unrecognized descriptor "${spec}" (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`,
  };
}

function parseFields(spec: string, base: ScheduleBase): CronParseResult {
  const fields = spec.match(GO_FIELDS) ?? [];
  if (fields.length !== 5) {
    return {
      ok: false,
      error: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
    };
  }
  try {
    const [minute, hour, dom, month, dow] = fields.map((field, i) => parseField(field, FIELDS[i] as Bounds));
    if (!minute || !hour || !dom || !month || !dow) throw new Error("five fields expected");
    return {
      ok: true,
      schedule: {
        kind: "cron",
        expression: fields.join(" "),
        minutes: minute.values,
        hours: hour.values,
        daysOfMonth: dom.values,
        months: month.values,
        daysOfWeek: dow.values,
        daysOfMonthStar: dom.star,
        daysOfWeekStar: dow.star,
        ...base,
      },
    };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, error: error.message };
    throw error;
  }
}

/** A schedule as the CronJob controller reads it (robfig/cron v3 ParseStandard), or why it is not one. */
export function parseCronSchedule(source: string): CronParseResult {
  if (source === "") return { ok: false, error: "empty schedule" };
  let spec = source;
  let timeZone = "UTC";
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    if (space < 0) {
      return { ok: false, error: "a time-zone prefix must be followed by a space and a schedule" };
    }
    timeZone = spec.slice(spec.indexOf("=") + 1, space);
    const zoneError = timeZoneError(timeZone);
    if (zoneError !== undefined) return { ok: false, error: zoneError };
    spec = spec.slice(space).replace(GO_TRIM, "");
  }
  const base: ScheduleBase = { timeZone, source };
  return spec.startsWith("@") ? parseDescriptor(spec, base) : parseFields(spec, base);
}

/** Whether a UTC-like wall time's day matches: both day fields, or either when neither holds a star. */
export function dayMatches(schedule: CronFieldSchedule, dayOfMonth: number, dayOfWeek: number): boolean {
  const dom = schedule.daysOfMonth.includes(dayOfMonth);
  const dow = schedule.daysOfWeek.includes(dayOfWeek);
  return schedule.daysOfMonthStar || schedule.daysOfWeekStar ? dom && dow : dom || dow;
}
