/**
 * Times in tests, as offsets from an origin, each helper named by its unit, so `atSeconds(30)` means the same
 * in every file (an `at()` once meant seconds in one file, minutes or milliseconds in others):
 *
 *   const { atSeconds } = clockFrom(nextHour());
 *   atSeconds(22); // 22 s after the origin
 */

export interface TestClock {
  readonly origin: Date;
  atMs(ms: number): Date;
  atSeconds(seconds: number): Date;
  atMinutes(minutes: number): Date;
  /** A `now` that stays at that many seconds after the origin (for use cases that take `() => Date`). */
  frozenAtSeconds(seconds: number): () => Date;
}

export function clockFrom(origin: Date): TestClock {
  const atMs = (ms: number) => new Date(origin.getTime() + ms);
  const atSeconds = (seconds: number) => atMs(seconds * 1000);
  return {
    origin,
    atMs,
    atSeconds,
    atMinutes: (minutes: number) => atMs(minutes * 60_000),
    frozenAtSeconds: (seconds: number) => () => atSeconds(seconds),
  };
}

/** A time written out in full (ISO 8601). */
export const utc = (iso: string): Date => new Date(iso);
