import type { Clock } from "../shared/clock.ts";

/**
 * The fast-forwarded clock of `npm start -- --minute-ms N`: time runs continuously, one minute every N real
 * milliseconds, from `start`. Continuous rather than jumping by minutes, so what happens within a minute —
 * follow-ups seconds apart, a retry's nextRetry at :30, a session's duration — keeps its proportions.
 */
export class FastForwardClock implements Clock {
  private readonly realStart = performance.now();

  constructor(
    private readonly start: Date,
    private readonly msPerMinute: number,
  ) {}

  now(): Date {
    const elapsed = (performance.now() - this.realStart) * (60_000 / this.msPerMinute);
    return new Date(this.start.getTime() + Math.floor(elapsed));
  }
}
