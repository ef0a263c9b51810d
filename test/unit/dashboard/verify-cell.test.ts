import { describe, expect, it } from "vitest";
import { ago, verificationLine } from "../../../shared/dashboard/browser/verify-cell.ts";
import { sessionVerificationViews } from "../../../shared/decide/fleet/verification-view.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../../shared/model/backup-verifier.ts";
import { VerificationCondition, VerificationReason } from "../../../shared/model/verification.ts";
import {
  configuration,
  HOUR,
  kube,
  MINUTE,
  NOW,
  utc,
  verificationSession,
  verifier,
} from "../../support/fleet-samples.ts";

/**
 * The dashboard's "Verified restore" cell per repository (browser/verify-cell.ts), from the fleet view of real
 * objects on the fixed clock (12:30 UTC; the verifier runs daily at 03:00). The DOM it becomes is checked in
 * Chromium (test/integration/fleet-dashboard.test.ts).
 */

const TODAY_3AM = utc("2026-11-26T03:00:00Z");
const YESTERDAY_3AM = utc("2026-11-25T03:00:00Z");
const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);

function line(
  sessions: BackupVerificationSession[],
  verifiers: BackupVerifier[] = [verifier("verify-repo")],
) {
  const config = configuration("app", { verifiers: { repo: "verify-repo" } });
  const session = config.spec.sessions?.[0];
  if (!session) throw new Error("one session");
  const [view] = sessionVerificationViews(
    { configuration: config, session, verifiers, verificationSessions: sessions },
    NOW,
  );
  if (!view) throw new Error("one view");
  return verificationLine(view);
}

const succeeded = (due: Date) =>
  verificationSession("app", "repo", due, {
    phase: "Succeeded",
    snapshot: `repo-app-backup-${due.getTime() / 1000}`,
    duration: "1m",
    cleanedAt: plus(due, MINUTE),
  });

describe("ago", () => {
  it.each([
    [0, "0s ago"],
    [59, "59s ago"],
    [600, "10m ago"],
    [3 * 3600, "3h ago"],
    [3 * 3600 + 20 * 60, "3h20m ago"],
    [86_400 + 5 * 3600, "1d5h ago"],
  ])("%i s → %s", (seconds, text) => expect(ago(seconds)).toBe(text));
});

describe("the Verified restore cell", () => {
  it("a success: green badge, its age, the Snapshot and the next run in the tooltip", () => {
    expect(line([succeeded(TODAY_3AM)])).toEqual({
      repository: "repo",
      badge: "succeeded",
      label: "Succeeded",
      age: "9h29m ago",
      running: false,
      warn: false,
      title: [
        "repo · BackupVerifier apps/verify-repo",
        "last: repo-backup-1795662000 Succeeded · ended 2026-11-26T03:01:00Z (9h29m ago) · took 1m · schedule",
        "Snapshot: repo-app-backup-1795662000",
        "next 2026-11-27T03:00:00Z (0 3 * * *)",
      ].join("\n"),
    });
  });

  it("a failure after an older success: red badge, the reason in the tooltip, and when a restore was last verified", () => {
    const failed = verificationSession("app", "repo", TODAY_3AM, {
      phase: "Failed",
      snapshot: "repo-app-backup-1795662000",
      conditions: [
        {
          type: VerificationCondition.RestoreSucceeded,
          status: "False",
          reason: VerificationReason.FailedToRestoreBackup,
          message: "restic: wrong password",
          lastTransitionTime: kube(plus(TODAY_3AM, MINUTE)),
        },
      ],
      cleanedAt: plus(TODAY_3AM, 2 * MINUTE),
    });
    const result = line([succeeded(YESTERDAY_3AM), failed]);
    expect(result).toMatchObject({
      badge: "failed",
      label: "Failed",
      age: "9h28m ago",
      note: "verified 1d9h ago",
      warn: false,
    });
    expect(result.title).toContain("reason: RestoreSucceeded FailedToRestoreBackup: restic: wrong password");
    expect(result.title).toContain("Snapshot: repo-app-backup-1795662000");
    expect(result.title).toContain(
      "last verified restore: repo-backup-1795575600 · ended 2026-11-25T03:01:00Z (1d9h ago) · Snapshot repo-app-backup-1795575600",
    );
  });

  it("a failure with no success ever: the note warns that no restore was verified", () => {
    const failed = verificationSession("app", "repo", plus(NOW, -HOUR), { phase: "Failed", duration: "10s" });
    expect(line([failed])).toMatchObject({ badge: "failed", note: "never verified", warn: true });
  });

  it("skipped: grey badge and its reason", () => {
    const skipped = verificationSession("app", "repo", TODAY_3AM, {
      phase: "Skipped",
      conditions: [
        {
          type: VerificationCondition.Skipped,
          status: "True",
          reason: VerificationReason.NoSucceededSnapshot,
          lastTransitionTime: kube(TODAY_3AM),
        },
      ],
    });
    const result = line([skipped]);
    expect(result).toMatchObject({ badge: "skipped", label: "Skipped", age: "9h30m ago" });
    expect(result.title).toContain("reason: BackupVerificationSkipped NoSucceededSnapshot");
  });

  it("running: a Running badge alone when nothing finished, beside the last result otherwise", () => {
    const running = verificationSession("app", "repo", TODAY_3AM, { phase: "Running" });
    expect(line([running])).toMatchObject({ badge: "running", label: "Running", running: false });
    expect(line([running]).title).toContain("running: repo-backup-1795662000");
    const both = line([succeeded(YESTERDAY_3AM), running]);
    expect(both).toMatchObject({ badge: "succeeded", running: true, age: "1d9h ago" });
  });

  it("never run, and a missing verifier", () => {
    expect(line([])).toMatchObject({ badge: "never", label: "never", running: false, warn: false });
    expect(line([], [])).toMatchObject({ badge: "missing", label: "verifier missing" });
    expect(line([], []).title).toContain("the BackupVerifier does not exist: nothing is scheduled");
    expect(line([succeeded(TODAY_3AM)], [])).toMatchObject({
      badge: "succeeded",
      note: "verifier missing",
      warn: true,
    });
  });
});
