import type { BackupConfiguration } from "../../model/backup-configuration.ts";
import type { BackupSession } from "../../model/backup-session.ts";
import type { ClusterRole } from "../../model/cluster-role.ts";
import { GROUP_CORE, type ObjectMeta } from "../../model/common.ts";
import { findCondition, OperatorPresentCondition as P } from "../../model/conditions.ts";
import type { CronJob } from "../../model/cron-job.ts";
import type { Deployment } from "../../model/deployment.ts";
import { Annotation } from "../../model/labels.ts";
import type { RoleBinding } from "../../model/role-binding.ts";
import type { EndpointSlice, Service } from "../../model/service.ts";
import type { ServiceAccount } from "../../model/service-account.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { toKubeTime } from "../../model/time.ts";
import type { Webhook } from "../../model/webhook-configuration.ts";
import { isSessionCompleted } from "../session/phase.ts";
import {
  isOperatorDeployment,
  isTriggerCronJob,
  serverGone,
  TRIGGER_CRONJOB_PREFIX,
  webhookServerState,
  webhookWatches,
  webhookWatchesKubeStash,
} from "./operator-presence.ts";

/**
 * What `kss migrate` does to a cluster the KubeStash operator was uninstalled from
 * (docs/migration.md#what-kss-migrate-does): refuse while the operator still runs (its Deployment, or a
 * BackupSession webhook whose server answers); else, in this order, delete what it left — webhook
 * configurations on kubestash.com groups whose server is gone, trigger CronJobs, the RoleBindings to its
 * ClusterRoles and the trigger ServiceAccounts, the ClusterRoles it created at run time — then adopt its
 * BackupSessions and Snapshots (an annotation; docs/migration.md#adoption) and clear the
 * KubeStashOperatorPresent condition on the configurations. Everything already done is left out, so a second
 * run plans nothing. Pure: the listed objects and `now` in, the plan out.
 */

/** The ClusterRoles the operator creates at run time for its trigger, backup and retention Jobs. */
export const OPERATOR_CLUSTER_ROLES = [
  "kubestash-backup-job",
  "kubestash-retention-policy-job",
  "kubestash-cron-job",
] as const;

type WebhookConfiguration = { metadata: ObjectMeta; webhooks?: ReadonlyArray<Webhook> };

export interface MigrationInput {
  clusterId: string;
  /** Listed with the chart label (shared/decide/operator/operator-presence.ts). */
  deployments: ReadonlyArray<Deployment>;
  validatingWebhookConfigurations: ReadonlyArray<WebhookConfiguration>;
  mutatingWebhookConfigurations: ReadonlyArray<WebhookConfiguration>;
  /** The Services every webhook on a kubestash.com group calls (those that exist), and their EndpointSlices. */
  services: ReadonlyArray<Service>;
  endpointSlices: ReadonlyArray<EndpointSlice>;
  cronJobs: ReadonlyArray<CronJob>;
  serviceAccounts: ReadonlyArray<ServiceAccount>;
  roleBindings: ReadonlyArray<RoleBinding>;
  clusterRoles: ReadonlyArray<ClusterRole>;
  configurations: ReadonlyArray<BackupConfiguration>;
  sessions: ReadonlyArray<BackupSession>;
  snapshots: ReadonlyArray<Snapshot>;
}

export type LeftoverKind =
  | "ValidatingWebhookConfiguration"
  | "MutatingWebhookConfiguration"
  | "CronJob"
  | "RoleBinding"
  | "ServiceAccount"
  | "ClusterRole";

export type MigrationStep =
  | { action: "delete"; kind: LeftoverKind; namespace?: string; name: string; uid?: string; why: string }
  | {
      action: "adopt";
      kind: "BackupSession" | "Snapshot";
      namespace: string;
      name: string;
      /** The functions will drive it (a session not finished yet). */
      unfinished: boolean;
      annotations: Record<string, string>;
      why: string;
    }
  | { action: "clear-condition"; kind: "BackupConfiguration"; namespace: string; name: string; why: string };

export type MigrationPlan =
  | { refused: true; reason: string }
  | {
      refused: false;
      steps: MigrationStep[];
      /** Webhook configurations on kubestash.com groups left alone, with why (their server answers). */
      keptWebhookConfigurations: Array<{ kind: LeftoverKind; name: string; why: string }>;
    };

const ownedByConfiguration = (meta: ObjectMeta) =>
  (meta.ownerReferences ?? []).some(
    (o) => o.kind === "BackupConfiguration" && o.apiVersion.startsWith(`${GROUP_CORE}/`),
  );
