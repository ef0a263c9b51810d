import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterInfo, type ControlPlane, startControlPlane } from "../controlplane/index.ts";
import { clientFor, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import {
  baseObjects,
  outcomeOf,
  renderDisagreements,
  renderFigures,
  runDifferential,
  sampleMutants,
} from "../support/validate-differential.ts";

/**
 * `kss validate` against the real API server (docs/validation.md#the-differential-test): a fixed-seed sample
 * of mutants of examples/ and the model samples, each judged by `kss validate -o json` and by
 * `kubectl create --dry-run=server --validate=strict` on the test control plane (the project's CRDs).
 * Every mutant the server rejects, kss rejects; every one kss rejects on schema grounds, the server rejects.
 * `npm run validate:differential` runs a bigger sample with any seed.
 */

const SEED = 16;
const COUNT = 240;

// A control plane of its own: the mutants are dry-run creates of cluster-scoped objects too (the catalog's
// Addon and Function), which other files create for real on the shared clusters (then AlreadyExists).
let plane: ControlPlane;
let cluster: ClusterInfo;
beforeAll(async () => {
  plane = await startControlPlane({ clusters: 1 });
  cluster = plane.clusters[0] as ClusterInfo;
}, 120_000);
afterAll(async () => {
  await plane?.stop();
});

describe("kss validate agrees with the API server", () => {
  it(`on ${COUNT} mutants of valid manifests (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const namespace = uniqueNamespace("validate-diff");
    await ensureNamespace(await clientFor(cluster, "admin"), namespace);
    const mutants = sampleMutants(baseObjects(namespace), COUNT, SEED);

    const run = await runDifferential(mutants, { kubeconfig: cluster.kubeconfigPath, namespace });
    process.stderr.write(`[validate-differential] seed ${SEED}\n${renderFigures(run)}\n`);

    expect(renderDisagreements(run)).toBe("");
    expect(run.counts.miss).toBe(0);
    expect(run.counts["false alarm"]).toBe(0);
    // The sample means something: both verdicts occur, and the server's rejections span several causes.
    const rejected = run.verdicts.filter((v) => !v.server.accepted);
    expect(rejected.length).toBeGreaterThan(COUNT / 5);
    expect(run.verdicts.length - rejected.length).toBeGreaterThan(COUNT / 5);
    expect(rejected.some((v) => v.server.message.includes("unknown field"))).toBe(true);
    expect(rejected.some((v) => v.server.message.includes("metadata."))).toBe(true);
    expect(rejected.some((v) => /must be of type/.test(v.server.message))).toBe(true);
    expect(run.verdicts.filter((v) => v.mutant.description.includes(": yaml ")).length).toBeGreaterThan(10);
    expect(run.verdicts.every((v) => outcomeOf(v) !== "miss")).toBe(true);
  });
});
