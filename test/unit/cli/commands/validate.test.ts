import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { SEMANTIC_PREFIX } from "../../../../shared/decide/manifests/validate-manifests.ts";
import { MANIFEST_FIXTURES, runKss } from "../../../support/kss.ts";

/**
 * `kss validate` end to end: the bin spawned as a child process (about a second each), fixtures as users
 * write them. Every fixture's paths and the other usage errors are checked in process in ../main.test.ts.
 */

vi.setConfig({ testTimeout: 30_000 });

const fixture = (name: string) => join(MANIFEST_FIXTURES, name);

describe("kss validate: valid files exit 0", () => {
  it("prints one OK line per object of a multi-document file, then a summary", async () => {
    const run = await runKss(["validate", "-f", fixture("valid/backup-workload.yaml")]);

    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "OK  BackupStorage demo/s3-storage",
        "OK  RetentionPolicy demo/demo-retention",
        "OK  BackupConfiguration demo/sample-backup-dep",
        "OK  BackupConfiguration demo/pvc-backup",
        "",
        "4 objects: 4 valid, 0 invalid",
        "",
      ].join("\n"),
    });
  });

  it("reads JSON from stdin with -f -", async () => {
    const json = readFileSync(fixture("valid/retention-policy.json"), "utf8");

    const run = await runKss(["validate", "-f", "-", "--output", "json"], json);

    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      valid: true,
      objects: [
        {
          index: 0,
          document: 1,
          line: 1,
          apiVersion: "storage.kubestash.com/v1alpha1",
          kind: "RetentionPolicy",
          namespace: "demo",
          name: "keep-a-week",
          valid: true,
          checked: true,
          errors: [],
        },
      ],
    });
  });
});

describe("kss validate: invalid files exit 1 and name each bad field", () => {
  it("json output: valid false and every object with its errors", async () => {
    const run = await runKss(["validate", "-f", fixture("invalid/bad-duration.yaml"), "-o", "json"]);

    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      valid: false,
      objects: [
        {
          kind: "BackupConfiguration",
          valid: false,
          errors: [
            {
              path: "spec.sessions[0].retryConfig.delay",
              message: `${SEMANTIC_PREFIX}it must be a duration such as "30s", "5m" or "1h30m"`,
              kind: "semantic",
            },
            {
              path: "spec.sessions[0].backupTimeout",
              message: `${SEMANTIC_PREFIX}it must be a duration such as "30s", "5m" or "1h30m"`,
              kind: "semantic",
            },
          ],
        },
      ],
    });
  });

  it("table output: ERR with the object's place in the file, then each problem indented", async () => {
    const run = await runKss(["validate", "-f", fixture("invalid/list-with-bad-item.yaml")]);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(
      [
        "OK  RetentionPolicy demo/demo-retention",
        "ERR BackupSession demo/sample-backup-dep-frequent-backup-1764158400 (document 1, item 1, line 13)",
        `  spec.invoker: ${SEMANTIC_PREFIX}invoker is required: the BackupConfiguration this session backs up`,
        "",
        "2 objects: 1 valid, 1 invalid",
        "",
      ].join("\n"),
    );
  });

  it("table output of a YAML syntax error names the document and the line", async () => {
    const run = await runKss(["validate", "-f", fixture("invalid/yaml-syntax-error.yaml")]);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("OK  RetentionPolicy demo/demo-retention\nERR document 2 (line 10)\n");
    expect(run.stdout).toContain(
      '  YAML syntax error at line 19, column 23: Unexpected alias at node end; a value starting with "*" must be quoted',
    );
  });
});

describe("kss: usage and input errors exit 2 with one line on stderr", () => {
  it.each([
    [
      "a missing file",
      ["validate", "-f", "no-such-file.yaml"],
      "kss: cannot read no-such-file.yaml: no such file\n",
    ],
    [
      "no -f",
      ["validate"],
      "error: required option '-f, --file <file>' not specified\n(run kss --help for usage)\n",
    ],
  ])("%s", async (_case, args, stderr) => {
    const run = await runKss(args);

    expect(run).toEqual({ exitCode: 2, stdout: "", stderr });
  });
});
