import type { BackupConfiguration } from "../../model/backup-configuration.ts";

/**
 * What each BackupConfiguration says it backs up (docs/coverage.md#what-a-configuration-covers), by its
 * `spec.target`: a PersistentVolumeClaim (its data), a Deployment, StatefulSet or DaemonSet (the data of the
 * claims its pods mount), a Namespace (its manifests, not its volumes' data), none (KubeStash's cluster-resources
 * backup: manifests, not volumes' data), or an application of another kind (an AppBinding, a KubeDB database …),
 * which covers the workloads and claims of its namespace labelled `app.kubernetes.io/instance: <its name>`.
 */

/** A configuration that covers something; `paused` is its `spec.paused`. */
export interface ConfigurationRef {
  namespace: string;
  name: string;
  paused: boolean;
}

/** The label charts and KubeDB put on every object of an application instance. */
export const INSTANCE_LABEL = "app.kubernetes.io/instance";

export interface ConfigurationTargets {
  /** Workload targets by `<kind>/<namespace>/<name>`. */
  workloads: Map<string, ConfigurationRef[]>;
  /** PersistentVolumeClaim targets by `<namespace>/<name>`. */
  claims: Map<string, ConfigurationRef[]>;
  /** Application targets of other kinds by `<namespace>/<name>` (matched by {@link INSTANCE_LABEL}). */
  applications: Map<string, Array<ConfigurationRef & { kind: string }>>;
  /** Namespace targets (manifests) by namespace. */
  namespaceManifests: Map<string, ConfigurationRef[]>;
  /** Configurations without a target: the cluster's resources (manifests). */
  clusterManifests: ConfigurationRef[];
  /** Namespaces that hold at least one BackupConfiguration. */
  namespacesWithConfiguration: Set<string>;
}

export const workloadKey = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;
export const namespacedKey = (namespace: string, name: string) => `${namespace}/${name}`;

const WORKLOAD_TARGET_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
/** The API groups a target of a core or apps kind may name (KubeStash's examples leave the core group empty). */
const CORE_GROUPS = new Set(["", "core"]);
const APPS_GROUPS = new Set(["", "apps"]);

function add<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Sorts every configuration into what its target covers. */
export function configurationTargets(configurations: readonly BackupConfiguration[]): ConfigurationTargets {
  const targets: ConfigurationTargets = {
    workloads: new Map(),
    claims: new Map(),
    applications: new Map(),
    namespaceManifests: new Map(),
    clusterManifests: [],
    namespacesWithConfiguration: new Set(),
  };
  for (const configuration of configurations) {
    const namespace = configuration.metadata.namespace ?? "default";
    targets.namespacesWithConfiguration.add(namespace);
    const ref: ConfigurationRef = {
      namespace,
      name: configuration.metadata.name,
      paused: configuration.spec.paused === true,
    };
    const target = configuration.spec.target;
    const kind = target?.kind ?? "";
    const group = target?.apiGroup ?? "";
    // KubeStash's stand-in for "no target" is {apiGroup: "na", kind: "", name: "na"} (docs/model.md).
    if (!target || kind === "") {
      targets.clusterManifests.push(ref);
      continue;
    }
    const targetNamespace = target.namespace ?? namespace;
    if (kind === "PersistentVolumeClaim" && CORE_GROUPS.has(group)) {
      add(targets.claims, namespacedKey(targetNamespace, target.name), ref);
    } else if (WORKLOAD_TARGET_KINDS.has(kind) && APPS_GROUPS.has(group)) {
      add(targets.workloads, workloadKey(kind, targetNamespace, target.name), ref);
    } else if (kind === "Namespace" && CORE_GROUPS.has(group)) {
      add(targets.namespaceManifests, target.name, ref);
    } else {
      add(targets.applications, namespacedKey(targetNamespace, target.name), { ...ref, kind });
    }
  }
  return targets;
}
