import { describe, expect, it } from "vitest";
import { SEMANTIC_PREFIX, validateManifests } from "../../../shared/decide/manifests/validate-manifests.ts";
import {
  backupConfiguration,
  type Json,
  jobTemplate,
  session,
  storageObject,
} from "../../support/manifest-builders.ts";

/** The errors of the report at `at`. */
function errorsOf(objects: unknown[], at = 0) {
  return validateManifests(objects)[at]?.errors;
}

describe("validateManifests: a valid file", () => {
  it("reports each object valid with its apiVersion, kind, namespace and name", () => {
    const objects = [storageObject("BackupStorage", "s3-storage"), backupConfiguration()];

    expect(validateManifests(objects)).toEqual([
      {
        index: 0,
        apiVersion: "storage.kubestash.com/v1alpha1",
        kind: "BackupStorage",
        namespace: "demo",
        name: "s3-storage",
        valid: true,
        checked: true,
        errors: [],
      },
      {
        index: 1,
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupConfiguration",
        namespace: "demo",
        name: "sample",
        valid: true,
        checked: true,
        errors: [],
      },
    ]);
  });
});

describe("validateManifests: each kind of error at its path", () => {
  it.each<[string, Json, { path: string; message: string | RegExp; kind: "schema" | "semantic" }]>([
    [
      "cron with four fields",
      backupConfiguration({
        sessions: [session("hourly", { scheduler: { schedule: "0 * * *", jobTemplate } })],
      }),
      {
        path: "spec.sessions[0].scheduler.schedule",
        message: "expected 5 fields (minute hour day-of-month month day-of-week), found 4",
        kind: "semantic",
      },
    ],
    [
      "cron with a Quartz-only character",
      backupConfiguration({
        sessions: [session("hourly", { scheduler: { schedule: "0 0 L * *", jobTemplate } })],
      }),
      { path: "spec.sessions[0].scheduler.schedule", message: /"L"/, kind: "semantic" },
    ],
    [
      "backupTimeout not a Go duration",
      backupConfiguration({ sessions: [session("hourly", { backupTimeout: "1 hour" })] }),
      { path: "spec.sessions[0].backupTimeout", message: /must be a duration/, kind: "semantic" },
    ],
    [
      "retry delay not a Go duration",
      backupConfiguration({ sessions: [session("hourly", { retryConfig: { maxRetry: 2, delay: "soon" } })] }),
      { path: "spec.sessions[0].retryConfig.delay", message: /must be a duration/, kind: "semantic" },
    ],
    [
      "hook timeout not a Go duration",
      backupConfiguration({
        sessions: [
          session("hourly", {
            hooks: { postBackup: [{ name: "notify", hookTemplate: { name: "slack" }, timeout: "30" }] },
          }),
        ],
      }),
      {
        path: "spec.sessions[0].hooks.postBackup[0].timeout",
        message: /must be a duration/,
        kind: "semantic",
      },
    ],
    [
      "retention period with an unknown unit",
      { ...storageObject("RetentionPolicy", "keep"), spec: { maxRetentionPeriod: "2months" } },
      { path: "spec.maxRetentionPeriod", message: /must be a retention period/, kind: "semantic" },
    ],
    [
      "unknown field",
      backupConfiguration({ sessions: [session("hourly", { backupTimout: "1h" })] }),
      {
        path: "spec.sessions[0].backupTimout",
        message: 'unknown field "spec.sessions[0].backupTimout"',
        kind: "schema",
      },
    ],
    [
      "duplicate session name",
      backupConfiguration({ sessions: [session("hourly"), session("daily"), session("hourly")] }),
      {
        path: "spec.sessions[2].name",
        message: 'duplicate session name "hourly" (see spec.sessions[0])',
        kind: "semantic",
      },
    ],
    [
      "repository backend not among spec.backends",
      backupConfiguration({
        sessions: [session("hourly", { repositories: [{ name: "r", backend: "s3", directory: "/r" }] })],
      }),
      {
        path: "spec.sessions[0].repositories[0].backend",
        message: 'backend "s3" is not in spec.backends (s3-backend)',
        kind: "semantic",
      },
    ],
    [
      "addon without tasks",
      backupConfiguration({
        sessions: [session("hourly", { addon: { name: "workload-addon", tasks: [] } })],
      }),
      { path: "spec.sessions[0].addon.tasks", message: "at least one task is required", kind: "semantic" },
    ],
    [
      "scheduler without the jobTemplate the CRD requires",
      backupConfiguration({ sessions: [session("hourly", { scheduler: { schedule: "0 * * * *" } })] }),
      { path: "spec.sessions[0].scheduler.jobTemplate", message: "Required value", kind: "schema" },
    ],
    [
      "BackupSession without invoker",
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupSession",
        metadata: { name: "sample-hourly-1764158400", namespace: "demo" },
        spec: { session: "hourly" },
      },
      {
        path: "spec.invoker",
        message: "invoker is required: the BackupConfiguration this session backs up",
        kind: "semantic",
      },
    ],
    [
      "an older apiVersion of a kind we know",
      { ...backupConfiguration(), apiVersion: "core.kubestash.com/v1beta1" },
      {
        path: "kind",
        message:
          'no kind "BackupConfiguration" in apiVersion "core.kubestash.com/v1beta1" (use apiVersion core.kubestash.com/v1alpha1)',
        kind: "schema",
      },
    ],
    [
      "a kind KubeStash's groups do not have",
      { apiVersion: "core.kubestash.com/v1alpha1", kind: "BackupConfig", metadata: { name: "x" } },
      {
        path: "kind",
        message:
          /^no kind "BackupConfig" in apiVersion "core.kubestash.com\/v1alpha1"; kss validates .*BackupConfiguration, /,
        kind: "schema",
      },
    ],
    [
      "no kind",
      { apiVersion: "core.kubestash.com/v1alpha1", metadata: { name: "x" } },
      { path: "kind", message: "kind is required", kind: "schema" },
    ],
    [
      "no metadata.name",
      { ...storageObject("RetentionPolicy", "x"), metadata: { namespace: "demo" } },
      { path: "metadata.name", message: /name or generateName is required/, kind: "schema" },
    ],
  ])("%s", (_scenario, object, expected) => {
    const [report] = validateManifests([object]);

    expect(report?.valid).toBe(false);
    expect(report?.errors).toHaveLength(1);
    const [error] = report?.errors ?? [];
    expect(error?.path).toBe(expected.path);
    expect(error?.kind).toBe(expected.kind);
    // A semantic error says that the API server would take it; the reason follows.
    const prefix = expected.kind === "semantic" ? SEMANTIC_PREFIX : "";
    expect(error?.message.startsWith(prefix)).toBe(true);
    const reason = error?.message.slice(prefix.length);
    if (typeof expected.message === "string") expect(reason).toBe(expected.message);
    else expect(reason).toMatch(expected.message);
  });

  it("a document that is not a mapping is an error at the root", () => {
    expect(validateManifests(["just text"])).toEqual([
      {
        index: 0,
        valid: false,
        checked: true,
        errors: [
          {
            path: "",
            message: "expected a Kubernetes object (a mapping with apiVersion, kind and metadata)",
            kind: "schema",
          },
        ],
      },
    ]);
  });

  it("reports every problem of an object at once: schema, unknown field and rules", () => {
    const object = backupConfiguration({
      sessions: [
        session("hourly", { scheduler: { schedule: "61 * * * *", jobTemplate }, backupTimeout: "x", foo: 1 }),
      ],
    });

    const found = errorsOf([object])?.map((e) => [e.kind, e.path]);

    // The server's verdict first (unknown field), then what only KubeStash refuses.
    expect(found).toEqual([
      ["schema", "spec.sessions[0].foo"],
      ["semantic", "spec.sessions[0].backupTimeout"],
      ["semantic", "spec.sessions[0].scheduler.schedule"],
    ]);
  });

  it("a configuration without spec.backends may name any backend (the default one is used)", () => {
    const object = backupConfiguration({ backends: undefined });

    expect(errorsOf([object])).toEqual([]);
  });
});

