import { describe, expect, it } from "vitest";
import { runKssInProcess } from "../../../support/kss.ts";

/**
 * The classes of disagreement with the API server that issue 16 reproduced by hand, each as a YAML file a user
 * would write, judged by `kss validate -o json`. The server's verdict for each was taken from
 * `kubectl create --dry-run=server --validate=strict` on the test control plane (kube-apiserver 1.37 with
 * infra/crds/); the differential test keeps checking the same classes against the server.
 */

interface Judged {
  exitCode: number | null;
  errors: Array<{ path: string; message: string; kind: string }>;
}

async function judge(text: string): Promise<Judged> {
  const run = await runKssInProcess(["validate", "-f", "-", "-o", "json"], text);
  const result = JSON.parse(run.stdout) as { objects: Array<{ errors: Judged["errors"] }> };
  return { exitCode: run.exitCode, errors: result.objects.flatMap((o) => o.errors) };
}

const POLICY = (metadata: string, spec: string) =>
  `apiVersion: storage.kubestash.com/v1alpha1
kind: RetentionPolicy
metadata:
  name: keep
  namespace: demo
${metadata}
spec:
  successfulSnapshots:
    last: 3
${spec}
`;

const SESSION = (spec: string, status = "") =>
  `apiVersion: core.kubestash.com/v1alpha1
kind: BackupSession
metadata:
  name: sample-backup-daily-1764064800
  namespace: demo
spec:
  invoker:
    apiGroup: core.kubestash.com
    kind: BackupConfiguration
    name: sample-backup
${spec}
${status}
`;

describe("issue 16: what the server rejects, kss rejects (schema)", () => {
  it.each<[string, string, string]>([
    [
      "a name that is no DNS-1123 subdomain",
      POLICY("", "").replace("name: keep", "name: colon:name"),
      "metadata.name",
    ],
    [
      "a name of 254 characters",
      POLICY("", "").replace("name: keep", `name: ${"a".repeat(254)}`),
      "metadata.name",
    ],
    ["an unknown metadata field", POLICY("  x-custom: 1", ""), "metadata.x-custom"],
    ["a bad label key", POLICY("  labels:\n    a/b/c: x", ""), "metadata.labels"],
    ["a bad annotation key", POLICY("  annotations:\n    Bad Key: v", ""), "metadata.annotations"],
    ["a bad finalizer", POLICY("  finalizers: [a/b/c]", ""), "metadata.finalizers"],
    [
      "an owner reference without uid",
      POLICY("  ownerReferences: [{apiVersion: v1, kind: Pod, name: p}]", ""),
      "metadata.ownerReferences[0].uid",
    ],
    ["an unknown field named constructor", POLICY("", "  constructor: 1"), "spec.constructor"],
    ["an unknown field named toString", POLICY("", "  toString: 1"), "spec.toString"],
    ["an unknown field named hasOwnProperty", POLICY("", "  hasOwnProperty: 1"), "spec.hasOwnProperty"],
    ["an unknown field named valueOf", POLICY("", "  valueOf: 1"), "spec.valueOf"],
    ["an unknown field named __proto__", POLICY("", "  __proto__: 1"), "spec.__proto__"],
    ["spec.session: yes (a boolean in YAML 1.1)", SESSION("  session: yes"), "spec.session"],
    [
      "an int32 overflow",
      POLICY("", "  failedSnapshots:\n    last: 4294967296"),
      "spec.failedSnapshots.last",
    ],
    ["a merge key bringing an unknown field", POLICY("", "  <<: {bogus: 1}"), "spec.bogus"],
  ])("%s", async (_case, text, path) => {
    const { exitCode, errors } = await judge(text);

    expect(exitCode).toBe(1);
    expect(errors.filter((e) => e.kind === "schema").map((e) => e.path)).toContain(path);
  });
});

describe("issue 16: what the server accepts, kss accepts", () => {
  it.each<[string, string]>([
    ["null on an optional field", POLICY("", "  maxRetentionPeriod:\n  default: null")],
    ["empty labels: and finalizers: lines", POLICY("  labels:\n  finalizers:", "")],
    ["a YAML 1.1 boolean: default: y", POLICY("", "  default: y")],
    [
      "YAML 1.1 integers: 1_0, 0x10",
      POLICY("", "  failedSnapshots:\n    last: 1_0").replace("last: 3", "last: 0x3"),
    ],
    [
      "a merge key",
      POLICY("", "").replace(
        "  successfulSnapshots:\n    last: 3",
        "  successfulSnapshots:\n    <<: {last: 3, daily: 7}",
      ),
    ],
    [
      "!!binary and !!timestamp tags",
      POLICY("  annotations:\n    a: !!binary aGVsbG8=\n    b: !!timestamp 2026-01-01", ""),
    ],
    [
      "a missing spec",
      "apiVersion: storage.kubestash.com/v1alpha1\nkind: RetentionPolicy\nmetadata:\n  name: keep\n  namespace: demo\n",
    ],
    [
      "status entries without a name",
      SESSION(
        "  session: daily",
        "status:\n  snapshots:\n    - phase: Running\n  hooks:\n    preHooks:\n      - phase: Succeeded",
      ),
    ],
  ])("%s", async (_case, text) => {
    const { exitCode, errors } = await judge(text);

    expect(errors).toEqual([]);
    expect(exitCode).toBe(0);
  });

  it("an int64 above 2^53 in an int64 field", async () => {
    const text = `apiVersion: core.kubestash.com/v1alpha1
kind: BackupConfiguration
metadata: {name: big, namespace: demo}
spec:
  sessions:
    - name: daily
      scheduler:
        schedule: "0 2 * * *"
        jobTemplate: {}
        startingDeadlineSeconds: 9007199254740993
      addon: {name: workload-addon, tasks: [{name: logical-backup}]}
      repositories: [{name: r, backend: b, directory: /r}]
`;
    const { errors } = await judge(text);

    expect(errors.filter((e) => e.path.includes("startingDeadlineSeconds"))).toEqual([]);
  });
});

describe("issue 16: what only KubeStash refuses is named as such", () => {
  it("a bad duration is semantic, with the API server's acceptance said", async () => {
    const { exitCode, errors } = await judge(SESSION("  session: daily\n  backupTimeout: soon"));

    expect(exitCode).toBe(1);
    expect(errors).toEqual([
      {
        path: "spec.backupTimeout",
        message: expect.stringMatching(
          /^the API server would accept this; KubeStash would not run it, because /,
        ),
        kind: "semantic",
      },
    ]);
  });
});
