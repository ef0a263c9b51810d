import { describe, expect, it } from "vitest";
import { clusterFleetFacts } from "../../../shared/decide/fleet/fleet.ts";
import {
  type RepositoryVerificationView,
  sessionVerificationViews,
  verificationEndedAt,
  verificationRef,
} from "../../../shared/decide/fleet/verification-view.ts";
import type { BackupConfiguration } from "../../../shared/model/backup-configuration.ts";
import type { BackupVerificationSession, BackupVerifier } from "../../../shared/model/backup-verifier.ts";
import type { Condition } from "../../../shared/model/common.ts";
import { VerificationCondition, VerificationReason } from "../../../shared/model/verification.ts";
import {
  ago,
  configuration,
  DAY,
  HOUR,
  kube,
  MINUTE,
  NOW,
  utc,
  verificationSession,
  verifier,
} from "../../support/fleet-samples.ts";

/**
 * The verified restores of the fleet view (docs/verification.md#visibility) on a fixed clock: Thursday
 * 2026-11-26 12:30 UTC; the verifier runs daily at 03:00 UTC, so today's run was due 9 h 30 min ago and the
 * next is due tomorrow 03:00.
 */

const TODAY_3AM = utc("2026-11-26T03:00:00Z");
const YESTERDAY_3AM = utc("2026-11-25T03:00:00Z");
const NEXT = "2026-11-27T03:00:00Z";
const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);

const app = configuration("app", { verifiers: { repo: "verify-repo" } });
const VERIFIERS = [verifier("verify-repo")];

function condition(type: string, status: Condition["status"], reason: string, message?: string): Condition {
  return {
    type,
    status,
    reason,
    ...(message ? { message } : {}),
    lastTransitionTime: kube(plus(TODAY_3AM, 2 * MINUTE)),
  };
}

const restoreFailed = condition(
  VerificationCondition.RestoreSucceeded,
  "False",
  VerificationReason.FailedToRestoreBackup,
  "restic: wrong password or no key found",
);

function views(
  sessions: BackupVerificationSession[],
  options: { config?: BackupConfiguration; verifiers?: BackupVerifier[] } = {},
): RepositoryVerificationView[] {
  const config = options.config ?? app;
  const session = config.spec.sessions?.[0];
  if (!session) throw new Error("one session");
  return sessionVerificationViews(
    {
      configuration: config,
      session,
      verifiers: options.verifiers ?? VERIFIERS,
      verificationSessions: sessions,
    },
    NOW,
  );
}

const succeededToday = () =>
  verificationSession("app", "repo", TODAY_3AM, {
    phase: "Succeeded",
    snapshot: "repo-app-backup-1795662000",
    duration: "1m5s",
    cleanedAt: plus(TODAY_3AM, 70_000),
  });
const succeededYesterday = () =>
  verificationSession("app", "repo", YESTERDAY_3AM, {
    phase: "Succeeded",
    snapshot: "repo-app-backup-1795575600",
    duration: "2m",
    cleanedAt: plus(YESTERDAY_3AM, 2 * MINUTE),
  });

interface Row {
  scenario: string;
  config?: BackupConfiguration;
  verifiers?: BackupVerifier[];
  sessions: BackupVerificationSession[];
  expected: RepositoryVerificationView[];
}

const base = {
  repository: "repo",
  verifier: { name: "verify-repo", namespace: "apps" },
  schedule: "0 3 * * *",
  nextVerification: NEXT,
};

