import type { SessionFleetFacts } from "../../decide/fleet/fleet-session.ts";

/**
 * The dashboard's RPO cell (docs/rpo.md#where-it-shows): pure functions from a session's fleet facts to what
 * the page draws — with an RPO target, a badge of its risk level 1–5 in its colour, the time left (or past)
 * and the reason in the tooltip; without one, the time since the last success against the schedule interval.
 * No DOM here: main.ts (which bundles this module) turns it into elements; the unit tests call it directly.
 */

export interface RpoCell {
  /** 1–5 with a target; undefined without. */
  level?: number;
  /** The badge's text ("RPO 2") or, without a target, the interval ratio ("1.2×", "never", "-"). */
  label: string;
  /** "12h left", "3h past". */
  time?: string;
  /** The level reached the alarm level. */
  atRisk: boolean;
  /** Without a target: the schedule-interval RPO is breached. */
  breached: boolean;
  /** The tooltip, one fact a line. */
  title: string;
}

/** "45s", "12m", "3h", "3h20m", "2d5h". */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(Math.abs(seconds)));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ""}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ""}`;
}

const MEANING: Record<number, string> = {
  1: "on target",
  2: "on target now, at risk",
  3: "past the target by up to half of it",
  4: "past the target by up to twice it",
  5: "far past the target, never backed up or unreachable",
};

export function rpoCell(session: SessionFleetFacts): RpoCell {
  const risk = session.rpoRisk;
  if (risk === undefined) {
    const rpo = session.rpo;
    const label = !rpo ? "-" : rpo.ratio !== undefined ? `${rpo.ratio}×` : rpo.breached ? "never" : "-";
    return {
      label,
      atRisk: false,
      breached: rpo?.breached === true,
      title: rpo
        ? `no RPO target: ${label} of the schedule interval (${span(rpo.intervalSeconds)}) since the last success`
        : "no RPO target and no schedule",
    };
  }
  const left = risk.timeLeftSeconds;
  const lines = [
    `RPO risk level ${risk.level} of 5: ${MEANING[risk.level] ?? ""}`,
    risk.reason,
    `target ${risk.target} (${risk.source === "registry" ? "cluster default" : risk.source === "annotation" ? "configuration" : "this session"}) · passed ${left >= 0 ? "at" : "since"} ${risk.deadline}`,
  ];
  if (risk.projectedAt) lines.push(`next run lands ${risk.projectedAt}`);
  lines.push(`alarm from level ${risk.alarmLevel}${risk.atRisk ? ": announced as RPO At Risk" : ""}`);
  return {
    level: risk.level,
    label: `RPO ${risk.level}`,
    time: left >= 0 ? `${span(left)} left` : `${span(left)} past`,
    atRisk: risk.atRisk,
    breached: left < 0,
    title: lines.join("\n"),
  };
}
