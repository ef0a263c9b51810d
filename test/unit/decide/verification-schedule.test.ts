import { describe, expect, it } from "vitest";
import { decideSessionSchedule } from "../../../shared/decide/schedule/due-sessions.ts";
import {
  concurrentVerificationSkippedStatus,
  newVerificationSession,
} from "../../../shared/decide/schedule/new-verification-session.ts";
import { planVerificationSchedule } from "../../../shared/decide/schedule/verification-plan.ts";
import type {
  BackupConfiguration,
  BackupVerificationSession,
  BackupVerifier,
  SessionConfig,
} from "../../../shared/model/index.ts";
import { toKubeTime } from "../../../shared/model/index.ts";
import { verificationSessionName } from "../../../shared/model/verification.ts";
import { clockFrom } from "../../support/clock.ts";
import {
  atMs,
  engineRows,
  expectRow,
  input,
  last,
  MINUTE,
  shown,
  throughVerification,
  VERIFIED_REPOSITORY,
} from "../../support/session-schedule-rows.ts";

/**
 * A verifier's schedule is a second kind on the same engine (docs/verification.md#scheduling): the backup
 * tables' rows, run through the verification kind, decide the same with verification names; then the plan of
 * a configuration's verified repositories (shared/decide/schedule/verification-plan.ts) and the object it
 * creates. Anchor: Thursday 2026-11-26 10:00 UTC.
 */

describe("the backup rows through the verification kind", () => {
  it.each(engineRows)("as a backup: $scenario", expectRow);

  it.each(engineRows)("as a verification: $scenario", (row) => expectRow(throughVerification(row)));

  it.each(engineRows)("the same decision, only the names differ: $scenario", (row) => {
    const verification = throughVerification(row);
    const asBackup = shown(decideSessionSchedule(row.given, row.now));
    const asVerification = shown(decideSessionSchedule(verification.given, verification.now));
    const { reason: backupReason, ...backupRest } = asBackup;
    const { reason: verificationReason, ...verificationRest } = asVerification;
    expect(verificationRest).toEqual(throughVerification({ ...row, expected: backupRest }).expected);
    expect(verificationReason === undefined).toBe(backupReason === undefined);
  });

  it("names the object <repository>-<session>-<unix> and words Forbid for a verification", () => {
    const row = throughVerification({
      scenario: "forbid",
      given: input("@hourly", { ...last, activeSessions: [{ name: "app-hourly-1764147600" }] }),
      now: atMs(0),
      expected: {},
    });
    const decision = decideSessionSchedule(row.given, row.now);
    expect(decision).toMatchObject({
      action: "skip-create",
      name: `${VERIFIED_REPOSITORY}-hourly-${atMs(0).getTime() / 1000}`,
      reason: `another verification of repository "${VERIFIED_REPOSITORY}" of session "hourly" is running (${VERIFIED_REPOSITORY}-hourly-1764147600) and concurrencyPolicy is Forbid`,
    });
  });

  it("staggers a verification by its own key: in [0, window), apart from the backup's offset", () => {
    const given = input("@hourly", { ...last, staggerWindowMs: 10 * MINUTE });
    const backup = decideSessionSchedule(given, atMs(0));
    const offsets = ["s3-repo", "gcs-repo", "local-repo"].map((repository) => {
      const row = throughVerification({ scenario: "", given, now: atMs(0), expected: {} }, repository);
      const decision = decideSessionSchedule(row.given, row.now);
      expect(decision.action).toBe("wait");
      return decision.action === "wait" ? decision.staggerOffsetMs : undefined;
    });
    expect(backup).toMatchObject({ action: "wait", staggerOffsetMs: 366_000 });
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(10 * MINUTE);
    }
    expect(new Set([366_000, ...offsets]).size).toBeGreaterThan(1);
  });
});

const T0 = new Date("2026-11-26T10:00:00Z");
const { atMinutes } = clockFrom(T0);

function verifier(
  name: string,
  /** null: no scheduler. */
  scheduler: Partial<NonNullable<BackupVerifier["spec"]["scheduler"]>> | null = {},
  extra: Partial<BackupVerifier["spec"]> = {},
  createdMinutesAgo = 600,
): BackupVerifier {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerifier",
    metadata: { name, namespace: "demo", creationTimestamp: toKubeTime(atMinutes(-createdMinutesAgo)) },
    spec: {
      ...(scheduler ? { scheduler: { schedule: "@hourly", jobTemplate: {}, ...scheduler } } : {}),
      sessionHistoryLimit: 1,
      ...extra,
    },
  } as BackupVerifier;
}

