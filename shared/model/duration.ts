import { z } from "zod";

/**
 * Kubernetes `metav1.Duration` values are Go duration strings ("30s", "1h30m", "2.5m", "300ms").
 * Parsed to milliseconds; formatted back the way Go's `time.Duration.String()` prints them.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds of a Go duration string, or `undefined` when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const match = TERM.exec(rest);
    if (!match) return undefined;
    const [, amount = "", unit = ""] = match;
    const perUnit = UNIT_MS[unit];
    if (perUnit === undefined) return undefined;
    total += Number(amount) * perUnit;
  }
  return sign * total;
}

/** Go's `Duration.String()` for a whole number of milliseconds: "0s", "250ms", "32.5s", "1m30s", "1h0m0s". */
export function formatGoDuration(ms: number): string {
  const negative = ms < 0;
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return "0s";
  let out: string;
  if (rest < 1000) {
    out = `${rest}ms`;
  } else {
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = trimZeros((rest / 1000).toFixed(3));
    out =
      hours > 0 ? `${hours}h${minutes}m${seconds}s` : minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
  }
  return negative ? `-${out}` : out;
}

function trimZeros(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** A Kubernetes duration field: a Go duration string that must parse and must not be negative. */
export const GoDuration = z.string().refine((text) => {
  const ms = parseGoDuration(text);
  return ms !== undefined && ms >= 0;
}, 'must be a duration such as "30s", "5m" or "1h30m"');
