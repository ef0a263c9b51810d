/**
 * When a BackupSession is due: the CronJob controller's rules, as pure functions of (objects, now)
 * (docs/costs.md#scheduling-lag, docs/decisions.md#cron-grammar). A tick, in order:
 * 1. `cron.ts` reads the schedule as robfig/cron v3 does; `schedule-times.ts` and `zoned-time.ts` find its
 *    times in a zone (daylight saving as the controller has it).
 * 2. `session-schedule-input.ts` gathers a session's facts (its sessions, last time, resume, stagger window,
 *    the parsed schedule); `schedule-state.ts` reads when scheduling resumed.
 * 3. `due-sessions.ts` decides create / skip-create / replace / wait / missed-deadline / paused …;
 *    `stagger.ts` offsets the start; `schedule-windows.ts` moves it past exclusion windows (Wait) or skips it
 *    (Skip), and the start window expires it (docs/windows.md; the specs are parsed by
 *    shared/model/schedule-windows.ts).
 * 4. `schedule-plan.ts` makes one plan per configuration: the BackupSession to create (`new-session.ts`),
 *    the overdue notice (`overdue-notice.ts`), and after the creates the status facts, with the missed runs
 *    counted once (`missed-schedules.ts`).
 * 5. `verification-plan.ts` runs each verified repository's verifier scheduler through the same engine
 *    (`schedule-subject.ts`: a BackupVerificationSession subject names the object, keys the stagger and words
 *    the Forbid message), with the BackupVerificationSession to create (`new-verification-session.ts`).
 * `schedule-next.ts` answers `kss schedule next|due` with the same rules, and `nextRunStart`: when a
 * session's next run actually starts given its windows (docs/windows.md#next-run).
 */
export { parseCronSchedule } from "./cron.ts";
export { decideSessionSchedule, nextScheduleAfter } from "./due-sessions.ts";
export { newlyMissedRuns } from "./missed-schedules.ts";
export { newBackupSession } from "./new-session.ts";
export {
  concurrentVerificationSkippedStatus,
  newVerificationSession,
} from "./new-verification-session.ts";
export { nextRunStart, windowDelay } from "./schedule-next.ts";
export { createdEventMessage, planConfigurationSchedule, scheduleFactsAfter } from "./schedule-plan.ts";
export { verificationSubject } from "./schedule-subject.ts";
export { openWindowsAt, placeStart, sessionWindows } from "./schedule-windows.ts";
export { sessionScheduleInput } from "./session-schedule-input.ts";
export { planVerificationSchedule } from "./verification-plan.ts";
