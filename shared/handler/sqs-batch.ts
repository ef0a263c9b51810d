import type { FollowUp, FollowUpQueue, FollowUpTarget } from "../bus/follow-up-queue.ts";
import {
  admitPerCluster,
  DEFAULT_MAX_CONCURRENT_FOLLOW_UPS,
  DEFERRED_FOLLOW_UP_SECONDS,
} from "../decide/session/follow-up.ts";
import type { AnyEventDefinition, BaseDeps, FunctionDefinition } from "./function-definition.ts";
import { handleEvent } from "./handle-event.ts";

/**
 * The handler convention for a batch of follow-ups from SQS (docs/follow-ups.md): each message body is an
 * EventBridge envelope and goes through {@link handleEvent} as if it came from the bus (a malformed one is
 * dead-lettered, never retried). Around that: a duplicate (same id in the batch, or already handled by this
 * container) is dropped; at most `maxPerCluster` messages of one cluster are handled, at once, the others are
 * sent again with a short delay (the per-cluster cap); a message whose work failed is reported as a batch
 * item failure, so SQS delivers it again after its visibility timeout and then dead-letters it.
 */

export interface SqsRecord {
  messageId: string;
  body: string;
}

export interface SqsBatchResult {
  batchItemFailures: Array<{ itemIdentifier: string }>;
  /** Per cluster: how many messages were handled, and how many deferred by the cap. */
  admitted: Record<string, number>;
  deferred: number;
  duplicates: number;
}

export interface FollowUpDeps {
  followUps?: FollowUpQueue;
  /** Follow-ups of one cluster handled at once per batch (default {@link DEFAULT_MAX_CONCURRENT_FOLLOW_UPS}). */
  maxFollowUpsPerCluster?: number;
}

/** The ids this container handled lately: SQS may deliver a message twice (at-least-once). */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly limit: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}

const handled = new Map<string, RecentIds>();

interface Parsed {
  record: SqsRecord;
  envelope: Record<string, unknown> | undefined;
}

function parseBody(record: SqsRecord): Parsed {
  try {
    const value: unknown = JSON.parse(record.body);
    if (value && typeof value === "object" && !Array.isArray(value))
      return { record, envelope: value as Record<string, unknown> };
  } catch {}
  return { record, envelope: undefined };
}

const idOf = (p: Parsed) => (typeof p.envelope?.id === "string" ? p.envelope.id : undefined);
const clusterOf = (p: Parsed) => {
  const detail = p.envelope?.detail as { clusterId?: unknown } | undefined;
  return typeof detail?.clusterId === "string" ? detail.clusterId : "";
};

function deferredFollowUp(target: FollowUpTarget, p: Parsed): FollowUp {
  const envelope = p.envelope ?? {};
  return {
    target,
    id: idOf(p) ?? p.record.messageId,
    delaySeconds: DEFERRED_FOLLOW_UP_SECONDS,
    event: {
      detailType: String(envelope["detail-type"]),
      source: String(envelope.source),
      detail: (envelope.detail ?? {}) as object,
      ...(typeof envelope.time === "string" ? { time: new Date(envelope.time) } : {}),
    },
  };
}

export async function handleSqsBatch<E extends ReadonlyArray<AnyEventDefinition>, D extends BaseDeps, R>(
  fn: FunctionDefinition<E, D, R>,
  records: ReadonlyArray<SqsRecord>,
  deps: D & FollowUpDeps,
): Promise<SqsBatchResult> {
  const recent = handled.get(fn.name) ?? new RecentIds(20_000);
  handled.set(fn.name, recent);
  const inBatch = new Set<string>();
  const fresh: Parsed[] = [];
  let duplicates = 0;
  for (const parsed of records.map(parseBody)) {
    const id = idOf(parsed);
    if (id !== undefined && (inBatch.has(id) || recent.has(id))) {
      duplicates++;
      continue;
    }
    if (id !== undefined) inBatch.add(id);
    fresh.push(parsed);
  }
  const cap = deps.maxFollowUpsPerCluster ?? DEFAULT_MAX_CONCURRENT_FOLLOW_UPS;
  const { admitted, deferred } = admitPerCluster(fresh, clusterOf, () => cap);
  const failures: string[] = [];
  if (deferred.length > 0) {
    try {
      await deps.followUps?.send(deferred.map((p) => deferredFollowUp(fn.name as FollowUpTarget, p)));
    } catch (error) {
      deps.logger.warn("deferred follow-ups not sent again; SQS redelivers them", { error: String(error) });
      failures.push(...deferred.map((p) => p.record.messageId));
    }
  }
  const counts: Record<string, number> = {};
  await Promise.all(
    admitted.map(async (p) => {
      const cluster = clusterOf(p);
      counts[cluster] = (counts[cluster] ?? 0) + 1;
      try {
        await handleEvent(fn, p.envelope ?? p.record.body, deps);
        const id = idOf(p);
        if (id !== undefined) recent.add(id);
      } catch (error) {
        deps.logger.error("follow-up failed; SQS delivers it again", { error: String(error) });
        failures.push(p.record.messageId);
      }
    }),
  );
  return {
    batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })),
    admitted: counts,
    deferred: deferred.length,
    duplicates,
  };
}
