import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHistoryTable, verificationHistory } from "../../../../cli/commands/verify-history.ts";
import { VerificationCondition, VerificationReason } from "../../../../shared/model/verification.ts";
import { DAY, HOUR, kube, MINUTE, NOW, verificationSession } from "../../../support/fleet-samples.ts";
import { runKssInProcess } from "../../../support/kss.ts";

/**
 * `kss verify history`: a configuration's BackupVerificationSessions newest first, filtered by session and
 * repository, with the reason of a failure or skip; its usage errors. Against a cluster: test/integration/fleet.test.ts.
 */

const at = (ms: number) => new Date(NOW.getTime() - ms);
const plus = (d: Date, ms: number) => new Date(d.getTime() + ms);

const yesterday = verificationSession("db", "repo", at(DAY), {
  phase: "Succeeded",
  snapshot: "repo-db-backup-1",
  duration: "1m5s",
  cleanedAt: plus(at(DAY), 70_000),
});
const failed = verificationSession("db", "repo", at(2 * HOUR), {
  phase: "Failed",
  snapshot: "repo-db-backup-2",
  duration: "40s",
  retried: true,
  conditions: [
    {
      type: VerificationCondition.RestoreSucceeded,
      status: "False",
      reason: VerificationReason.FailedToRestoreBackup,
      message: "restic: wrong password",
      lastTransitionTime: kube(plus(at(2 * HOUR), 30_000)),
    },
  ],
  cleanedAt: plus(at(2 * HOUR), MINUTE),
});
const retry = verificationSession("db", "repo", at(HOUR), {
  phase: "Running",
  snapshot: "repo-db-backup-2",
  retryOf: failed.metadata.name,
});
const otherRepo = verificationSession("db", "logs", at(3 * HOUR), {
  phase: "Skipped",
  conditions: [
    {
      type: VerificationCondition.Skipped,
      status: "True",
      reason: VerificationReason.SnapshotAlreadyVerified,
      lastTransitionTime: kube(at(3 * HOUR)),
    },
  ],
});
const otherSession = verificationSession("db", "repo", at(30 * MINUTE), {
  phase: "Succeeded",
  session: "weekly",
});
const otherConfig = verificationSession("web", "repo", at(MINUTE), { phase: "Succeeded" });
const ALL = [yesterday, otherConfig, failed, otherRepo, retry, otherSession];

describe("verificationHistory", () => {
  it("lists the configuration's verifications newest first, every session and repository", () => {
    const rows = verificationHistory(ALL, { configuration: "db" }, NOW);
    expect(rows.map((r) => r.name)).toEqual([
      otherSession.metadata.name,
      retry.metadata.name,
      failed.metadata.name,
      otherRepo.metadata.name,
      yesterday.metadata.name,
    ]);
    expect(rows[2]).toEqual({
      name: failed.metadata.name,
      session: "backup",
      repository: "repo",
      snapshot: "repo-db-backup-2",
      phase: "Failed",
      duration: "40s",
      retried: true,
      origin: "schedule",
      time: kube(at(2 * HOUR)),
      createdAt: kube(plus(at(2 * HOUR), 5_000)),
      endedAt: kube(plus(at(2 * HOUR), MINUTE)),
      ageSeconds: 2 * 3600 - 5,
      condition: "RestoreSucceeded",
      reason: "FailedToRestoreBackup",
      message: "restic: wrong password",
    });
  });

  it("filters by session and by repository", () => {
    const names = (filter: { session?: string; repository?: string }) =>
      verificationHistory(ALL, { configuration: "db", ...filter }, NOW).map((r) => r.name);
    expect(names({ session: "weekly" })).toEqual([otherSession.metadata.name]);
    expect(names({ repository: "logs" })).toEqual([otherRepo.metadata.name]);
    expect(names({ session: "backup", repository: "repo" })).toEqual([
      retry.metadata.name,
      failed.metadata.name,
      yesterday.metadata.name,
    ]);
    expect(names({ repository: "none" })).toEqual([]);
  });
});

describe("the table", () => {
  it("has the columns NAME … REASON, newest first, the reason with its message", () => {
    const text = renderHistoryTable(
      verificationHistory(ALL, { configuration: "db", session: "backup" }, NOW),
    );
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+REPOSITORY\s+SNAPSHOT\s+PHASE\s+DURATION\s+RETRIED\s+AGE\s+REASON$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${retry.metadata.name}\\s+repo\\s+repo-db-backup-2\\s+Running\\s+-\\s+retry of ${failed.metadata.name}\\s+59m$`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${failed.metadata.name}\\s+repo\\s+repo-db-backup-2\\s+Failed\\s+40s\\s+yes\\s+1h59m\\s+FailedToRestoreBackup: restic: wrong password$`,
      ),
    );
    expect(lines[3]).toMatch(
      /^logs-backup-\d+\s+logs\s+-\s+Skipped\s+-\s+no\s+2h59m\s+SnapshotAlreadyVerified$/,
    );
    expect(lines[4]).toMatch(/\s+Succeeded\s+1m5s\s+no\s+23h59m$/);
    expect(lines).toHaveLength(5);
  });

  it("says so when there is none", () => {
    expect(renderHistoryTable([])).toBe("no BackupVerificationSessions\n");
  });
});

describe("kss verify history: usage", () => {
  let dir: string;
  let registry: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "kss-verify-history-"));
    registry = path.join(dir, "clusters.yaml");
    await writeFile(
      registry,
      "clusters:\n  - id: eu\n    credentials: {source: kubeconfig, path: none.kubeconfig}\n",
    );
  });

  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each([
    { args: ["-n", "apps", "--config", "db"], error: /--cluster/ },
    { args: ["--cluster", "eu", "--config", "db"], error: /--namespace/ },
    { args: ["--cluster", "eu", "-n", "apps"], error: /--config/ },
    { args: ["--cluster", "nope", "-n", "apps", "--config", "db"], error: /unknown cluster id "nope"/ },
    {
      args: ["--cluster", "eu", "-n", "apps", "--config", "db", "--now", "soon"],
      error: /--now must be an RFC 3339/,
    },
  ])("exits 2 for $args", async ({ args, error }) => {
    const run = await runKssInProcess(["verify", "history", "--registry", registry, ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(error);
  });

  it("is listed in kss verify --help", async () => {
    const run = await runKssInProcess(["verify", "--help"]);
    expect(run.stdout).toContain("history");
    expect(run.stdout).toContain("show a BackupConfiguration's backup verifications");
  });
});