const rows: Row[] = [
  {
    scenario: "no repository names a verifier: no view",
    config: configuration("app"),
    sessions: [succeededToday()],
    expected: [],
  },
  {
    scenario: "a verifier that never ran: only its next time",
    sessions: [],
    expected: [{ ...base, kept: 0 }],
  },
  {
    scenario: "last Succeeded: result, Snapshot, end (history cleaned) and age; it is also the last verified",
    sessions: [succeededToday()],
    expected: [
      {
        ...base,
        lastVerification: {
          name: "repo-backup-1795662000",
          phase: "Succeeded",
          snapshot: "repo-app-backup-1795662000",
          time: "2026-11-26T03:00:00Z",
          origin: "schedule",
          duration: "1m5s",
          endedAt: "2026-11-26T03:01:10Z",
          ageSeconds: 9 * 3600 + 28 * 60 + 50,
        },
        lastVerified: {
          name: "repo-backup-1795662000",
          endedAt: "2026-11-26T03:01:10Z",
          ageSeconds: 9 * 3600 + 28 * 60 + 50,
          snapshot: "repo-app-backup-1795662000",
        },
        kept: 1,
      },
    ],
  },
  {
    scenario: "last Failed after an older Succeeded: the failure with its reason, and yesterday's success",
    sessions: [
      succeededYesterday(),
      verificationSession("app", "repo", TODAY_3AM, {
        phase: "Failed",
        snapshot: "repo-app-backup-1795662000",
        duration: "40s",
        conditions: [restoreFailed],
        cleanedAt: plus(TODAY_3AM, 3 * MINUTE),
      }),
    ],
    expected: [
      {
        ...base,
        lastVerification: {
          name: "repo-backup-1795662000",
          phase: "Failed",
          snapshot: "repo-app-backup-1795662000",
          time: "2026-11-26T03:00:00Z",
          origin: "schedule",
          duration: "40s",
          endedAt: "2026-11-26T03:03:00Z",
          ageSeconds: 9 * 3600 + 27 * 60,
          condition: "RestoreSucceeded",
          reason: "FailedToRestoreBackup",
          message: "restic: wrong password or no key found",
        },
        lastVerified: {
          name: "repo-backup-1795575600",
          endedAt: "2026-11-25T03:02:00Z",
          ageSeconds: DAY / 1000 + 9 * 3600 + 28 * 60,
          snapshot: "repo-app-backup-1795575600",
        },
        kept: 2,
      },
    ],
  },
  {
    scenario: "Skipped: its BackupVerificationSkipped reason; the older success stays the last verified",
    sessions: [
      succeededYesterday(),
      verificationSession("app", "repo", TODAY_3AM, {
        phase: "Skipped",
        conditions: [
          condition(
            VerificationCondition.Skipped,
            "True",
            VerificationReason.SnapshotAlreadyVerified,
            "Snapshot repo-app-backup-1795575600 was verified already",
          ),
        ],
      }),
    ],
    expected: [
      {
        ...base,
        lastVerification: {
          name: "repo-backup-1795662000",
          phase: "Skipped",
          time: "2026-11-26T03:00:00Z",
          origin: "schedule",
          // No final step, no duration: its newest condition's transition.
          endedAt: "2026-11-26T03:02:00Z",
          ageSeconds: 9 * 3600 + 28 * 60,
          condition: "BackupVerificationSkipped",
          reason: "SnapshotAlreadyVerified",
          message: "Snapshot repo-app-backup-1795575600 was verified already",
        },
        lastVerified: expect.objectContaining({ endedAt: "2026-11-25T03:02:00Z" }),
        kept: 2,
      },
    ],
  },
  {
    scenario: "running: named apart; the last result is the older finished one",
    sessions: [
      succeededYesterday(),
      verificationSession("app", "repo", TODAY_3AM, {
        phase: "Running",
        snapshot: "repo-app-backup-1795662000",
      }),
    ],
    expected: [
      {
        ...base,
        lastVerification: expect.objectContaining({ phase: "Succeeded", endedAt: "2026-11-25T03:02:00Z" }),
        lastVerified: expect.objectContaining({ endedAt: "2026-11-25T03:02:00Z" }),
        running: "repo-backup-1795662000",
        kept: 2,
      },
    ],
  },
  {
    scenario: "a session with no status yet counts as running",
    sessions: [verificationSession("app", "repo", TODAY_3AM)],
    expected: [{ ...base, running: "repo-backup-1795662000", kept: 1 }],
  },
  {
    scenario: "verifier missing: said so, no schedule, the sessions still shown",
    verifiers: [],
    sessions: [succeededToday()],
    expected: [
      {
        repository: "repo",
        verifier: { name: "verify-repo", namespace: "apps" },
        verifierMissing: true,
        lastVerification: expect.objectContaining({ phase: "Succeeded" }),
        lastVerified: expect.objectContaining({ endedAt: "2026-11-26T03:01:10Z" }),
        kept: 1,
      },
    ],
  },
  {
    scenario: "a verifier in another namespace, named with its namespace",
    config: (() => {
      const config = configuration("app", { verifiers: { repo: "shared" } });
      const entry = config.spec.sessions?.[0]?.repositories?.[0];
      if (entry) entry.backupVerifier = { name: "shared", namespace: "verifiers" };
      return config;
    })(),
    verifiers: [
      verifier("shared", { namespace: "apps" }),
      verifier("shared", { namespace: "verifiers", schedule: "0 4 * * *" }),
    ],
    sessions: [],
    expected: [
      {
        repository: "repo",
        verifier: { name: "shared", namespace: "verifiers" },
        schedule: "0 4 * * *",
        nextVerification: "2026-11-27T04:00:00Z",
        kept: 0,
      },
    ],
  },
  {
    scenario: "paused configuration: no next verification",
    config: configuration("app", { verifiers: { repo: "verify-repo" }, paused: true }),
    sessions: [],
    expected: [{ ...base, nextVerification: undefined, inactive: "paused" as const, kept: 0 }].map(
      withoutUndefined,
    ),
  },
  {
    scenario: "suspended verifier scheduler: no next verification",
    verifiers: [verifier("verify-repo", { suspend: true })],
    sessions: [],
    expected: [{ ...base, nextVerification: undefined, inactive: "suspended" as const, kept: 0 }].map(
      withoutUndefined,
    ),
  },
  {
    scenario: "@every 6h counts from the last scheduled verification (03:00): next at 15:00",
    verifiers: [verifier("verify-repo", { schedule: "@every 6h" })],
    sessions: [succeededToday()],
    expected: [
      expect.objectContaining({ schedule: "@every 6h", nextVerification: "2026-11-26T15:00:00Z", kept: 1 }),
    ],
  },
  {
    scenario: "a verifier schedule that does not parse: its error",
    verifiers: [verifier("verify-repo", { schedule: "61 * * * *" })],
    sessions: [],
    expected: [
      {
        repository: "repo",
        verifier: { name: "verify-repo", namespace: "apps" },
        schedule: "61 * * * *",
        scheduleError: expect.any(String),
        kept: 0,
      },
    ],
  },
];

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

