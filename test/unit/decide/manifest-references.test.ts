import { describe, expect, it } from "vitest";
import { SEMANTIC_PREFIX, validateManifests } from "../../../shared/decide/manifests/validate-manifests.ts";
import { backupConfiguration, session, storageObject } from "../../support/manifest-builders.ts";

/** References between objects of one file, checked only where the file could satisfy them (manifest-references.ts). */

/** A missing reference as kss reports it: the API server would take it, KubeStash would not run it. */
const asSemantic = (issues: Array<{ path: string; message: string }>) =>
  issues.map(({ path, message }) => ({ path, message: `${SEMANTIC_PREFIX}it ${message}`, kind: "semantic" }));

describe("validateManifests: references to other objects of the file", () => {
  const missing = (kind: string, name: string) => `references ${kind} demo/${name}, which is not in the file`;

  it.each<[string, unknown[], Array<{ path: string; message: string }>]>([
    [
      "the file has another RetentionPolicy in the namespace but not the one named",
      [storageObject("RetentionPolicy", "keep-month"), backupConfiguration()],
      [{ path: "spec.backends[0].retentionPolicy", message: missing("RetentionPolicy", "keep-week") }],
    ],
    [
      "the file has another BackupStorage in the namespace but not the one named",
      [storageObject("BackupStorage", "gcs-storage"), backupConfiguration()],
      [{ path: "spec.backends[0].storageRef", message: missing("BackupStorage", "s3-storage") }],
    ],
    [
      "the file holds both referenced objects",
      [
        storageObject("RetentionPolicy", "keep-week"),
        storageObject("BackupStorage", "s3-storage"),
        backupConfiguration(),
      ],
      [],
    ],
    [
      "the file holds no object of the referenced kinds (they live in the cluster)",
      [backupConfiguration()],
      [],
    ],
    [
      "the file's RetentionPolicies are all in another namespace",
      [storageObject("RetentionPolicy", "keep-month", "ops"), backupConfiguration()],
      [],
    ],
    [
      "the reference names another namespace, which the file holds policies of",
      [
        storageObject("RetentionPolicy", "keep-month", "ops"),
        backupConfiguration({
          backends: [{ name: "s3-backend", retentionPolicy: { name: "keep-week", namespace: "ops" } }],
        }),
      ],
      [
        {
          path: "spec.backends[0].retentionPolicy",
          message: "references RetentionPolicy ops/keep-week, which is not in the file",
        },
      ],
    ],
  ])("%s", (_scenario, objects, expected) => {
    const reports = validateManifests(objects);

    expect(reports.at(-1)?.errors).toEqual(asSemantic(expected));
  });

  it("checks hook templates, the addon and a Repository's storageRef the same way", () => {
    // Prepare: the file holds one HookTemplate, Addon and BackupStorage, none of them the ones referenced.
    const hookTemplate = {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "HookTemplate",
      metadata: { name: "flush", namespace: "demo" },
      spec: {},
    };
    const addon = {
      apiVersion: "addons.kubestash.com/v1alpha1",
      kind: "Addon",
      metadata: { name: "pvc-addon" },
      spec: { backupTasks: [{ name: "logical-backup" }] },
    };
    const repository = {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Repository",
      metadata: { name: "repo", namespace: "demo" },
      spec: { storageRef: { name: "s3-storage" }, path: "/repo" },
    };
    const configuration = backupConfiguration({
      backends: [{ name: "s3-backend", storageRef: { name: "gcs-storage" } }],
      sessions: [
        session("hourly", { hooks: { preBackup: [{ name: "pre", hookTemplate: { name: "notify" } }] } }),
      ],
    });

    // Act
    const reports = validateManifests([
      hookTemplate,
      addon,
      storageObject("BackupStorage", "gcs-storage"),
      repository,
      configuration,
    ]);

    // Assess
    expect(reports[3]?.errors).toEqual(
      asSemantic([{ path: "spec.storageRef", message: missing("BackupStorage", "s3-storage") }]),
    );
    expect(reports[4]?.errors).toEqual(
      asSemantic([
        {
          path: "spec.sessions[0].addon.name",
          message: "references Addon workload-addon, which is not in the file",
        },
        {
          path: "spec.sessions[0].hooks.preBackup[0].hookTemplate",
          message: missing("HookTemplate", "notify"),
        },
      ]),
    );
  });
});
