import { utcOffsetMs } from "./zoned-time.ts";

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
  isoYear: number;
  isoWeek: number;
}

const DAY_MS = 86_400_000;
/** Offsets change on quarter hours at most (Adelaide at 16:30 UTC), so one lookup per quarter hour is exact. */
const SLOT_MS = 900_000;

/** ISO 8601 week and its year (the year of the week's Thursday): 2027-01-01 is in 2026-W53. */
export function isoWeekOf(year: number, month: number, day: number): { isoYear: number; isoWeek: number } {
  const date = Date.UTC(year, month - 1, day);
  const mondayBased = (new Date(date).getUTCDay() + 6) % 7;
  const thursday = date + (3 - mondayBased) * DAY_MS;
  const isoYear = new Date(thursday).getUTCFullYear();
  const isoWeek = 1 + Math.floor((thursday - Date.UTC(isoYear, 0, 1)) / (7 * DAY_MS));
  return { isoYear, isoWeek };
}

/**
 * A function from epoch milliseconds to wall-clock fields in `timeZone` (UTC when undefined). Offsets are
 * looked up once per quarter hour of UTC and kept for the life of the returned function only.
 */
export function wallClockIn(timeZone: string | undefined): (epochMs: number) => WallFields {
  const offsets = new Map<number, number>();
  const offsetAt = (epochMs: number): number => {
    if (timeZone === undefined) return 0;
    const slot = Math.floor(epochMs / SLOT_MS);
    let offset = offsets.get(slot);
    if (offset === undefined) {
      offset = utcOffsetMs(slot * SLOT_MS, timeZone);
      offsets.set(slot, offset);
    }
    return offset;
  };
  return (epochMs) => {
    const local = new Date(epochMs + offsetAt(epochMs));
    const year = local.getUTCFullYear();
    const month = local.getUTCMonth() + 1;
    const day = local.getUTCDate();
    return { year, month, day, hour: local.getUTCHours(), ...isoWeekOf(year, month, day) };
  };
}

/** The period of a rule as a number that increases with time (restic's bucket value). */
export function periodKey(rule: PeriodRule, w: WallFields): number {
  switch (rule) {
    case "hourly":
      return w.year * 1_000_000 + w.month * 10_000 + w.day * 100 + w.hour;
    case "daily":
      return w.year * 10_000 + w.month * 100 + w.day;
    case "weekly":
      return w.isoYear * 100 + w.isoWeek;
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
    case "weekly":
      return `${pad(w.isoYear, 4)}-W${pad(w.isoWeek)}`;
    case "monthly":
      return `${pad(w.year, 4)}-${pad(w.month)}`;
    case "yearly":
      return pad(w.year, 4);
  }
}
