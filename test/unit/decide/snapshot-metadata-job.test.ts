import { describe, expect, it } from "vitest";
import { buildMetadataJob, metadataJobName } from "../../../shared/decide/session/snapshot-metadata-job.ts";
import type { BackupStorage, Job, Repository, Snapshot } from "../../../shared/model/index.ts";
import { backupSession, NS, repository } from "../../support/session-world.ts";

/** The snapshot-metadata Job per BackupStorage provider (docs/snapshot-completion.md#the-metadata-job). */

const session = backupSession();
const repo: Repository = { ...repository(), spec: { ...repository().spec, path: "/demo/app" } };
const snapshot: Snapshot = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Snapshot",
  metadata: { name: "s3-repo-app-backup-daily-1795694400", namespace: NS },
  spec: { repository: "s3-repo", backupSession: session.metadata.name, deletionPolicy: "Delete" },
  status: {
    totalComponents: 1,
    components: { dump: { phase: "Succeeded", size: "1.000 MiB", integrity: true } },
  },
};
const storageWith = (
  storage: NonNullable<BackupStorage["spec"]["storage"]>,
  namespace = NS,
): BackupStorage => ({
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "BackupStorage",
  metadata: { name: "store", namespace },
  spec: { storage, deletionPolicy: "Delete" },
});
const container = (job: Job) =>
  (
    job.spec.template.spec as {
      containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: unknown }> }>;
    }
  ).containers[0];
const envOf = (job: Job) =>
  Object.fromEntries((container(job)?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const secretRef = (key: string) => ({ secretKeyRef: { name: "creds", key } });

describe("buildMetadataJob", () => {
  it.each<[string, NonNullable<BackupStorage["spec"]["storage"]>, Record<string, unknown>]>([
    [
      "s3: rclone configured from the storage Secret's AWS keys",
      {
        provider: "s3",
        s3: {
          bucket: "backups",
          prefix: "team",
          endpoint: "https://s3.example",
          region: "eu-west-1",
          secretName: "creds",
        },
      },
      {
        RCLONE_CONFIG_BACKEND_TYPE: "s3",
        RCLONE_CONFIG_BACKEND_ENDPOINT: "https://s3.example",
        RCLONE_CONFIG_BACKEND_REGION: "eu-west-1",
        RCLONE_CONFIG_BACKEND_ACCESS_KEY_ID: secretRef("AWS_ACCESS_KEY_ID"),
        RCLONE_CONFIG_BACKEND_SECRET_ACCESS_KEY: secretRef("AWS_SECRET_ACCESS_KEY"),
        SNAPSHOT_DESTINATION:
          "BACKEND:backups/team/demo/app/snapshots/s3-repo-app-backup-daily-1795694400.yaml",
        REPOSITORY_DESTINATION: "BACKEND:backups/team/demo/app/repository.yaml",
      },
    ],
    [
      "gcs: the service account key and project from the Secret",
      { provider: "gcs", gcs: { bucket: "b", secretName: "creds" } },
      {
        RCLONE_CONFIG_BACKEND_TYPE: "google cloud storage",
        RCLONE_CONFIG_BACKEND_SERVICE_ACCOUNT_CREDENTIALS: secretRef("GOOGLE_SERVICE_ACCOUNT_JSON_KEY"),
        RCLONE_CONFIG_BACKEND_PROJECT_NUMBER: secretRef("GOOGLE_PROJECT_ID"),
        SNAPSHOT_DESTINATION: "BACKEND:b/demo/app/snapshots/s3-repo-app-backup-daily-1795694400.yaml",
      },
    ],
    [
      "azure: the account from the spec, the key from the Secret",
      {
        provider: "azure",
        azure: { storageAccount: "acct", container: "c", prefix: "p", secretName: "creds" },
      },
      {
        RCLONE_CONFIG_BACKEND_TYPE: "azureblob",
        RCLONE_CONFIG_BACKEND_ACCOUNT: "acct",
        RCLONE_CONFIG_BACKEND_KEY: secretRef("AZURE_ACCOUNT_KEY"),
        SNAPSHOT_DESTINATION: "BACKEND:c/p/demo/app/snapshots/s3-repo-app-backup-daily-1795694400.yaml",
      },
    ],
    [
      "local: a path on the storage's volume, mounted at its mountPath",
      { provider: "local", local: { mountPath: "/safe/data", hostPath: { path: "/data/kubestash" } } },
      { SNAPSHOT_DESTINATION: "/safe/data/demo/app/snapshots/s3-repo-app-backup-daily-1795694400.yaml" },
    ],
  ])("%s", (_name, storage, expected) => {
    const built = buildMetadataJob({
      session,
      snapshot,
      repository: repo,
      storage: storageWith(storage),
      writeRepository: true,
    });
    if (!built.ok) throw new Error(built.message);
    expect(envOf(built.value)).toMatchObject(expected);
    expect(built.value.metadata.name).toBe(metadataJobName(snapshot.metadata.name));
    expect(built.value.spec.template.spec).toMatchObject({
      automountServiceAccountToken: false,
      restartPolicy: "Never",
    });
  });

  it("the backend's copy of the Snapshot records the outcome its components give", () => {
    const storage = storageWith({ provider: "s3", s3: { bucket: "b", secretName: "creds" } });
    const built = buildMetadataJob({ session, snapshot, repository: repo, storage, writeRepository: false });
    if (!built.ok) throw new Error(built.message);
    const doc = JSON.parse(String(envOf(built.value).SNAPSHOT_METADATA));
    expect(doc).toMatchObject({
      kind: "Snapshot",
      status: { phase: "Succeeded", size: "1.000 MiB", integrity: true },
    });
    expect(envOf(built.value)).not.toHaveProperty("REPOSITORY_METADATA");
  });

  it("runs in the storage's namespace (its Secret and volume are only usable there), without an owner there", () => {
    const storage = storageWith({ provider: "s3", s3: { bucket: "b", secretName: "creds" } }, "backup-infra");
    const built = buildMetadataJob({ session, snapshot, repository: repo, storage, writeRepository: false });
    if (!built.ok) throw new Error(built.message);
    expect(built.value.metadata.namespace).toBe("backup-infra");
    expect(built.value.metadata.ownerReferences).toBeUndefined();
    expect(built.value.metadata.labels).toMatchObject({ "kubestash.com/invoker-namespace": NS });
  });

  it.each<[string, NonNullable<BackupStorage["spec"]["storage"]>, string]>([
    [
      "s3 without secretName",
      { provider: "s3", s3: { bucket: "b" } },
      "BackupStorage store (s3) names no secretName",
    ],
    [
      "local without mountPath",
      { provider: "local", local: { hostPath: { path: "/x" } } },
      "BackupStorage store (local) has no mountPath",
    ],
  ])("fails with a message: %s", (_name, storage, message) => {
    expect(
      buildMetadataJob({
        session,
        snapshot,
        repository: repo,
        storage: storageWith(storage),
        writeRepository: false,
      }),
    ).toEqual({
      ok: false,
      message,
    });
  });
});
