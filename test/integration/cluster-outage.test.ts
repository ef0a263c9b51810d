import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, KubeTransport, UnavailableError } from "../../shared/kube/index.ts";
import { type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { kubeConfigFrom } from "../support/kube.ts";

/**
 * A cluster whose API server stops in the middle of a test: its calls fail fast with UnavailableError, the
 * other cluster keeps answering, and the stopped one answers again once restarted. This file runs its own
 * control plane (2 clusters) so that stopping one disturbs no other test.
 */

let plane: ControlPlane;
const clients: Record<string, KubeClient> = {};

beforeAll(async () => {
  plane = await startControlPlane({ clusters: 2 });
  for (const c of plane.clusters) {
    clients[c.id] = new KubeClient(
      await KubeTransport.create(kubeConfigFrom(c.kubeconfigPath), {
        clusterId: c.id,
        timeoutMs: 2_000,
        backoffMs: 50,
      }),
    );
  }
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(clients).map((c) => c.transport.close()));
  await plane?.stop();
});

describe("one cluster stopped mid-test", () => {
  it("fails fast with Unavailable for the stopped cluster while the other keeps working, then recovers", async () => {
    const [a, b] = plane.clusters;
    if (!a || !b) throw new Error("two clusters");
    const clientA = clients[a.id] as KubeClient;
    const clientB = clients[b.id] as KubeClient;
    // Both answer before the outage.
    await expect(clientA.list("BackupSession")).resolves.toMatchObject({ items: [] });
    await expect(clientB.list("BackupSession")).resolves.toMatchObject({ items: [] });

    await plane.stopCluster(b.id);
    const started = Date.now();
    const [onA, onB] = await Promise.allSettled([
      clientA.list("BackupConfiguration"),
      clientB.list("BackupConfiguration"),
    ]);
    const elapsed = Date.now() - started;

    expect(onA.status).toBe("fulfilled");
    expect(onB.status).toBe("rejected");
    const error = (onB as PromiseRejectedResult).reason as UnavailableError;
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error.clusterId).toBe(b.id);
    expect(error.message).toMatch(/ECONNREFUSED|refused|fetch failed|closed/i);
    expect(elapsed).toBeLessThan(3_000);

    await plane.restartCluster(b.id);
    await expect(clientB.list("BackupConfiguration")).resolves.toMatchObject({ items: [] });
  });
});
