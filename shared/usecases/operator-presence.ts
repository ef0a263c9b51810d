import {
  decideOperatorPresence,
  OPERATOR_DEPLOYMENT_SELECTOR,
  type OperatorPresence,
  operatorStatus,
  webhookServices,
} from "../decide/operator/operator-presence.ts";
import type { KubeClient } from "../kube/client.ts";
import type { BackupConfiguration } from "../model/backup-configuration.ts";
import { OperatorPresentCondition } from "../model/conditions.ts";
import type { EndpointSlice, Service } from "../model/service.ts";
import { SERVICE_NAME_LABEL } from "../model/service.ts";
import { mapWithConcurrency } from "./concurrency.ts";

/**
 * Coexistence with the KubeStash operator (docs/migration.md): {@link detectOperator} reads a cluster's
 * operator footprint with three cluster-wide LISTs (operator Deployments by chart label, the
 * ValidatingWebhookConfigurations, the CronJobs), plus a GET of each BackupSession webhook's Service and a LIST
 * of its EndpointSlices when there is such a webhook; shared/decide/operator/operator-presence.ts says what it means.
 * {@link operatorHold} is the gate at the top of every per-cluster path that would create or drive sessions
 * (create-sessions, the reconcile sweep and the "Created" path, the retry sweep, the retention sweep): while
 * the footprint is there they do nothing, and create-sessions says why on every BackupConfiguration (the
 * KubeStashOperatorPresent condition, written once per change, with a Kubernetes Event on the configuration).
 */

export async function detectOperator(client: KubeClient): Promise<OperatorPresence> {
  const [deployments, webhookConfigurations, cronJobs] = await Promise.all([
    client.list("Deployment", { labelSelector: OPERATOR_DEPLOYMENT_SELECTOR }),
    client.list("ValidatingWebhookConfiguration"),
    client.list("CronJob"),
  ]);
  const servers = await readWebhookServers(client, webhookServices(webhookConfigurations.items));
  return decideOperatorPresence({
    deployments: deployments.items,
    webhookConfigurations: webhookConfigurations.items,
    cronJobs: cronJobs.items,
    ...servers,
    clusterId: client.clusterId,
  });
}

/** The webhooks' Services that exist, and their EndpointSlices (one GET and one LIST per Service). */
export async function readWebhookServers(
  client: KubeClient,
  refs: ReadonlyArray<{ namespace: string; name: string }>,
): Promise<{ services: Service[]; endpointSlices: EndpointSlice[] }> {
  const read = await Promise.all(
    refs.map(async (ref) => {
      const service = await client.find("Service", ref.namespace, ref.name);
      if (!service) return { services: [], endpointSlices: [] };
      const slices = await client.list("EndpointSlice", {
        namespace: ref.namespace,
        labelSelector: `${SERVICE_NAME_LABEL}=${ref.name}`,
      });
      return { services: [service], endpointSlices: slices.items };
    }),
  );
  return {
    services: read.flatMap((r) => r.services),
    endpointSlices: read.flatMap((r) => r.endpointSlices),
  };
}

/**
 * The gate: the footprint when the functions must leave this cluster's sessions alone, undefined when they may
 * drive them. With `markAt`, each BackupConfiguration's KubeStashOperatorPresent condition is kept current too
 * (create-sessions, on the configurations it listed: no second LIST). A footprint the functions may not read (infra/rbac
 * not re-applied) fails the call with the Forbidden error naming the permission — the cluster is reported,
 * never driven blind beside an operator (docs/migration.md#permissions).
 */
export async function operatorHold(
  client: KubeClient,
  markAt?: Date,
  configurations?: ReadonlyArray<BackupConfiguration>,
): Promise<OperatorPresence | undefined> {
  const presence = await detectOperator(client);
  if (markAt) await markConfigurations(client, presence, markAt, configurations);
  return presence.state === "absent" ? undefined : presence;
}

const MARK_CONCURRENCY = 8;

/** Sets (or clears) the condition on each configuration that does not say it yet, with an Event per change. */
export async function markConfigurations(
  client: KubeClient,
  presence: OperatorPresence,
  now: Date,
  /** The configurations as the caller listed them this tick (else listed here). */
  listed?: ReadonlyArray<BackupConfiguration>,
): Promise<number> {
  const configurations = listed ?? (await client.list("BackupConfiguration")).items;
  const changed = await mapWithConcurrency(configurations, MARK_CONCURRENCY, async (config) => {
    if (!operatorStatus(presence, config, now)) return false;
    const { object, changed } = await client.updateStatus(
      "BackupConfiguration",
      config.metadata.namespace,
      config.metadata.name,
      (current) => operatorStatus(presence, current, now),
    );
    if (!changed) return false;
    const condition = object.status?.conditions?.find((c) => c.type === OperatorPresentCondition.type);
    if (condition) {
      await client.recordEvent(
        object,
        {
          type: condition.status === "True" ? "Warning" : "Normal",
          reason: condition.reason ?? OperatorPresentCondition.type,
          message: condition.message ?? "",
          // Once per change: a footprint that comes back later is told again.
          key: `${condition.reason}\n${condition.message}\n${condition.lastTransitionTime}`,
        },
        now,
      );
    }
    return true;
  });
  return changed.filter(Boolean).length;
}
