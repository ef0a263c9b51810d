import { describe, expect, it } from "vitest";
import {
  configuredServiceAccountName,
  decideExecutorRbac,
  type ExecutorRbacInput,
  namespacesReadThrough,
} from "../../../shared/decide/session/executor-rbac.ts";
import {
  EXECUTOR_CLUSTER_ROLE,
  EXECUTOR_SERVICE_ACCOUNT,
  executorRoleBindingName,
  type Repository,
  RoleBinding,
  ServiceAccount,
  type SessionConfig,
} from "../../../shared/model/index.ts";
import { backupSession, NS, repository, sessionConfig } from "../../support/session-world.ts";

// No clock: who the executor is and where it is bound depend on the session and its configuration only.

const withServiceAccount = (name: unknown): SessionConfig =>
  sessionConfig({
    addon: {
      name: "pvc-addon",
      tasks: [{ name: "logical-backup" }],
      jobTemplate: { spec: { serviceAccountName: name } },
    },
  });

function input(over: Partial<ExecutorRbacInput> = {}): ExecutorRbacInput {
  return {
    session: backupSession(),
    sessionConfig: sessionConfig(),
    storageNamespaces: [NS],
    encryptionSecretNamespaces: [],
    ...over,
  };
}

const bindingNamespaces = (i: ExecutorRbacInput) =>
  decideExecutorRbac(i).roleBindings.map((b) => b.metadata.namespace);

describe("decideExecutorRbac: the executor's identity", () => {
  it.each<[string, SessionConfig, string, boolean]>([
    [
      "no jobTemplate: our default ServiceAccount, to be ensured",
      sessionConfig(),
      EXECUTOR_SERVICE_ACCOUNT,
      true,
    ],
    [
      "jobTemplate names one: that one, nothing to ensure",
      withServiceAccount("backup-sa"),
      "backup-sa",
      false,
    ],
    ["an empty name counts as none", withServiceAccount(""), EXECUTOR_SERVICE_ACCOUNT, true],
    ["a name that is not a string counts as none", withServiceAccount(42), EXECUTOR_SERVICE_ACCOUNT, true],
  ])("%s", (_case, config, name, ensured) => {
    const plan = decideExecutorRbac(input({ sessionConfig: config }));
    expect(plan.serviceAccount).toEqual({ namespace: NS, name });
    expect(plan.serviceAccountToEnsure !== undefined).toBe(ensured);
    for (const binding of plan.roleBindings) {
      expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name, namespace: NS }]);
    }
  });

  it("the ServiceAccount it ensures is ours, in the session's namespace, and a valid object", () => {
    const sa = decideExecutorRbac(input()).serviceAccountToEnsure;
    expect(ServiceAccount.parse(sa)).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "kubestash-backup-executor",
        namespace: NS,
        labels: {
          "app.kubernetes.io/managed-by": "kubestash-serverless",
          "app.kubernetes.io/component": "backup-executor",
        },
      },
    });
  });

  it("reads the name only from addon.jobTemplate.spec", () => {
    expect(configuredServiceAccountName(withServiceAccount("x"))).toBe("x");
    expect(configuredServiceAccountName(sessionConfig({ addon: undefined }))).toBeUndefined();
  });
});

