import type { KubeClient } from "../kube/client.ts";
import type { ResourceOf } from "../model/index.ts";
import { Annotation } from "../model/labels.ts";
import { isTransient, type Retrier } from "./transient-retry.ts";

/**
 * The writes of one Schedule Tick (shared/usecases/create-sessions.ts), for backups and verifications alike
 * (tick-verifications.ts): each with the tick's back-off, a failure noted on its outcome, never thrown; and the
 * one create path of a due object of either kind (docs/verification.md#scheduling).
 */

/** What the writes need of the tick. */
export interface TickWrites {
  client: KubeClient;
  retry: Retrier;
}

/** The key a configuration's session (or "*" for all of them) is grouped under on a tick. */
export const scheduleKey = (namespace: string | undefined, configuration: string, session: string) =>
  `${namespace ?? ""}/${configuration}/${session}`;

/** A session's or a verification's outcome on the tick: what its create did, and any write's failure. */
export interface Noted {
  name?: string;
  created?: boolean;
  lagSeconds?: number;
  error?: string;
  transient?: boolean;
}

/** Runs one write with the tick's back-off; a failure is noted on `outcome` (never thrown) and gives undefined. */
export async function attempt<T>(
  context: Pick<TickWrites, "retry">,
  outcome: Noted,
  what: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await context.retry(work);
  } catch (error) {
    noteFailure(outcome, what, error);
    return undefined;
  }
}

export function noteFailure(outcome: Noted, what: string, error: unknown): void {
  const message = `${what}: ${String(error)}`;
  outcome.error = outcome.error ? `${outcome.error}; ${message}` : message;
  outcome.transient = outcome.transient === true || isTransient(error);
}

/** What one due object of either kind needs created on this tick (the plan's `create`, with its kind). */
export interface DueCreate<K extends "BackupSession" | "BackupVerificationSession"> {
  kind: K;
  desired: ResourceOf<K>;
  scheduledTime: Date;
  /** Created Skipped: its status, written before anyone hears of it; undefined for a run to start. */
  skipped?: (current: ResourceOf<K>) => ResourceOf<K>["status"];
  /** Running objects of the same kind that concurrencyPolicy Replace displaces: marked replaced. */
  replaces: readonly string[];
}

/**
 * Creates one due BackupSession or BackupVerificationSession — one path for both kinds
 * (docs/verification.md#scheduling) — and what must be true of it before anyone hears of it: a Skipped one gets
 * its phase (reconcile-session must never see it without one), the ones it replaces are marked.
 */
export async function createDue<K extends "BackupSession" | "BackupVerificationSession">(
  context: TickWrites,
  outcome: Noted,
  due: DueCreate<K>,
  now: Date,
): Promise<void> {
  const { client } = context;
  // A create whose answer was lost may have happened: when a retry then finds the same object, it is ours.
  let failedOnce = false;
  const made = await attempt(context, outcome, "create", async () => {
    try {
      return await client.create(due.kind, due.desired);
    } catch (error) {
      failedOnce = true;
      throw error;
    }
  });
  if (made === undefined) return;
  const { object } = made;
  const meta = (object as { metadata: { name: string; namespace?: string } }).metadata;
  const created = made.created || failedOnce;
  outcome.name = meta.name;
  outcome.created = created;
  outcome.lagSeconds = Math.max(0, (now.getTime() - due.scheduledTime.getTime()) / 1000);
  const skipped = due.skipped;
  if (created && skipped !== undefined) {
    await attempt(context, outcome, "skipped status", () =>
      client.updateStatus(
        due.kind,
        meta.namespace,
        meta.name,
        (current) =>
          (current as { status?: { phase?: string } }).status?.phase ? undefined : skipped(current),
        { known: object },
      ),
    );
  }
  for (const running of due.replaces) {
    await attempt(context, outcome, `mark ${running} replaced`, () =>
      client.patch(due.kind, meta.namespace, running, {
        metadata: { annotations: { [Annotation.ReplacedBy]: meta.name } },
      }),
    );
  }
}
