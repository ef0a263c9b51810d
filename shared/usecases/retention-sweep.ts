import { isBeingDeleted } from "../decide/session/session-history.ts";
import {
  type ApplyRetentionDeps,
  applyToSession,
  recordRepositoryEvent,
  type SessionRetentionOutcome,
} from "./apply-retention.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { operatorHold } from "./operator-presence.ts";
import { pruneRepository, type RepositoryRetention } from "./prune-snapshots.ts";
import { configurationFor, loadRetentionWorld, snapshotGroups } from "./retention-world.ts";

/**
 * The retention sweep of a namespace or a whole cluster (daily, or on a "Retention Requested" without a
 * session): first every Succeeded session whose retention never ran (its "Phase Changed" event was lost)
 * gets it, recorded on the session; then every other repository and session name with Snapshots is pruned
 * by the policy of the BackupConfiguration that writes to it, with Events on the Repository. Snapshots that
 * no BackupConfiguration writes any more are left alone. A failure in one repository does not stop the rest.
 */

export interface SweepOutcome {
  sessions: SessionRetentionOutcome[];
  repositories: RepositoryRetention[];
  /** Groups left alone, with why. */
  skipped: Array<{ namespace: string; repository: string; sessionName: string; reason: string }>;
  /** Groups that failed with an error other than a policy problem (the cluster went away, …). */
  errors: Array<{ namespace: string; repository: string; sessionName: string; error: string }>;
}

const GROUP_CONCURRENCY = 4;

export async function sweepRetention(
  deps: ApplyRetentionDeps,
  now: Date,
  namespace?: string,
): Promise<SweepOutcome> {
  // Coexistence (docs/migration.md#what-the-functions-do-meanwhile): the KubeStash operator runs its retention.
  if (await operatorHold(deps.client)) return { sessions: [], repositories: [], skipped: [], errors: [] };
  const world = await loadRetentionWorld(deps.client, namespace);
  const outcome: SweepOutcome = { sessions: [], repositories: [], skipped: [], errors: [] };
  const done = new Set<string>();
  const key = (ns: string, repository: string, sessionName: string) =>
    `${ns}\u0000${repository}\u0000${sessionName}`;

  const missed = world.sessions.filter(
    (s) =>
      s.status?.phase === "Succeeded" &&
      !isBeingDeleted(s) &&
      (s.status.retentionPolicy ?? []).some((e) => e.phase === undefined || e.phase === "Pending"),
  );
  for (const session of missed) {
    const result = await applyToSession(deps, world, session, "sweep", now);
    outcome.sessions.push(result);
    for (const r of result.repositories) done.add(key(r.namespace, r.repository, r.sessionName ?? ""));
  }

  const groups = snapshotGroups(world).filter(
    (g) => !done.has(key(g.namespace, g.repository, g.sessionName)),
  );
  await mapWithConcurrency(groups, GROUP_CONCURRENCY, async (group) => {
    const configuration = configurationFor(world, group.namespace, group.repository, group.sessionName);
    if (!configuration) {
      const reason = `no BackupConfiguration has a session ${group.sessionName} writing to repository ${group.repository}: left alone`;
      outcome.skipped.push({ ...group, reason });
      return;
    }
    try {
      const target = { ...group, configuration };
      const result = await pruneRepository(deps, world, target, "sweep", now);
      outcome.repositories.push(result);
      const repository = world.repositories.find(
        (r) => r.metadata.namespace === group.namespace && r.metadata.name === group.repository,
      );
      if (repository) await recordRepositoryEvent(deps.client, repository, result, now);
    } catch (error) {
      outcome.errors.push({ ...group, error: error instanceof Error ? error.message : String(error) });
    }
  });
  return outcome;
}
