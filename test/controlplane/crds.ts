import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  loadAllYaml,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { ControlPlaneError, ControlPlaneTimeoutError } from "./errors.ts";

export interface CrdSet {
  crds: V1CustomResourceDefinition[];
  /** sha256 of the files' names and contents: changes whenever a CRD does. */
  digest: string;
}

/**
 * Every CustomResourceDefinition in the *.yaml files of dir, as client-node models: the typed API
 * serialises model properties (xKubernetesIntOrString), so raw YAML keys (x-kubernetes-int-or-string)
 * would be silently dropped and the API server would reject the CRD.
 */
export async function readCrds(dir: string): Promise<CrdSet> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  const crds: V1CustomResourceDefinition[] = [];
  const hash = createHash("sha256");
  for (const file of files) {
    const text = await readFile(path.join(dir, file), "utf8");
    hash.update(file).update(text);
    for (const obj of loadAllYaml(text)) {
      if ((obj as V1CustomResourceDefinition | null)?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  if (crds.length === 0) throw new ControlPlaneError(`no CustomResourceDefinition found in ${dir}`);
  return { crds, digest: hash.digest("hex") };
}

/**
 * Creates each CRD the cluster does not serve yet and waits until all are Established. Some KubeStash
 * CRDs are ~800 KB, so instead of re-reading them it polls API discovery, which lists a custom resource
 * only once its CRD is Established.
 */
export async function installCrds(
  kubeconfigPath: string,
  crds: V1CustomResourceDefinition[],
  timeoutMs = 60_000,
): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const discovery = kc.makeApiClient(CustomObjectsApi);
  let pending = await notServed(discovery, crds);
  await Promise.all(
    pending.map(async (body) => {
      try {
        await api.createCustomResourceDefinition({ body });
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 409)) {
          throw new ControlPlaneError(`could not create CRD ${body.metadata?.name}: ${describe(err)}`, {
            cause: err,
          });
        }
      }
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (pending.length > 0) {
    await new Promise((r) => setTimeout(r, 100));
    pending = await notServed(discovery, pending);
    if (pending.length > 0 && Date.now() > deadline) {
      const names = pending.map((crd) => crd.metadata?.name).join(", ");
      throw new ControlPlaneTimeoutError(`CRDs not Established after ${timeoutMs} ms: ${names}`);
    }
  }
}

/** The CRDs of which some served version is not yet listed by discovery. */
async function notServed(
  discovery: CustomObjectsApi,
  crds: V1CustomResourceDefinition[],
): Promise<V1CustomResourceDefinition[]> {
  const groupVersions = new Set(
    crds.flatMap((crd) => crd.spec.versions.map((v) => `${crd.spec.group}/${v.name}`)),
  );
  const listed = new Set<string>();
  for (const gv of groupVersions) {
    const [group = "", version = ""] = gv.split("/");
    try {
      const { resources } = await discovery.getAPIResources({ group, version });
      for (const r of resources) listed.add(`${gv}/${r.name}`);
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
  }
  return crds.filter((crd) =>
    crd.spec.versions.some(
      (v) => v.served && !listed.has(`${crd.spec.group}/${v.name}/${crd.spec.names.plural}`),
    ),
  );
}

function describe(err: unknown): string {
  if (err instanceof ApiException) return `HTTP ${err.code}: ${String(err.body).slice(0, 500)}`;
  return err instanceof Error ? err.message : String(err);
}
