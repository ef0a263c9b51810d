/**
 * A real control plane for people and the local runtime:
 *   npx tsx test/controlplane/cli.ts up [--clusters 2] [--state-dir DIR] [--verbose]
 *   npx tsx test/controlplane/cli.ts build [--controller-manager]
 * `up` prints each cluster's kubeconfig paths and stays up until Ctrl-C.
 */
import { parseArgs } from "node:util";
import { ensureControlPlaneBinaries, startControlPlane } from "./index.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    clusters: { type: "string", default: "2" },
    "state-dir": { type: "string" },
    "controller-manager": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const command = positionals[0] ?? "up";
  if (command === "build") {
    const bins = await ensureControlPlaneBinaries({ controllerManager: values["controller-manager"] });
    console.log(`binaries in ${bins.binDir}`);
    return;
  }
  if (command !== "up") throw new Error(`unknown command ${command}; use "up" or "build"`);
  const clusters = Number(values.clusters);
  if (!Number.isInteger(clusters) || clusters < 1) throw new Error(`--clusters must be a positive integer`);

  const started = Date.now();
  const plane = await startControlPlane({
    clusters,
    stateDir: values["state-dir"],
    onLog: values.verbose ? log : undefined,
  });
  console.log(
    `control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s; state: ${plane.stateFile}`,
  );
  for (const c of plane.clusters) {
    console.log(`${c.id}  ${c.server}`);
    console.log(`  admin:         KUBECONFIG=${c.kubeconfigPath}`);
    console.log(`  kss-functions: KUBECONFIG=${c.functionsKubeconfigPath}`);
  }
  console.log("Ctrl-C to stop.");

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping control plane…");
    await plane.stop();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
