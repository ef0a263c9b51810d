import { PublishError } from "../bus/errors.ts";
import { ConflictError, UnavailableError } from "../kube/errors.ts";

/**
 * Bounded back-off inside one invocation for writes that failed for a reason that is not the object's own
 * fault (docs/decisions.md#transient-errors): 429, 5xx, timeouts and unreachable servers (UnavailableError,
 * after the transport's own short retries), a conflict that kept coming, events the bus did not take. A few
 * attempts within a budget well under a minute, so a due session is still created within its minute; what
 * still fails is left to the platform's retry of the whole delivery.
 */

/** Waits between attempts of one write: about 7 s in all, on top of the transport's own retries. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000];
/** No new attempt starts once this much time has passed since the retrier was made (one invocation). */
export const DEFAULT_RETRY_BUDGET_MS = 30_000;

export interface TransientRetryOptions {
  delaysMs?: readonly number[];
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds elapsed, for the budget (default: the process's monotonic clock). */
  elapsedMs?: () => number;
}

/** True for an error worth trying again later: not the configuration's own fault. */
export function isTransient(error: unknown): boolean {
  return error instanceof UnavailableError || error instanceof ConflictError || error instanceof PublishError;
}

export type Retrier = <T>(work: () => Promise<T>) => Promise<T>;

/** A retrier for one invocation: each call tries `work` again after each delay while the error is transient. */
export function transientRetry(options: TransientRetryOptions = {}): Retrier {
  const delays = options.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const budget = options.budgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = performance.now();
  const elapsed = options.elapsedMs ?? (() => performance.now() - started);
  return async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const delay = delays[attempt];
        if (!isTransient(error) || delay === undefined || elapsed() + delay > budget) throw error;
        await sleep(delay);
      }
    }
  };
}