function configuration(
  repositories: Array<{ name: string; verifier?: string; verifierNamespace?: string }>,
  over: { paused?: boolean; createdMinutesAgo?: number } = {},
): BackupConfiguration {
  const session = {
    name: "hourly",
    scheduler: { schedule: "@hourly", jobTemplate: {} },
    repositories: repositories.map((r) => ({
      name: r.name,
      backend: "s3",
      directory: `/${r.name}`,
      ...(r.verifier
        ? {
            backupVerifier: {
              name: r.verifier,
              ...(r.verifierNamespace ? { namespace: r.verifierNamespace } : {}),
            },
          }
        : {}),
    })),
    addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] },
  } as SessionConfig;
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: {
      name: "app",
      namespace: "demo",
      uid: "uid-app",
      creationTimestamp: toKubeTime(atMinutes(-(over.createdMinutesAgo ?? 600))),
    },
    spec: {
      target: { kind: "PersistentVolumeClaim", name: "data", namespace: "demo" },
      backends: [{ name: "s3", storageRef: { name: "s3" }, retentionPolicy: { name: "keep" } }],
      sessions: [session],
      ...(over.paused ? { paused: true } : {}),
    },
  } as BackupConfiguration;
}

function verification(
  repository: string,
  minute: number,
  phase?: NonNullable<BackupVerificationSession["status"]>["phase"],
  over: { origin?: string; endedMinute?: number } = {},
): BackupVerificationSession {
  const time = atMinutes(minute);
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerificationSession",
    metadata: {
      name: verificationSessionName(repository, "hourly", time),
      namespace: "demo",
      creationTimestamp: toKubeTime(time),
      annotations: {
        "serverless.kubestash.com/scheduled-time": toKubeTime(time),
        "serverless.kubestash.com/origin": over.origin ?? "schedule",
      },
    },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "hourly",
      repository,
    },
    ...(phase
      ? {
          status: {
            phase,
            conditions:
              over.endedMinute === undefined
                ? []
                : [
                    {
                      type: "RestoreSucceeded",
                      status: "True" as const,
                      reason: "SuccessfullyRestoredBackup",
                      lastTransitionTime: toKubeTime(atMinutes(over.endedMinute)),
                    },
                  ],
          },
        }
      : {}),
  } as BackupVerificationSession;
}

const plan = (
  config: BackupConfiguration,
  verifiers: BackupVerifier[],
  sessions: BackupVerificationSession[],
  now: Date,
) => planVerificationSchedule(config, verifiers, { verificationSessions: sessions }, now);

const nameAt = (repository: string, minute: number) =>
  verificationSessionName(repository, "hourly", atMinutes(minute));

