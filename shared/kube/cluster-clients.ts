import { type ClusterCredentialsDeps, kubeConfigFor } from "../clusters/credentials.ts";
import { UnknownClusterError } from "../clusters/errors.ts";
import type { ClusterRegistry, RegisteredCluster } from "../clusters/registry.ts";
import { KubeClient } from "./client.ts";
import { KubeTransport, type TransportOptions } from "./transport.ts";

/**
 * One KubeClient per registered cluster, made on first use and reused for the life of the container (one
 * connection pool per cluster). A disabled cluster or one whose credentials fail raises a typed error for
 * that cluster only.
 */
export class ClusterClients {
  private readonly clients = new Map<string, Promise<KubeClient>>();

  constructor(
    readonly registry: ClusterRegistry,
    private readonly options: {
      credentials?: ClusterCredentialsDeps;
      transport?: Omit<TransportOptions, "clusterId">;
    } = {},
  ) {}

  cluster(id: string): RegisteredCluster {
    const found = this.registry.clusters.find((c) => c.id === id);
    if (!found)
      throw new UnknownClusterError(
        [id],
        this.registry.clusters.map((c) => c.id),
      );
    return found;
  }

  async client(id: string): Promise<KubeClient> {
    let client = this.clients.get(id);
    if (!client) {
      client = this.connect(id);
      this.clients.set(id, client);
      client.catch(() => this.clients.delete(id));
    }
    return client;
  }

  private async connect(id: string): Promise<KubeClient> {
    const kubeConfig = await kubeConfigFor(this.cluster(id), this.options.credentials);
    return new KubeClient(
      await KubeTransport.create(kubeConfig, { ...this.options.transport, clusterId: id }),
    );
  }

  /** Closes every client's pool; `force` also ends requests still in flight (a caller that gave up on them). */
  async close(options: { force?: boolean } = {}): Promise<void> {
    const settled = await Promise.allSettled(this.clients.values());
    this.clients.clear();
    await Promise.all(
      settled.map((s) => (s.status === "fulfilled" ? s.value.transport.close(options) : undefined)),
    );
  }
}
