import type { KubeConfig } from "@kubernetes/client-node";

/** How long a loaded KubeConfig is reused before its file or secret is read again (picks up rotations). */
export const KUBECONFIG_MAX_AGE_MS = 5 * 60_000;

interface CachedKubeConfig {
  /** The registry entry it was made from; a changed entry is loaded afresh. */
  fingerprint: string;
  loadedAt: number;
  kubeConfig: Promise<KubeConfig>;
}

/**
 * KubeConfigs per cluster id, kept between calls (a warm Lambda reuses them). Concurrent callers for one
 * cluster share one load; a failed load is forgotten so the next call tries again.
 */
export class KubeConfigCache {
  private readonly byClusterId = new Map<string, CachedKubeConfig>();

  constructor(private readonly maxAgeMs: number = KUBECONFIG_MAX_AGE_MS) {}

  /** The cached KubeConfig for `clusterId`, or the result of `load` when there is none fresh. */
  get(
    clusterId: string,
    fingerprint: string,
    nowMs: number,
    load: () => Promise<KubeConfig>,
  ): Promise<KubeConfig> {
    const cached = this.byClusterId.get(clusterId);
    if (
      cached !== undefined &&
      cached.fingerprint === fingerprint &&
      nowMs - cached.loadedAt < this.maxAgeMs
    ) {
      return cached.kubeConfig;
    }
    const kubeConfig = load();
    const entry: CachedKubeConfig = { fingerprint, loadedAt: nowMs, kubeConfig };
    this.byClusterId.set(clusterId, entry);
    kubeConfig.catch(() => {
      if (this.byClusterId.get(clusterId) === entry) this.byClusterId.delete(clusterId);
    });
    return kubeConfig;
  }

  /** Forgets one cluster's KubeConfig, e.g. after the API server answered 401 with it. */
  invalidate(clusterId: string): void {
    this.byClusterId.delete(clusterId);
  }

  clear(): void {
    this.byClusterId.clear();
  }

  get size(): number {
    return this.byClusterId.size;
  }
}