describe("planVerificationSchedule: per repository with a verifier", () => {
  it("a due verifier: one BackupVerificationSession for the scheduled time", () => {
    const [only, ...rest] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a")],
      [verification("repo-a", -60, "Succeeded")],
      atMinutes(0.5),
    );
    expect(rest).toEqual([]);
    expect(only?.decision).toMatchObject({ action: "create", name: nameAt("repo-a", 0) });
    expect(only?.create?.desired.metadata.name).toBe(nameAt("repo-a", 0));
    expect(only?.create?.skippedReason).toBeUndefined();
  });

  it("a repository without a verifier is not planned", () => {
    expect(plan(configuration([{ name: "repo-a" }]), [verifier("verify-a")], [], atMinutes(0))).toEqual([]);
  });

  it("a verifier that does not exist: no session, and the plan says why", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "gone", verifierNamespace: "other" }]),
      [verifier("gone")],
      [],
      atMinutes(0),
    );
    expect(only?.create).toBeUndefined();
    expect(only?.decision).toEqual({ action: "unscheduled" });
    expect(only?.missingVerifier).toBe(
      'BackupVerifier other/gone of repository "repo-a" (session "hourly") does not exist: its verifications are not scheduled',
    );
  });

  it("a paused configuration pauses its verifications", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }], { paused: true }),
      [verifier("verify-a")],
      [verification("repo-a", -60, "Succeeded")],
      atMinutes(0),
    );
    expect(only?.decision).toEqual({ action: "paused", next: atMinutes(60) });
    expect(only?.create).toBeUndefined();
  });

  it("a suspended verifier scheduler creates nothing", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", { suspend: true })],
      [verification("repo-a", -60, "Succeeded")],
      atMinutes(0),
    );
    expect(only?.decision).toEqual({ action: "suspended", next: atMinutes(60) });
  });

  it("a verifier without a scheduler: unscheduled (triggers only)", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", null)],
      [],
      atMinutes(0),
    );
    expect(only?.decision).toEqual({ action: "unscheduled" });
    expect(only?.missingVerifier).toBeUndefined();
  });

  it("two repositories with one verifier each: one session each, on each verifier's own schedule", () => {
    const plans = plan(
      configuration([
        { name: "repo-a", verifier: "verify-a" },
        { name: "repo-b", verifier: "verify-b" },
      ]),
      [verifier("verify-a"), verifier("verify-b", { schedule: "0 */2 * * *" })],
      [verification("repo-a", -60, "Succeeded"), verification("repo-b", -120, "Succeeded")],
      atMinutes(0),
    );
    expect(plans.map((p) => [p.repository.name, p.verifierRef.name, p.decision.action])).toEqual([
      ["repo-a", "verify-a", "create"],
      ["repo-b", "verify-b", "create"],
    ]);
    expect(plans.map((p) => p.create?.desired.metadata.name)).toEqual([
      nameAt("repo-a", 0),
      nameAt("repo-b", 0),
    ]);
    // An hour on, only verify-a's hourly schedule is due again.
    const later = plan(
      configuration([
        { name: "repo-a", verifier: "verify-a" },
        { name: "repo-b", verifier: "verify-b" },
      ]),
      [verifier("verify-a"), verifier("verify-b", { schedule: "0 */2 * * *" })],
      [verification("repo-a", 0, "Succeeded"), verification("repo-b", 0, "Succeeded")],
      atMinutes(60),
    );
    expect(later.map((p) => p.decision.action)).toEqual(["create", "wait"]);
  });

  it("Forbid while one of the same repository runs: created Skipped, naming the running one", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a")],
      [verification("repo-a", -60, "Running")],
      atMinutes(0),
    );
    expect(only?.decision.action).toBe("skip-create");
    expect(only?.create?.skippedReason).toContain(nameAt("repo-a", -60));
    expect(only?.create?.skippedReason).toContain("concurrencyPolicy is Forbid");
  });

  it("another repository's running verification does not hold this one back", () => {
    const plans = plan(
      configuration([
        { name: "repo-a", verifier: "verify-a" },
        { name: "repo-b", verifier: "verify-b" },
      ]),
      [verifier("verify-a"), verifier("verify-b")],
      [verification("repo-a", -60, "Running"), verification("repo-b", -60, "Succeeded")],
      atMinutes(0),
    );
    expect(plans.map((p) => p.decision.action)).toEqual(["skip-create", "create"]);
  });

  it("the earliest time is the later of the configuration's and the verifier's creation", () => {
    // The configuration is 10 h old; the verifier was made 30 minutes ago: the 09:00 run is not owed.
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", {}, {}, 30)],
      [],
      atMinutes(-10),
    );
    expect(only?.decision).toEqual({ action: "wait", next: atMinutes(0) });
    const [older] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", {}, {}, 600)],
      [],
      atMinutes(-10),
    );
    expect(older?.decision).toMatchObject({ action: "create", scheduledTime: atMinutes(-60) });
  });

  it("only the schedule's own sessions move the last scheduled time, not a triggered one", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a")],
      [
        verification("repo-a", -60, "Succeeded"),
        verification("repo-a", 0, "Succeeded", { origin: "trigger" }),
      ],
      atMinutes(1),
    );
    expect(only?.decision).toMatchObject({ action: "create", name: nameAt("repo-a", 0) });
  });

  it("Verification Overdue: a missed deadline a whole interval late, with when it last verified", () => {
    const [only] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", { startingDeadlineSeconds: 0 })],
      [verification("repo-a", -120, "Succeeded", { endedMinute: -115 })],
      atMinutes(0.5),
    );
    expect(only?.decision.action).toBe("missed-deadline");
    expect(only?.overdue).toEqual({
      schedule: "@hourly",
      dueSince: atMinutes(-60),
      missedRuns: 2,
      lastVerified: atMinutes(-115),
    });
  });

  it("no overdue notice while the missed run is not yet a whole interval late, and none without a success", () => {
    const [early] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", { startingDeadlineSeconds: 60 })],
      [verification("repo-a", -60, "Succeeded")],
      atMinutes(30),
    );
    expect(early?.decision.action).toBe("missed-deadline");
    expect(early?.overdue).toBeUndefined();
    const [failed] = plan(
      configuration([{ name: "repo-a", verifier: "verify-a" }]),
      [verifier("verify-a", { startingDeadlineSeconds: 0 })],
      [verification("repo-a", -120, "Failed", { endedMinute: -115 })],
      atMinutes(0.5),
    );
    expect(failed?.overdue).toMatchObject({ dueSince: atMinutes(-60) });
    expect(failed?.overdue).not.toHaveProperty("lastVerified");
  });
});

