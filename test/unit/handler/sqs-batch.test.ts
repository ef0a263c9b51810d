import { describe, expect, it, vi } from "vitest";
import type { FollowUp } from "../../../shared/bus/follow-up-queue.ts";
import { ManualClock } from "../../../shared/clock.ts";
import { type BaseDeps, defineFunction } from "../../../shared/handler/function-definition.ts";
import { observability } from "../../../shared/handler/observability.ts";
import { handleSqsBatch } from "../../../shared/handler/sqs-batch.ts";
import { SessionFollowUp } from "../../../shared/model/events/index.ts";

const followUp = (id: string, clusterId: string, name = id) => ({
  messageId: `m-${id}-${Math.random()}`,
  body: JSON.stringify({
    version: "0",
    id,
    "detail-type": "BackupSession Follow Up",
    source: "kubestash-serverless",
    detail: {
      version: "1",
      clusterId,
      namespace: "demo",
      name,
      uid: `uid-${name}`,
      attempt: 1,
      sinceProgress: 1,
    },
  }),
});

function setup(fail: (name: string) => boolean = () => false) {
  const obs = observability("reconcile-session", { logLevel: "SILENT" });
  const sent: FollowUp[] = [];
  const deadLetters = { send: vi.fn(async () => {}) };
  const runs: string[] = [];
  const fn = defineFunction({
    name: `reconcile-session-${Math.random()}`,
    accepts: [SessionFollowUp] as const,
    async run(event, _deps: BaseDeps) {
      if (fail(event.detail.name)) throw new Error("API server said 503");
      runs.push(`${event.detail.clusterId}/${event.detail.name}`);
    },
  });
  const deps = {
    ...obs,
    clock: new ManualClock(new Date(0)),
    deadLetters,
    followUps: { send: async (f: FollowUp[]) => void sent.push(...f) },
    maxFollowUpsPerCluster: 2,
  };
  return { fn, deps, sent, runs, deadLetters };
}

describe("handleSqsBatch: a batch of follow-ups from SQS", () => {
  it("handles each message once: a duplicate in the batch or seen before by this container is dropped", async () => {
    // Prepare
    const { fn, deps, runs } = setup();
    // Act
    const first = await handleSqsBatch(fn, [followUp("k1", "c1"), followUp("k1", "c1")], deps);
    const again = await handleSqsBatch(fn, [followUp("k1", "c1")], deps);
    // Assess
    expect(runs).toEqual(["c1/k1"]);
    expect(first.duplicates).toBe(1);
    expect(again.duplicates).toBe(1);
  });

  it("handles at most the cap per cluster and sends the rest again with a delay", async () => {
    const { fn, deps, runs, sent } = setup();
    const batch = ["a", "b", "c", "d"].map((n) => followUp(n, "c1")).concat(followUp("e", "c2"));
    const result = await handleSqsBatch(fn, batch, deps);
    expect(runs.sort()).toEqual(["c1/a", "c1/b", "c2/e"]);
    expect(result.admitted).toEqual({ c1: 2, c2: 1 });
    expect(sent.map((f) => [f.id, f.target, f.delaySeconds])).toEqual([
      ["c", expect.stringContaining("reconcile-session"), 5],
      ["d", expect.stringContaining("reconcile-session"), 5],
    ]);
    expect(result.batchItemFailures).toEqual([]);
  });

  it("reports a failed message as a batch item failure (SQS delivers it again), the others succeed", async () => {
    const { fn, deps, runs } = setup((name) => name === "bad");
    const bad = followUp("bad", "c1");
    const result = await handleSqsBatch(fn, [bad, followUp("good", "c1")], deps);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(runs).toEqual(["c1/good"]);
  });

  it("dead-letters a malformed message instead of failing it", async () => {
    const { fn, deps, deadLetters } = setup();
    const result = await handleSqsBatch(fn, [{ messageId: "m1", body: "{not json" }], deps);
    expect(result.batchItemFailures).toEqual([]);
    expect(deadLetters.send).toHaveBeenCalledTimes(1);
  });
});