const ownerName = (meta: ObjectMeta) =>
  (meta.ownerReferences ?? []).find((o) => o.kind === "BackupConfiguration")?.name;
const qualified = (meta: ObjectMeta) => (meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name);
const byQualifiedName = (a: { metadata: ObjectMeta }, b: { metadata: ObjectMeta }) =>
  qualified(a.metadata).localeCompare(qualified(b.metadata));

function sorted<T extends { metadata: ObjectMeta }>(items: ReadonlyArray<T>): T[] {
  return [...items].sort(byQualifiedName);
}

const deleteStep = (kind: LeftoverKind, meta: ObjectMeta, why: string): MigrationStep => ({
  action: "delete",
  kind,
  ...(meta.namespace ? { namespace: meta.namespace } : {}),
  name: meta.name,
  ...(meta.uid ? { uid: meta.uid } : {}),
  why,
});

/** Why the operator still counts as running, or undefined. */
function stillRunning(input: MigrationInput): string | undefined {
  const deployments = input.deployments.filter(isOperatorDeployment).map((d) => qualified(d.metadata));
  if (deployments.length > 0)
    return (
      `the KubeStash operator is still installed in cluster ${input.clusterId} (Deployment ` +
      `${deployments.join(", ")}): uninstall it first (helm uninstall), then run kss migrate again`
    );
  const answering = input.validatingWebhookConfigurations.flatMap((c) =>
    (c.webhooks ?? [])
      .filter((w) => webhookWatches(w, GROUP_CORE, "backupsessions"))
      .filter((w) => !serverGone(webhookServerState(w, input.services, input.endpointSlices)))
      .map((w) => `${c.metadata.name}/${w.name}`),
  );
  if (answering.length > 0)
    return (
      `the KubeStash operator's BackupSession webhook still has a server in cluster ${input.clusterId} ` +
      `(${answering.join(", ")}): the operator seems installed under another name; uninstall it first`
    );
  return undefined;
}

const serviceName = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/** The Services the webhooks on kubestash.com groups call, once each: what the caller reads before planning. */
export function kubeStashWebhookServices(
  configurations: ReadonlyArray<WebhookConfiguration>,
): Array<{ namespace: string; name: string }> {
  const seen = new Map<string, { namespace: string; name: string }>();
  for (const c of configurations) {
    const webhooks = c.webhooks ?? [];
    if (!webhooks.some(webhookWatchesKubeStash)) continue;
    for (const w of webhooks) {
      const ref = w.clientConfig.service;
      if (ref) seen.set(serviceName(ref), { namespace: ref.namespace, name: ref.name });
    }
  }
  return [...seen.values()];
}

function webhookSteps(
  input: MigrationInput,
  kind: "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration",
  configurations: ReadonlyArray<WebhookConfiguration>,
) {
  const steps: MigrationStep[] = [];
  const kept: Array<{ kind: LeftoverKind; name: string; why: string }> = [];
  for (const c of sorted(configurations)) {
    const webhooks = c.webhooks ?? [];
    if (!webhooks.some(webhookWatchesKubeStash)) continue;
    const states = webhooks.map((w) => webhookServerState(w, input.services, input.endpointSlices));
    if (states.every(serverGone)) {
      const services = [
        ...new Set(
          webhooks.flatMap((w) => (w.clientConfig.service ? [serviceName(w.clientConfig.service)] : [])),
        ),
      ];
      steps.push(
        deleteStep(
          kind,
          c.metadata,
          `webhooks on kubestash.com resources whose server is gone (Service ${services.join(", ")})`,
        ),
      );
    } else {
      kept.push({ kind, name: c.metadata.name, why: "a webhook of it still has a server" });
    }
  }
  return { steps, kept };
}

function rbacSteps(input: MigrationInput, triggerServiceAccounts: ReadonlySet<string>): MigrationStep[] {
  const roles = new Set<string>(OPERATOR_CLUSTER_ROLES);
  const bindings = sorted(input.roleBindings)
    .filter(
      (b) =>
        (b.roleRef.kind === "ClusterRole" && roles.has(b.roleRef.name)) ||
        (b.metadata.name.startsWith(TRIGGER_CRONJOB_PREFIX) && ownedByConfiguration(b.metadata)),
    )
    .map((b) => deleteStep("RoleBinding", b.metadata, `binds the operator's ClusterRole ${b.roleRef.name}`));
  const accounts = sorted(input.serviceAccounts)
    .filter(
      (a) =>
        triggerServiceAccounts.has(qualified(a.metadata)) ||
        (a.metadata.name.startsWith(TRIGGER_CRONJOB_PREFIX) && ownedByConfiguration(a.metadata)),
    )
    .map((a) =>
      deleteStep(
        "ServiceAccount",
        a.metadata,
        `the identity of a trigger CronJob of BackupConfiguration ${ownerName(a.metadata) ?? "?"}`,
      ),
    );
  const clusterRoles = sorted(input.clusterRoles)
    .filter((r) => roles.has(r.metadata.name))
    .map((r) => deleteStep("ClusterRole", r.metadata, "created by the operator for its Jobs"));
  return [...bindings, ...accounts, ...clusterRoles];
}

