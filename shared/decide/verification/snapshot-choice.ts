import type { BackupVerificationSession } from "../../model/backup-verifier.ts";
import { Annotation } from "../../model/labels.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { VerificationReason } from "../../model/verification.ts";
import { snapshotPhase } from "../session/phase.ts";

/**
 * Which Snapshot a verification restores (docs/verification.md#snapshot-choice): the one the session names,
 * else the newest Succeeded Snapshot of its repository when the session starts. Nothing to restore skips the
 * session, with the reason; so does a scheduled run whose newest Snapshot was verified already (KubeStash's
 * SnapshotAlreadyVerified). A triggered or retried run verifies its Snapshot again.
 */

export type SnapshotChoice =
  | { action: "verify"; snapshot: Snapshot }
  | { action: "skip"; reason: string; message: string };

/** The time a Snapshot stands for: its snapshotTime, else its creation. */
function takenAt(snapshot: Snapshot): number {
  const text = snapshot.status?.snapshotTime ?? snapshot.metadata.creationTimestamp;
  return text === undefined ? 0 : Date.parse(text);
}

/** Newest first; equal times by name (ids and names end in the session's time), so the choice is stable. */
export function newestFirst(snapshots: readonly Snapshot[]): Snapshot[] {
  return [...snapshots].sort(
    (a, b) => takenAt(b) - takenAt(a) || b.metadata.name.localeCompare(a.metadata.name),
  );
}

export function chooseSnapshot(
  session: BackupVerificationSession,
  snapshots: readonly Snapshot[],
): SnapshotChoice {
  const repository = session.spec.repository ?? "";
  const named = session.spec.snapshot;
  if (named !== undefined && named !== "") {
    const snapshot = snapshots.find((s) => s.metadata.name === named);
    if (!snapshot) {
      return {
        action: "skip",
        reason: VerificationReason.SnapshotNotVerifiable,
        message: `Snapshot ${named} does not exist`,
      };
    }
    const phase = snapshotPhase(snapshot);
    if (phase !== "Succeeded" || snapshot.metadata.deletionTimestamp !== undefined) {
      return {
        action: "skip",
        reason: VerificationReason.SnapshotNotVerifiable,
        message: `Snapshot ${named} is ${snapshot.metadata.deletionTimestamp ? "being deleted" : phase}, not Succeeded`,
      };
    }
    return { action: "verify", snapshot };
  }
  const good = newestFirst(
    snapshots.filter(
      (s) =>
        s.spec.repository === repository &&
        s.metadata.deletionTimestamp === undefined &&
        snapshotPhase(s) === "Succeeded",
    ),
  );
  const newest = good[0];
  if (!newest) {
    return {
      action: "skip",
      reason: VerificationReason.NoSucceededSnapshot,
      message: `repository ${repository} has no Succeeded Snapshot to verify`,
    };
  }
  const origin = session.metadata.annotations?.[Annotation.Origin] ?? "schedule";
  if (origin === "schedule" && newest.status?.verificationStatus === "Verified") {
    return {
      action: "skip",
      reason: VerificationReason.SnapshotAlreadyVerified,
      message: `the newest Snapshot ${newest.metadata.name} was verified already${
        newest.status.verificationSession ? ` by ${newest.status.verificationSession}` : ""
      }`,
    };
  }
  return { action: "verify", snapshot: newest };
}