describe("newVerificationSession: the object", () => {
  const config = configuration([{ name: "repo-a", verifier: "verify-a" }]);

  it("is named, labelled, annotated, owned and specified as KubeStash's trigger-verifier Job makes it", () => {
    const desired = newVerificationSession({
      configuration: config,
      session: "hourly",
      repository: "repo-a",
      verifier: verifier("verify-a", {}, { retryConfig: { maxRetry: 2 } }),
      scheduledTime: atMinutes(0),
      origin: "schedule",
    });
    expect(desired).toEqual({
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerificationSession",
      metadata: {
        name: `repo-a-hourly-${T0.getTime() / 1000}`,
        namespace: "demo",
        labels: {
          "app.kubernetes.io/managed-by": "kubestash.com",
          "kubestash.com/invoker-kind": "BackupConfiguration",
          "kubestash.com/invoker-name": "app",
          "kubestash.com/session-name": "hourly",
          "kubestash.com/repo-name": "repo-a",
        },
        annotations: {
          "serverless.kubestash.com/scheduled-time": "2026-11-26T10:00:00Z",
          "serverless.kubestash.com/origin": "schedule",
          "serverless.kubestash.com/verifier": "demo/verify-a",
        },
        ownerReferences: [
          {
            apiVersion: "core.kubestash.com/v1alpha1",
            kind: "BackupConfiguration",
            name: "app",
            uid: "uid-app",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        finalizers: ["kubestash.com/cleanup"],
      },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
        session: "hourly",
        repository: "repo-a",
        retryLeft: 2,
      },
    });
  });

  it("a trigger carries its request id and the Snapshot it names; no retryConfig: retryLeft 0", () => {
    const desired = newVerificationSession({
      configuration: config,
      session: "hourly",
      repository: "repo-a",
      verifier: verifier("verify-a"),
      scheduledTime: atMinutes(3),
      origin: "trigger",
      requestId: "req-12345678",
      snapshot: "repo-a-app-hourly-1764147600",
    });
    expect(desired.metadata.annotations).toEqual({
      "serverless.kubestash.com/scheduled-time": "2026-11-26T10:03:00Z",
      "serverless.kubestash.com/origin": "trigger",
      "serverless.kubestash.com/verifier": "demo/verify-a",
      "serverless.kubestash.com/trigger-request-id": "req-12345678",
    });
    expect(desired.spec).toEqual({
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app" },
      session: "hourly",
      repository: "repo-a",
      retryLeft: 0,
      snapshot: "repo-a-app-hourly-1764147600",
    });
  });

  it("a Forbid skip: phase Skipped, BackupVerificationSkipped True with ConcurrentVerificationRunning", () => {
    expect(concurrentVerificationSkippedStatus(undefined, "another one runs", atMinutes(0))).toEqual({
      phase: "Skipped",
      conditions: [
        {
          type: "BackupVerificationSkipped",
          status: "True",
          reason: "ConcurrentVerificationRunning",
          message: "another one runs",
          lastTransitionTime: "2026-11-26T10:00:00Z",
        },
      ],
    });
  });

  it("the plan's desired object is the builder's, for the plan's time", () => {
    const [only] = plan(config, [verifier("verify-a")], [], atMinutes(0));
    expect(only?.create?.desired).toEqual(
      newVerificationSession({
        configuration: config,
        session: "hourly",
        repository: "repo-a",
        verifier: verifier("verify-a"),
        scheduledTime: atMinutes(0),
        origin: "schedule",
      }),
    );
  });
});
