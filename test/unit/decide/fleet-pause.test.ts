import { describe, expect, it } from "vitest";
import { renderFleetTable } from "../../../cli/commands/fleet.ts";
import { clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import { Annotation } from "../../../shared/model/labels.ts";
import { fleetSummary, type ReachableCluster } from "../../../shared/usecases/fleet-status.ts";
import { configuration, NOW } from "../../support/fleet-samples.ts";

/** The fleet view of a paused configuration (docs/pause.md#the-fleet-view): who paused it, when, why. */

const record = {
  [Annotation.PausedBy]: "alice",
  [Annotation.PauseReason]: "bucket move",
  [Annotation.PausedAt]: "2026-11-26T09:00:00Z",
};

function annotated(config: BackupConfiguration, annotations: Record<string, string>): BackupConfiguration {
  return { ...config, metadata: { ...config.metadata, annotations } };
}

const facts = clusterFleetFacts(
  {
    configurations: [
      annotated(configuration("by-kss", { paused: true }), record),
      configuration("by-kubectl", { paused: true }),
      // Resumed with kubectl: the record left behind is not shown as a pause.
      annotated(configuration("resumed", { paused: false }), record),
    ],
    sessions: [],
    snapshots: [],
    repositories: [],
  },
  NOW,
);

describe("the pause record in the fleet view", () => {
  it.each([
    ["by-kss", true, { by: "alice", reason: "bucket move", at: "2026-11-26T09:00:00Z" }],
    ["by-kubectl", true, undefined],
    ["resumed", false, undefined],
  ])("%s: paused %s, record %j", (name, paused, pause) => {
    const config = facts.configurations.find((c) => c.name === name);
    expect(config?.paused).toBe(paused);
    expect(config?.pause).toEqual(pause);
  });

  it("kss fleet prints who paused a configuration, when and why, under its cluster's table", () => {
    const cluster: ReachableCluster = {
      id: "eu-1",
      kubectl: "kubectl --context eu-1",
      elapsedMs: 5,
      reachable: true,
      requests: 6,
      invalidObjects: [],
      ...facts,
    };
    const table = renderFleetTable({ now: facts.now, clusters: [cluster], summary: fleetSummary([cluster]) });
    const lines = table.split("\n").filter((l) => l.trimStart().startsWith("paused "));
    expect(lines).toEqual(["  paused apps/by-kss by alice at 2026-11-26T09:00:00Z: bucket move"]);
  });
});
