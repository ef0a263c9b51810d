import {
  decideMigration,
  kubeStashWebhookServices,
  type MigrationInput,
  type MigrationStep,
  migratedCondition,
} from "../decide/operator/migration-plan.ts";
import { OPERATOR_DEPLOYMENT_SELECTOR } from "../decide/operator/operator-presence.ts";
import type { KubeClient } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import { setCondition } from "../model/conditions.ts";
import { KssError } from "../model/errors.ts";
import { readWebhookServers } from "./operator-presence.ts";

/**
 * `kss migrate` (docs/migration.md#what-kss-migrate-does): reads what the KubeStash operator may have left in one
 * cluster (one LIST per kind, cluster-wide), plans with shared/decide/operator/migration-plan.ts, and — unless it is a dry
 * run — carries the plan out step by step in its order: deletes carry the uid they were planned from (a newer
 * object of the same name is left alone) and an object already gone counts as done; adoption is an annotation
 * (merge patch); the configurations' condition is written through the status subresource. A step that fails is
 * reported and the others go on; running it again finishes the rest and otherwise does nothing.
 */

export type StepResult = "done" | "already-done" | "planned" | "failed";

export type ReportedStep = MigrationStep & { result: StepResult; error?: string };

export interface MigrationReport {
  clusterId: string;
  dryRun: boolean;
  /** Why nothing was done: the operator still runs. */
  refused?: string;
  steps: ReportedStep[];
  keptWebhookConfigurations: Array<{ kind: string; name: string; why: string }>;
}

export async function readMigrationInput(client: KubeClient): Promise<MigrationInput> {
  const [
    deployments,
    validating,
    mutating,
    cronJobs,
    serviceAccounts,
    roleBindings,
    clusterRoles,
    configurations,
    sessions,
    snapshots,
  ] = await Promise.all([
    client.list("Deployment", { labelSelector: OPERATOR_DEPLOYMENT_SELECTOR }),
    client.list("ValidatingWebhookConfiguration"),
    client.list("MutatingWebhookConfiguration"),
    client.list("CronJob"),
    client.list("ServiceAccount"),
    client.list("RoleBinding"),
    client.list("ClusterRole"),
    client.list("BackupConfiguration"),
    client.list("BackupSession"),
    client.list("Snapshot"),
  ]);
  const servers = await readWebhookServers(
    client,
    kubeStashWebhookServices([...validating.items, ...mutating.items]),
  );
  return {
    clusterId: client.clusterId,
    deployments: deployments.items,
    validatingWebhookConfigurations: validating.items,
    mutatingWebhookConfigurations: mutating.items,
    ...servers,
    cronJobs: cronJobs.items,
    serviceAccounts: serviceAccounts.items,
    roleBindings: roleBindings.items,
    clusterRoles: clusterRoles.items,
    configurations: configurations.items,
    sessions: sessions.items,
    snapshots: snapshots.items,
  };
}

export async function migrateFromOperator(
  client: KubeClient,
  now: Date,
  options: { dryRun?: boolean } = {},
): Promise<MigrationReport> {
  const dryRun = options.dryRun === true;
  const plan = decideMigration(await readMigrationInput(client), now);
  const head = { clusterId: client.clusterId, dryRun };
  if (plan.refused) return { ...head, refused: plan.reason, steps: [], keptWebhookConfigurations: [] };
  const steps: ReportedStep[] = [];
  for (const step of plan.steps) {
    if (dryRun) {
      steps.push({ ...step, result: "planned" });
      continue;
    }
    try {
      steps.push({ ...step, result: await carryOut(client, step, now) });
    } catch (error) {
      steps.push({
        ...step,
        result: "failed",
        error: error instanceof KssError ? error.message : String(error),
      });
    }
  }
  return { ...head, steps, keptWebhookConfigurations: plan.keptWebhookConfigurations };
}

async function carryOut(client: KubeClient, step: MigrationStep, now: Date): Promise<StepResult> {
  switch (step.action) {
    case "delete": {
      const deleted = await client.delete(step.kind, step.namespace, step.name, {
        ...(step.uid ? { uid: step.uid } : {}),
        propagationPolicy: "Background",
      });
      return deleted ? "done" : "already-done";
    }
    case "adopt":
      try {
        await client.patch(step.kind, step.namespace, step.name, {
          metadata: { annotations: step.annotations },
        });
        return "done";
      } catch (error) {
        if (error instanceof NotFoundError) return "already-done";
        throw error;
      }
    case "clear-condition": {
      const condition = migratedCondition(now);
      const { object, changed } = await client.updateStatus(
        "BackupConfiguration",
        step.namespace,
        step.name,
        (current) => ({
          ...current.status,
          conditions: setCondition(current.status?.conditions, condition, now),
        }),
      );
      if (!changed) return "already-done";
      await client.recordEvent(
        object,
        { type: "Normal", reason: condition.reason, message: condition.message },
        now,
      );
      return "done";
    }
  }
}
