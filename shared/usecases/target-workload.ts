import { type TargetWorkload, WORKLOAD_KINDS } from "../decide/session/executor-components.ts";
import type { SessionReconcileInput } from "../decide/session/reconcile-session.ts";
import type { KubeClient } from "../kube/client.ts";
import { NotFoundError } from "../kube/errors.ts";
import type { LabelSelector } from "../model/common.ts";
import { BackupSessionCondition, findCondition } from "../model/conditions.ts";

/**
 * Reads a session's target workload when its executor Jobs are still to be made (docs/snapshot-completion.md#workload-targets):
 * the StatefulSet, DaemonSet or Deployment, and for a DaemonSet the pods that tell which nodes it runs on.
 * One GET (and one LIST) per session that starts, none for the ones already running.
 */
export async function readTargetWorkload(
  client: KubeClient,
  input: SessionReconcileInput,
): Promise<TargetWorkload | undefined> {
  const target = input.configuration?.spec.target;
  if (!target || !WORKLOAD_KINDS.has(target.kind ?? "")) return undefined;
  if (findCondition(input.session.status?.conditions, BackupSessionCondition.BackupExecutorEnsured))
    return undefined;
  const namespace = target.namespace ?? input.session.metadata.namespace;
  const kind = target.kind as "StatefulSet" | "DaemonSet" | "Deployment";
  try {
    const object = await client.get(kind, namespace, target.name);
    if (object.kind !== "DaemonSet") return { found: true, object, pods: [] };
    const selector = selectorString(object.spec?.selector);
    const pods = selector ? (await client.list("Pod", { namespace, labelSelector: selector })).items : [];
    return { found: true, object, pods };
  } catch (error) {
    if (error instanceof NotFoundError) return { found: false };
    throw error;
  }
}

/** A LabelSelector in the API's query syntax (`a=b,c in (d,e),!f`); undefined when it selects nothing. */
export function selectorString(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(",") : undefined;
}
