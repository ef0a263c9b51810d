/**
 * `npm run validate:differential -- --kubeconfig FILE [--count 1000] [--seed N] [--concurrency 3]`: the
 * differential check of `kss validate` against a real API server with the project's CRDs installed, bigger
 * than the suite's fixed-seed run (test/integration/validate-differential.test.ts). Prints the agreement
 * figures and every disagreement; exit 1 when there is one. Without --kubeconfig it starts a one-cluster
 * test control plane of its own (test/controlplane) and stops it at the end.
 */
import { parseArgs } from "node:util";
import { type ControlPlane, startControlPlane } from "../test/controlplane/index.ts";
import { clientFor, ensureNamespace } from "../test/support/kube.ts";
import {
  baseObjects,
  renderDisagreements,
  renderFigures,
  runDifferential,
  sampleMutants,
} from "../test/support/validate-differential.ts";

const { values } = parseArgs({
  options: {
    kubeconfig: { type: "string" },
    count: { type: "string", default: "1000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    concurrency: { type: "string", default: "3" },
    namespace: { type: "string", default: "kss-validate-differential" },
  },
});

async function main(): Promise<number> {
  const count = Number(values.count);
  const seed = Number(values.seed);
  let plane: ControlPlane | undefined;
  let kubeconfig = values.kubeconfig;
  try {
    if (kubeconfig === undefined) {
      plane = await startControlPlane({ clusters: 1 });
      const cluster = plane.clusters[0];
      if (!cluster) throw new Error("the control plane started no cluster");
      kubeconfig = cluster.kubeconfigPath;
      await ensureNamespace(await clientFor(cluster, "admin"), values.namespace);
    }
    const mutants = sampleMutants(baseObjects(values.namespace), count, seed);
    const started = Date.now();
    const run = await runDifferential(mutants, {
      kubeconfig,
      namespace: values.namespace,
      concurrency: Number(values.concurrency),
    });
    process.stdout.write(
      `seed ${seed}, ${((Date.now() - started) / 1000).toFixed(0)} s\n${renderFigures(run)}\n`,
    );
    const disagreements = renderDisagreements(run, 1000);
    if (disagreements !== "") process.stdout.write(`\n${disagreements}\n`);
    return run.counts.miss + run.counts["false alarm"] > 0 ? 1 : 0;
  } finally {
    await plane?.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `validate-differential: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
