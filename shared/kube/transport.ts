import type { KubeConfig } from "@kubernetes/client-node";
import { Agent, fetch } from "undici";
import { errorFromStatus, type KubeStatus, UnavailableError } from "./errors.ts";

/**
 * HTTP to one cluster's API server. Authentication and TLS material come from @kubernetes/client-node's
 * KubeConfig (client certificates, bearer tokens, exec plugins, refreshed by it); requests go through one
 * keep-alive connection pool per cluster, each with a timeout, retried with backoff on 429/5xx and network
 * failures (honouring Retry-After), then mapped to the typed errors of errors.ts.
 */

export interface TransportOptions {
  clusterId: string;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Attempts for a retryable failure (429, 5xx, network) before UnavailableError. */
  maxAttempts?: number;
  /** First backoff; doubles per attempt, with jitter. */
  backoffMs?: number;
  /** Longest Retry-After we wait for; longer ones end the retries. */
  maxRetryAfterMs?: number;
  connections?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Accept header; JSON by default (e.g. `application/json;as=Table;v=v1;g=meta.k8s.io` for kubectl's table). */
  accept?: string;
}

/** Counts what went over the wire, for benchmarks and tests. */
export interface RequestStats {
  requests: number;
  retries: number;
  byMethod: Record<string, number>;
  /** Bytes of the response bodies received (what a LIST costs the API server to send). */
  responseBytes: number;
}

const RETRYABLE_NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|UND_ERR|socket|other side closed|fetch failed/i;

export class KubeTransport {
  readonly stats: RequestStats = { requests: 0, retries: 0, byMethod: {}, responseBytes: 0 };
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly server: string;
  private readonly agent: Agent;

  private constructor(
    private readonly kubeConfig: KubeConfig,
    tls: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean },
    readonly options: TransportOptions,
  ) {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new UnavailableError("kubeconfig names no cluster server", options.clusterId);
    this.server = server.replace(/\/$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.backoffMs = options.backoffMs ?? 100;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.agent = new Agent({
      connections: options.connections ?? 16,
      keepAliveTimeout: 30_000,
      // A connection that takes longer than a request may is given up with it (undici's default: 10 s), so a
      // hung server never keeps sockets (and a closing pool) waiting long after the caller gave up.
      connect: { ...tls, timeout: this.timeoutMs } as Agent.Options["connect"],
    });
  }

  static async create(kubeConfig: KubeConfig, options: TransportOptions): Promise<KubeTransport> {
    const opts: { ca?: unknown; cert?: unknown; key?: unknown; rejectUnauthorized?: boolean } = {};
    await kubeConfig.applyToHTTPSOptions(opts as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
    const { ca, cert, key, rejectUnauthorized } = opts;
    return new KubeTransport(kubeConfig, { ca, cert, key, rejectUnauthorized }, options);
  }

  get clusterId(): string {
    return this.options.clusterId;
  }

  /** Sends a request and returns the parsed JSON body, or throws a typed KubeError. */
  async request(req: KubeRequest): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(req);
      if (outcome.ok) return outcome.body;
      const { error, retryable, retryAfterMs } = outcome;
      if (!retryable || attempt >= this.maxAttempts) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) throw error;
      this.stats.retries++;
      const backoff = this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      await this.sleep(retryAfterMs ?? backoff);
    }
  }

  private async attempt(
    req: KubeRequest,
  ): Promise<
    { ok: true; body: unknown } | { ok: false; error: Error; retryable: boolean; retryAfterMs?: number }
  > {
    this.stats.requests++;
    this.stats.byMethod[req.method] = (this.stats.byMethod[req.method] ?? 0) + 1;
    const headers: Record<string, string> = { accept: req.accept ?? "application/json" };
    const auth: { headers?: Record<string, string> } = {};
    await this.kubeConfig.applyToHTTPSOptions(auth as Parameters<KubeConfig["applyToHTTPSOptions"]>[0]);
    Object.assign(headers, auth.headers);
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(this.url(req), {
        method: req.method,
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const detail = describeNetworkError(cause);
      const error = new UnavailableError(`${req.method} ${req.path}: ${detail}`, this.clusterId, undefined, {
        cause,
      });
      return { ok: false, error, retryable: RETRYABLE_NETWORK.test(detail) || isTimeout(cause) };
    }
    const text = await response.text();
    this.stats.responseBytes += Buffer.byteLength(text);
    const body = text === "" ? undefined : safeJson(text);
    if (response.ok) return { ok: true, body };
    const error = errorFromStatus(this.clusterId, response.status, body as KubeStatus | undefined);
    const retryable = error instanceof UnavailableError;
    return { ok: false, error, retryable, retryAfterMs: retryAfter(response.headers.get("retry-after")) };
  }

  private url(req: KubeRequest): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) params.set(key, String(value));
    }
    const query = params.toString();
    return `${this.server}${req.path}${query ? `?${query}` : ""}`;
  }

  /** Closes the pool once requests in flight are done; `force` ends them (and connects under way) at once. */
  async close(options: { force?: boolean } = {}): Promise<void> {
    await (options.force ? this.agent.destroy() : this.agent.close());
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500) };
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code = cause && typeof cause === "object" && "code" in cause ? String(cause.code) : "";
  if (isTimeout(error)) return "request timed out";
  return [error.message, code, cause instanceof Error ? cause.message : ""].filter(Boolean).join(": ");
}
