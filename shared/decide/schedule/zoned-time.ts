/**
 * Wall-clock facts about an instant in an IANA time zone, from the runtime's Intl data: the zone's UTC offset
 * at that instant, and the instant written as local time with its offset ("2026-10-25T02:30:00+01:00").
 * The schedule math needs the offset to tell the two instants of a repeated (fall-back) wall-clock time apart.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The local date and time of `instant` in `timeZone` (whole seconds). */
export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

const FIXED_UTC = new Set(["UTC", "Etc/UTC", "Etc/GMT", "GMT"]);

/** Milliseconds east of UTC that `timeZone` is at the instant `epochMs` (Berlin in summer: 7,200,000). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  if (FIXED_UTC.has(timeZone)) return 0;
  const w = wallClock(new Date(epochMs), timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Minutes east of UTC that `timeZone` is at `instant` (Berlin in summer: 120; New York in winter: -300). */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  return Math.round(utcOffsetMs(instant.getTime(), timeZone) / 60_000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** RFC 3339 in the zone's local time, with the offset in force: "2026-03-29T03:30:00+02:00". */
export function formatZonedTime(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  const time = `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  return `${date}T${time}${formatOffset(utcOffsetMinutes(instant, timeZone))}`;
}