describe("validateManifests: kinds outside KubeStash's API groups are not judged", () => {
  it.each<[string, object]>([
    ["a Namespace (v1)", { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } }],
    [
      "a Secret (v1), even one the server would refuse",
      { apiVersion: "v1", kind: "Secret", metadata: { name: "a:b" } },
    ],
    ["a Deployment (apps/v1)", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "app" } }],
  ])("%s: not checked, and it does not make the file invalid", (_scenario, object) => {
    const [report] = validateManifests([object]);
    expect(report).toMatchObject({ valid: true, checked: false, errors: [] });
  });

  it("a KubeStash kind under another group's apiVersion is judged: the server has no such kind there", () => {
    const [report] = validateManifests([
      { apiVersion: "core.kubestash.io/v1alpha1", kind: "BackupConfiguration", metadata: { name: "x" } },
    ]);
    expect(report).toMatchObject({ valid: false, checked: true });
    expect(report?.errors[0]?.message).toContain("use apiVersion core.kubestash.com/v1alpha1");
  });

  it("every object kss judges says so", () => {
    const [report] = validateManifests([
      { apiVersion: "core.kubestash.com/v1alpha1", kind: "Nope", metadata: { name: "x" } },
    ]);
    expect(report).toMatchObject({ valid: false, checked: true });
  });
});
