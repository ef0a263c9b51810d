import { CronExpressionParser } from "cron-parser";

/**
 * Parsing of `spec.sessions[].scheduler.schedule` with the Kubernetes CronJob's grammar: five fields
 * (minute hour day-of-month month day-of-week), the macros @yearly/@annually/@monthly/@weekly/@daily/
 * @midnight/@hourly, and an optional `CRON_TZ=<zone>` or `TZ=<zone>` prefix. The arithmetic is
 * cron-parser's; this module only enforces the CronJob grammar on top (no seconds field, no L/#/H).
 */

export interface CronSchedule {
  /** The expression without its time-zone prefix, macros expanded. */
  expression: string;
  /** IANA time zone, "UTC" when the schedule names none. */
  timeZone: string;
  source: string;
}

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const NAMES = /^(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)$/i;

/** A field is numbers, `*`, `?` or month/day names joined by `,` `-` `/` (no L, #, H: CronJob has none). */
function isCronJobField(field: string): boolean {
  return field.split(/[,/-]/).every((token) => /^(?:\d+|\*|\?)$/.test(token) || NAMES.test(token));
}

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function parseCronSchedule(source: string): CronParseResult {
  let text = source.trim();
  let timeZone = "UTC";
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (tz) {
    timeZone = tz[1] ?? "";
    text = (tz[2] ?? "").trim();
    if (!isValidTimeZone(timeZone)) return { ok: false, error: `unknown time zone "${timeZone}"` };
  } else if (/^(?:CRON_TZ|TZ)=/.test(text)) {
    return { ok: false, error: "a time-zone prefix must be followed by a schedule" };
  }
  if (text.startsWith("@")) {
    const expanded = MACROS[text.toLowerCase()];
    if (!expanded)
      return {
        ok: false,
        error: `unknown macro "${text}" (use @yearly, @monthly, @weekly, @daily or @hourly)`,
      };
    text = expanded;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    return {
      ok: false,
      error: `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
    };
  }
  const bad = fields.find((f) => !isCronJobField(f));
  if (bad !== undefined) return { ok: false, error: `unsupported characters in field "${bad}"` };
  try {
    CronExpressionParser.parse(text, { tz: timeZone, strict: false });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return { ok: true, schedule: { expression: text, timeZone, source } };
}
