import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import {
  AlreadyExistsError,
  KubeClient,
  KubeTransport,
  type TransportOptions,
} from "../../shared/kube/index.ts";
import type { ClusterInfo } from "./index.ts";

/**
 * Clients for the control plane's clusters (tests, benchmarks and `npm start`), as admin or as the functions'
 * identity, and infra/rbac installed so that identity has its rules.
 */

const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");

export function kubeConfigFrom(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

export async function clientFor(
  cluster: ClusterInfo,
  identity: "admin" | "functions",
  options: Partial<TransportOptions> = {},
): Promise<KubeClient> {
  const file = identity === "admin" ? cluster.kubeconfigPath : cluster.functionsKubeconfigPath;
  return new KubeClient(
    await KubeTransport.create(kubeConfigFrom(file), { clusterId: cluster.id, ...options }),
  );
}

/**
 * Installs every file of infra/rbac (the functions' ClusterRole and binding, the executor's ClusterRole) into a
 * cluster, as `kubectl apply -f infra/rbac/` would: an object that exists already is replaced, so a cluster
 * kept from an earlier run gets the current rules.
 */
export async function installRbac(admin: KubeClient): Promise<void> {
  const dir = path.join(PROJECT_ROOT, "infra/rbac");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const text = readFileSync(path.join(dir, file), "utf8");
    for (const doc of parseAllDocuments(text)) {
      const object = doc.toJS() as { kind: string; metadata: { name: string } };
      const plural = object.kind === "ClusterRole" ? "clusterroles" : "clusterrolebindings";
      const collection = `/apis/rbac.authorization.k8s.io/v1/${plural}`;
      try {
        await admin.transport.request({ method: "POST", path: collection, body: object });
      } catch (error) {
        if (!(error instanceof AlreadyExistsError)) throw error;
        const objectPath = `${collection}/${encodeURIComponent(object.metadata.name)}`;
        await admin.transport.request({ method: "PUT", path: objectPath, body: object });
      }
    }
  }
}
