import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { ClusterUnreachable } from "../model/events/cluster-unreachable.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { toKubeTime } from "../model/time.ts";
import { type ErrorKind, errorKindOf } from "./fleet-status.ts";

/**
 * Makes a cluster's outage visible: when work on a cluster fails because it cannot be reached (or its
 * credentials fail), publish "Cluster Unreachable" — at most once an hour per cluster and container, with
 * `since` kept across repeats of one outage — and let the error go on, so only that cluster's work fails.
 */

const REPEAT_MS = 3_600_000;

export type OutageKind = "unavailable" | "credentials" | "forbidden";

const OUTAGE_OF: Partial<Record<ErrorKind, OutageKind>> = {
  UnavailableError: "unavailable",
  ForbiddenError: "forbidden",
  ClusterCredentialsError: "credentials",
  ClusterDisabledError: "credentials",
  ClusterRegistryError: "credentials",
};

/** Which kind of outage an error is, or undefined when it is not one (a bug, a bad object). */
export function outageKind(error: unknown): OutageKind | undefined {
  return OUTAGE_OF[errorKindOf(error)];
}

export class ClusterOutages {
  private readonly since = new Map<string, Date>();
  private readonly lastPublished = new Map<string, number>();

  constructor(private readonly publisher: EventPublisher) {}

  /** Runs `work` for a cluster; an outage error is published (throttled) and re-thrown. */
  async watch<T>(clusterId: string, now: () => Date, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.since.delete(clusterId);
      return result;
    } catch (error) {
      const failure = outageKind(error);
      if (failure) await this.report(clusterId, failure, error, now());
      throw error;
    }
  }

  private async report(clusterId: string, failure: OutageKind, error: unknown, now: Date): Promise<void> {
    const since = this.since.get(clusterId) ?? now;
    this.since.set(clusterId, since);
    const last = this.lastPublished.get(clusterId);
    if (last !== undefined && now.getTime() - last < REPEAT_MS) return;
    this.lastPublished.set(clusterId, now.getTime());
    const message = error instanceof Error ? error.message : String(error);
    await this.publisher.publish([
      eventFor(ClusterUnreachable, {
        version: DETAIL_VERSION,
        clusterId,
        error: message.slice(0, 1024) || failure,
        failure,
        since: toKubeTime(since),
        detectedAt: toKubeTime(now),
      }),
    ]);
  }
}
