import type { SessionReconcileInput } from "../decide/session/reconcile-session.ts";
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
import { Label, MANAGED_BY, UNFINISHED_SELECTOR } from "../model/labels.ts";

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
  /**
   * Sessions, Snapshots and Jobs were listed without the ones labelled completed (the sweep,
   * docs/costs.md#the-sweep-lists-only-what-is-unfinished): what a decision needs of finished ones is read apart
   * ({@link withOwnJobs}, {@link withHistory}).
   */
  partial?: true;
}

export interface LoadOptions {
  /** List only what is not labelled completed (docs/costs.md). */
  unfinishedOnly?: boolean;
}

export async function loadSessionWorld(
  client: KubeClient,
  namespace?: string,
  options: LoadOptions = {},
): Promise<SessionWorld> {
  const scope = namespace === undefined ? {} : { namespace };
  const unfinished = options.unfinishedOnly === true;
  const selected = unfinished ? { labelSelector: UNFINISHED_SELECTOR } : {};
  const jobSelector = [
    `${Label.ManagedBy}=${MANAGED_BY}`,
    ...(namespace === undefined ? [] : [`${Label.InvokerNamespace}=${namespace}`]),
    ...(unfinished ? [UNFINISHED_SELECTOR] : []),
  ].join(",");
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
    client.list("BackupSession", { ...scope, ...selected }),
    client.list("BackupConfiguration", scope),
    client.list("Repository", scope),
    // A repository's storage, and so its metadata Job, may be in another namespace: always all of them.
    client.list("BackupStorage"),
    client.list("Snapshot", { ...scope, ...selected }),
    client.list("Job", { labelSelector: jobSelector }),
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
    ...(unfinished ? { partial: true as const } : {}),
  };
}

type Keyed = { metadata: { name: string; namespace?: string | undefined } };

/** `listed` added to `known`; an object in both is taken from `listed` (the newer read). */
function merged<T extends Keyed>(known: ReadonlyArray<T>, listed: ReadonlyArray<T>): T[] {
  const key = (o: Keyed) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
  const fresh = new Set(listed.map(key));
  return [...known.filter((o) => !fresh.has(key(o))), ...listed];
}

/**
 * A session being deleted needs all its Jobs (the finalizer path deletes them), labelled ones too: on a partial
 * world they are listed by the session's labels (docs/costs.md#sessions-being-deleted).
 */
export async function withOwnJobs(
  client: KubeClient,
  world: SessionWorld,
  session: BackupSession,
): Promise<SessionWorld> {
  if (!world.partial) return world;
  const namespace = session.metadata.namespace ?? "default";
  const jobs = await client.list("Job", {
    labelSelector: `${Label.InvokerNamespace}=${namespace},${Label.InvokerName}=${session.metadata.name}`,
  });
  return { ...world, jobs: merged(world.jobs, jobs.items) };
}

/**
 * History cleanup counts the session's completed siblings and deletes their Jobs: on a partial world they are
 * listed by the invoker's labels, in the session's namespace (docs/costs.md#what-finished-objects-are-still-read).
 */
export async function withHistory(
  client: KubeClient,
  world: SessionWorld,
  session: BackupSession,
): Promise<SessionWorld> {
  if (!world.partial) return world;
  const namespace = session.metadata.namespace ?? "default";
  const sessionName = session.spec.session ?? "";
  const [sessions, jobs] = await Promise.all([
    client.list("BackupSession", {
      namespace,
      labelSelector: `${Label.InvokerName}=${session.spec.invoker?.name ?? ""},${Label.SessionName}=${sessionName}`,
    }),
    client.list("Job", {
      labelSelector: `${Label.InvokerNamespace}=${namespace},${Label.SessionName}=${sessionName}`,
    }),
  ]);
  return {
    ...world,
    sessions: merged(world.sessions, sessions.items),
    jobs: merged(world.jobs, jobs.items),
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
