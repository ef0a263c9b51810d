import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Agent, request } from "undici";
import type { ClusterInfo } from "../controlplane/index.ts";
import { kubeConfigFrom } from "./kube.ts";

/**
 * A fault-injecting HTTPS proxy on loopback in front of a REAL kube-apiserver: requests pass through to the
 * API server unless a fault is queued or an outage is on, in which case the proxy answers with that status
 * instead (429, 503, …) — so tests see the real server's behaviour plus exactly the failures they ask for.
 */

export interface Fault {
  status: number;
  retryAfterSeconds?: number;
  /** Only requests whose method and path match; all when omitted. */
  match?: (method: string, path: string) => boolean;
}

export class FaultProxy {
  private faults: Fault[] = [];
  private readonly outages = new Set<Fault>();
  readonly seen: Array<{ method: string; path: string; status: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: Agent,
    private readonly cluster: ClusterInfo,
  ) {}

  static async start(cluster: ClusterInfo, identity: "admin" | "functions" = "admin"): Promise<FaultProxy> {
    const pki = path.dirname(cluster.caFile);
    const kc = kubeConfigFrom(
      identity === "admin" ? cluster.kubeconfigPath : cluster.functionsKubeconfigPath,
    );
    const tls: { ca?: unknown; cert?: unknown; key?: unknown } = {};
    await kc.applyToHTTPSOptions(tls as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
    const upstream = new Agent({
      connect: { ca: tls.ca, cert: tls.cert, key: tls.key } as Agent.Options["connect"],
    });
    let proxy: FaultProxy | undefined;
    const server = createServer(
      { cert: readFileSync(path.join(pki, "serving.crt")), key: readFileSync(path.join(pki, "serving.key")) },
      (req, res) => void proxy?.handle(req, res),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    proxy = new FaultProxy(server, `https://127.0.0.1:${port}`, upstream, cluster);
    return proxy;
  }

  /** Answers the next `count` matching requests with the fault instead of forwarding them. */
  inject(fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Answers every matching request with the fault until the returned function is called (an outage). */
  outage(fault: Fault): () => void {
    this.outages.add(fault);
    return () => this.outages.delete(fault);
  }

  /** Drops the queued faults that no request consumed. */
  clear(): void {
    this.faults = [];
  }

  /** A kubeconfig for the same identity, pointed at this proxy. */
  kubeConfig(identity: "admin" | "functions" = "admin"): KubeConfig {
    const kc = kubeConfigFrom(
      identity === "admin" ? this.cluster.kubeconfigPath : this.cluster.functionsKubeconfigPath,
    );
    const current = kc.getCurrentCluster();
    const clusters = kc.clusters.map((c) => (c.name === current?.name ? { ...c, server: this.url } : c));
    const copy = new KubeConfig();
    copy.loadFromOptions({
      clusters,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    return copy;
  }

  private async handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const index = this.faults.findIndex((f) => !f.match || f.match(method, url));
    const ongoing = [...this.outages].find((f) => !f.match || f.match(method, url));
    if (index >= 0 || ongoing) {
      const fault = index >= 0 ? this.faults.splice(index, 1)[0] : ongoing;
      const status = fault?.status ?? 503;
      this.seen.push({ method, path: url, status });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault?.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      res.writeHead(status, headers);
      res.end(
        JSON.stringify({
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          code: status,
          message: "injected fault",
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.authorization;
    try {
      const upstream = await request(`${this.cluster.server}${url}`, {
        method: method as "GET",
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        dispatcher: this.upstream,
      });
      this.seen.push({ method, path: url, status: upstream.statusCode });
      res.writeHead(upstream.statusCode, {
        "content-type": String(upstream.headers["content-type"] ?? "application/json"),
      });
      res.end(Buffer.from(await upstream.body.arrayBuffer()));
    } catch (error) {
      res.writeHead(502);
      res.end(String(error));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await this.upstream.close();
  }
}
