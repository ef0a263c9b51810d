/**
 * The fleet view (`kss fleet`, the dashboard, `/api/fleet`): `fleet.ts` per cluster, `fleet-session.ts` per
 * session (last success, RPO, overdue, missed), `fleet-schedule.ts` a schedule's facts at `now`,
 * `run-history.ts` the run strip and duration trend, `verification-view.ts` the verified restores.
 */
export { clusterFleetFacts } from "./fleet.ts";
export { sessionFleetFacts } from "./fleet-session.ts";
export { runHistory } from "./run-history.ts";
export { sessionVerificationViews } from "./verification-view.ts";
