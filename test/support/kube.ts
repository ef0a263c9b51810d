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
import type { ClusterInfo } from "../controlplane/index.ts";

/** Clients for the test control plane's clusters, as admin or as the functions' identity. */

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");

export function kubeConfigFrom(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/**
 * The two identities a test drives a cluster with: `admin` (sets the scene, reads back) and `functions` (what
 * the deployed functions may do), with infra/rbac installed so the functions' identity has its rules.
 */
export async function adminAndFunctions(
  cluster: ClusterInfo,
): Promise<{ admin: KubeClient; functions: KubeClient }> {
  const admin = await clientFor(cluster, "admin");
  const functions = await clientFor(cluster, "functions");
  await installRbac(admin);
  return { admin, functions };
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

/** Minimal raw access for objects outside the model (RBAC, namespaces): POST, AlreadyExists = fine. */
export async function createRaw(client: KubeClient, collection: string, body: unknown): Promise<void> {
  try {
    await client.transport.request({ method: "POST", path: collection, body });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
  }
}

export async function ensureNamespace(admin: KubeClient, name: string, labels: Record<string, string> = {}) {
  await createRaw(admin, "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels },
  });
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

let counter = 0;
/** A namespace name unique to this test run, so tests never see each other's objects. */
export function uniqueNamespace(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`.slice(0, 63);
}
