import { describe, expect, it } from "vitest";
import {
  decideMigration,
  type MigrationInput,
  type MigrationStep,
} from "../../../shared/decide/operator/migration-plan.ts";
import {
  Annotation,
  type BackupConfiguration,
  type BackupSession,
  type ClusterRole,
  OperatorPresentCondition,
  type RoleBinding,
  type Snapshot,
} from "../../../shared/model/index.ts";
import { endpointSliceFor, operatorFootprint } from "../../support/operator-footprint.ts";

/**
 * `kss migrate`'s plan on what an uninstalled KubeStash operator leaves (test/fixtures/kubestash/operator:
 * the hook webhooks, a trigger CronJob with its ServiceAccount and RoleBinding, per-session RoleBindings and the
 * ClusterRoles it created), its sessions and Snapshots, and ours.
 */

const NOW = new Date("2026-11-26T12:00:00Z");
const ADOPTED = { [Annotation.AdoptedFromOperator]: "2026-11-26T12:00:00Z" };

const session = (name: string, phase?: string, annotations?: Record<string, string>): BackupSession =>
  ({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: {
      name,
      namespace: "demo",
      finalizers: ["kubestash.com/cleanup"],
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "daily",
    },
    ...(phase ? { status: { phase } } : {}),
  }) as BackupSession;

const snapshot = (name: string, backupSession: string, annotations?: Record<string, string>): Snapshot =>
  ({
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name, namespace: "demo", ...(annotations ? { annotations } : {}) },
    spec: { repository: "repo", session: "daily", backupSession },
  }) as Snapshot;

const configuration = (name: string, present: boolean): BackupConfiguration => ({
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupConfiguration",
  metadata: { name, namespace: "demo" },
  spec: {},
  status: {
    conditions: [
      {
        type: OperatorPresentCondition.type,
        status: present ? "True" : "False",
        reason: present ? "LeftoverWebhook" : "Migrated",
        lastTransitionTime: "2026-11-26T11:00:00Z",
      },
    ],
  },
});

/** Ours: the functions' executor binding (docs/executor-rbac.md), never touched. */
const ourBinding: RoleBinding = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: {
    name: "kubestash-serverless-backup-executor:demo:kubestash-backup-executor",
    namespace: "demo",
    labels: { "app.kubernetes.io/managed-by": "kubestash-serverless" },
  },
  roleRef: {
    apiGroup: "rbac.authorization.k8s.io",
    kind: "ClusterRole",
    name: "kubestash-serverless-backup-executor",
  },
  subjects: [{ kind: "ServiceAccount", name: "kubestash-backup-executor", namespace: "demo" }],
};
const restoreRole: ClusterRole = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRole",
  metadata: { name: "kubestash-restore-job" },
};

/** What `helm uninstall` leaves: no Deployment, no Service; the hook webhooks, CronJob and RBAC stay. */
function leftovers(): MigrationInput {
  const f = operatorFootprint();
  return {
    clusterId: "cluster-1",
    deployments: [],
    validatingWebhookConfigurations: [f.validating],
    mutatingWebhookConfigurations: [f.mutating],
    services: [],
    endpointSlices: [],
    cronJobs: [f.cronJob],
    serviceAccounts: f.serviceAccounts,
    roleBindings: [...f.roleBindings, ourBinding],
    clusterRoles: [...f.clusterRoles, restoreRole],
    configurations: [configuration("app", true), configuration("other", false)],
    sessions: [
      session("app-daily-1745301300", "Succeeded"),
      session("app-daily-1745301600", "Running"),
      session("app-daily-1745301900", "Succeeded", { [Annotation.Origin]: "schedule" }),
    ],
    snapshots: [
      snapshot("repo-app-daily-1745301300", "app-daily-1745301300"),
      snapshot("repo-app-daily-1745000000", "app-daily-1745000000"),
      snapshot("repo-app-daily-1745301900", "app-daily-1745301900"),
    ],
  };
}

const brief = (steps: MigrationStep[]) =>
  steps.map((s) => `${s.action} ${s.kind} ${s.namespace ? `${s.namespace}/` : ""}${s.name}`);

