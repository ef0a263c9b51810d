import { type Absence, type AbsentKind, absenceKey, labelSelectorOf } from "../decide/session/absence.ts";
import { decideReconcile, type SessionDecision } from "../decide/session/reconcile-session.ts";
import { isBeingDeleted } from "../decide/session/session-history.ts";
import { cleansHistory } from "../decide/session/settled.ts";
import type { KubeClient } from "../kube/client.ts";
import type { BackupSession } from "../model/backup-session.ts";
import { reconcileInputOf, type SessionWorld, withHistory, withOwnJobs } from "./session-world.ts";
import { readTargetWorkload } from "./target-workload.ts";

/**
 * Absence is confirmed by a fresh read (docs/consistency.md#absence-is-confirmed-by-a-fresh-read): the session
 * is decided on the loaded world; when the decision asks to confirm absences instead of failing anything, each
 * is read again directly — a GET by name, or a LIST of the labelled Jobs of one namespace, both quorum reads
 * made after the session was read, so at least as new as its resourceVersion — what they find replaces what the
 * load said about those objects, and the session is decided again with the absences marked confirmed.
 *
 * On a partial world (the sweep lists only what is unfinished, docs/costs.md) the finished objects a decision
 * needs are read the same way: the Jobs of a session being deleted before it is decided, and the completed
 * siblings with their Jobs when the decision cleans the session's history — then it is decided again.
 */

/** Rounds of fresh reads per decision; a decision still asking after them writes nothing this time. */
export const MAX_CONFIRM_ROUNDS = 3;

type Named = { metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

const WORLD_FIELD = {
  Job: "jobs",
  Snapshot: "snapshots",
  BackupConfiguration: "configurations",
  Repository: "repositories",
  BackupStorage: "storages",
} as const satisfies Record<AbsentKind, keyof SessionWorld>;

/**
 * The session's decision, made on `world` and on the fresh reads it asked for. A decision with `confirm` still
 * set (after {@link MAX_CONFIRM_ROUNDS}) carries no status change and no action.
 */
export async function decideConfirmingAbsences(
  client: KubeClient,
  world: SessionWorld,
  session: BackupSession,
  now: Date,
  hookRunnerImage?: string,
): Promise<SessionDecision> {
  let current = isBeingDeleted(session) ? await withOwnJobs(client, world, session) : world;
  const confirmed = new Set<string>();
  let historyRead = false;
  let workload: { for: unknown; value: Awaited<ReturnType<typeof readTargetWorkload>> } | undefined;
  for (let round = 0; ; ) {
    const input = reconcileInputOf(current, session, hookRunnerImage);
    // The workload is read once per configuration seen (a fresh read may have found the configuration).
    if (!workload || workload.for !== input.configuration) {
      workload = { for: input.configuration, value: await readTargetWorkload(client, input) };
    }
    const targetWorkload = workload.value;
    const decision = decideReconcile(
      {
        ...input,
        ...(targetWorkload ? { targetWorkload } : {}),
        ...(confirmed.size > 0 ? { confirmed: new Set(confirmed) } : {}),
      },
      now,
    );
    if (!decision.confirm && current.partial && !historyRead && cleansHistory(decision.status)) {
      current = await withHistory(client, current, session);
      historyRead = true;
      continue;
    }
    if (!decision.confirm || round++ >= MAX_CONFIRM_ROUNDS) return decision;
    current = await readAgain(client, current, decision.confirm);
    for (const absence of decision.confirm) confirmed.add(absenceKey(absence));
  }
}

/** The world with each absent object read again: what the fresh reads found replaces what the load said. */
export async function readAgain(
  client: KubeClient,
  world: SessionWorld,
  absences: ReadonlyArray<Absence>,
): Promise<SessionWorld> {
  const reads = await Promise.all(
    absences.map(async (absence) => ({ absence, found: await freshRead(client, absence) })),
  );
  let next = world;
  for (const { absence, found } of reads) {
    const field = WORLD_FIELD[absence.kind];
    const kept = (next[field] as Named[]).filter((object) => !covers(absence, object));
    next = { ...next, [field]: [...kept, ...found] };
  }
  return next;
}

async function freshRead(client: KubeClient, absence: Absence): Promise<Named[]> {
  if ("name" in absence) {
    const found = await client.find(absence.kind, absence.namespace, absence.name);
    return found ? [found as Named] : [];
  }
  const listed = await client.list("Job", {
    namespace: absence.namespace,
    labelSelector: labelSelectorOf(absence.labels),
  });
  return listed.items;
}

/** The object is one the fresh read answers for. */
function covers(absence: Absence, object: Named): boolean {
  if ((object.metadata.namespace ?? "") !== absence.namespace) return false;
  if ("name" in absence) return object.metadata.name === absence.name;
  return Object.entries(absence.labels).every(([k, v]) => object.metadata.labels?.[k] === v);
}
