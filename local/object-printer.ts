import type { KubeClient } from "../shared/kube/client.ts";

/**
 * Shows object changes as they happen during `npm start`: polls each cluster's BackupSessions and Snapshots
 * (one LIST each, every interval) and prints what appeared, changed phase, or went away.
 */
export class ObjectPrinter {
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clients: Array<{ id: string; client: KubeClient }>,
    private readonly print: (line: string) => void,
    private readonly intervalMs = 2_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll().catch(() => {}), this.intervalMs);
  }

  async poll(): Promise<void> {
    const current = new Map<string, string>();
    for (const { id, client } of this.clients) {
      const [sessions, snapshots] = await Promise.all([
        client.list("BackupSession"),
        client.list("Snapshot"),
      ]);
      for (const s of sessions.items) {
        current.set(`${id} BackupSession ${s.metadata.namespace}/${s.metadata.name}`, describeSession(s));
      }
      for (const s of snapshots.items) {
        current.set(
          `${id} Snapshot ${s.metadata.namespace}/${s.metadata.name}`,
          s.status?.phase ?? "(no phase)",
        );
      }
    }
    for (const [key, state] of current) {
      const before = this.seen.get(key);
      if (before === undefined) this.print(`  + ${key}  ${state}`);
      else if (before !== state) this.print(`  ~ ${key}  ${before} → ${state}`);
    }
    for (const key of this.seen.keys()) if (!current.has(key)) this.print(`  - ${key}`);
    this.seen.clear();
    for (const [k, v] of current) this.seen.set(k, v);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function describeSession(s: {
  status?: {
    phase?: string;
    duration?: string;
    retried?: boolean;
    nextRetry?: string;
    conditions?: Array<{ type: string; reason?: string; status: string }>;
  };
}): string {
  const phase = s.status?.phase ?? "(new)";
  const skipped = s.status?.conditions?.find((c) => c.type === "BackupSkipped" && c.status === "True");
  const extra = skipped ? ` (${skipped.reason})` : s.status?.duration ? ` in ${s.status.duration}` : "";
  return `${phase}${extra}${describeRetry(s.status)}`;
}

/** A failed session's retry, as the demo shows it: when it is due, held back, skipped, or made. */
function describeRetry(status: Parameters<typeof describeSession>[0]["status"]): string {
  if (status?.retried) return ", retried";
  const held = status?.conditions?.find(
    (c) => (c.type === "RetryDeferred" || c.type === "RetrySkipped") && c.status === "True",
  );
  if (held) return `, ${held.type} (${held.reason ?? ""})`;
  return status?.nextRetry ? `, retry at ${status.nextRetry.slice(11, 19)}` : "";
}
