import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, utimesSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { KSS_BIN, PROJECT_ROOT, runKss } from "../../support/kss.ts";

/**
 * The real bin (bin/kss.mjs → the dist-cli/ bundle) as a child process: help, an unknown command, and a
 * reader that goes away (issue 17: `kss fleet --help | head -2` died with an unhandled EPIPE and a stack).
 */

vi.setConfig({ testTimeout: 60_000 });

const DEMO_FILE = "examples/demo/30-backupconfiguration.yaml";

interface ClosedPipeRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs `node args…` with its stdout a pipe whose reading end is closed at once, before kss writes. */
function runWithClosedStdout(node: string, args: readonly string[]): Promise<ClosedPipeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal, stderr }));
  });
}

/** The machine's own Node (outside node_modules/.bin) when it is older than the project's 22.19. */
function olderSystemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "" || dir.includes("node_modules")) continue;
    const node = path.join(dir, "node");
    if (!existsSync(node)) continue;
    const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
    const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
    return major < 22 || (major === 22 && minor < 19) ? node : undefined;
  }
  return undefined;
}

describe("bin/kss.mjs", () => {
  it("--help prints the top-level help on stdout, exit 0, nothing on stderr", async () => {
    const run = await runKss(["--help"]);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n")[0]).toBe("Usage: kss [options] [command]");
    for (const command of [
      "validate",
      "retention",
      "schedule",
      "trigger",
      "retries",
      "apply",
      "fleet",
      "migrate",
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${command} `, "m"));
    }
  });

  it.each([[["migrat"]], [["migrat", "--help"]], [["help", "migrat"]]])(
    "an unknown command (kss %j) is an error: exit 2, the message on stderr",
    async (args) => {
      const run = await runKss(args);

      expect(run).toEqual({
        exitCode: 2,
        stdout: "",
        stderr: "error: unknown command 'migrat'\n(Did you mean migrate?)\n(run kss --help for usage)\n",
      });
    },
  );

  it.each([[["--help"]], [["fleet", "--help"]], [["validate", "-f", DEMO_FILE]]])(
    "a closed stdout (kss %j) ends kss quietly: exit 0, no error or stack on stderr",
    async (args) => {
      const run = await runWithClosedStdout(process.execPath, [KSS_BIN, ...args]);

      expect(run).toEqual({ exitCode: 0, signal: null, stderr: "" });
    },
  );

  it("in a shell pipeline whose reader quits first (`kss fleet --help | true`, pipefail): exit 0, quiet", () => {
    const node = JSON.stringify(process.execPath);
    const result = spawnSync(
      "bash",
      ["-o", "pipefail", "-c", `${node} ${JSON.stringify(KSS_BIN)} fleet --help | true`],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );

    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it.runIf(olderSystemNode() !== undefined)(
    "run by the machine's older Node, it re-executes under Node 22: same help, same quiet closed pipe",
    async () => {
      const node = olderSystemNode() ?? "node";
      const help = spawnSync(node, [KSS_BIN, "fleet", "--help"], { cwd: PROJECT_ROOT, encoding: "utf8" });
      expect(help.status).toBe(0);
      expect(help.stdout.split("\n")[0]).toBe("Usage: kss fleet [options]");

      const run = await runWithClosedStdout(node, [KSS_BIN, "fleet", "--help"]);

      expect(run).toEqual({ exitCode: 0, signal: null, stderr: "" });
    },
  );

  it("a bundle older than one of its sources is built again before it runs, silently", async () => {
    // Prepare: make a source newer than the bundle (its content is unchanged).
    const source = path.join(PROJECT_ROOT, "cli/output.ts");
    const manifestFile = path.join(PROJECT_ROOT, "dist-cli/manifest.json");
    await runKss(["--help"]);
    const touched = new Date();
    utimesSync(source, touched, touched);

    // Act
    const run = await runKss(["validate", "-f", DEMO_FILE]);

    // Assess: the run is right and quiet, and the manifest now says the bundle was built after the touch
    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: "OK  BackupConfiguration demo/demo-pvc-backup\n\n1 object: 1 valid, 0 invalid\n",
    });
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { builtAt: number; inputs: string[] };
    expect(manifest.inputs).toContain("cli/output.ts");
    expect(manifest.builtAt).toBeGreaterThanOrEqual(Math.floor(statSync(source).mtimeMs));
    expect(statSync(path.join(PROJECT_ROOT, "dist-cli/kss.mjs")).isFile()).toBe(true);
  });
});