function adoptionSteps(input: MigrationInput, now: Date): MigrationStep[] {
  const annotations = { [Annotation.AdoptedFromOperator]: toKubeTime(now) };
  const adopted = (meta: ObjectMeta) => meta.annotations?.[Annotation.AdoptedFromOperator] !== undefined;
  // Ours carry the origin annotation (shared/decide/schedule/new-session.ts); every other session is the operator's.
  const ours = new Set(
    input.sessions
      .filter((s) => s.metadata.annotations?.[Annotation.Origin] !== undefined)
      .map((s) => qualified(s.metadata)),
  );
  const sessions = sorted(input.sessions)
    .filter((s) => !ours.has(qualified(s.metadata)) && !adopted(s.metadata))
    .map((s): MigrationStep => {
      const unfinished = !isSessionCompleted(s.status?.phase);
      return {
        action: "adopt",
        kind: "BackupSession",
        namespace: s.metadata.namespace ?? "default",
        name: s.metadata.name,
        unfinished,
        annotations,
        why: unfinished
          ? `made by the operator, ${s.status?.phase ?? "not started"}: the functions drive it from here`
          : `made by the operator, ${s.status?.phase}: kept, its cleanup finalizer honoured`,
      };
    });
  const snapshots = sorted(input.snapshots)
    .filter((s) => {
      const namespace = s.metadata.namespace ?? "default";
      return !ours.has(`${namespace}/${s.spec.backupSession ?? ""}`) && !adopted(s.metadata);
    })
    .map(
      (s): MigrationStep => ({
        action: "adopt",
        kind: "Snapshot",
        namespace: s.metadata.namespace ?? "default",
        name: s.metadata.name,
        unfinished: false,
        annotations,
        why: "made by the operator: kept under its RetentionPolicy, its cleanup finalizer honoured",
      }),
    );
  return [...sessions, ...snapshots];
}

export function decideMigration(input: MigrationInput, now: Date): MigrationPlan {
  const refusal = stillRunning(input);
  if (refusal) return { refused: true, reason: refusal };
  const validating = webhookSteps(
    input,
    "ValidatingWebhookConfiguration",
    input.validatingWebhookConfigurations,
  );
  const mutating = webhookSteps(input, "MutatingWebhookConfiguration", input.mutatingWebhookConfigurations);
  const cronJobs = sorted(input.cronJobs).filter(isTriggerCronJob);
  const triggerAccounts = new Set(
    cronJobs.flatMap((c) => {
      const account = c.spec.jobTemplate.spec?.template?.spec?.serviceAccountName;
      return account ? [`${c.metadata.namespace ?? "default"}/${account}`] : [];
    }),
  );
  const cronJobSteps = cronJobs.map((c) =>
    deleteStep(
      "CronJob",
      c.metadata,
      `the operator's trigger for BackupConfiguration ${ownerName(c.metadata) ?? "?"}: would create a second session per schedule`,
    ),
  );
  const conditions = sorted(input.configurations)
    .filter((c) => findCondition(c.status?.conditions, P.type)?.status === "True")
    .map(
      (c): MigrationStep => ({
        action: "clear-condition",
        kind: "BackupConfiguration",
        namespace: c.metadata.namespace ?? "default",
        name: c.metadata.name,
        why: `${P.type} set to False (${P.Migrated}): the functions drive its sessions`,
      }),
    );
  return {
    refused: false,
    // The webhooks first: while they stand, no BackupSession can be written (adopted) at all.
    steps: [
      ...validating.steps,
      ...mutating.steps,
      ...cronJobSteps,
      ...rbacSteps(input, triggerAccounts),
      ...adoptionSteps(input, now),
      ...conditions,
    ],
    keptWebhookConfigurations: [...validating.kept, ...mutating.kept],
  };
}

/** The condition `kss migrate` leaves on a configuration it handed over. */
export function migratedCondition(now: Date) {
  return {
    type: P.type,
    status: "False" as const,
    reason: P.Migrated,
    message: `kss migrate removed the KubeStash operator's leftovers at ${toKubeTime(now)}: kubestash-serverless drives this configuration's sessions.`,
  };
}
