import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { MAX_INPUT_BYTES } from "../../../../cli/commands/validate.ts";
import { MAX_REQUEST_BYTES } from "../../../../shared/decide/manifests/validate-manifests.ts";
import { runKss, runKssInProcess } from "../../../support/kss.ts";

/**
 * Bad input never crashes kss validate: a clear message, exit 2 (cannot read) or 1 (invalid), no stack trace.
 */

vi.setConfig({ testTimeout: 60_000 });

const STACK_TRACE = /\n\s+at |Error: .*\n.*at /;

function storage(local: unknown, name = "s"): Record<string, unknown> {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "BackupStorage",
    metadata: { name, namespace: "demo" },
    spec: { storage: { provider: "local", local } },
  };
}

function nestedFlow(depth: number): string {
  return `${"{a: ".repeat(depth)}1${"}".repeat(depth)}`;
}

describe("kss validate on bad input", () => {
  it("1,000 levels of nesting: exit 2 with one line saying so (the spawned bin, no stack trace)", async () => {
    const text = `${stringify(storage({})).replace("local: {}", `local: ${nestedFlow(1000)}`)}`;

    const run = await runKss(["validate", "-f", "-"], text);

    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^kss: the document at line \d+ is nested too deeply for kss to read/);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("1,000 levels of block nesting: exit 2", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${"  ".repeat(i)}a:`);
    const run = await runKssInProcess(["validate", "-f", "-"], `${lines.join("\n")} 1\n`);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/nested too deeply/);
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  it("300 levels below an open subtree are judged like any value (the API server keeps them)", async () => {
    const text = stringify(storage({})).replace("local: {}", `local: ${nestedFlow(300)}`);

    const run = await runKssInProcess(["validate", "-f", "-"], text);

    expect(run).toMatchObject({ exitCode: 0, stderr: "" });
  });

  it.each([1, 2, 3])("binary junk (seed %i): exit 1 or 2, a message, no stack trace", async (seed) => {
    const bytes = randomBytes(64 * 1024);
    bytes[seed] = 0;
    const run = await runKssInProcess(["validate", "-f", "-"], bytes.toString("latin1"));

    expect([1, 2]).toContain(run.exitCode);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK_TRACE);
    expect(`${run.stdout}${run.stderr}`.length).toBeGreaterThan(0);
  });

  it("an alias bomb: exit 1 naming the excessive aliasing", async () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) {
      const [prev, next] = [String.fromCharCode(97 + i), String.fromCharCode(98 + i)];
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const run = await runKssInProcess(["validate", "-f", "-"], `${lines.join("\n")}\n`);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/excessive aliasing/);
  });

  it("an object larger than the API server takes: exit 1, too large", async () => {
    const text = JSON.stringify(storage({ blob: "x".repeat(MAX_REQUEST_BYTES) }));

    const run = await runKssInProcess(["validate", "-f", "-", "-o", "json"], text);

    expect(run.exitCode).toBe(1);
    const [object] = (
      JSON.parse(run.stdout) as { objects: Array<{ errors: Array<{ message: string; kind: string }> }> }
    ).objects;
    expect(object?.errors).toEqual([
      { path: "", message: expect.stringMatching(/too large/), kind: "schema" },
    ]);
  });

  it("a huge file of many valid objects is read and judged", async () => {
    const objects = Array.from({ length: 2000 }, (_, i) =>
      stringify(storage({ path: `/data/${i}` }, `s-${i}`)),
    );

    const run = await runKssInProcess(["validate", "-f", "-"], objects.join("---\n"));

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/2000 objects: 2000 valid, 0 invalid/);
  });

  it("a file beyond what kss reads: exit 2", async () => {
    const run = await runKssInProcess(["validate", "-f", "-"], "#".repeat(MAX_INPUT_BYTES + 1));

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/too large to validate/);
  });
});
