import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runBackupJobs } from "../../local/demo-executor.ts";
import { METADATA_IMAGE, metadataJobName } from "../../shared/decide/session/snapshot-metadata-job.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import { BackupStorage, parseWith, RetentionPolicy, type Snapshot } from "../../shared/model/index.ts";
import { reconcileSession } from "../../shared/usecases/reconcile-session.ts";
import { clockFrom } from "../support/clock.ts";
import { backoffLimitExceededStatus } from "../support/job-expectations.ts";
import { runJob } from "../support/job-runner.ts";
import { localRcloneVersion } from "../support/job-runner-images.ts";
import { adminAndFunctions, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import {
  installCatalog,
  installConfiguration,
  nextHour,
  RecordingPublisher,
  scheduleSession,
} from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The snapshot-metadata Job, for real: a session driven as a cluster drives it (our reconciles, the addon
 * stand-in reporting its component, the Job controller stand-in ending the executor Job), then the metadata
 * Job our reconcile created, read back from the API server, run through the kubelet-playing runner with
 * Debian's rclone standing in for `rclone/rclone:<same release>` (busybox's sh played by the local sh, rclone
 * found on PATH as in the image, as nobody, the local BackupStorage's hostPath mapped to a temp folder). The
 * files land where KubeStash keeps them, hold the Snapshot and the Repository, and the next reconcile completes
 * the Snapshot, the Repository and the session. An upload that cannot write fails them, naming the Job.
 */

const cluster = sharedCluster();

/** The node's folder the BackupStorage names; the runner maps it to a temp folder of this machine. */
const HOST_PATH = "/var/lib/kubestash/storage";
const MOUNT_PATH = "/kubestash-storage";
const { atSeconds } = clockFrom(nextHour());

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let root: string;
/** The storage as the node has it: writable by the Pod's user (nobody). */
let storageDir: string;
/** The same storage on a node where the Pod's user may not write. */
let readOnlyDir: string;
/** The Snapshot of the first backup. */
let firstSnapshot: string;

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(cluster));
  await installCatalog(admin);
  ns = uniqueNamespace("metadata");
  await ensureNamespace(admin, ns);
  root = await mkdtemp(path.join(os.tmpdir(), "kss-metadata-"));
  await chmod(root, 0o755); // the Job runs as nobody (runAsUser 65534) and must reach the storage
  storageDir = path.join(root, "storage");
  readOnlyDir = path.join(root, "read-only");
  await mkdir(storageDir);
  await chown(storageDir, 65534, 65534);
  await mkdir(readOnlyDir, { mode: 0o755 }); // root's: nobody cannot write

  await admin.create(
    "BackupStorage",
    parseWith(
      BackupStorage,
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "BackupStorage",
        metadata: { name: "storage", namespace: ns },
        spec: {
          storage: { provider: "local", local: { mountPath: MOUNT_PATH, hostPath: { path: HOST_PATH } } },
          default: true,
        },
      },
      "storage",
    ),
  );
  await admin.create(
    "RetentionPolicy",
    parseWith(
      RetentionPolicy,
      {
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "RetentionPolicy",
        metadata: { name: "keep", namespace: ns },
        spec: { default: true, successfulSnapshots: { last: 3 } },
      },
      "policy",
    ),
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const deps = () => ({ client: functions, publisher: new RecordingPublisher() });

const snapshotOf = async (session: string): Promise<Snapshot> => {
  const [snapshot, ...more] = (await admin.list("Snapshot", { namespace: ns })).items.filter(
    (s) => s.spec.backupSession === session,
  );
  if (!snapshot || more.length > 0) throw new Error(`session ${session}: expected one Snapshot`);
  return snapshot;
};

const jobsOf = async (session: string) =>
  (await admin.list("Job", { namespace: ns, labelSelector: `kubestash.com/invoker-name=${session}` })).items;

/**
 * A session up to its metadata Job: our reconcile creates the Snapshot and the executor Job; the addon reports
 * its component and the executor Pod ends (the stand-ins); our next reconcile creates the metadata Job.
 */
async function backUpUntilMetadataJob(configuration: string, offset: number) {
  const name = await scheduleSession(functions, configuration, atSeconds(offset + 5));
  await reconcileSession(deps(), ns, name, () => atSeconds(offset + 6));
  const snapshot = await snapshotOf(name);
  expect((await jobsOf(name)).map((j) => j.metadata.labels?.["app.kubernetes.io/component"])).toEqual([
    "kubestash-backup",
  ]);
  expect(await runBackupJobs(admin, ns, name, "Succeeded", atSeconds(offset + 30))).toBe(1);
  await reconcileSession(deps(), ns, name, () => atSeconds(offset + 31));
  const jobName = metadataJobName(snapshot.metadata.name);
  const job = (await jobsOf(name)).find((j) => j.metadata.name === jobName);
  expect(job?.metadata.labels?.["app.kubernetes.io/component"]).toBe("kubestash-snapshot-metadata");
  return { name, snapshot: snapshot.metadata.name, jobName };
}

const repositoryPath = async (repository: string) => {
  const repo = await admin.get("Repository", ns, repository);
  if (!repo.spec.path) throw new Error(`Repository ${repository} has no path`);
  return repo.spec.path;
};

const condition = (
  object: { status?: { conditions?: Array<{ type: string; status: string }> } },
  type: string,
) => object.status?.conditions?.find((c) => c.type === type);

describe("the snapshot-metadata Job, run with Debian's rclone", () => {
  it(`the image is ${METADATA_IMAGE}, the release on this machine`, async () => {
    expect(METADATA_IMAGE).toBe(`rclone/rclone:${await localRcloneVersion()}`);
  });

  it("writes snapshots/<snapshot>.yaml and repository.yaml where KubeStash keeps them; the next reconcile completes the backup", async () => {
    // Prepare
    await installConfiguration(admin, ns, "app", {}, ["repo-a"]);
    const { name, snapshot, jobName } = await backUpUntilMetadataJob("app", 0);
    firstSnapshot = snapshot;
    const job = await admin.get("Job", ns, jobName);
    const [container] = (job.spec.template as { spec: { containers: Array<{ image: string }> } }).spec
      .containers;
    expect(container?.image).toBe(METADATA_IMAGE);
    // Act
    const run = await runJob(
      { client: admin, hostPaths: { [HOST_PATH]: storageDir }, now: () => atSeconds(35) },
      ns,
      jobName,
    );
    // Assess: the Pod ran rclone as the image would, and the Job ended as the Job controller ends it
    expect(run.containers.map((c) => [c.name, c.exitCode, c.argv[0]])).toEqual([
      ["upload-snapshot-metadata", 0, "/bin/sh"],
    ]);
    expect(run.job.status).toMatchObject({
      succeeded: 1,
      conditions: [
        { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached" },
        { type: "Complete", status: "True", reason: "CompletionsReached" },
      ],
    });
    const repoDir = path.join(storageDir, await repositoryPath("repo-a"));
    const snapshotFile = path.join(repoDir, "snapshots", `${snapshot}.yaml`);
    const repositoryFile = path.join(repoDir, "repository.yaml");
    const written = parse(await readFile(snapshotFile, "utf8"));
    const stored = await admin.get("Snapshot", ns, snapshot);
    expect(written).toMatchObject({
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: snapshot, namespace: ns },
      spec: { backupSession: name, repository: "repo-a" },
      status: { totalComponents: 1, components: stored.status?.components },
    });
    expect(Object.keys(written.status.components)).toEqual(["dump"]);
    expect(written.metadata).not.toHaveProperty("resourceVersion");
    expect(written.metadata).not.toHaveProperty("managedFields");
    expect(parse(await readFile(repositoryFile, "utf8"))).toMatchObject({
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Repository",
      metadata: { name: "repo-a", namespace: ns },
      spec: { path: await repositoryPath("repo-a"), storageRef: { name: "storage", namespace: ns } },
    });
    // Written by the Pod's user, nobody, not by the test's root.
    expect((await stat(snapshotFile)).uid).toBe(65534);
    expect((await stat(repositoryFile)).uid).toBe(65534);

    // Act: the next reconcile sees the Job complete
    await reconcileSession(deps(), ns, name, () => atSeconds(36));
    // Assess
    const done = await admin.get("Snapshot", ns, snapshot);
    expect(condition(done, "SnapshotMetadataUploaded")).toMatchObject({
      status: "True",
      reason: "SuccessfullyUploadedSnapshotMetadata",
    });
    expect(done.status).toMatchObject({ phase: "Succeeded", size: "1.200 MiB", integrity: true });
    const repository = await admin.get("Repository", ns, "repo-a");
    expect(condition(repository, "RepositoryInitialized")).toMatchObject({ status: "True" });
    expect(repository.status?.phase).toBe("Ready");
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
  });

  it("once the Repository is initialized, the next backup's Job writes only its Snapshot", async () => {
    // Prepare
    const repositoryFile = path.join(storageDir, await repositoryPath("repo-a"), "repository.yaml");
    const before = await readFile(repositoryFile, "utf8");
    const { name, snapshot, jobName } = await backUpUntilMetadataJob("app", 3600);
    // Act
    const run = await runJob(
      { client: admin, hostPaths: { [HOST_PATH]: storageDir }, now: () => atSeconds(3635) },
      ns,
      jobName,
    );
    await reconcileSession(deps(), ns, name, () => atSeconds(3636));
    // Assess
    expect(run.pod.phase).toBe("Succeeded");
    const env = (
      (await admin.get("Job", ns, jobName)).spec.template as {
        spec: { containers: Array<{ env: Array<{ name: string }> }> };
      }
    ).spec.containers[0]?.env.map((e) => e.name);
    expect(env).toEqual(["SNAPSHOT_METADATA", "SNAPSHOT_DESTINATION"]);
    const snapshots = path.join(storageDir, await repositoryPath("repo-a"), "snapshots");
    expect((await readdir(snapshots)).sort()).toEqual([`${firstSnapshot}.yaml`, `${snapshot}.yaml`].sort());
    expect(parse(await readFile(path.join(snapshots, `${snapshot}.yaml`), "utf8"))).toMatchObject({
      kind: "Snapshot",
      metadata: { name: snapshot },
      spec: { backupSession: name },
    });
    expect(await readFile(repositoryFile, "utf8")).toBe(before);
    expect((await admin.get("Snapshot", ns, snapshot)).status?.phase).toBe("Succeeded");
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Succeeded");
  });

  it("an upload that cannot write fails the Job after its backoffLimit; the Snapshot and the session end Failed, naming the Job", async () => {
    // Prepare: another configuration, its storage on a node where nobody may not write
    await installConfiguration(admin, ns, "blocked", {}, ["repo-b"]);
    const { name, snapshot, jobName } = await backUpUntilMetadataJob("blocked", 7200);
    // Act
    const run = await runJob(
      { client: admin, hostPaths: { [HOST_PATH]: readOnlyDir }, now: () => atSeconds(7235) },
      ns,
      jobName,
    );
    // Assess: rclone failed in each of the Job's three Pods (backoffLimit 2); the Job controller's Failed
    expect(run.pod.phase).toBe("Failed");
    expect(run.containers.map((c) => [c.attempt, c.exitCode])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(run.containers[0]?.stderr).toMatch(/permission denied/i);
    expect(run.job.status).toMatchObject(backoffLimitExceededStatus(3));
    expect(await readdir(readOnlyDir)).toEqual([]);

    // Act: the next reconcile sees the Job failed
    await reconcileSession(deps(), ns, name, () => atSeconds(7236));
    // Assess
    const failed = await admin.get("Snapshot", ns, snapshot);
    expect(condition(failed, "SnapshotMetadataUploaded")).toMatchObject({
      status: "False",
      reason: "FailedToUploadSnapshotMetadata",
      message: expect.stringContaining(jobName),
    });
    expect(failed.status?.phase).toBe("Failed");
    expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe("Failed");
    expect(condition(await admin.get("Repository", ns, "repo-b"), "RepositoryInitialized")?.status).not.toBe(
      "True",
    );
  });
});

describe("the kubelet-playing runner and the rclone image", () => {
  const job = (name: string, image: string, command: string[]) => ({
    apiVersion: "batch/v1" as const,
    kind: "Job" as const,
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image, command }] } },
    },
  });

  it("refuses an rclone image of another release", async () => {
    await admin.create("Job", job("other-rclone", "rclone/rclone:1.68.2", ["rclone", "version"]));
    await expect(runJob({ client: admin }, ns, "other-rclone")).rejects.toThrow(
      /rclone\/rclone:1\.68\.2 is not the rclone on this machine \(1\.60\.1\)/,
    );
  });

  it("a shell script in the image finds the image's programs on PATH and no other program of this machine", async () => {
    await admin.create(
      "Job",
      job("path-check", METADATA_IMAGE, [
        "sh",
        "-c",
        'command -v restic || echo "no restic"; command -v ls || echo "no ls"; command -v rclone; rclone version',
      ]),
    );
    const run = await runJob({ client: admin }, ns, "path-check");
    expect(run.pod.phase).toBe("Succeeded");
    const [restic, ls, bin, version] = (run.containers[0]?.stdout ?? "").trim().split("\n");
    expect([restic, ls]).toEqual(["no restic", "no ls"]);
    expect(path.basename(bin ?? "")).toBe("rclone");
    expect(version).toMatch(/^rclone v1\.60\.1/);
  });
});
