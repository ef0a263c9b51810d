import { isBeingDeleted } from "../decide/session/session-history.ts";
import type { KubeClient } from "../kube/client.ts";
import type {
  BackupConfiguration,
  BackupSession,
  Namespace,
  Repository,
  RetentionPolicy,
  Snapshot,
} from "../model/index.ts";

/**
 * Everything retention reads, with a fixed number of LIST requests: the sessions, configurations, repositories
 * and Snapshots of one namespace (or the whole cluster for a sweep), and every namespace and RetentionPolicy
 * (a default policy may live in another namespace, and namespace labels decide `from: Selector`).
 */
export interface RetentionWorld {
  namespaces: Namespace[];
  policies: RetentionPolicy[];
  configurations: BackupConfiguration[];
  repositories: Repository[];
  sessions: BackupSession[];
  /** Snapshots not already being deleted. */
  snapshots: Snapshot[];
}

export async function loadRetentionWorld(client: KubeClient, namespace?: string): Promise<RetentionWorld> {
  const scope = namespace === undefined ? {} : { namespace };
  const [namespaces, policies, configurations, repositories, sessions, snapshots] = await Promise.all([
    client.list("Namespace"),
    client.list("RetentionPolicy"),
    client.list("BackupConfiguration", scope),
    client.list("Repository", scope),
    client.list("BackupSession", scope),
    client.list("Snapshot", scope),
  ]);
  return {
    namespaces: namespaces.items,
    policies: policies.items,
    configurations: configurations.items,
    repositories: repositories.items,
    sessions: sessions.items,
    snapshots: snapshots.items.filter((s) => !isBeingDeleted(s)),
  };
}

export function namespaceOf(world: RetentionWorld, name: string): Namespace | undefined {
  return world.namespaces.find((n) => n.metadata.name === name);
}

/** The Snapshots of a repository (and of one session name, when given) in a namespace. */
export function snapshotsOf(
  world: RetentionWorld,
  namespace: string,
  repository: string,
  sessionName?: string,
): Snapshot[] {
  return world.snapshots.filter(
    (s) =>
      s.metadata.namespace === namespace &&
      s.spec.repository === repository &&
      (sessionName === undefined || s.spec.session === sessionName),
  );
}

/** The BackupConfiguration whose session `sessionName` writes to `repository` (first by name if several). */
export function configurationFor(
  world: RetentionWorld,
  namespace: string,
  repository: string,
  sessionName: string | undefined,
): BackupConfiguration | undefined {
  return world.configurations
    .filter((c) => c.metadata.namespace === namespace)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
    .find((c) =>
      (c.spec.sessions ?? []).some(
        (s) =>
          (sessionName === undefined || s.name === sessionName) &&
          (s.repositories ?? []).some((r) => r.name === repository),
      ),
    );
}

/** The repositories a session wrote to: its retention entries, its configuration's session, its snapshots. */
export function repositoriesOfSession(
  session: BackupSession,
  configuration: BackupConfiguration | undefined,
): string[] {
  const fromConfig = configuration?.spec.sessions
    ?.find((s) => s.name === session.spec.session)
    ?.repositories?.map((r) => r.name);
  const names = [
    ...(session.status?.retentionPolicy ?? []).map((e) => e.repository),
    ...(fromConfig ?? []),
    ...(session.status?.snapshots ?? []).map((s) => s.repository),
  ];
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== ""))];
}

/** Each (namespace, repository, session name) that has Snapshots, in a stable order: what a sweep visits. */
export function snapshotGroups(
  world: RetentionWorld,
): Array<{ namespace: string; repository: string; sessionName: string }> {
  const keys = new Map<string, { namespace: string; repository: string; sessionName: string }>();
  for (const s of world.snapshots) {
    const group = {
      namespace: s.metadata.namespace ?? "default",
      repository: s.spec.repository ?? "",
      sessionName: s.spec.session ?? "",
    };
    keys.set(`${group.namespace}\u0000${group.repository}\u0000${group.sessionName}`, group);
  }
  return [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, group]) => group);
}
