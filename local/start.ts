import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadRegistryFile } from "../shared/clusters/registry.ts";
import type { RepositoryRetention } from "../shared/usecases/prune-snapshots.ts";
import { clientFor, installRbac } from "../test/controlplane/clients.ts";
import { type ControlPlane, startControlPlane } from "../test/controlplane/index.ts";
import { applyManifests, readManifests, writeLocalRegistry } from "./demo.ts";
import { DemoExecutor } from "./demo-executor.ts";
import { ObjectPrinter } from "./object-printer.ts";
import { LocalRuntime } from "./runtime.ts";

/**
 * `npm start`: the whole function set in one process.
 *   npm start                               local control plane (2 clusters) + demo objects + demo executor
 *   npm start -- --clusters my-registry.yaml   real clusters from a registry (no demo, no executor)
 *   npm start -- --minute-ms 5000           fast-forward: a minute of schedule time every 5 s
 *   npm start -- --dashboard-port 4020      where the fleet dashboard listens (0: any free port)
 */

const { values } = parseArgs({
  options: {
    clusters: { type: "string" },
    "minute-ms": { type: "string" },
    "log-level": { type: "string", default: "WARN" },
    "events-port": { type: "string", default: "4010" },
    "dashboard-port": { type: "string", default: "4020" },
  },
});

const print = (line: string) => process.stdout.write(`${line}\n`);
const time = () => new Date().toISOString().slice(11, 19);
const root = path.resolve(import.meta.dirname, "..");

async function main(): Promise<void> {
  let plane: ControlPlane | undefined;
  let registryFile = values.clusters;
  if (!registryFile) {
    const stateDir = path.join(root, ".cache/local-controlplane");
    await mkdir(stateDir, { recursive: true });
    // The first run builds etcd and kube-apiserver from Go modules (measured on 2 cores: 98 s + 605 s), then
    // they are cached; test/controlplane/build.ts prints each build's start, a line a minute, and its end.
    print(
      "starting the local control plane (etcd + 2 kube-apiservers; the first run builds them from Go modules, ~12 min on 2 cores, then cached in .cache/controlplane/)…",
    );
    plane = await startControlPlane({ clusters: 2, stateDir, onProgress: (l) => print(`  ${l}`) });
    const manifests = await readManifests();
    for (const cluster of plane.clusters) {
      const admin = await clientFor(cluster, "admin");
      await installRbac(admin);
      await applyManifests(admin, manifests);
      await admin.transport.close();
    }
    registryFile = path.join(stateDir, "clusters.yaml");
    await writeLocalRegistry(plane.clusters, registryFile);
    print(`demo objects applied to ${plane.clusters.map((c) => c.id).join(", ")} (namespace demo)`);
    for (const c of plane.clusters)
      print(`  kubectl --kubeconfig ${c.kubeconfigPath} get backupsessions -n demo`);
  }
  const registry = await loadRegistryFile(registryFile);
  const msPerMinute = values["minute-ms"] ? Number(values["minute-ms"]) : 60_000;
  const runtime = await LocalRuntime.start({
    registry,
    msPerMinute: values["minute-ms"] ? msPerMinute : undefined,
    logLevel: values["log-level"] as "WARN",
    putEventsPort: Number(values["events-port"]),
    dashboardPort: Number(values["dashboard-port"]),
    onEvent: (e, targets) =>
      print(
        `${time()} ${e["detail-type"]} ${JSON.stringify(e.detail)} → ${targets.join(", ") || "(no subscriber)"}`,
      ),
    onDelivery: (fn, e, outcome, error, result) => {
      if (outcome !== "done")
        print(`${time()}   ${fn} ${outcome} "${e["detail-type"]}": ${String(error ?? "")}`);
      const cluster = (e.detail as { clusterId?: string }).clusterId ?? "";
      if (fn === "apply-retention")
        for (const line of prunedLines(result)) print(`${time()}   ${cluster} ${line}`);
    },
  });
  const clients = await Promise.all(
    registry.clusters
      .filter((c) => c.enabled)
      .map(async (c) => ({ id: c.id, client: await runtime.clusters.client(c.id) })),
  );
  const printer = new ObjectPrinter(clients, print);
  printer.start();
  // On the embedded default only: play the addon and the Job controller (no kubelet runs, so no Job ever
  // starts). They are cluster components, not our functions: they act as the cluster's admin.
  const executor = plane
    ? new DemoExecutor(
        await Promise.all(plane.clusters.map((c) => clientFor(c, "admin"))),
        () => runtime.clock.now(),
        // A backup takes about 2 s of schedule time, also when fast-forwarded (a 5 s minute: every 167 ms).
        Math.max(50, Math.min(2_000, msPerMinute / 30)),
      )
    : undefined;
  executor?.start();
  const endpoint = runtime.putEvents?.url ?? "";
  const first = registry.clusters.find((c) => c.enabled)?.id ?? "cluster-1";
  print(`events from other systems: PutEvents at ${endpoint}, e.g.`);
  print(`  npx kss trigger --endpoint ${endpoint} --cluster ${first} -n demo --config demo-pvc-backup`);
  if (runtime.dashboard)
    print(`fleet dashboard: ${runtime.dashboard.url} (also: npx kss fleet --registry ${registryFile})`);
  print("running; Ctrl-C to stop.");

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    print("stopping…");
    printer.stop();
    executor?.stop();
    await runtime.stop();
    await plane?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

/** What apply-retention pruned, with the plan's reason for each (its result lists them per repository). */
function prunedLines(result: unknown): string[] {
  const repositories = (result as { repositories?: RepositoryRetention[] } | undefined)?.repositories ?? [];
  return repositories.flatMap((r) =>
    r.deleted.map((d) => `pruned ${r.namespace}/${d.name} (${r.repository}): ${d.reason}`),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
