import { describe, expect, it } from "vitest";
import { renderFleetTable } from "../../../cli/commands/fleet.ts";
import { clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import { decideOperatorPresence, operatorStatus } from "../../../shared/decide/operator/operator-presence.ts";
import type { BackupConfiguration } from "../../../shared/model/index.ts";
import {
  fleetSummary,
  needsAttention,
  type ReachableCluster,
} from "../../../shared/usecases/fleet-status.ts";
import { ago, configuration, HOUR, NOW } from "../../support/fleet-samples.ts";
import { endpointSliceFor, operatorFootprint } from "../../support/operator-footprint.ts";

/**
 * The fleet view of a cluster held by the KubeStash operator's footprint (docs/migration.md#the-fleet-view):
 * read from the KubeStashOperatorPresent condition create-sessions keeps, no extra LIST.
 */

const f = operatorFootprint();
const installed = decideOperatorPresence({
  deployments: f.deployments,
  webhookConfigurations: [f.validating],
  cronJobs: [f.cronJob],
  services: [f.service],
  endpointSlices: [endpointSliceFor(f.service)],
  clusterId: "cluster-1",
});
const leftover = decideOperatorPresence({
  ...installed,
  webhookConfigurations: [f.validating],
  cronJobs: [],
  deployments: [],
  services: [],
  endpointSlices: [],
  clusterId: "cluster-1",
});

/** Created a few minutes ago: nothing overdue yet. */
const fresh = { createdAt: ago(5 * 60_000) };

function marked(config: BackupConfiguration, presence: typeof installed, at: Date): BackupConfiguration {
  return { ...config, status: operatorStatus(presence, config, at) ?? config.status };
}

function cluster(configurations: BackupConfiguration[]): ReachableCluster {
  const facts = clusterFleetFacts({ configurations, sessions: [], snapshots: [], repositories: [] }, NOW);
  return {
    id: "cluster-1",
    kubectl: "kubectl",
    elapsedMs: 3,
    reachable: true,
    requests: 4,
    invalidObjects: [],
    ...facts,
  };
}

describe("the fleet view of a cluster with the KubeStash operator's footprint", () => {
  it("names the cluster 'KubeStash operator present', with the newest condition's message and since when", () => {
    const c = cluster([
      marked(configuration("db", fresh), installed, ago(2 * HOUR)),
      marked(configuration("web", fresh), installed, ago(HOUR)),
    ]);
    expect(c.operator).toEqual({
      state: "present",
      since: "2026-11-26T11:30:00Z",
      message: installed.message,
      configurations: 2,
    });
    expect(c.configurations.map((x) => x.operator?.state)).toEqual(["present", "present"]);
    const status = { now: c.now, clusters: [c], summary: fleetSummary([c]) };
    expect(status.summary).toMatchObject({ operatorPresent: 1, leftoverWebhook: 0 });
    expect(needsAttention(status)).toBe(false);
    const table = renderFleetTable(status);
    expect(table).toContain(
      "CLUSTER cluster-1 · reachable · KubeStash operator present since 2026-11-26T11:30:00Z · 2 configurations",
    );
    expect(table).toContain(`  ${installed.message}\n`);
    expect(table).toContain("· 1 with the KubeStash operator present\n");
  });

  it("marks a leftover webhook, and the fleet needs attention (no backup can run there)", () => {
    const c = cluster([marked(configuration("db"), leftover, ago(HOUR))]);
    expect(c.operator?.state).toBe("leftover-webhook");
    const status = { now: c.now, clusters: [c], summary: fleetSummary([c]) };
    expect(status.summary.leftoverWebhook).toBe(1);
    expect(needsAttention(status)).toBe(true);
    expect(renderFleetTable(status)).toContain(
      "LEFTOVER KUBESTASH WEBHOOK (every BackupSession write rejected)",
    );
  });

  it("says nothing for a cluster whose configurations carry no True condition", () => {
    const cleared = decideOperatorPresence({
      deployments: [],
      webhookConfigurations: [],
      cronJobs: [],
      services: [],
      endpointSlices: [],
    });
    const once = marked(configuration("db"), installed, ago(HOUR));
    const c = cluster([marked(once, cleared, NOW), configuration("web")]);
    expect(c.operator).toBeUndefined();
    expect(c.configurations.every((x) => x.operator === undefined)).toBe(true);
  });
});
