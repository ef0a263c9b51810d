import { utcOffsetMs } from "../schedule/zoned-time.ts";

/**
 * The periods of restic's `forget` (hour, day, ISO week, month, year) that the retention rules bucket
 * snapshots by, computed on the wall clock of a time zone (UTC unless one is given). A period is a number
 * that grows with time, as restic's own `ymdh`/`ymd`/`yw`/`ym`/`y`, so "a new period" is "a different number
 * than the last one kept"; its label is what a plan shows (`daily 2026-11-24`).
 */

export const PERIOD_RULES = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type PeriodRule = (typeof PERIOD_RULES)[number];

/** The wall-clock fields of an instant that the periods are made of. */
export interface WallFields {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
}

const DAY_MS = 86_400_000;
/** Offsets change on quarter hours (Adelaide at 16:30 UTC), so within a day one lookup per quarter hour is exact. */
const SLOT_MS = 900_000;

/** ISO 8601 week and its year (the year of the week's Thursday): 2027-01-01 is in 2026-W53. */
export function isoWeekOf(year: number, month: number, day: number): { isoYear: number; isoWeek: number } {
  const days = Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
  // 1970-01-01 was a Thursday: Monday-based weekday 3.
  const thursday = days - ((((days + 3) % 7) + 7) % 7) + 3;
  let isoYear = year;
  if (thursday < Date.UTC(year, 0, 1) / DAY_MS) isoYear = year - 1;
  else if (thursday >= Date.UTC(year + 1, 0, 1) / DAY_MS) isoYear = year + 1;
  const isoWeek = 1 + Math.floor((thursday - Date.UTC(isoYear, 0, 1) / DAY_MS) / 7);
  return { isoYear, isoWeek };
}

/**
 * A function from epoch milliseconds to wall-clock fields in `timeZone` (UTC when undefined). The zone's
 * offset is looked up at the start and end of each UTC day; a day whose two offsets differ (a DST change) is
 * looked up per quarter hour. Lookups are kept for the life of the returned function only.
 */
export function wallClockIn(timeZone: string | undefined): (epochMs: number) => WallFields {
  const lookups = new Map<number, number>();
  const lookup = (at: number): number => {
    let offset = lookups.get(at);
    if (offset === undefined && timeZone !== undefined) {
      offset = utcOffsetMs(at, timeZone);
      lookups.set(at, offset);
    }
    return offset ?? 0;
  };
  const offsetAt = (epochMs: number): number => {
    if (timeZone === undefined) return 0;
    const dayStart = Math.floor(epochMs / DAY_MS) * DAY_MS;
    const atStart = lookup(dayStart);
    if (atStart === lookup(dayStart + DAY_MS)) return atStart;
    return lookup(Math.floor(epochMs / SLOT_MS) * SLOT_MS);
  };
  return (epochMs) => {
    const local = new Date(epochMs + offsetAt(epochMs));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
    };
  };
}

/** The period of a rule as a number that increases with time (restic's bucket value). */
export function periodKey(rule: PeriodRule, w: WallFields): number {
  switch (rule) {
    case "hourly":
      return w.year * 1_000_000 + w.month * 10_000 + w.day * 100 + w.hour;
    case "daily":
      return w.year * 10_000 + w.month * 100 + w.day;
    case "weekly": {
      const { isoYear, isoWeek } = isoWeekOf(w.year, w.month, w.day);
      return isoYear * 100 + isoWeek;
    }
    case "monthly":
      return w.year * 100 + w.month;
    case "yearly":
      return w.year;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** How a plan names the period: `2026-11-24 10:00`, `2026-11-24`, `2026-W48`, `2026-11`, `2026`. */
export function periodLabel(rule: PeriodRule, w: WallFields): string {
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  switch (rule) {
    case "hourly":
      return `${date} ${pad(w.hour)}:00`;
    case "daily":
      return date;
    case "weekly": {
      const { isoYear, isoWeek } = isoWeekOf(w.year, w.month, w.day);
      return `${pad(isoYear, 4)}-W${pad(isoWeek)}`;
    }
    case "monthly":
      return `${pad(w.year, 4)}-${pad(w.month)}`;
    case "yearly":
      return pad(w.year, 4);
  }
}