describe("decideMigration", () => {
  it("removes the leftovers, webhooks first, then adopts the operator's sessions and Snapshots", () => {
    const plan = decideMigration(leftovers(), NOW);
    if (plan.refused) throw new Error(plan.reason);
    expect(brief(plan.steps)).toEqual([
      "delete ValidatingWebhookConfiguration kubestash-kubestash-operator",
      "delete MutatingWebhookConfiguration kubestash-kubestash-operator",
      "delete CronJob demo/trigger-cluster-resources-backup-frequent-backup",
      "delete RoleBinding demo/cluster-resources-backup-frequent-backup-1745301300",
      "delete RoleBinding demo/retention-policy-cluster-resources-backup-frequent-b-1745301300",
      "delete RoleBinding demo/trigger-cluster-resources-backup-frequent-backup",
      "delete ServiceAccount demo/trigger-cluster-resources-backup-frequent-backup",
      "delete ClusterRole kubestash-backup-job",
      "delete ClusterRole kubestash-cron-job",
      "delete ClusterRole kubestash-retention-policy-job",
      "adopt BackupSession demo/app-daily-1745301300",
      "adopt BackupSession demo/app-daily-1745301600",
      "adopt Snapshot demo/repo-app-daily-1745000000",
      "adopt Snapshot demo/repo-app-daily-1745301300",
      "clear-condition BackupConfiguration demo/app",
    ]);
    expect(plan.keptWebhookConfigurations).toEqual([]);
  });

  it("says why: the webhook's server is gone, the CronJob would double the sessions, the session will be driven", () => {
    const plan = decideMigration(leftovers(), NOW);
    if (plan.refused) throw new Error(plan.reason);
    const step = (name: string) => plan.steps.find((s) => s.name === name);
    expect(step("kubestash-kubestash-operator")?.why).toBe(
      "webhooks on kubestash.com resources whose server is gone (Service kubestash/kubestash-kubestash-operator-webhook)",
    );
    expect(step("trigger-cluster-resources-backup-frequent-backup")?.why).toMatch(
      /trigger for BackupConfiguration cluster-resources-backup: would create a second session per schedule/,
    );
    expect(step("app-daily-1745301600")).toMatchObject({
      action: "adopt",
      unfinished: true,
      annotations: ADOPTED,
      why: "made by the operator, Running: the functions drive it from here",
    });
    expect(step("app-daily-1745301300")).toMatchObject({ unfinished: false, annotations: ADOPTED });
  });

  it.each<[string, (input: MigrationInput) => MigrationInput, RegExp]>([
    [
      "its Deployment is still there",
      (input) => ({ ...input, deployments: operatorFootprint().deployments }),
      /^the KubeStash operator is still installed in cluster cluster-1 \(Deployment kubestash\/kubestash-kubestash-operator-operator, kubestash\/kubestash-kubestash-operator-webhook-server\): uninstall it first/,
    ],
    [
      "its BackupSession webhook still has a ready server (installed under another name)",
      (input) => {
        const { service } = operatorFootprint();
        return { ...input, services: [service], endpointSlices: [endpointSliceFor(service)] };
      },
      /BackupSession webhook still has a server in cluster cluster-1 \(kubestash-kubestash-operator\/vbackupsession\.kb\.io\)/,
    ],
  ])("refuses while the operator runs: %s", (_, change, reason) => {
    const plan = decideMigration(change(leftovers()), NOW);
    expect(plan.refused).toBe(true);
    if (plan.refused) expect(plan.reason).toMatch(reason);
  });

  it("plans nothing on a second run: everything removed, adopted and handed over", () => {
    const input = leftovers();
    const again: MigrationInput = {
      ...input,
      validatingWebhookConfigurations: [],
      mutatingWebhookConfigurations: [],
      cronJobs: [],
      serviceAccounts: [],
      roleBindings: [ourBinding],
      clusterRoles: [restoreRole],
      configurations: [configuration("app", false), configuration("other", false)],
      sessions: input.sessions.map((s) =>
        s.metadata.annotations ? s : { ...s, metadata: { ...s.metadata, annotations: ADOPTED } },
      ),
      snapshots: input.snapshots.map((s) => ({ ...s, metadata: { ...s.metadata, annotations: ADOPTED } })),
    };
    expect(decideMigration(again, NOW)).toEqual({ refused: false, steps: [], keptWebhookConfigurations: [] });
  });

  it("leaves alone what is not the operator's: our sessions and Snapshots, our RoleBindings, other ClusterRoles", () => {
    const plan = decideMigration(leftovers(), NOW);
    if (plan.refused) throw new Error(plan.reason);
    const names = plan.steps.map((s) => s.name);
    expect(names).not.toContain("app-daily-1745301900");
    expect(names).not.toContain("repo-app-daily-1745301900");
    expect(names).not.toContain(ourBinding.metadata.name);
    expect(names).not.toContain("kubestash-restore-job");
    expect(names).not.toContain("other");
  });

  it("keeps a webhook configuration on kubestash.com resources whose server still answers", () => {
    const input = leftovers();
    const mutating = {
      ...operatorFootprint().mutating,
      webhooks: (operatorFootprint().mutating.webhooks ?? []).map((w) => ({
        ...w,
        clientConfig: { service: { namespace: "other", name: "mutator" } },
      })),
    };
    const service = { ...operatorFootprint().service, metadata: { name: "mutator", namespace: "other" } };
    const plan = decideMigration(
      {
        ...input,
        mutatingWebhookConfigurations: [mutating],
        services: [service],
        endpointSlices: [endpointSliceFor(service)],
      },
      NOW,
    );
    if (plan.refused) throw new Error(plan.reason);
    expect(brief(plan.steps)).not.toContain(
      "delete MutatingWebhookConfiguration kubestash-kubestash-operator",
    );
    expect(plan.keptWebhookConfigurations).toEqual([
      {
        kind: "MutatingWebhookConfiguration",
        name: "kubestash-kubestash-operator",
        why: "a webhook of it still has a server",
      },
    ]);
  });

  it("deletes with the uid it planned from, so a newer object of the same name is left alone", () => {
    const input = leftovers();
    const cronJob = { ...input.cronJobs[0], metadata: { ...input.cronJobs[0]?.metadata, uid: "u-1" } };
    const plan = decideMigration(
      { ...input, cronJobs: [cronJob as MigrationInput["cronJobs"][number]] },
      NOW,
    );
    if (plan.refused) throw new Error(plan.reason);
    expect(plan.steps.find((s) => s.kind === "CronJob")).toMatchObject({ action: "delete", uid: "u-1" });
  });
});
