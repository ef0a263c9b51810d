import type { BackupSession } from "../../model/backup-session.ts";
import { JobComponent, Label } from "../../model/labels.ts";
import type { Draft } from "./session-draft.ts";

/**
 * Absence is confirmed by a fresh read (docs/consistency.md#absence-is-confirmed-by-a-fresh-read): the session
 * decision reads a world loaded with parallel LISTs that are not consistent with each other, so an object
 * missing from them (or a Snapshot read before its executor reported) may only be stale. Before anything is
 * failed for such an absence the decision returns a request to read it again ({@link confirmAbsence}); the use
 * case reads each one directly (shared/usecases/confirm-absence.ts) and decides again with the result.
 */

/** The kinds whose absence can fail (or skip) a session. */
export type AbsentKind = "Job" | "Snapshot" | "BackupConfiguration" | "Repository" | "BackupStorage";

/** One object by name, or the Jobs of a namespace with these labels (absent when there is none). */
export type Absence =
  | { kind: AbsentKind; namespace: string; name: string }
  | { kind: "Job"; namespace: string; labels: Readonly<Record<string, string>> };

/** The key of an absence in `SessionReconcileInput.confirmed`. */
export function absenceKey(absence: Absence): string {
  const { kind, namespace } = absence;
  if ("name" in absence) return `${kind} ${namespace}/${absence.name}`;
  return `${kind} ${namespace}?${labelSelectorOf(absence.labels)}`;
}

/** `a=b,c=d`, sorted: the LIST query that reads the labelled Jobs again. */
export function labelSelectorOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * True when the absence is a fact: the use case read it again for this decision (what that read found is in
 * the input, so what is still missing is gone). Otherwise records the read the decision needs and returns
 * false; the caller then waits instead of failing anything.
 */
export function confirmAbsence(draft: Draft, absence: Absence): boolean {
  const key = absenceKey(absence);
  if (draft.input.confirmed?.has(key)) return true;
  if (!draft.confirm.some((a) => absenceKey(a) === key)) draft.confirm.push(absence);
  return false;
}

/** The session's executor Jobs (one, or one per pod of a workload), all in its namespace. */
export function executorJobsAbsence(session: BackupSession): Absence {
  return {
    kind: "Job",
    namespace: session.metadata.namespace ?? "default",
    labels: { [Label.Component]: JobComponent.Backup, [Label.InvokerName]: session.metadata.name },
  };
}

/** The BackupConfiguration that invoked the session; undefined when there is none to read (no such invoker). */
export function invokerAbsence(session: BackupSession): Absence | undefined {
  const invoker = session.spec.invoker;
  if (invoker?.kind !== "BackupConfiguration" || !invoker.name) return undefined;
  return {
    kind: "BackupConfiguration",
    namespace: session.metadata.namespace ?? "default",
    name: invoker.name,
  };
}
