import { describe, expect, it, vi } from "vitest";
import type { EventPublisher, OutgoingEvent } from "../../../shared/bus/publisher.ts";
import { ManualClock } from "../../../shared/clock.ts";
import type { ClusterClients } from "../../../shared/kube/cluster-clients.ts";
import { UnavailableError } from "../../../shared/kube/errors.ts";
import { type ScheduleClusterDeps, scheduleCluster } from "../../../shared/usecases/schedule-cluster.ts";

/**
 * What a function keeps between invocations lives in its use case, per container (README.md#handler-convention):
 * create-sessions' outage throttle is kept with the container's publisher, so a second container (a second
 * local runtime in one process) starts afresh while one container publishes "Cluster Unreachable" once an hour.
 */

class Recording implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  async publish(events: OutgoingEvent[]) {
    this.events.push(...events);
    return { eventIds: events.map((_, i) => `e${i}`), retriedEntries: 0 };
  }
}

function container(publisher: EventPublisher, clock: ManualClock): ScheduleClusterDeps {
  const clusters = {
    cluster: () => ({ entry: undefined }),
    client: async () => {
      throw new UnavailableError("connect ECONNREFUSED", "one");
    },
  } as unknown as ClusterClients;
  return {
    clusters,
    publisher,
    clock,
    metrics: { addMetric: vi.fn(), addDimension: vi.fn() },
    logger: { info: vi.fn(), warn: vi.fn(), error: vi.fn() },
  };
}

describe("per-container state of a use case", () => {
  it("one container throttles Cluster Unreachable to once an hour; another container has its own", async () => {
    const clock = new ManualClock(new Date("2026-12-01T12:00:00Z"));
    const first = new Recording();
    const deps = container(first, clock);
    await expect(scheduleCluster(deps, "one")).rejects.toThrow(UnavailableError);
    clock.set(new Date("2026-12-01T12:01:00Z"));
    await expect(scheduleCluster(deps, "one")).rejects.toThrow(UnavailableError);
    expect(first.events.map((e) => e.detailType)).toEqual(["Cluster Unreachable"]);
    const second = new Recording();
    await expect(scheduleCluster(container(second, clock), "one")).rejects.toThrow(UnavailableError);
    expect(second.events.map((e) => e.detailType)).toEqual(["Cluster Unreachable"]);
    clock.set(new Date("2026-12-01T13:01:00Z"));
    await expect(scheduleCluster(deps, "one")).rejects.toThrow(UnavailableError);
    expect(first.events).toHaveLength(2);
  });
});
