import type { z } from "zod";
import { Addon, KubeStashFunction } from "./addon.ts";
import { BackupConfiguration } from "./backup-configuration.ts";
import { BackupSession } from "./backup-session.ts";
import { BackupStorage } from "./backup-storage.ts";
import { BackupVerificationSession, BackupVerifier } from "./backup-verifier.ts";
import { ClusterRole } from "./cluster-role.ts";
import { CronJob } from "./cron-job.ts";
import { Deployment } from "./deployment.ts";
import { HookTemplate } from "./hook-template.ts";
import { Job } from "./job.ts";
import { KubeEvent, Namespace } from "./kube-event.ts";
import { PersistentVolumeClaim } from "./persistent-volume-claim.ts";
import { Repository } from "./repository.ts";
import { RestoreSession } from "./restore-session.ts";
import { RetentionPolicy } from "./retention-policy.ts";
import { RoleBinding } from "./role-binding.ts";
import { EndpointSlice, Service } from "./service.ts";
import { ServiceAccount } from "./service-account.ts";
import { Snapshot } from "./snapshot.ts";
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from "./webhook-configuration.ts";
import { DaemonSet, Pod, StatefulSet } from "./workload.ts";

export * from "./addon.ts";
export * from "./backup-configuration.ts";
export * from "./backup-session.ts";
export * from "./backup-storage.ts";
export * from "./backup-verifier.ts";
export * from "./cluster-role.ts";
export * from "./common.ts";
export * from "./conditions.ts";
export * from "./cron-job.ts";
export * from "./deployment.ts";
export * from "./duration.ts";
export * from "./errors.ts";
export * from "./hook-template.ts";
export * from "./job.ts";
export * from "./kube-event.ts";
export * from "./labels.ts";
export * from "./names.ts";
export * from "./parse.ts";
export * from "./repository.ts";
export * from "./restore-session.ts";
export * from "./retention-period.ts";
export * from "./retention-policy.ts";
export * from "./role-binding.ts";
export * from "./service.ts";
export * from "./service-account.ts";
export * from "./snapshot.ts";
export * from "./time.ts";
export * from "./webhook-configuration.ts";
export * from "./workload.ts";

/** A kind we model: its schema, API group/version, plural and scope, as in its CRD. */
export interface ResourceKind {
  kind: string;
  apiVersion: string;
  plural: string;
  namespaced: boolean;
  schema: z.ZodType;
}

function kind<S extends z.ZodType>(
  schema: S,
  apiVersion: string,
  kindName: string,
  plural: string,
  namespaced = true,
) {
  return { kind: kindName, apiVersion, plural, namespaced, schema } satisfies ResourceKind;
}

export const RESOURCE_KINDS = {
  BackupConfiguration: kind(
    BackupConfiguration,
    "core.kubestash.com/v1alpha1",
    "BackupConfiguration",
    "backupconfigurations",
  ),
  BackupSession: kind(BackupSession, "core.kubestash.com/v1alpha1", "BackupSession", "backupsessions"),
  // KubeStash's CRDs name these two resources in the singular (plural "backupverifier").
  BackupVerifier: kind(BackupVerifier, "core.kubestash.com/v1alpha1", "BackupVerifier", "backupverifier"),
  BackupVerificationSession: kind(
    BackupVerificationSession,
    "core.kubestash.com/v1alpha1",
    "BackupVerificationSession",
    "backupverificationsession",
  ),
  HookTemplate: kind(HookTemplate, "core.kubestash.com/v1alpha1", "HookTemplate", "hooktemplates"),
  RestoreSession: kind(RestoreSession, "core.kubestash.com/v1alpha1", "RestoreSession", "restoresessions"),
  Snapshot: kind(Snapshot, "storage.kubestash.com/v1alpha1", "Snapshot", "snapshots"),
  Repository: kind(Repository, "storage.kubestash.com/v1alpha1", "Repository", "repositories"),
  RetentionPolicy: kind(
    RetentionPolicy,
    "storage.kubestash.com/v1alpha1",
    "RetentionPolicy",
    "retentionpolicies",
  ),
  BackupStorage: kind(BackupStorage, "storage.kubestash.com/v1alpha1", "BackupStorage", "backupstorages"),
  Addon: kind(Addon, "addons.kubestash.com/v1alpha1", "Addon", "addons", false),
  Function: kind(KubeStashFunction, "addons.kubestash.com/v1alpha1", "Function", "functions", false),
  Job: kind(Job, "batch/v1", "Job", "jobs"),
  Event: kind(KubeEvent, "v1", "Event", "events"),
  Namespace: kind(Namespace, "v1", "Namespace", "namespaces", false),
  ServiceAccount: kind(ServiceAccount, "v1", "ServiceAccount", "serviceaccounts"),
  // A verification's scratch restore target (docs/verification.md#cleanup).
  PersistentVolumeClaim: kind(PersistentVolumeClaim, "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
  RoleBinding: kind(RoleBinding, "rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
  // The KubeStash operator's footprint (docs/migration.md): read to detect it, deleted by `kss migrate`.
  Deployment: kind(Deployment, "apps/v1", "Deployment", "deployments"),
  StatefulSet: kind(StatefulSet, "apps/v1", "StatefulSet", "statefulsets"),
  DaemonSet: kind(DaemonSet, "apps/v1", "DaemonSet", "daemonsets"),
  Pod: kind(Pod, "v1", "Pod", "pods"),
  CronJob: kind(CronJob, "batch/v1", "CronJob", "cronjobs"),
  ValidatingWebhookConfiguration: kind(
    ValidatingWebhookConfiguration,
    "admissionregistration.k8s.io/v1",
    "ValidatingWebhookConfiguration",
    "validatingwebhookconfigurations",
    false,
  ),
  MutatingWebhookConfiguration: kind(
    MutatingWebhookConfiguration,
    "admissionregistration.k8s.io/v1",
    "MutatingWebhookConfiguration",
    "mutatingwebhookconfigurations",
    false,
  ),
  Service: kind(Service, "v1", "Service", "services"),
  EndpointSlice: kind(EndpointSlice, "discovery.k8s.io/v1", "EndpointSlice", "endpointslices"),
  ClusterRole: kind(ClusterRole, "rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false),
} as const;

export type ModeledKind = keyof typeof RESOURCE_KINDS;

/** The parsed type of a modeled kind, e.g. `ResourceOf<"BackupSession">` is `BackupSession`. */
export type ResourceOf<K extends ModeledKind> = z.output<(typeof RESOURCE_KINDS)[K]["schema"]>;

/** Finds the modeled kind of an object by its apiVersion and kind, if we model it. */
export function resourceKindOf(apiVersion: unknown, kindName: unknown): ResourceKind | undefined {
  return Object.values(RESOURCE_KINDS).find((k) => k.apiVersion === apiVersion && k.kind === kindName);
}
