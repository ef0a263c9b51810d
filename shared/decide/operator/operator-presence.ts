import type { BackupConfiguration, BackupConfigurationStatus } from "../../model/backup-configuration.ts";
import type { ObjectMeta } from "../../model/common.ts";
import { GROUP_CORE } from "../../model/common.ts";
import {
  type ConditionInput,
  findCondition,
  OperatorPresentCondition as P,
  setCondition,
} from "../../model/conditions.ts";
import type { CronJob } from "../../model/cron-job.ts";
import type { Deployment } from "../../model/deployment.ts";
import { Label, MANAGED_BY } from "../../model/labels.ts";
import { type EndpointSlice, SERVICE_NAME_LABEL, type Service } from "../../model/service.ts";
import type { ServiceReference, Webhook } from "../../model/webhook-configuration.ts";

/**
 * Is the KubeStash operator (or what it left) in this cluster (docs/migration.md#detection)? From the objects
 * a few LISTs return — the operator's Deployments (chart label `app.kubernetes.io/name: kubestash-operator`),
 * the ValidatingWebhookConfigurations, the CronJobs, and the Services and EndpointSlices of the webhooks that
 * watch BackupSessions — one of three answers:
 * - `present`: its Deployment, a trigger CronJob, or a BackupSession webhook whose server answers. It drives
 *   every BackupSession, so the functions drive none (a session is never backed up twice);
 * - `leftover-webhook`: no operator, but a BackupSession webhook with failurePolicy Fail whose server is gone
 *   (Service missing or without a ready endpoint): the API server rejects every BackupSession create and
 *   update, so nothing can run until it is removed — said as exactly that, with the command that removes it;
 * - `absent`.
 * Pure: named predicates composed in {@link decideOperatorPresence}; the condition it puts on configurations
 * in {@link operatorStatus}.
 */

/** The chart's `app.kubernetes.io/name` (kubestash/installer charts/kubestash-operator, `kubestash-operator.name`). */
export const OPERATOR_CHART_NAME = "kubestash-operator";
export const OPERATOR_DEPLOYMENT_SELECTOR = `app.kubernetes.io/name=${OPERATOR_CHART_NAME}`;
/** The operator names each trigger CronJob `trigger-<configuration>-<session>`. */
export const TRIGGER_CRONJOB_PREFIX = "trigger-";
/** The operator's trigger container runs `<operator image> trigger-backup --invoker-name=… …`. */
const TRIGGER_SUBCOMMAND = "trigger-backup";

export interface ObjectRef {
  namespace?: string;
  name: string;
}

export type WebhookServerState =
  /** The Service exists and one of its endpoints is ready (or it is an ExternalName: we cannot tell). */
  | "ready"
  | "service-missing"
  | "no-ready-endpoints"
  /** Called by URL, not through a Service: we cannot tell, so taken as there. */
  | "url";

/** A webhook that watches BackupSession writes, and whether its server can answer. */
export interface BackupSessionWebhook {
  /** The ValidatingWebhookConfiguration. */
  configuration: string;
  webhook: string;
  failurePolicy: "Fail" | "Ignore";
  service?: { namespace: string; name: string };
  url?: string;
  server: WebhookServerState;
}

export interface TriggerCronJob {
  namespace: string;
  name: string;
  /** The BackupConfiguration that owns it (the operator's ownerReference). */
  configuration?: string;
}

export interface OperatorFootprintInput {
  /** Deployments (listed with {@link OPERATOR_DEPLOYMENT_SELECTOR}; filtered again here). */
  deployments: ReadonlyArray<Deployment>;
  webhookConfigurations: ReadonlyArray<{ metadata: ObjectMeta; webhooks?: ReadonlyArray<Webhook> }>;
  cronJobs: ReadonlyArray<CronJob>;
  /** The Services the webhooks point at that exist (one missing here does not exist). */
  services: ReadonlyArray<Service>;
  /** The EndpointSlices of those Services. */
  endpointSlices: ReadonlyArray<EndpointSlice>;
  /** For the commands in the messages. */
  clusterId?: string;
}

