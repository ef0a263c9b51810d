/**
 * Retries of a failed BackupSession (docs/decisions.md#retry-bookkeeping): `retry.ts` decides whether and
 * when exactly one retry is created (retryConfig, storm guard); `retry-status.ts` reads and writes the
 * bookkeeping on the failed session (`retried`, `nextRetry`).
 */
export { decideRetry } from "./retry.ts";
export { awaitsRetry } from "./retry-status.ts";
