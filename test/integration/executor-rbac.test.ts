import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideExecutorRbac, type ExecutorRbacInput } from "../../shared/decide/session/executor-rbac.ts";
import { ForbiddenError, type KubeClient } from "../../shared/kube/index.ts";
import {
  EXECUTOR_CLUSTER_ROLE,
  EXECUTOR_SERVICE_ACCOUNT,
  executorRoleBindingName,
  type RoleBinding,
  type SessionConfig,
} from "../../shared/model/index.ts";
import { ExecutorRoleBindingConflictError, ensureExecutorRbac } from "../../shared/usecases/executor-rbac.ts";
import { adminAndFunctions, createRaw, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { backupSession, sessionConfig } from "../support/session-world.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The executor's identity on a real API server: the functions (as kss-functions, bound to infra/rbac's
 * ClusterRole) ensure the ServiceAccount and RoleBindings, then the API server's own authorizer is asked, by
 * SubjectAccessReview as that ServiceAccount, about every call the executor makes and some it must never make.
 */

const one = sharedCluster();

let admin: KubeClient;
let functions: KubeClient;
const ns = uniqueNamespace("exec-rbac");
const storageNs = uniqueNamespace("exec-rbac-storage");
const keysNs = uniqueNamespace("exec-rbac-keys");
const otherNs = uniqueNamespace("exec-rbac-other");

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(one));
  for (const namespace of [ns, storageNs, keysNs, otherNs]) await ensureNamespace(admin, namespace);
});

afterAll(async () => {
  await admin.transport.close();
  await functions.transport.close();
});

function planFor(over: Partial<ExecutorRbacInput> = {}) {
  const session = backupSession();
  session.metadata.namespace = ns;
  return decideExecutorRbac({
    session,
    sessionConfig: sessionConfig(),
    storageNamespaces: [storageNs],
    encryptionSecretNamespaces: [keysNs],
    ...over,
  });
}

interface Call {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
}