export interface OperatorPresence {
  state: "absent" | "present" | "leftover-webhook";
  deployments: ObjectRef[];
  /** Every BackupSession webhook found (leftover-webhook: the ones that block). */
  webhooks: BackupSessionWebhook[];
  cronJobs: TriggerCronJob[];
  /** What was found and what it means, in a sentence or three (empty when absent). */
  message: string;
}

// --- predicates -----------------------------------------------------------------------------------------

const isCoreKubeStashOwner = (ref: { apiVersion: string; kind: string }) =>
  ref.kind === "BackupConfiguration" && ref.apiVersion.startsWith(`${GROUP_CORE}/`);

export function isOperatorDeployment(deployment: Deployment): boolean {
  return deployment.metadata.labels?.["app.kubernetes.io/name"] === OPERATOR_CHART_NAME;
}

/** `trigger-*`, and owned by a BackupConfiguration or running the operator's `trigger-backup` with its label. */
export function isTriggerCronJob(cronJob: CronJob): boolean {
  if (!cronJob.metadata.name.startsWith(TRIGGER_CRONJOB_PREFIX)) return false;
  if ((cronJob.metadata.ownerReferences ?? []).some(isCoreKubeStashOwner)) return true;
  const pod = cronJob.spec.jobTemplate.spec?.template;
  const runsTrigger = (pod?.spec?.containers ?? []).some((c) => c.args?.[0] === TRIGGER_SUBCOMMAND);
  return runsTrigger && pod?.metadata?.labels?.[Label.ManagedBy] === MANAGED_BY;
}

const covers = (list: ReadonlyArray<string> | undefined, value: string) =>
  (list ?? []).some((v) => v === "*" || v === value);

/** A rule on `group`'s `resource` for CREATE or UPDATE (or `*`). */
export function webhookWatches(webhook: Webhook, group: string, resource: string): boolean {
  return (webhook.rules ?? []).some(
    (rule) =>
      covers(rule.apiGroups, group) &&
      covers(rule.resources, resource) &&
      (covers(rule.operations, "CREATE") || covers(rule.operations, "UPDATE")),
  );
}

/** A rule on any `*.kubestash.com` group: the operator's webhooks (validating and mutating). */
export function webhookWatchesKubeStash(webhook: Webhook): boolean {
  return (webhook.rules ?? []).some((rule) =>
    (rule.apiGroups ?? []).some((g) => g === "*" || g.endsWith("kubestash.com")),
  );
}

const sameRef = (a: ServiceReference, meta: ObjectMeta) =>
  meta.namespace === a.namespace && meta.name === a.name;

/** Can the API server reach this webhook's server? (docs/migration.md#the-leftover-webhook) */
export function webhookServerState(
  webhook: Webhook,
  services: ReadonlyArray<Service>,
  endpointSlices: ReadonlyArray<EndpointSlice>,
): WebhookServerState {
  const ref = webhook.clientConfig.service;
  if (!ref) return "url";
  const service = services.find((s) => sameRef(ref, s.metadata));
  if (!service) return "service-missing";
  if (service.spec?.type === "ExternalName") return "ready";
  const ready = endpointSlices.some(
    (slice) =>
      slice.metadata.namespace === ref.namespace &&
      slice.metadata.labels?.[SERVICE_NAME_LABEL] === ref.name &&
      (slice.endpoints ?? []).some((e) => e.conditions?.ready !== false && e.addresses.length > 0),
  );
  return ready ? "ready" : "no-ready-endpoints";
}

export const serverGone = (state: WebhookServerState) =>
  state === "service-missing" || state === "no-ready-endpoints";

/** The webhooks of these configurations that watch BackupSession writes, without their server state yet. */
export function backupSessionWebhooks(
  configurations: OperatorFootprintInput["webhookConfigurations"],
): Array<{ configuration: string; webhook: Webhook }> {
  return configurations.flatMap((c) =>
    (c.webhooks ?? [])
      .filter((w) => webhookWatches(w, GROUP_CORE, "backupsessions"))
      .map((webhook) => ({ configuration: c.metadata.name, webhook })),
  );
}

