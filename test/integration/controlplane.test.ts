import { randomUUID } from "node:crypto";
import path from "node:path";
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { CRD_KINDS } from "../../shared/model/crds.ts";
import { projectRoot } from "../controlplane/build.ts";
import { readCrds } from "../controlplane/crds.ts";
import type { ClusterInfo } from "../controlplane/index.ts";

const { clusters } = inject("controlPlane");
const namespace = "default";

function kubeconfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

function cluster(id: string): ClusterInfo {
  const found = clusters.find((c) => c.id === id);
  if (!found) throw new Error(`no ${id} in the control plane`);
  return found;
}

async function statusCode(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}

describe("test control plane", () => {
  it("runs at least three clusters", () => {
    expect(clusters.map((c) => c.id)).toEqual(["cluster-1", "cluster-2", "cluster-3"]);
  });

  it.each(clusters.map((c) => [c.id, c] as const))(
    "every CRD the project carries (infra/crds) is Established on %s",
    async (_, c) => {
      const { crds } = await readCrds(path.join(projectRoot, "infra", "crds"));
      const expected = crds.map((crd) => crd.metadata?.name);
      const api = kubeconfig(c.kubeconfigPath).makeApiClient(ApiextensionsV1Api);
      const { items } = await api.listCustomResourceDefinition();
      const established = items
        .filter((crd) => crd.status?.conditions?.some((x) => x.type === "Established" && x.status === "True"))
        .map((crd) => crd.metadata?.name);
      expect(expected).toHaveLength(CRD_KINDS.length);
      expect(established).toEqual(expect.arrayContaining(expected));
    },
  );

  it("prunes a field the model does not declare, keeps an open subtree whole, and applies the CRD's defaults", async () => {
    // Prepare
    const api = kubeconfig(cluster("cluster-1").kubeconfigPath).makeApiClient(CustomObjectsApi);
    const name = `pruning-${randomUUID().slice(0, 8)}`;
    const jobTemplate = {
      spec: { template: { spec: { containers: [{ name: "c", image: "i" }] } } },
      anyField: 1,
    };
    const body = {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupConfiguration",
      metadata: { name },
      spec: {
        notInTheModel: true,
        sessions: [{ name: "s", scheduler: { schedule: "@daily", jobTemplate } }],
      },
    };
    // Act
    await api.createNamespacedCustomObject({
      group: "core.kubestash.com",
      version: "v1alpha1",
      namespace,
      plural: "backupconfigurations",
      body,
    });
    const back = (await api.getNamespacedCustomObject({
      group: "core.kubestash.com",
      version: "v1alpha1",
      namespace,
      plural: "backupconfigurations",
      name,
    })) as { spec: Record<string, unknown> & { sessions: Array<Record<string, unknown>> } };
    // Assess
    expect(back.spec).not.toHaveProperty("notInTheModel");
    expect(back.spec.sessions[0]).toMatchObject({ scheduler: { jobTemplate }, sessionHistoryLimit: 1 });
  });

  it("keeps clusters apart: an object created on cluster-1 is not visible on cluster-2", async () => {
    // Prepare
    const name = `isolation-${randomUUID().slice(0, 8)}`;
    const one = kubeconfig(cluster("cluster-1").kubeconfigPath).makeApiClient(CoreV1Api);
    const two = kubeconfig(cluster("cluster-2").kubeconfigPath).makeApiClient(CoreV1Api);
    // Act
    await one.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name }, data: { from: "cluster-1" } },
    });
    // Assess
    const back = await one.readNamespacedConfigMap({ namespace, name });
    expect(back.data).toEqual({ from: "cluster-1" });
    expect(await statusCode(two.readNamespacedConfigMap({ namespace, name }))).toBe(404);
  });

  it("prunes an undeclared BackupSession status field and keeps a declared one", async () => {
    // Prepare
    const api = kubeconfig(cluster("cluster-1").kubeconfigPath).makeApiClient(CustomObjectsApi);
    const ref = { group: "core.kubestash.com", version: "v1alpha1", namespace, plural: "backupsessions" };
    const name = `prune-${randomUUID().slice(0, 8)}`;
    const spec = {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "demo" },
      session: "daily",
    };
    const created = await api.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: "core.kubestash.com/v1alpha1", kind: "BackupSession", metadata: { name }, spec },
    });
    // Act
    const deadline = "2026-01-02T03:04:05Z";
    await api.replaceNamespacedCustomObjectStatus({
      ...ref,
      name,
      body: { ...created, status: { backupDeadline: deadline, sessionDeadline: deadline } },
    });
    // Assess
    const stored = await api.getNamespacedCustomObject({ ...ref, name });
    expect(stored.status).toEqual({ backupDeadline: deadline });
    expect(stored.status).not.toHaveProperty("sessionDeadline");
  });

  it("enforces RBAC: kss-functions is Forbidden until a RoleBinding grants access", async () => {
    // Prepare
    const c = cluster("cluster-2");
    const functions = kubeconfig(c.functionsKubeconfigPath).makeApiClient(CoreV1Api);
    const rbac = kubeconfig(c.kubeconfigPath).makeApiClient(RbacAuthorizationV1Api);
    const name = `functions-read-${randomUUID().slice(0, 8)}`;
    // Act + Assess: authenticated (not 401) but not allowed
    expect(await statusCode(functions.listNamespacedConfigMap({ namespace }))).toBe(403);
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "kss-functions" }],
      },
    });
    await expect
      .poll(() => statusCode(functions.listNamespacedConfigMap({ namespace })), { timeout: 10_000 })
      .toBe(200);
    expect(await statusCode(functions.listNamespacedSecret({ namespace }))).toBe(403);
  });
});
