import type { RepositoryVerificationView } from "../../decide/fleet/verification-view.ts";

/**
 * The dashboard's "Verified restore" cell (docs/verification.md#visibility): pure functions from the fleet
 * view's `verifications` (shared/decide/fleet/verification-view.ts) to what the page draws per repository —
 * a result badge, the age of that result, a note on the last verified restore, and a tooltip with the
 * Snapshot, the reason of a failure or skip, what runs and what comes next. No DOM here: main.ts (which
 * bundles this module) turns it into elements; the unit tests call it directly, Chromium checks the page.
 */

export type VerifyBadge = "succeeded" | "failed" | "skipped" | "running" | "never" | "missing";

export interface VerifyLine {
  repository: string;
  badge: VerifyBadge;
  /** The badge's word. */
  label: string;
  /** How long ago the last result ended, e.g. "3h ago". */
  age?: string;
  /** A verification runs besides the last result shown. */
  running: boolean;
  /** The last verified restore when the last result is not a success, or what else needs saying. */
  note?: string;
  /** The note is a warning (the verifier is missing, or no restore was ever verified). */
  warn: boolean;
  /** The tooltip, one fact a line. */
  title: string;
}

const LABEL: Record<VerifyBadge, string> = {
  succeeded: "Succeeded",
  failed: "Failed",
  skipped: "Skipped",
  running: "Running",
  never: "never",
  missing: "verifier missing",
};

/** "45s", "12m", "3h", "3h20m", "2d5h": the dashboard's ages. */
export function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? `${m % 60}m` : ""} ago`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ""} ago`;
}

function badgeOf(view: RepositoryVerificationView): VerifyBadge {
  const last = view.lastVerification;
  if (last !== undefined)
    return last.phase === "Succeeded" ? "succeeded" : last.phase === "Failed" ? "failed" : "skipped";
  if (view.running !== undefined) return "running";
  return view.verifierMissing ? "missing" : "never";
}

function scheduleLine(view: RepositoryVerificationView): string | undefined {
  if (view.verifierMissing) return "the BackupVerifier does not exist: nothing is scheduled";
  if (view.scheduleError) return `schedule ${view.schedule}: ${view.scheduleError}`;
  if (view.inactive === "paused") return `schedule ${view.schedule}: paused with the configuration`;
  if (view.inactive === "suspended") return `schedule ${view.schedule}: suspended`;
  if (view.nextVerification) return `next ${view.nextVerification} (${view.schedule})`;
  return view.schedule === undefined ? "no schedule (triggered only)" : undefined;
}

/** One repository's line of the cell. */
export function verificationLine(view: RepositoryVerificationView): VerifyLine {
  const badge = badgeOf(view);
  const last = view.lastVerification;
  const verified = view.lastVerified;
  const lines = [`${view.repository} · BackupVerifier ${view.verifier.namespace}/${view.verifier.name}`];
  if (last) {
    lines.push(
      `last: ${last.name} ${last.phase}${last.endedAt ? ` · ended ${last.endedAt}` : ""}` +
        `${last.ageSeconds !== undefined ? ` (${ago(last.ageSeconds)})` : ""}${last.duration ? ` · took ${last.duration}` : ""}` +
        `${last.origin ? ` · ${last.origin}` : ""}`,
    );
    lines.push(`Snapshot: ${last.snapshot ?? "none chosen"}`);
    if (last.reason || last.message)
      lines.push(
        `reason: ${[last.condition, last.reason].filter(Boolean).join(" ")}${last.message ? `: ${last.message}` : ""}`,
      );
    if (last.retryOf) lines.push(`retry of ${last.retryOf}`);
    if (last.retried) lines.push("retried");
  }
  if (verified && verified.name !== last?.name)
    lines.push(
      `last verified restore: ${verified.name} · ended ${verified.endedAt} (${ago(verified.ageSeconds)})` +
        `${verified.snapshot ? ` · Snapshot ${verified.snapshot}` : ""}`,
    );
  if (!last) lines.push("no verification has finished yet");
  if (view.running) lines.push(`running: ${view.running}`);
  const schedule = scheduleLine(view);
  if (schedule) lines.push(schedule);

  let note: string | undefined;
  let warn = false;
  if (last && last.phase !== "Succeeded") {
    note = verified ? `verified ${ago(verified.ageSeconds)}` : "never verified";
    warn = verified === undefined;
  }
  if (view.verifierMissing && badge !== "missing") {
    note = note ? `${note} · verifier missing` : "verifier missing";
    warn = true;
  }
  return {
    repository: view.repository,
    badge,
    label: LABEL[badge],
    ...(last?.ageSeconds !== undefined ? { age: ago(last.ageSeconds) } : {}),
    running: view.running !== undefined && badge !== "running",
    ...(note ? { note } : {}),
    warn,
    title: lines.join("\n"),
  };
}
