import type { ExecutorRbacPlan, ServiceAccountRef } from "../decide/session/executor-rbac.ts";
import type { KubeClient } from "../kube/client.ts";
import { KssError } from "../model/errors.ts";
import { Label, SERVERLESS_MANAGED_BY } from "../model/labels.ts";
import type { RoleBinding, RoleRef, Subject } from "../model/role-binding.ts";

/**
 * Carries out an {@link ExecutorRbacPlan} (docs/executor-rbac.md#ensuring-the-objects): the executor's
 * ServiceAccount when we own it, then one RoleBinding per namespace the executor reads from.
 */

/** A RoleBinding of the executor's name exists but grants something else; we cannot fix it ourselves. */
export class ExecutorRoleBindingConflictError extends KssError {
  constructor(
    readonly bindingNamespace: string,
    readonly bindingName: string,
    message: string,
  ) {
    super(`RoleBinding ${bindingNamespace}/${bindingName} ${message}`);
  }
}

export type RoleBindingOutcome = "created" | "unchanged" | "repaired";

export interface ExecutorRbacOutcome {
  serviceAccount: ServiceAccountRef;
  /** True when this call created the ServiceAccount (false: it existed, or the configuration names its own). */
  serviceAccountCreated: boolean;
  roleBindings: { namespace: string; name: string; outcome: RoleBindingOutcome }[];
}

const sameRoleRef = (a: RoleRef, b: RoleRef) =>
  a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;

/** Subjects as the API server compares them: a ServiceAccount's apiGroup is "" whether written or not. */
const sameSubject = (a: Subject, b: Subject) =>
  a.kind === b.kind &&
  a.name === b.name &&
  (a.namespace ?? "") === (b.namespace ?? "") &&
  (a.apiGroup ?? "") === (b.apiGroup ?? "");

const sameSubjects = (a: ReadonlyArray<Subject>, b: ReadonlyArray<Subject>) =>
  a.length === b.length && a.every((s) => b.some((t) => sameSubject(s, t)));

const describeRoleRef = (r: RoleRef) => `${r.kind} ${r.name}`;

async function ensureRoleBinding(client: KubeClient, desired: RoleBinding): Promise<RoleBindingOutcome> {
  const { name, namespace = "default" } = desired.metadata;
  // Any object of the name is accepted here and compared below, where the difference can be named.
  const { object: existing, created } = await client.create("RoleBinding", desired, () => true);
  if (created) return "created";
  if (!sameRoleRef(existing.roleRef, desired.roleRef)) {
    throw new ExecutorRoleBindingConflictError(
      namespace,
      name,
      `binds ${describeRoleRef(existing.roleRef)}, not ${describeRoleRef(desired.roleRef)}; roleRef cannot be ` +
        "changed: delete the RoleBinding and the next session recreates it",
    );
  }
  const wanted = desired.subjects ?? [];
  if (sameSubjects(existing.subjects ?? [], wanted)) return "unchanged";
  if (existing.metadata.labels?.[Label.ManagedBy] !== SERVERLESS_MANAGED_BY) {
    throw new ExecutorRoleBindingConflictError(
      namespace,
      name,
      `exists, is not managed by ${SERVERLESS_MANAGED_BY} and has other subjects; rename or delete it`,
    );
  }
  // Ours, with subjects someone changed: put ours back, guarded by the version we compared.
  await client.patch("RoleBinding", namespace, name, {
    metadata: { resourceVersion: existing.metadata.resourceVersion },
    subjects: wanted,
  });
  return "repaired";
}

/**
 * Ensures the executor's identity and its RoleBindings, idempotently; call it right before the executor Job is
 * created, every time (a second call for the same namespace and ServiceAccount costs one POST per object,
 * answered AlreadyExists, and writes nothing).
 *
 * - The ServiceAccount of `plan.serviceAccountToEnsure` is created; an existing one of that name (ours or the
 *   user's, with whatever annotations) is left as it is. None is created when the configuration names its own.
 * - Each RoleBinding is created; an existing one with the same roleRef and subjects is success. One whose
 *   subjects differ is put back when it carries our managed-by label. One whose roleRef differs (roleRef is
 *   immutable), or a foreign one with other subjects, throws {@link ExecutorRoleBindingConflictError}: the
 *   session should fail with its message, since the executor would run without its rights.
 * - Errors of the API server pass through as the adapter maps them (ForbiddenError when infra/rbac is not
 *   installed or lacks `bind`, UnavailableError to retry later); nothing is deleted, ever.
 */
export async function ensureExecutorRbac(
  client: KubeClient,
  plan: ExecutorRbacPlan,
): Promise<ExecutorRbacOutcome> {
  let serviceAccountCreated = false;
  if (plan.serviceAccountToEnsure) {
    const result = await client.create("ServiceAccount", plan.serviceAccountToEnsure, () => true);
    serviceAccountCreated = result.created;
  }
  const roleBindings = await Promise.all(
    plan.roleBindings.map(async (binding) => ({
      namespace: binding.metadata.namespace ?? "default",
      name: binding.metadata.name,
      outcome: await ensureRoleBinding(client, binding),
    })),
  );
  return { serviceAccount: plan.serviceAccount, serviceAccountCreated, roleBindings };
}
