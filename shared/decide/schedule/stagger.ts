import { createHash } from "node:crypto";

/**
 * Opt-in staggering (annotation `serverless.kubestash.com/stagger-window`): many configurations on the same
 * schedule ("0 2 * * *") would all start in the same minute; each session is instead started a fixed offset
 * after its scheduled time. The offset comes from a hash of namespace/configuration/session, so it is the same
 * on every tick and every replica, spread evenly over [0, window), in whole seconds.
 *
 * The window is narrowed so a staggered start always comes at least one tick before the schedule's next
 * time: the minute tick that starts it must still see this scheduled time as the newest one.
 */

/** How often the scheduler ticks: a staggered start happens on the first tick at or after it. */
export const TICK_MS = 60_000;

/** The key the offset is derived from. */
export function staggerKey(namespace: string, configurationName: string, sessionName: string): string {
  return `${namespace}/${configurationName}/${sessionName}`;
}

/** A number in [0, 1) that depends only on `key`. */
function hashFraction(key: string): number {
  const digest = createHash("sha256").update(key).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/**
 * The offset in milliseconds after `scheduledTime` at which the session for `key` starts: in
 * [0, min(window, following − scheduledTime − one tick)), whole seconds; 0 without a window.
 */
export function staggerOffsetMs(
  key: string,
  windowMs: number | undefined,
  scheduledTime: Date,
  following: Date | undefined,
): number {
  if (windowMs === undefined || windowMs <= 0) return 0;
  const room = following === undefined ? windowMs : following.getTime() - scheduledTime.getTime() - TICK_MS;
  const span = Math.min(windowMs, room);
  if (span <= 0) return 0;
  return Math.floor((hashFraction(key) * span) / 1000) * 1000;
}