/** The Services those webhooks call, once each: what the caller reads before deciding. */
export function webhookServices(
  configurations: OperatorFootprintInput["webhookConfigurations"],
): ServiceReference[] {
  const seen = new Map<string, ServiceReference>();
  for (const { webhook } of backupSessionWebhooks(configurations)) {
    const ref = webhook.clientConfig.service;
    if (ref) seen.set(`${ref.namespace}/${ref.name}`, ref);
  }
  return [...seen.values()];
}

// --- the decision ---------------------------------------------------------------------------------------

const refOf = (meta: ObjectMeta): ObjectRef => ({
  ...(meta.namespace ? { namespace: meta.namespace } : {}),
  name: meta.name,
});
const qualified = (ref: ObjectRef) => (ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name);
const byName = (a: ObjectRef, b: ObjectRef) => qualified(a).localeCompare(qualified(b));

function listed(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function serverText(w: BackupSessionWebhook): string {
  const service = w.service ? `Service ${w.service.namespace}/${w.service.name}` : "its server";
  return w.server === "service-missing"
    ? `${service}, which does not exist`
    : `${service}, which has no ready endpoint`;
}

function footprintOf(input: OperatorFootprintInput) {
  const deployments = input.deployments
    .filter(isOperatorDeployment)
    .map((d) => refOf(d.metadata))
    .sort(byName);
  const webhooks = backupSessionWebhooks(input.webhookConfigurations).map(
    ({ configuration, webhook }): BackupSessionWebhook => {
      const service = webhook.clientConfig.service;
      return {
        configuration,
        webhook: webhook.name,
        failurePolicy: webhook.failurePolicy ?? "Fail",
        ...(service ? { service: { namespace: service.namespace, name: service.name } } : {}),
        ...(webhook.clientConfig.url ? { url: webhook.clientConfig.url } : {}),
        server: webhookServerState(webhook, input.services, input.endpointSlices),
      };
    },
  );
  const cronJobs = input.cronJobs
    .filter(isTriggerCronJob)
    .map((c): TriggerCronJob => {
      const owner = (c.metadata.ownerReferences ?? []).find(isCoreKubeStashOwner);
      return {
        namespace: c.metadata.namespace ?? "default",
        name: c.metadata.name,
        ...(owner ? { configuration: owner.name } : {}),
      };
    })
    .sort(byName);
  return { deployments, webhooks, cronJobs };
}

const webhookNames = (webhooks: readonly BackupSessionWebhook[]) =>
  listed(webhooks.map((w) => `${w.configuration}/${w.webhook}`));

function presentMessage(
  found: ReturnType<typeof footprintOf>,
  blocking: BackupSessionWebhook[],
  migrate: string,
) {
  const { deployments, cronJobs } = found;
  const answering = found.webhooks.filter((w) => !serverGone(w.server));
  const parts = [
    deployments.length > 0 ? `Deployment ${listed(deployments.map(qualified))}` : "",
    answering.length > 0 ? `webhook ${webhookNames(answering)} on BackupSessions` : "",
    cronJobs.length > 0 ? `${cronJobs.length} trigger CronJob(s) (${listed(cronJobs.map(qualified))})` : "",
  ].filter((p) => p !== "");
  const what =
    deployments.length > 0
      ? "The KubeStash operator is installed in this cluster"
      : "The KubeStash operator's footprint is in this cluster";
  const creates = cronJobs.length > 0 ? " and its CronJobs create them" : "";
  const rejects = blocking[0]
    ? `Its webhook ${webhookNames(blocking)} calls ${serverText(blocking[0])}: the API server rejects BackupSession writes meanwhile. `
    : "";
  return (
    `${what} (${parts.join("; ")}): it drives every BackupSession here${creates}, so kubestash-serverless ` +
    `creates and drives none, and no session is backed up twice. ${rejects}` +
    `To hand the cluster over: uninstall the operator, then run \`${migrate}\` (docs/migration.md).`
  );
}

function leftoverMessage(blocking: BackupSessionWebhook[], migrate: string) {
  const names = [...new Set(blocking.map((w) => w.configuration))];
  const each = blocking
    .map((w) => `${w.configuration} (webhook ${w.webhook}, failurePolicy Fail) calls ${serverText(w)}`)
    .join("; ");
  return (
    `Leftover KubeStash validating webhook: ValidatingWebhookConfiguration ${each}. The API server therefore ` +
    "rejects every BackupSession create and update in this cluster, so no session can be created or driven. " +
    `Remove it: \`kubectl delete validatingwebhookconfiguration ${names.join(" ")}\`, or \`${migrate}\`, ` +
    "which also removes the operator's other leftovers."
  );
}

export function decideOperatorPresence(input: OperatorFootprintInput): OperatorPresence {
  const found = footprintOf(input);
  const migrate = `kss migrate --cluster ${input.clusterId ?? "<cluster>"}`;
  const blocking = found.webhooks.filter((w) => serverGone(w.server) && w.failurePolicy === "Fail");
  const answering = found.webhooks.some((w) => !serverGone(w.server));
  // The operator runs: its Deployment, or (no webhook blocking) a trigger CronJob or a webhook that answers.
  if (found.deployments.length > 0 || (blocking.length === 0 && (found.cronJobs.length > 0 || answering)))
    return { state: "present", ...found, message: presentMessage(found, blocking, migrate) };
  if (blocking.length > 0)
    return {
      state: "leftover-webhook",
      ...found,
      webhooks: blocking,
      message: leftoverMessage(blocking, migrate),
    };
  return { state: "absent", ...found, message: "" };
}

// --- the condition on each configuration ------------------------------------------------------------------

/** Where a configuration's message adds its own CronJobs to the cluster's. */
const OWN_CRONJOBS = " This configuration's trigger CronJobs:";

/** The cluster's part of a configuration's condition message (without the configuration's own CronJobs). */
export function clusterMessageOf(message: string): string {
  const at = message.indexOf(OWN_CRONJOBS);
  return at < 0 ? message : message.slice(0, at);
}

/** The condition a configuration should carry, given what was found (undefined: none needed). */
export function operatorConditionFor(
  presence: OperatorPresence,
  configuration: BackupConfiguration,
): ConditionInput | undefined {
  const current = findCondition(configuration.status?.conditions, P.type);
  if (presence.state === "absent") {
    if (current?.status !== "True") return undefined;
    return {
      type: P.type,
      status: "False",
      reason: P.OperatorRemoved,
      message:
        "The KubeStash operator's footprint is gone: kubestash-serverless drives this configuration's sessions.",
    };
  }
  const own = presence.cronJobs
    .filter(
      (c) =>
        c.namespace === configuration.metadata.namespace && c.configuration === configuration.metadata.name,
    )
    .map((c) => c.name);
  const mine = own.length > 0 ? `${OWN_CRONJOBS} ${own.join(", ")}.` : "";
  return {
    type: P.type,
    status: "True",
    reason: presence.state === "present" ? P.OperatorInstalled : P.LeftoverWebhook,
    message: `${presence.message}${mine}`,
  };
}

/**
 * The configuration's next status with the condition set, or undefined when it already says so (written once,
 * not every tick). Only `status.conditions` changes; while the operator is there it keeps the rest.
 */
export function operatorStatus(
  presence: OperatorPresence,
  configuration: BackupConfiguration,
  now: Date,
): BackupConfigurationStatus | undefined {
  const next = operatorConditionFor(presence, configuration);
  if (!next) return undefined;
  const current = findCondition(configuration.status?.conditions, P.type);
  if (
    current &&
    current.status === next.status &&
    current.reason === next.reason &&
    current.message === next.message
  )
    return undefined;
  return {
    ...configuration.status,
    conditions: setCondition(configuration.status?.conditions, next, now),
  };
}

/** Is this configuration's condition one the functions set for a footprint (True)? For the fleet view. */
export function operatorStateOf(
  configuration: BackupConfiguration,
): { state: "present" | "leftover-webhook"; since: string; message: string } | undefined {
  const condition = findCondition(configuration.status?.conditions, P.type);
  if (condition?.status !== "True") return undefined;
  return {
    state: condition.reason === P.LeftoverWebhook ? "leftover-webhook" : "present",
    since: condition.lastTransitionTime,
    message: condition.message ?? "",
  };
}
