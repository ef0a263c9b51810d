import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import type { CliCommand } from "../../../cli/command.ts";
import { buildProgram } from "../../../cli/main.ts";
import { capturedContext, MANIFEST_FIXTURES, runKssInProcess } from "../../support/kss.ts";

const fixture = (name: string) => join(MANIFEST_FIXTURES, name);

interface JsonResult {
  valid: boolean;
  objects: Array<{ valid: boolean; errors: Array<{ path: string; message: string }> }>;
}

describe("kss validate on every fixture", () => {
  it.each([
    ["valid/backup-workload.yaml", 0, []],
    ["valid/retention-policy.json", 0, []],
    ["invalid/bad-cron.yaml", 1, ["spec.sessions[0].scheduler.schedule"]],
    [
      "invalid/bad-duration.yaml",
      1,
      ["spec.sessions[0].retryConfig.delay", "spec.sessions[0].backupTimeout"],
    ],
    ["invalid/bad-retention-period.yaml", 1, ["spec.maxRetentionPeriod"]],
    [
      "invalid/unknown-field.yaml",
      1,
      // Unknown fields come sorted by path, as the API server lists them.
      ["spec.sessions[0].backupTimout", "spec.sessions[0].scheduler.timeZone"],
    ],
    ["invalid/bad-backend-reference.yaml", 1, ["spec.sessions[0].repositories[0].backend"]],
    ["invalid/missing-retention-policy.yaml", 1, ["spec.backends[0].retentionPolicy"]],
    ["invalid/list-with-bad-item.yaml", 1, ["spec.invoker"]],
    ["invalid/yaml-syntax-error.yaml", 1, [""]],
  ])("%s → exit %i, errors at %j", async (name, exitCode, paths) => {
    const run = await runKssInProcess(["validate", "-f", fixture(name), "--output", "json"]);

    expect(run.exitCode).toBe(exitCode);
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result.valid).toBe(exitCode === 0);
    expect(result.objects.flatMap((o) => o.errors.map((e) => e.path))).toEqual(paths);
  });
});

describe("kss usage and input errors exit 2", () => {
  it.each([
    [
      "a missing file",
      ["validate", "-f", "no-such-file.yaml"],
      "kss: cannot read no-such-file.yaml: no such file\n",
    ],
    ["a directory", ["validate", "-f", "test"], "kss: cannot read test: it is a directory, not a file\n"],
    ["empty stdin", ["validate", "-f", "-"], "kss: stdin holds no objects\n"],
    [
      "an unknown output format",
      ["validate", "-f", "x.yaml", "-o", "xml"],
      "error: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, json.\n(run kss --help for usage)\n",
    ],
    [
      "an unknown command",
      ["frobnicate"],
      "error: unknown command 'frobnicate'\n(run kss --help for usage)\n",
    ],
  ])("%s", async (_case, args, stderr) => {
    expect(await runKssInProcess(args)).toEqual({ exitCode: 2, stdout: "", stderr });
  });

  it("a stdin that fails to read is an input error", async () => {
    const context = { ...capturedContext(), readStdin: () => Promise.reject(new Error("EIO: i/o error")) };
    const program = buildProgram(context, () => {});

    await expect(program.parseAsync(["validate", "-f", "-"], { from: "user" })).rejects.toMatchObject({
      message: "cannot read stdin: EIO: i/o error",
      exitCode: 2,
      cause: expect.any(Error),
    });
  });
});

describe("kss help", () => {
  it("no command prints the help on stderr", async () => {
    const run = await runKssInProcess([]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("Usage: kss [options] [command]");
  });

  it("--help prints the help on stdout and exits 0", async () => {
    const run = await runKssInProcess(["validate", "--help"]);

    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("Usage: kss validate [options]");
    expect(run.stdout).toContain(
      "Exit status: 0 all objects valid, 1 some object invalid, 2 unreadable input.",
    );
  });
});

describe("commands are plug-ins", () => {
  it("a command in a group (`kss retention plan`) gets its options and sets the exit code", async () => {
    // Prepare: a fake command registered under a group, as `retention plan` will be.
    const seen: Array<Record<string, unknown>> = [];
    const planCommand: CliCommand = {
      path: ["retention", "plan"],
      summary: "show what retention would prune",
      configure: (command: Command) => {
        command.requiredOption("-n, --namespace <namespace>");
      },
      run: async ({ options }, context) => {
        seen.push(options);
        context.writeOut("planned\n");
        return 1;
      },
    };
    const context = capturedContext();
    let exitCode: number | undefined;
    const program = buildProgram(
      context,
      (code) => {
        exitCode = code;
      },
      [planCommand],
    );

    // Act
    await program.parseAsync(["retention", "plan", "-n", "demo"], { from: "user" });

    // Assess
    expect(seen).toEqual([{ namespace: "demo" }]);
    expect(exitCode).toBe(1);
    expect(context.stdout()).toBe("planned\n");
    expect(program.commands.map((c) => c.name())).toEqual(["retention"]);
  });
});
