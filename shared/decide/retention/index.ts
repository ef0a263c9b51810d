/**
 * Which Snapshots a RetentionPolicy keeps, and removing the data of those it does not
 * (docs/decisions.md#retention-selection, docs/retention-cleanup.md):
 * 1. `retention-policy-resolution.ts` finds the policy of a session's backend;
 * 2. `retention.ts` keeps and prunes by the policy's rules, with `retention-periods.ts` for its periods;
 * 3. `snapshot-cleanup.ts` decides, per deleted Snapshot, its cleaner Job (`snapshot-cleanup-job.ts`),
 *    failures and back-off, and when its finalizer goes.
 */
export { decideSnapshotCleanup } from "./snapshot-cleanup.ts";