describe("decideExecutorRbac: one RoleBinding per namespace the executor reads from", () => {
  it.each<[string, Partial<ExecutorRbacInput>, string[]]>([
    [
      "storage and secret in the session's namespace: one binding",
      { encryptionSecretNamespaces: [NS] },
      [NS],
    ],
    ["no repositories resolved: still the session's own", { storageNamespaces: [] }, [NS]],
    ["storage elsewhere: two", { storageNamespaces: ["backup-storage"] }, [NS, "backup-storage"]],
    [
      "storage and encryption Secret in two other namespaces: three, session's first, the rest sorted",
      { storageNamespaces: ["zz-storage"], encryptionSecretNamespaces: ["aa-keys"] },
      [NS, "aa-keys", "zz-storage"],
    ],
    [
      "repositories sharing a namespace: one binding for it",
      { storageNamespaces: ["shared", "shared", NS], encryptionSecretNamespaces: ["shared"] },
      [NS, "shared"],
    ],
    ["an empty namespace is ignored", { storageNamespaces: [""] }, [NS]],
  ])("%s", (_case, over, namespaces) => {
    expect(bindingNamespaces(input(over))).toEqual(namespaces);
  });

  it("each binding grants the executor's ClusterRole, under one deterministic name, labelled as ours", () => {
    const plan = decideExecutorRbac(input({ storageNamespaces: ["storage"] }));
    const name = `${EXECUTOR_CLUSTER_ROLE}:${NS}:${EXECUTOR_SERVICE_ACCOUNT}`;
    for (const binding of plan.roleBindings) {
      expect(RoleBinding.parse(binding)).toEqual(binding);
      expect(binding.metadata.name).toBe(name);
      expect(binding.metadata.labels).toEqual({
        "app.kubernetes.io/managed-by": "kubestash-serverless",
        "app.kubernetes.io/component": "backup-executor",
      });
      expect(binding.roleRef).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "kubestash-serverless-backup-executor",
      });
    }
  });

  it("is the same plan for every session of the namespace: the next session needs no new binding", () => {
    const first = decideExecutorRbac(input());
    const later = decideExecutorRbac(input({ session: backupSession(new Date("2026-11-27T12:00:00Z")) }));
    expect(later).toEqual(first);
  });
});

describe("executorRoleBindingName", () => {
  it.each<[string, { namespace: string; name: string }, { namespace: string; name: string }]>([
    [
      "a dash moved between namespace and name",
      { namespace: "a-b", name: "c" },
      { namespace: "a", name: "b-c" },
    ],
    ["same name, other namespace", { namespace: "one", name: "sa" }, { namespace: "two", name: "sa" }],
  ])("tells ServiceAccounts apart: %s", (_case, a, b) => {
    expect(executorRoleBindingName(a)).not.toBe(executorRoleBindingName(b));
  });

  it("stays within 253 characters for the longest names, deterministically", () => {
    const sa = { namespace: "n".repeat(63), name: "s".repeat(253) };
    const name = executorRoleBindingName(sa);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name.startsWith(`${EXECUTOR_CLUSTER_ROLE}:${"n".repeat(63)}:`)).toBe(true);
    expect(executorRoleBindingName(sa)).toBe(name);
    expect(executorRoleBindingName({ ...sa, name: `${"s".repeat(252)}t` })).not.toBe(name);
  });
});

describe("namespacesReadThrough", () => {
  const repo = (spec: Partial<Repository["spec"]>, namespace = NS): Repository => ({
    ...repository(),
    metadata: { name: "r", namespace },
    spec: { deletionPolicy: "Delete", ...spec },
  });

  it.each<[string, Repository[], { storageNamespaces: string[]; encryptionSecretNamespaces: string[] }]>([
    [
      "references without a namespace mean the Repository's own",
      [repo({ storageRef: { name: "s" }, encryptionSecret: { name: "k" } })],
      { storageNamespaces: [NS], encryptionSecretNamespaces: [NS] },
    ],
    [
      "references with a namespace name it",
      [
        repo({
          storageRef: { name: "s", namespace: "st" },
          encryptionSecret: { name: "k", namespace: "keys" },
        }),
      ],
      { storageNamespaces: ["st"], encryptionSecretNamespaces: ["keys"] },
    ],
    [
      "no references, nothing read elsewhere",
      [repo({})],
      { storageNamespaces: [], encryptionSecretNamespaces: [] },
    ],
  ])("%s", (_case, repositories, expected) => {
    expect(namespacesReadThrough(repositories)).toEqual(expected);
  });
});
