import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import type { DeadLetterEntry, DeadLetterQueue } from "../../../shared/bus/dead-letter.ts";
import { ManualClock } from "../../../shared/clock.ts";
import { type BaseDeps, defineFunction } from "../../../shared/handler/function-definition.ts";
import { lambdaHandler } from "../../../shared/handler/lambda.ts";
import { observability } from "../../../shared/handler/observability.ts";
import { BackupSessionCreated, ScheduleTick } from "../../../shared/model/events/index.ts";

class RecordingDeadLetters implements DeadLetterQueue {
  readonly entries: DeadLetterEntry[] = [];
  async send(entry: DeadLetterEntry): Promise<void> {
    this.entries.push(entry);
  }
}

const context = {
  functionName: "test-fn",
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:test-fn",
  memoryLimitInMB: "512",
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const tick = (clusterId: string) => ({
  id: "evt-1",
  "detail-type": "Schedule Tick",
  source: "kubestash-serverless",
  time: "2026-11-26T12:00:00Z",
  detail: { version: "1", clusterId, tickTime: "2026-11-26T12:00:00Z" },
});

function setup(buildDeps?: () => Promise<BaseDeps>) {
  const obs = observability("test-fn");
  vi.spyOn(obs.metrics, "publishStoredMetrics").mockImplementation(() => obs.metrics);
  const deadLetters = new RecordingDeadLetters();
  const runs: string[] = [];
  const fn = defineFunction({
    name: "test-fn",
    accepts: [ScheduleTick, BackupSessionCreated] as const,
    async run(event, deps: BaseDeps) {
      runs.push(`${event["detail-type"]}:${event.detail.clusterId}`);
      deps.logger.info("ran");
      return "ok";
    },
  });
  const build = vi.fn(
    buildDeps ?? (async () => ({ ...obs, clock: new ManualClock(new Date(0)), deadLetters })),
  );
  return { handler: lambdaHandler(fn, build, obs), deadLetters, runs, build, obs };
}

describe("the handler convention (a real middy handler)", () => {
  it("runs the use case for a valid event and builds its dependencies once per container", async () => {
    const { handler, runs, build } = setup();
    await expect(handler(tick("a"), context)).resolves.toEqual({ status: "done", result: "ok" });
    await handler(tick("b"), context);
    expect(runs).toEqual(["Schedule Tick:a", "Schedule Tick:b"]);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it.each([
    [
      "a bad field",
      { ...tick("a"), detail: { version: "1", clusterId: "Bad_Id", tickTime: "2026-11-26T12:00:00Z" } },
      "detail.clusterId",
    ],
    ["an unknown detail-type", { ...tick("a"), "detail-type": "Something Else" }, "detail-type"],
    ["not an object at all", "garbage", "detail-type"],
  ])(
    "sends an event with %s to the dead-letter queue with the reason, and throws nothing",
    async (_case, event, path) => {
      // Prepare
      const { handler, deadLetters, runs } = setup();
      // Act
      const outcome = await handler(event, context);
      // Assess
      expect(outcome).toMatchObject({ status: "rejected" });
      expect(runs).toEqual([]);
      expect(deadLetters.entries).toHaveLength(1);
      expect(deadLetters.entries[0]).toMatchObject({ functionName: "test-fn", event });
      expect(deadLetters.entries[0]?.issues?.map((i) => i.path)).toContain(path);
      expect(deadLetters.entries[0]?.reason).toMatch(/invalid/);
    },
  );

  it("retries building dependencies on the next call when the first build failed", async () => {
    const obs = observability("test-fn");
    let calls = 0;
    const { handler } = setup(async () => {
      calls++;
      if (calls === 1) throw new Error("registry not readable yet");
      return { ...obs, clock: new ManualClock(new Date(0)), deadLetters: new RecordingDeadLetters() };
    });
    await expect(handler(tick("a"), context)).rejects.toThrow("registry not readable yet");
    await expect(handler(tick("a"), context)).resolves.toMatchObject({ status: "done" });
  });

  it("lets a failure of the work itself escape, so the platform retries it", async () => {
    const obs = observability("test-fn");
    const deadLetters = new RecordingDeadLetters();
    const fn = defineFunction({
      name: "failing",
      accepts: [ScheduleTick] as const,
      async run() {
        throw new Error("cluster unreachable");
      },
    });
    const handler = lambdaHandler(
      fn,
      async () => ({ ...obs, clock: new ManualClock(new Date(0)), deadLetters }),
      obs,
    );
    await expect(handler(tick("a"), context)).rejects.toThrow("cluster unreachable");
    expect(deadLetters.entries).toEqual([]);
  });
});
