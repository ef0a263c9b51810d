import { z } from "zod";

/**
 * KubeStash's RetentionPeriod grammar (docs/model.md#retentionperiod): repeated `<int><unit>` with units
 * y, mo, w, d, h, m (`mo` before `m`), any order, a repeated unit overwrites, empty = zero.
 * A month is 30 days and a year 365 days.
 */
export interface RetentionPeriod {
  y: number;
  mo: number;
  w: number;
  d: number;
  h: number;
  m: number;
}

const UNITS = ["mo", "y", "w", "d", "h", "m"] as const;

export class RetentionPeriodError extends Error {
  constructor(readonly input: string) {
    super(`invalid duration provided: ${JSON.stringify(input)}`);
    this.name = "RetentionPeriodError";
  }
}

export function parseRetentionPeriod(input: string): RetentionPeriod {
  const period: RetentionPeriod = { y: 0, mo: 0, w: 0, d: 0, h: 0, m: 0 };
  const text = input.trim();
  let i = 0;
  while (i < text.length) {
    const number = /^-?\d+/.exec(text.slice(i));
    if (!number) throw new RetentionPeriodError(input);
    i += number[0].length;
    const unit = UNITS.find((u) => text.startsWith(u, i));
    if (!unit) throw new RetentionPeriodError(input);
    period[unit] = Number.parseInt(number[0], 10);
    i += unit.length;
  }
  return period;
}

export function retentionPeriodMinutes(p: RetentionPeriod): number {
  return p.m + p.h * 60 + p.d * 1440 + p.w * 7 * 1440 + p.mo * 30 * 1440 + p.y * 365 * 1440;
}

/** A `maxRetentionPeriod` field: must parse by the grammar above. */
export const RetentionPeriodString = z.string().refine((text) => {
  try {
    parseRetentionPeriod(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a retention period such as "30d", "2mo" or "1y6mo" (units y, mo, w, d, h, m)');
