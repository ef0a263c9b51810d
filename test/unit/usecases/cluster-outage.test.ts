import { describe, expect, it } from "vitest";
import { UnknownClusterError } from "../../../shared/clusters/errors.ts";
import { ForbiddenError, UnavailableError } from "../../../shared/kube/errors.ts";
import { ClusterOutages, outageKind } from "../../../shared/usecases/cluster-outage.ts";
import { RecordingPublisher } from "../../support/lifecycle.ts";

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 12, minutes));

describe("ClusterOutages", () => {
  it.each([
    [new UnavailableError("connect ECONNREFUSED", "c"), "unavailable"],
    [new ForbiddenError("forbidden", "c", 403), "forbidden"],
    [new UnknownClusterError(["c"], []), "credentials"],
    [new Error("a bug"), undefined],
  ])("classifies %s as %s", (error, kind) => {
    expect(outageKind(error)).toBe(kind);
  });

  it("publishes Cluster Unreachable once an hour per cluster, keeps `since`, re-throws, and forgets after a success", async () => {
    const publisher = new RecordingPublisher();
    const outages = new ClusterOutages(publisher);
    const down = async () => {
      throw new UnavailableError("connect ECONNREFUSED 127.0.0.1:6443", "prod");
    };
    for (const minute of [0, 1, 2]) {
      await expect(outages.watch("prod", () => t(minute), down)).rejects.toBeInstanceOf(UnavailableError);
    }
    await expect(outages.watch("prod", () => t(61), down)).rejects.toThrow();
    const details = publisher.ofType("Cluster Unreachable").map((e) => e.detail);
    expect(details).toEqual([
      expect.objectContaining({
        clusterId: "prod",
        failure: "unavailable",
        since: "2026-11-26T12:00:00Z",
        detectedAt: "2026-11-26T12:00:00Z",
      }),
      expect.objectContaining({ since: "2026-11-26T12:00:00Z", detectedAt: "2026-11-26T13:01:00Z" }),
    ]);
    await expect(
      outages.watch(
        "prod",
        () => t(62),
        async () => "ok",
      ),
    ).resolves.toBe("ok");
    await expect(
      outages.watch(
        "other",
        () => t(62),
        async () => {
          throw new Error("a bug");
        },
      ),
    ).rejects.toThrow("a bug");
    expect(publisher.events).toHaveLength(2);
  });
});
