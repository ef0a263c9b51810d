import { z } from "zod";
import { Time } from "../common.ts";
import { DetailBase, defineEvent } from "./envelope.ts";

/** Published every minute, once per enabled cluster, by the schedule-tick function. */
export const ScheduleTickDetail = z.strictObject({
  ...DetailBase,
  /** The minute this tick stands for (seconds zero), RFC 3339. */
  tickTime: Time,
});
export type ScheduleTickDetail = z.infer<typeof ScheduleTickDetail>;

export const ScheduleTick = defineEvent(
  "Schedule Tick",
  ScheduleTickDetail,
  "One per cluster and minute: asks that cluster's create-sessions function to create what is due.",
);
