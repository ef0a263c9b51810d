import { describe, expect, it } from "vitest";
import { decideReconcile } from "../../../shared/decide/session/reconcile-session.ts";
import {
  atSeconds,
  backupSession,
  configuration,
  reportSnapshot,
  S3_SNAPSHOT,
  sessionConfig,
  step,
  world,
} from "../../support/session-world.ts";

/**
 * The Snapshot's `status.phase` is the operator's to write (docs/operator-contract.md#snapshot-status-ownership):
 * once the executor reports a component Running, the Snapshot says Running — what `kubectl get snapshots`
 * shows a KubeStash user (test/integration/kubectl.test.ts found it Pending while its session was Running).
 */

function running() {
  const input = world({
    configuration: configuration(sessionConfig()),
    session: backupSession(atSeconds(0)),
  });
  const { next } = step(input, atSeconds(5)); // Snapshot and executor Job created, the Snapshot Pending
  expect(next.snapshots.find((s) => s.metadata.name === S3_SNAPSHOT)?.status?.phase).toBe("Pending");
  return reportSnapshot(next, S3_SNAPSHOT, "Running", atSeconds(10), { upload: false });
}

describe("decideReconcile writes a Snapshot's phase while its executor runs", () => {
  it("a component reported Running: one status write, and the Snapshot reads Running", () => {
    const input = running();
    const { decision, next } = step(input, atSeconds(11));
    expect(decision.actions.filter((a) => a.type === "update-snapshot-status")).toEqual([
      { type: "update-snapshot-status", name: S3_SNAPSHOT, update: { set: {}, conditions: [] } },
    ]);
    expect(next.snapshots.find((s) => s.metadata.name === S3_SNAPSHOT)?.status?.phase).toBe("Running");
    // Written once: the next round, with nothing new, writes nothing to the Snapshot.
    const again = decideReconcile(next, atSeconds(12));
    expect(again.actions.filter((a) => a.type === "update-snapshot-status")).toEqual([]);
  });
});
