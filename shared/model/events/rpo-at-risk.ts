import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/**
 * A session's RPO risk level reached its alarm level (docs/rpo.md#the-alarm): its newest recovery point is
 * (about to be) older than its RPO target. Published once per crossing: create-sessions records the level it
 * announced in the RPOAtRisk condition of the configuration's `status.sessions[]`, and announces again only
 * after the level was back below. De-duplicate on `clusterId` + `namespace` + `configuration` + `session` +
 * `since`.
 */
export const RpoAtRiskDetail = z.strictObject({
  ...DetailBase,
  namespace: z.string().min(1),
  /** The BackupConfiguration. */
  configuration: z.string().min(1),
  /** Its session at risk. */
  session: z.string().min(1),
  /** The RPO risk level now (docs/rpo.md#levels). */
  level: z.int().min(1).max(5),
  /** The level from which it is announced (registry `rpoAlarmLevel`, the configuration's annotation, or 3). */
  alarmLevel: z.int().min(2).max(5),
  /** Why, as a person reads it ("last 3 runs failed; last backup 1d2h ago, 2h past the 24h target"). */
  reason: z.string().min(1).max(1024),
  /** The RPO target as written ("26h") and in seconds. */
  target: z.string().min(1),
  targetSeconds: z.int().min(1),
  /** Seconds left until the target is passed: negative once past it. */
  timeLeftSeconds: z.int(),
  /** The last success (recovery point); absent when it was never backed up. */
  lastSuccessfulBackup: Time.optional(),
  /** When the target is (was) passed: last success (or creation) + target; the de-duplication key. */
  since: Time,
  /** When the next run would land, when one is expected. */
  projectedAt: Time.optional(),
  detectedAt: Time,
});
export type RpoAtRiskDetail = z.infer<typeof RpoAtRiskDetail>;

export const RpoAtRisk = defineEvent(
  "RPO At Risk",
  RpoAtRiskDetail,
  "A session's RPO risk level reached its alarm level: its newest backup is (about to be) older than its RPO target.",
);
