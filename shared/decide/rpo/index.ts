/**
 * RPO targets (docs/rpo.md): `target.ts` where a session's target comes from, `rpo-risk.ts` its risk level
 * 1–5 with a reason, `rpo-alarm.ts` when "RPO At Risk" is announced. The fleet view rates each session with
 * them (shared/decide/fleet/rpo-view.ts); the Schedule Tick announces (shared/usecases/rpo-watch.ts).
 */
export { decideRpoAlarm, type RpoAlarmDecision, type RpoAlarmInput } from "./rpo-alarm.ts";
export {
  clockText,
  type RpoLevel,
  type RpoRisk,
  type RpoRiskInput,
  type RpoRun,
  rpoRisk,
  spanText,
} from "./rpo-risk.ts";
export {
  hasRpoTarget,
  type RpoDefaults,
  type RpoTarget,
  rpoAlarmLevel,
  rpoConfigurationErrors,
  rpoTargetOf,
} from "./target.ts";
