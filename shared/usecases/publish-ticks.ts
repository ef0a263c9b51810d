import type { EventPublisher } from "../bus/publisher.ts";
import { eventFor } from "../bus/publisher.ts";
import type { ClusterRegistry } from "../clusters/registry.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { ScheduleTick } from "../model/events/schedule-tick.ts";
import { toKubeTime } from "../model/time.ts";

/**
 * Fan-out of the minute tick: one "Schedule Tick" per enabled cluster, so each cluster's work runs in its own
 * invocation and one cluster's outage never holds the others. A disabled cluster (bad registry entry) is
 * reported, not ticked.
 */

export interface PublishTicksDeps {
  loadRegistry: () => Promise<ClusterRegistry>;
  publisher: EventPublisher;
}

export interface TickReport {
  tickTime: string;
  ticked: string[];
  disabled: Array<{ id: string; error: string }>;
}

/** The minute a tick stands for: `time` floored to the minute. */
export function tickMinute(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 60_000) * 60_000);
}

export async function publishTicks(deps: PublishTicksDeps, firedAt: Date): Promise<TickReport> {
  const registry = await deps.loadRegistry();
  const tickTime = toKubeTime(tickMinute(firedAt));
  const ticked: string[] = [];
  const disabled: TickReport["disabled"] = [];
  for (const cluster of registry.clusters) {
    if (cluster.enabled) ticked.push(cluster.id);
    else disabled.push({ id: cluster.id, error: cluster.error ?? "disabled in the registry" });
  }
  const events = ticked.map((clusterId) =>
    eventFor(
      ScheduleTick,
      { version: DETAIL_VERSION, clusterId, tickTime },
      { resources: [`cluster/${clusterId}`] },
    ),
  );
  if (events.length > 0) await deps.publisher.publish(events);
  return { tickTime, ticked, disabled };
}
