import type { Condition } from "../../model/common.ts";
import { type ConditionInput, findCondition } from "../../model/conditions.ts";
import { RpoAtRiskCondition as R } from "../../model/rpo.ts";

/**
 * Whether a tick announces "RPO At Risk" for a session, and what it records (docs/rpo.md#the-alarm). The
 * RPOAtRisk condition on the configuration's `status.sessions[]` is what was announced: True with the level
 * (`Level3` …) while at or above the alarm level, False once back below, Unknown while the target cannot be
 * read. Announced when it turns True (once per crossing); rewritten only when its status or level changes,
 * never for the reason's text alone (which changes every minute), so a steady session costs no write.
 */

export interface RpoAlarmInput {
  /** The session's RPOAtRisk condition as the configuration's status holds it. */
  conditions?: ReadonlyArray<Condition>;
  /** The session's rating; undefined when it has no target. */
  risk?: { level: number; alarmLevel: number; reason: string };
  /** Its target cannot be read. */
  error?: string;
}

export interface RpoAlarmDecision {
  /** Publish "RPO At Risk" now. */
  announce: boolean;
  /** The condition to set, when it changes. */
  condition?: ConditionInput;
}

export function decideRpoAlarm(input: RpoAlarmInput): RpoAlarmDecision {
  const previous = findCondition(input.conditions, R.type);
  if (input.error !== undefined) {
    const same =
      previous?.status === "Unknown" &&
      previous.reason === R.InvalidTarget &&
      previous.message === input.error;
    return same
      ? { announce: false }
      : {
          announce: false,
          condition: { type: R.type, status: "Unknown", reason: R.InvalidTarget, message: input.error },
        };
  }
  const risk = input.risk;
  if (risk !== undefined && risk.level >= risk.alarmLevel) {
    const reason = R.level(risk.level);
    const announce = previous?.status !== "True";
    if (!announce && previous?.reason === reason) return { announce: false };
    return {
      announce,
      condition: { type: R.type, status: "True", reason, message: `level ${risk.level}: ${risk.reason}` },
    };
  }
  // Below the alarm level (or no target any more): recorded only when it was not already.
  if (previous === undefined || previous.status === "False") return { announce: false };
  return {
    announce: false,
    condition: {
      type: R.type,
      status: "False",
      reason: R.BelowAlarmLevel,
      message: risk ? `level ${risk.level}: ${risk.reason}` : "no RPO target",
    },
  };
}