describe("the verification view of a repository", () => {
  it.each(rows)("$scenario", ({ sessions, config, verifiers, expected }) => {
    expect(views(sessions, { ...(config ? { config } : {}), ...(verifiers ? { verifiers } : {}) })).toEqual(
      expected,
    );
  });
});

describe("retry chains: the retry's result counts", () => {
  const original = (retried: boolean) =>
    verificationSession("app", "repo", TODAY_3AM, {
      phase: "Failed",
      duration: "30s",
      retried,
      conditions: [restoreFailed],
      cleanedAt: plus(TODAY_3AM, MINUTE),
    });
  const retryAt = plus(TODAY_3AM, 5 * MINUTE);

  it("a Failed run retried by a Succeeded retry: the retry is the last verification and the last verified", () => {
    const retry = verificationSession("app", "repo", retryAt, {
      phase: "Succeeded",
      retryOf: "repo-backup-1795662000",
      snapshot: "repo-app-backup-1795662000",
      cleanedAt: plus(retryAt, MINUTE),
    });
    const [view] = views([retry, original(true)]);
    expect(view?.lastVerification).toMatchObject({
      name: retry.metadata.name,
      phase: "Succeeded",
      origin: "retry",
      retryOf: "repo-backup-1795662000",
      endedAt: "2026-11-26T03:06:00Z",
    });
    expect(view?.lastVerified?.name).toBe(retry.metadata.name);
    expect(view?.running).toBeUndefined();
  });

  it("a Failed run whose retry failed too: the retry's failure, and no verified restore", () => {
    const retry = verificationSession("app", "repo", retryAt, {
      phase: "Failed",
      retryOf: "repo-backup-1795662000",
      conditions: [
        condition(
          VerificationCondition.RestoreSucceeded,
          "True",
          VerificationReason.SuccessfullyRestoredBackup,
        ),
        condition(
          VerificationCondition.BackupVerified,
          "False",
          VerificationReason.FailedToVerifyBackup,
          "query returned 0 rows",
        ),
      ],
      cleanedAt: plus(retryAt, MINUTE),
    });
    const [view] = views([original(true), retry]);
    expect(view?.lastVerification).toMatchObject({
      name: retry.metadata.name,
      phase: "Failed",
      condition: "BackupVerified",
      reason: "FailedToVerifyBackup",
      message: "query returned 0 rows",
    });
    expect(view?.lastVerified).toBeUndefined();
  });

  it("a Failed run whose retry is running: the failure (marked retried) and the retry as running", () => {
    const retry = verificationSession("app", "repo", retryAt, {
      phase: "Running",
      retryOf: "repo-backup-1795662000",
    });
    const [view] = views([original(true), retry]);
    expect(view?.lastVerification).toMatchObject({
      phase: "Failed",
      retried: true,
      reason: "FailedToRestoreBackup",
    });
    expect(view?.running).toBe(retry.metadata.name);
  });
});

