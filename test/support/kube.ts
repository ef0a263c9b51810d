import path from "node:path";
import { AlreadyExistsError, type KubeClient } from "../../shared/kube/index.ts";
import { clientFor, installRbac, kubeConfigFrom } from "../controlplane/clients.ts";
import type { ClusterInfo } from "../controlplane/index.ts";

export { clientFor, installRbac, kubeConfigFrom };

/** Clients for the test control plane's clusters, as admin or as the functions' identity. */

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");

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

let counter = 0;
/** A namespace name unique to this test run, so tests never see each other's objects. */
export function uniqueNamespace(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}-${Date.now().toString(36)}`.slice(0, 63);
}
