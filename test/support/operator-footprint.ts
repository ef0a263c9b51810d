import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import {
  type ClusterRole,
  type CronJob,
  type Deployment,
  type EndpointSlice,
  type ModeledKind,
  type MutatingWebhookConfiguration,
  parseWith,
  RESOURCE_KINDS,
  type RoleBinding,
  type Service,
  type ServiceAccount,
  type ValidatingWebhookConfiguration,
} from "../../shared/model/index.ts";

/**
 * The KubeStash operator's footprint as a real installation has it (test/fixtures/kubestash/operator/:
 * operator-footprint.yaml from the installer chart and a live cluster, rbac.yaml from the same cluster), parsed
 * with the model, so the tests decide on what the operator really leaves behind.
 */

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/kubestash/operator");

type Fixture = { apiVersion: string; kind: string; metadata: { name: string } };

function load(file: string): Fixture[] {
  const text = readFileSync(path.join(FIXTURES, file), "utf8");
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Fixture | null)
    .filter((d): d is Fixture => d !== null);
}

function ofKind<T>(docs: Fixture[], kind: ModeledKind): T[] {
  return docs
    .filter((d) => d.kind === RESOURCE_KINDS[kind].kind)
    .map((d) => parseWith(RESOURCE_KINDS[kind].schema, d, `${kind} ${d.metadata.name}`) as T);
}

export interface OperatorFootprint {
  deployments: Deployment[];
  service: Service;
  validating: ValidatingWebhookConfiguration;
  mutating: MutatingWebhookConfiguration;
  cronJob: CronJob;
  serviceAccounts: ServiceAccount[];
  roleBindings: RoleBinding[];
  clusterRoles: ClusterRole[];
}

/** A fresh copy each call (tests change them). */
export function operatorFootprint(): OperatorFootprint {
  const footprint = load("operator-footprint.yaml");
  const rbac = load("rbac.yaml");
  const one = <T>(docs: Fixture[], kind: ModeledKind): T => {
    const [first] = ofKind<T>(docs, kind);
    if (!first) throw new Error(`no ${kind} in the fixtures`);
    return first;
  };
  return {
    deployments: ofKind<Deployment>(footprint, "Deployment"),
    service: one<Service>(footprint, "Service"),
    validating: one<ValidatingWebhookConfiguration>(footprint, "ValidatingWebhookConfiguration"),
    mutating: one<MutatingWebhookConfiguration>(footprint, "MutatingWebhookConfiguration"),
    cronJob: one<CronJob>(footprint, "CronJob"),
    serviceAccounts: ofKind<ServiceAccount>(rbac, "ServiceAccount"),
    roleBindings: ofKind<RoleBinding>(rbac, "RoleBinding"),
    clusterRoles: ofKind<ClusterRole>(rbac, "ClusterRole"),
  };
}

/** An EndpointSlice with one endpoint for the Service (`ready` as given; absent = ready, as in Kubernetes). */
export function endpointSliceFor(service: Service, ready?: boolean): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service.metadata.name}-abcde`,
      namespace: service.metadata.namespace,
      labels: { "kubernetes.io/service-name": service.metadata.name },
    },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.0.7"], ...(ready === undefined ? {} : { conditions: { ready } }) }],
  };
}
