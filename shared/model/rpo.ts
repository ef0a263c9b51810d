import { parseGoDuration } from "./duration.ts";

/**
 * The vocabulary of RPO targets (docs/rpo.md): the duration users write, and the condition create-sessions
 * keeps on `status.sessions[].conditions` to announce "RPO At Risk" once per crossing.
 */

const DAYS = /^(\d+)d(.*)$/;

/**
 * Milliseconds of an RPO target: a Go duration ("26h", "90m", "1h30m") or whole days in front of one ("2d",
 * "1d12h"); undefined when it is neither.
 */
export function parseRpoTarget(text: string): number | undefined {
  const trimmed = text.trim();
  const days = DAYS.exec(trimmed);
  if (days) {
    const rest = days[2] === "" ? 0 : parseGoDuration(days[2] ?? "");
    return rest === undefined || rest < 0 ? undefined : Number(days[1]) * 86_400_000 + rest;
  }
  return parseGoDuration(trimmed);
}

/** The lowest level announced by default (docs/rpo.md#the-alarm). */
export const DEFAULT_RPO_ALARM_LEVEL = 3;

/**
 * Ours, on `status.sessions[].conditions` of a BackupConfiguration (docs/rpo.md#the-alarm): True while the
 * session's RPO risk level is at or above its alarm level, the level in the reason (`Level3` … `Level5`), the
 * reason sentence in the message; False (`BelowAlarmLevel`) once it is back below; Unknown
 * (`InvalidRPOTarget`) when its target cannot be read. "RPO At Risk" is published when it turns True.
 */
export const RpoAtRiskCondition = {
  type: "RPOAtRisk",
  BelowAlarmLevel: "BelowAlarmLevel",
  InvalidTarget: "InvalidRPOTarget",
  level: (level: number) => `Level${level}`,
} as const;