describe("when a verification ended", () => {
  it("is the final step's transition, else creation + duration, and nothing while it runs", () => {
    const cleaned = succeededToday();
    expect(verificationEndedAt(cleaned)?.toISOString()).toBe("2026-11-26T03:01:10.000Z");
    const byDuration = verificationSession("app", "repo", TODAY_3AM, { phase: "Failed", duration: "1m5s" });
    // Created 5 s after it was due, then 1m5s.
    expect(verificationEndedAt(byDuration)?.toISOString()).toBe("2026-11-26T03:01:10.000Z");
    const running = verificationSession("app", "repo", TODAY_3AM, { phase: "Running", duration: "1m" });
    expect(verificationEndedAt(running)).toBeUndefined();
    expect(verificationRef(running, NOW)).not.toHaveProperty("ageSeconds");
  });

  it("a Failed session without a False step names the condition whose reason starts with FailedTo", () => {
    const deadline = verificationSession("app", "repo", TODAY_3AM, {
      phase: "Failed",
      conditions: [
        condition(
          VerificationCondition.RestoreSucceeded,
          "Unknown",
          VerificationReason.FailedToCompleteWithinDeadline,
          "ran past 1h",
        ),
      ],
    });
    expect(verificationRef(deadline, NOW)).toMatchObject({
      condition: "RestoreSucceeded",
      reason: "FailedToCompleteWithinDeadline",
      message: "ran past 1h",
    });
  });
});

describe("in the cluster's fleet view", () => {
  it("attaches each session's views, keeps configurations and repositories apart, and counts failed verifications", () => {
    const two = configuration("two", {
      repositories: ["a", "b"],
      verifiers: { a: "verify-a", b: "verify-b" },
    });
    const failed = verificationSession("two", "a", TODAY_3AM, {
      phase: "Failed",
      conditions: [restoreFailed],
      cleanedAt: plus(TODAY_3AM, MINUTE),
    });
    const okB = verificationSession("two", "b", TODAY_3AM, {
      phase: "Succeeded",
      cleanedAt: plus(TODAY_3AM, MINUTE),
    });
    // Same repository name, another configuration: not two's.
    const other = verificationSession("app", "a", ago(HOUR), { phase: "Succeeded", cleanedAt: ago(HOUR) });
    const view = clusterFleetFacts(
      {
        configurations: [app, two, configuration("plain")],
        sessions: [],
        snapshots: [],
        repositories: [],
        verifiers: [verifier("verify-repo"), verifier("verify-a"), verifier("verify-b")],
        verificationSessions: [failed, okB, other],
      },
      NOW,
    );
    const byName = new Map(view.configurations.map((c) => [c.name, c.sessions[0]]));
    expect(byName.get("plain")).not.toHaveProperty("verifications");
    expect(byName.get("app")?.verifications).toEqual([{ ...base, kept: 0 }]);
    expect(
      byName
        .get("two")
        ?.verifications?.map((v) => [v.repository, v.lastVerification?.name, v.lastVerification?.phase]),
    ).toEqual([
      ["a", failed.metadata.name, "Failed"],
      ["b", okB.metadata.name, "Succeeded"],
    ]);
    expect(view.totals.verificationsFailed).toBe(1);
  });

  it("without verifier objects (a cluster lacking their CRDs) every named verifier is missing", () => {
    const view = clusterFleetFacts(
      { configurations: [app], sessions: [], snapshots: [], repositories: [] },
      NOW,
    );
    expect(view.configurations[0]?.sessions[0]?.verifications).toEqual([
      {
        repository: "repo",
        verifier: { name: "verify-repo", namespace: "apps" },
        verifierMissing: true,
        kept: 0,
      },
    ]);
    expect(view.totals.verificationsFailed).toBe(0);
  });
});