/** Asks the API server's authorizer whether the ServiceAccount may make `call` (as its token would be seen). */
async function allowed(serviceAccount: { namespace: string; name: string }, call: Call): Promise<boolean> {
  const review = (await admin.transport.request({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${serviceAccount.namespace}`,
          "system:authenticated",
        ],
        resourceAttributes: call,
      },
    },
  })) as { status?: { allowed?: boolean } };
  return review.status?.allowed === true;
}

const describeCall = (c: Call) =>
  `${c.verb} ${c.group ? `${c.group}/` : ""}${c.resource}${c.subresource ? `/${c.subresource}` : ""} in ${
    c.namespace === ns ? "the session's namespace" : c.namespace || "all namespaces"
  }`;

/** Every call of docs/operator-contract.md#executor-reads-and-writes, where the executor makes it. */
const EXECUTOR_CALLS: Call[] = [
  { verb: "get", group: "core.kubestash.com", resource: "backupsessions", namespace: ns, name: "s" },
  { verb: "get", group: "core.kubestash.com", resource: "backupconfigurations", namespace: ns, name: "c" },
  { verb: "get", group: "storage.kubestash.com", resource: "snapshots", namespace: ns, name: "snap" },
  { verb: "list", group: "storage.kubestash.com", resource: "snapshots", namespace: ns },
  { verb: "watch", group: "storage.kubestash.com", resource: "snapshots", namespace: ns },
  ...["get", "update", "patch"].map((verb) => ({
    verb,
    group: "storage.kubestash.com",
    resource: "snapshots",
    subresource: "status",
    namespace: ns,
    name: "snap",
  })),
  { verb: "get", group: "storage.kubestash.com", resource: "repositories", namespace: ns, name: "repo" },
  {
    verb: "get",
    group: "storage.kubestash.com",
    resource: "backupstorages",
    namespace: storageNs,
    name: "s3",
  },
  { verb: "get", group: "", resource: "secrets", namespace: storageNs, name: "s3-credentials" },
  { verb: "get", group: "", resource: "secrets", namespace: keysNs, name: "encryption" },
  { verb: "create", group: "", resource: "events", namespace: ns },
];

/** Calls the executor never makes: each must be denied. */
const FORBIDDEN_CALLS: Call[] = [
  { verb: "delete", group: "", resource: "secrets", namespace: ns, name: "s3-credentials" },
  { verb: "list", group: "", resource: "secrets", namespace: ns },
  { verb: "list", group: "", resource: "secrets", namespace: otherNs },
  { verb: "get", group: "", resource: "secrets", namespace: otherNs, name: "s3-credentials" },
  { verb: "get", group: "core.kubestash.com", resource: "backupsessions", namespace: otherNs, name: "s" },
  { verb: "patch", group: "core.kubestash.com", resource: "backupsessions", namespace: ns, name: "s" },
  { verb: "update", group: "storage.kubestash.com", resource: "snapshots", namespace: ns, name: "snap" },
  { verb: "delete", group: "storage.kubestash.com", resource: "snapshots", namespace: ns, name: "snap" },
  { verb: "create", group: "batch", resource: "jobs", namespace: ns },
  { verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: ns },
  // Cluster-wide (all namespaces): nothing.
  { verb: "list", group: "storage.kubestash.com", resource: "snapshots", namespace: "" },
];

describe("ensureExecutorRbac as the functions' identity", () => {
  it("creates the default ServiceAccount and one RoleBinding per namespace the executor reads from", async () => {
    // Prepare
    const plan = planFor();
    // Act
    const outcome = await ensureExecutorRbac(functions, plan);
    // Assess
    expect(outcome.serviceAccount).toEqual({ namespace: ns, name: EXECUTOR_SERVICE_ACCOUNT });
    expect(outcome.serviceAccountCreated).toBe(true);
    const name = executorRoleBindingName({ namespace: ns, name: EXECUTOR_SERVICE_ACCOUNT });
    expect(outcome.roleBindings.map((b) => [b.namespace, b.name, b.outcome]).sort()).toEqual(
      [ns, storageNs, keysNs].map((n) => [n, name, "created"]).sort(),
    );
    const stored = await admin.get("RoleBinding", storageNs, name);
    expect(stored.roleRef.name).toBe(EXECUTOR_CLUSTER_ROLE);
    expect(stored.subjects).toEqual([
      { kind: "ServiceAccount", name: EXECUTOR_SERVICE_ACCOUNT, namespace: ns },
    ]);
    expect(await admin.find("ServiceAccount", ns, EXECUTOR_SERVICE_ACCOUNT)).toBeDefined();
  });

  it("is idempotent: the next session's call changes nothing", async () => {
    const before = await admin.get("RoleBinding", ns, executorRoleBindingName(planFor().serviceAccount));
    const outcome = await ensureExecutorRbac(functions, planFor());
    const after = await admin.get("RoleBinding", ns, before.metadata.name);
    expect(outcome.serviceAccountCreated).toBe(false);
    expect(outcome.roleBindings.map((b) => b.outcome)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("binds a ServiceAccount the configuration names, and creates none", async () => {
    const config: SessionConfig = sessionConfig({
      addon: {
        name: "pvc-addon",
        tasks: [{ name: "logical-backup" }],
        jobTemplate: { spec: { serviceAccountName: "team-backup" } },
      },
    });
    const outcome = await ensureExecutorRbac(functions, planFor({ sessionConfig: config }));
    expect(outcome).toMatchObject({
      serviceAccount: { namespace: ns, name: "team-backup" },
      serviceAccountCreated: false,
    });
    expect(await admin.find("ServiceAccount", ns, "team-backup")).toBeUndefined();
    const sa = { namespace: ns, name: "team-backup" };
    expect(
      await allowed(sa, { verb: "get", group: "", resource: "secrets", namespace: keysNs, name: "k" }),
    ).toBe(true);
  });

  it("puts back the subjects of its own binding someone changed", async () => {
    const name = executorRoleBindingName(planFor().serviceAccount);
    await admin.patch("RoleBinding", keysNs, name, {
      subjects: [{ kind: "ServiceAccount", name: "intruder", namespace: otherNs }],
    });
    const outcome = await ensureExecutorRbac(functions, planFor());
    expect(outcome.roleBindings.find((b) => b.namespace === keysNs)?.outcome).toBe("repaired");
    expect((await admin.get("RoleBinding", keysNs, name)).subjects).toEqual([
      { kind: "ServiceAccount", name: EXECUTOR_SERVICE_ACCOUNT, namespace: ns },
    ]);
  });

  it("reports a binding of its name to another role clearly: roleRef cannot be changed", async () => {
    const conflictNs = uniqueNamespace("exec-rbac-conflict");
    await ensureNamespace(admin, conflictNs);
    const session = backupSession();
    session.metadata.namespace = conflictNs;
    const plan = decideExecutorRbac({
      session,
      sessionConfig: sessionConfig(),
      storageNamespaces: [],
      encryptionSecretNamespaces: [],
    });
    const squatter: RoleBinding = {
      ...(plan.roleBindings[0] as RoleBinding),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
    };
    await admin.create("RoleBinding", squatter);
    const attempt = ensureExecutorRbac(functions, plan);
    await expect(attempt).rejects.toBeInstanceOf(ExecutorRoleBindingConflictError);
    await expect(attempt).rejects.toThrow(
      /binds ClusterRole view, not ClusterRole kubestash-serverless-backup-executor; roleRef cannot be changed/,
    );
  });
});

describe("the real authorizer, as the executor's ServiceAccount", () => {
  const executor = () => planFor().serviceAccount;

  it.each(EXECUTOR_CALLS.map((c) => [describeCall(c), c] as const))("allows %s", async (_name, call) => {
    expect(await allowed(executor(), call)).toBe(true);
  });

  it.each(FORBIDDEN_CALLS.map((c) => [describeCall(c), c] as const))("denies %s", async (_name, call) => {
    expect(await allowed(executor(), call)).toBe(false);
  });

  it("allows nothing to the same ServiceAccount name in a namespace that was never bound", async () => {
    const stranger = { namespace: otherNs, name: EXECUTOR_SERVICE_ACCOUNT };
    for (const call of EXECUTOR_CALLS)
      expect(await allowed(stranger, { ...call, namespace: otherNs })).toBe(false);
  });
});

describe("the functions may bind only the executor's ClusterRole", () => {
  // `edit` and `admin` are aggregated roles whose rules kube-controller-manager fills in; the test control plane
  // runs none, so there they grant nothing and binding them escalates nothing. A copy of the executor's own
  // rules under another name shows that `bind` is limited by name, not by what the role holds.
  it.each([
    ["cluster-admin", "cluster-admin"],
    ["a copy of the executor's role under another name", `${ns}-executor-copy`],
  ])("a RoleBinding to %s is Forbidden", async (_case, role) => {
    const executorRole = (await admin.transport.request({
      method: "GET",
      path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${EXECUTOR_CLUSTER_ROLE}`,
    })) as { rules: unknown[] };
    await createRaw(admin, "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: `${ns}-executor-copy` },
      rules: executorRole.rules,
    });
    const binding: RoleBinding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `escalate-${role}`, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name: EXECUTOR_SERVICE_ACCOUNT, namespace: ns }],
    };
    await expect(functions.create("RoleBinding", binding)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await admin.find("RoleBinding", ns, binding.metadata.name)).toBeUndefined();
  });

  it("may not grant the executor's ClusterRole cluster-wide: no ClusterRoleBinding", async () => {
    const attempt = functions.transport.request({
      method: "POST",
      path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: `${ns}-executor-everywhere` },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: EXECUTOR_CLUSTER_ROLE },
        subjects: [{ kind: "ServiceAccount", name: EXECUTOR_SERVICE_ACCOUNT, namespace: ns }],
      },
    });
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenError);
  });
});
