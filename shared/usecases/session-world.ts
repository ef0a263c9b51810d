import type { SessionReconcileInput } from "../decide/reconcile-session.ts";
import type { KubeClient } from "../kube/client.ts";
import type {
  Addon,
  BackupConfiguration,
  BackupSession,
  BackupStorage,
  HookTemplate,
  Job,
  KubeStashFunction,
  Repository,
  Snapshot,
} from "../model/index.ts";
import { Label, MANAGED_BY } from "../model/labels.ts";

/**
 * Everything the session decisions read, loaded with a fixed number of LIST requests (not one per session):
 * for one namespace when a single session is reconciled, for the whole cluster in the sweep. The LISTs run in
 * parallel and are not consistent with each other, so an absence in them is confirmed by a fresh read before
 * it fails anything; a LIST that fails rejects the whole load, never read as empty (docs/consistency.md).
 */
export interface SessionWorld {
  sessions: BackupSession[];
  configurations: BackupConfiguration[];
  repositories: Repository[];
  storages: BackupStorage[];
  snapshots: Snapshot[];
  jobs: Job[];
  addons: Addon[];
  functions: KubeStashFunction[];
  hookTemplates: HookTemplate[];
}

export async function loadSessionWorld(client: KubeClient, namespace?: string): Promise<SessionWorld> {
  const scope = namespace === undefined ? {} : { namespace };
  const [
    sessions,
    configurations,
    repositories,
    storages,
    snapshots,
    jobs,
    addons,
    functions,
    hookTemplates,
  ] = await Promise.all([
    client.list("BackupSession", scope),
    client.list("BackupConfiguration", scope),
    client.list("Repository", scope),
    // A repository's storage, and so its metadata Job, may be in another namespace: always all of them.
    client.list("BackupStorage"),
    client.list("Snapshot", scope),
    client.list("Job", {
      labelSelector: `${Label.ManagedBy}=${MANAGED_BY}${namespace === undefined ? "" : `,${Label.InvokerNamespace}=${namespace}`}`,
    }),
    client.list("Addon"),
    client.list("Function"),
    // Hook templates may live in another namespace than the session: always all of them.
    client.list("HookTemplate"),
  ]);
  return {
    sessions: sessions.items,
    configurations: configurations.items,
    repositories: repositories.items,
    storages: storages.items,
    snapshots: snapshots.items,
    jobs: jobs.items,
    addons: addons.items,
    functions: functions.items,
    hookTemplates: hookTemplates.items,
  };
}

/** The decision's input for one session, picked out of the world. */
export function reconcileInputOf(
  world: SessionWorld,
  session: BackupSession,
  hookRunnerImage?: string,
): SessionReconcileInput {
  const namespace = session.metadata.namespace;
  const invoker = session.spec.invoker?.name;
  const configuration = world.configurations.find(
    (c) =>
      c.metadata.namespace === namespace &&
      c.metadata.name === invoker &&
      session.spec.invoker?.kind === "BackupConfiguration",
  );
  const specSession = configuration?.spec.sessions?.find((s) => s.name === session.spec.session);
  const siblings = world.sessions.filter(
    (s) =>
      s.metadata.namespace === namespace &&
      s.spec.invoker?.name === invoker &&
      s.spec.session === session.spec.session,
  );
  const siblingNames = new Set(siblings.map((s) => s.metadata.name));
  return {
    session,
    configuration,
    repositories: world.repositories.filter((r) => r.metadata.namespace === namespace),
    storages: world.storages,
    snapshots: world.snapshots.filter(
      (s) => s.metadata.namespace === namespace && s.spec.backupSession === session.metadata.name,
    ),
    jobs: world.jobs.filter(
      (j) =>
        j.metadata.labels?.[Label.InvokerNamespace] === namespace &&
        siblingNames.has(j.metadata.labels?.[Label.InvokerName] ?? ""),
    ),
    addon: world.addons.find((a) => a.metadata.name === specSession?.addon?.name),
    functions: world.functions,
    hookTemplates: world.hookTemplates,
    siblings,
    ...(hookRunnerImage ? { hookRunnerImage } : {}),
  };
}
