import { decideRetention, type RetentionPlan } from "../decide/retention/retention.ts";
import {
  RetentionPolicyError,
  resolveRetentionPolicy,
  retentionTimeZone,
} from "../decide/retention/retention-policy-resolution.ts";
import type { BackupConfiguration, ObjectReference, RetentionPolicy, Snapshot } from "../model/index.ts";
import { namespaceOf, type RetentionWorld, snapshotsOf } from "./retention-world.ts";

/**
 * The plan for one repository (and session name) as the retention function would make it from what it read:
 * the policy resolved (or one given, for a dry run), its time zone, the Snapshots, and the decision. No write.
 */

export interface RepositoryTarget {
  namespace: string;
  repository: string;
  /** Only Snapshots of this `spec.session`; all of the repository when absent. */
  sessionName?: string;
  configuration?: BackupConfiguration;
  recordedRef?: ObjectReference;
}

export type RepositoryPlan =
  | {
      ok: true;
      policy: RetentionPolicy;
      ref: Required<ObjectReference>;
      /** How the policy was found ("backend b of BackupConfiguration ns/c", "default of namespace ns", …). */
      source: string;
      /** The zone the periods follow; UTC when undefined. */
      timeZone?: string;
      snapshots: Snapshot[];
      plan: RetentionPlan;
    }
  | { ok: false; ref?: ObjectReference; error: string };

export interface PlanOptions {
  /** The cluster registry's zone for the cluster. */
  clusterTimeZone?: string;
  /** Use this policy instead of resolving one (`kss retention plan --policy`). */
  policy?: RetentionPolicy;
}

export function planRepository(
  world: RetentionWorld,
  target: RepositoryTarget,
  now: Date,
  options: PlanOptions = {},
): RepositoryPlan {
  const { namespace, repository } = target;
  let policy: RetentionPolicy;
  let ref: Required<ObjectReference>;
  let source: string;
  if (options.policy) {
    policy = options.policy;
    ref = { name: policy.metadata.name, namespace: policy.metadata.namespace ?? namespace };
    source = "given";
  } else {
    const resolution = resolveRetentionPolicy({
      namespace,
      repository,
      namespaceLabels: namespaceOf(world, namespace)?.metadata.labels ?? {},
      policies: world.policies,
      ...(target.configuration ? { configuration: target.configuration } : {}),
      ...(target.sessionName !== undefined ? { sessionName: target.sessionName } : {}),
      ...(target.recordedRef ? { recordedRef: target.recordedRef } : {}),
    });
    if (!resolution.ok) {
      return {
        ok: false,
        ...(resolution.ref ? { ref: resolution.ref } : {}),
        error: resolution.error.message,
      };
    }
    ({ policy, ref, source } = resolution);
  }
  let timeZone: string | undefined;
  try {
    timeZone = retentionTimeZone(namespaceOf(world, ref.namespace), options.clusterTimeZone);
  } catch (error) {
    if (error instanceof RetentionPolicyError) return { ok: false, ref, error: error.message };
    throw error;
  }
  const snapshots = snapshotsOf(world, namespace, repository, target.sessionName);
  const plan = decideRetention(snapshots, policy.spec, now, timeZone ? { timeZone } : {});
  return { ok: true, policy, ref, source, ...(timeZone ? { timeZone } : {}), snapshots, plan };
}
