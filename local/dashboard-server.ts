import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../shared/clock.ts";
import type { ClusterRegistry } from "../shared/clusters/registry.ts";
import { answerDashboard, type DashboardDeps } from "../shared/dashboard/routes.ts";
import { ClusterClients } from "../shared/kube/cluster-clients.ts";
import { fleetCoverage } from "../shared/usecases/coverage.ts";
import {
  DEFAULT_CLUSTER_TIMEOUT_MS,
  fleetStatus,
  fleetTransportOptions,
} from "../shared/usecases/fleet-status.ts";

/**
 * The fleet dashboard on loopback for the local run (`npm start`): the same pages, `/api/fleet` and
 * `/api/coverage` as the fleet-dashboard function, from the same routes (shared/dashboard/routes.ts). It has its own clients to the
 * clusters (short timeouts, its own request counts), so it never queues behind the functions' work.
 */

export interface DashboardServerOptions {
  registry: ClusterRegistry;
  clock: Clock;
  /** 0: any free port. */
  port?: number;
  refreshSeconds?: number;
  clusterTimeoutMs?: number;
  /** Requests that failed unexpectedly (answered 500). */
  onError?: (error: unknown) => void;
}

export class DashboardServer {
  private constructor(
    private readonly server: Server,
    private readonly clusters: ClusterClients,
    readonly url: string,
  ) {}

  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const timeoutMs = options.clusterTimeoutMs ?? DEFAULT_CLUSTER_TIMEOUT_MS;
    const clusters = new ClusterClients(options.registry, { transport: fleetTransportOptions(timeoutMs) });
    const deps: DashboardDeps = {
      clock: options.clock,
      refreshSeconds: options.refreshSeconds,
      fleet: (selection, now) => fleetStatus({ clusters, clusterTimeoutMs: timeoutMs }, selection, now),
      coverage: (selection, now) => fleetCoverage({ clusters, clusterTimeoutMs: timeoutMs }, selection, now),
    };
    const server = createServer((req, res) => void handle(deps, req, res, options.onError));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", resolve);
    });
    const address = server.address() as AddressInfo;
    return new DashboardServer(server, clusters, `http://127.0.0.1:${address.port}/`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.clusters.close({ force: true });
  }
}

async function handle(
  deps: DashboardDeps,
  req: IncomingMessage,
  res: ServerResponse,
  onError: DashboardServerOptions["onError"],
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const method = req.method ?? "GET";
  try {
    const response = await answerDashboard(
      { method, path: url.pathname, query: Object.fromEntries(url.searchParams) },
      deps,
    );
    res.writeHead(response.status, response.headers);
    res.end(method === "HEAD" ? undefined : response.body);
  } catch (error) {
    onError?.(error);
    res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: "the fleet view failed", detail: String(error) }));
  }
}
