/**
 * One BackupSession's lifecycle, decided from one load of its world (docs/model.md#step-order,
 * docs/consistency.md). `reconcile-session.ts` (`decideReconcile`) runs the steps on a draft
 * (`session-draft.ts`), in KubeStash's order:
 * 1. skip (`session-skip.ts`: configuration missing, paused, not Ready, Forbid) — or wait for a new
 *    configuration's first status;
 * 2. pre-backup hooks (`session-hooks.ts`, Jobs from `hook-job.ts`);
 * 3. Repositories and Snapshots (`session-snapshots.ts`, `repository-status.ts`, `snapshot-id.ts`);
 * 4. the executor's RBAC and Job(s) (`executor-rbac.ts`, `executor-components.ts`, `executor-job.ts`,
 *    variables by `function-variables.ts`; names and labels by `session-job-meta.ts`);
 * 5. the deadline, then the executor's reports (`snapshot-progress.ts`) and the metadata Job
 *    (`snapshot-metadata-job.ts`);
 * 6. post-backup hooks, retention entries, history cleanup (`session-history.ts`), the phase (`phase.ts`)
 *    and its summary (`session-summary.ts`), finishing (`session-finish.ts`).
 * Around it: reads to confirm an absence before acting on it (`absence.ts`), when a session is settled and
 * labelled completed (`settled.ts`), and when to look again (`follow-up.ts`).
 */

export { followUpDelaySeconds } from "./follow-up.ts";
export { decideReconcile } from "./reconcile-session.ts";
export { isSettled, settleTargets, sweepScope } from "./settled.ts";
