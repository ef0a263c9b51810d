import type { Condition } from "../../model/common.ts";
import {
  BackupConfigurationCondition,
  BackupConfigurationReason,
  setCondition,
} from "../../model/conditions.ts";

/**
 * The one Invalid status of a BackupConfiguration that cannot be used as it is: one the model cannot read
 * (create-sessions, every tick) or one whose retry delay is not a duration (evaluate-failure). Both mark it the
 * same way: `phase: Invalid` and `ValidationPassed=False` (ResourceValidationFailed, with the reason), set among
 * the conditions it has (the others are kept, and so is the condition's lastTransitionTime while it stays
 * False). It reads the status as the server holds it (unparsed), since the object may not match the model.
 * Written by shared/usecases/configuration-invalid.ts.
 */

export interface InvalidConfigurationStatus {
  phase: "Invalid";
  conditions: Condition[];
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The conditions of a status as the server holds it: the entries that are objects with a type. */
function conditionsOf(status: unknown): Condition[] {
  const conditions = isRecord(status) ? status.conditions : undefined;
  if (!Array.isArray(conditions)) return [];
  return conditions.filter((c): c is Condition => isRecord(c) && typeof c.type === "string");
}

/** The status says Invalid already, for this reason (`message`). */
export function isMarkedInvalid(status: unknown, message: string): boolean {
  if (!isRecord(status) || status.phase !== "Invalid") return false;
  return conditionsOf(status).some(
    (c) =>
      c.type === BackupConfigurationCondition.ValidationPassed &&
      c.status === "False" &&
      c.reason === BackupConfigurationReason.ResourceValidationFailed &&
      c.message === message,
  );
}

/**
 * The status fields that mark the configuration Invalid for `message`, from its status as the server holds it;
 * undefined when it says so already ({@link isMarkedInvalid}): nothing to write.
 */
export function invalidConfigurationStatus(
  status: unknown,
  message: string,
  now: Date,
): InvalidConfigurationStatus | undefined {
  if (isMarkedInvalid(status, message)) return undefined;
  const conditions = setCondition(
    conditionsOf(status),
    {
      type: BackupConfigurationCondition.ValidationPassed,
      status: "False",
      reason: BackupConfigurationReason.ResourceValidationFailed,
      message,
    },
    now,
  );
  return { phase: "Invalid", conditions };
}
