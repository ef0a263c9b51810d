import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { KubeClient } from "../shared/kube/client.ts";
import { AlreadyExistsError } from "../shared/kube/errors.ts";
import { type ModeledKind, RESOURCE_KINDS, type ResourceOf } from "../shared/model/index.ts";
import type { ClusterInfo } from "../test/controlplane/index.ts";

/** The embedded default of `npm start`: demo objects applied to each local cluster, and its registry file. */

export const DEMO_DIR = path.resolve(import.meta.dirname, "../examples/demo");

export async function readManifests(dir = DEMO_DIR): Promise<Array<{ kind: ModeledKind; object: unknown }>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml")).sort();
  const out: Array<{ kind: ModeledKind; object: unknown }> = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(path.join(dir, file), "utf8"))) {
      const object = doc.toJS() as { apiVersion?: string; kind?: string };
      const kind = (Object.keys(RESOURCE_KINDS) as ModeledKind[]).find(
        (k) => RESOURCE_KINDS[k].apiVersion === object.apiVersion && RESOURCE_KINDS[k].kind === object.kind,
      );
      if (!kind)
        throw new Error(`${file}: ${object.apiVersion}/${object.kind} is not a kind this project models`);
      out.push({ kind, object });
    }
  }
  return out;
}

/** Creates each object unless it exists (then it is left as the user may have changed it). */
export async function applyManifests(
  client: KubeClient,
  manifests: Array<{ kind: ModeledKind; object: unknown }>,
) {
  for (const { kind, object } of manifests) {
    const parsed = RESOURCE_KINDS[kind].schema.parse(object) as ResourceOf<typeof kind>;
    try {
      await client.create(kind, parsed, () => true);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
}

/** A registry naming each local cluster, authenticated as the functions' identity (RBAC applies). */
export async function writeLocalRegistry(clusters: ClusterInfo[], file: string): Promise<void> {
  const registry = {
    clusters: clusters.map((c) => ({
      id: c.id,
      displayName: `local ${c.id}`,
      labels: { env: "local" },
      credentials: { source: "kubeconfig", path: c.functionsKubeconfigPath },
    })),
  };
  await writeFile(file, `# Written by npm start for the local control plane.\n${stringify(registry)}`);
}
