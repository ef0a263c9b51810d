import { describe, expect, it } from "vitest";
import { buildProgram, commandWords } from "../../../cli/main.ts";
import { capturedContext, runKssInProcess } from "../../support/kss.ts";

/**
 * Issue 17: `kss migrate --help` style for a command that does not exist printed the top-level help and
 * exited 0 (commander looks at the help flag first). An unknown command is an error, exit 2, however asked.
 */

const HINT = "(run kss --help for usage)\n";

describe("an unknown command is an error (exit 2) with or without --help", () => {
  it.each([
    [["nosuch"], "nosuch"],
    [["nosuch", "--help"], "nosuch"],
    [["nosuch", "-h"], "nosuch"],
    [["--help", "nosuch"], "nosuch"],
    [["help", "nosuch"], "nosuch"],
    [["nosuch", "--cluster", "c1", "--help"], "nosuch"],
  ])("kss %j", async (args, word) => {
    const run = await runKssInProcess(args);

    expect(run).toEqual({ exitCode: 2, stdout: "", stderr: `error: unknown command '${word}'\n${HINT}` });
  });

  it("a misspelt command gets commander's suggestion, with --help too", async () => {
    const run = await runKssInProcess(["migrat", "--help"]);

    expect(run).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: `error: unknown command 'migrat'\n(Did you mean migrate?)\n${HINT}`,
    });
  });

  it("an unknown command in a group (`kss retention nosuch --help`) is an error of that group", async () => {
    const run = await runKssInProcess(["retention", "nosuch", "--help"]);

    expect(run).toEqual({ exitCode: 2, stdout: "", stderr: `error: unknown command 'nosuch'\n${HINT}` });
  });
});

describe("known commands keep their help", () => {
  it.each([
    [["--help"], "Usage: kss [options] [command]"],
    [["help"], "Usage: kss [options] [command]"],
    [["migrate", "--help"], "Usage: kss migrate [options]"],
    [["help", "migrate"], "Usage: kss migrate [options]"],
    [["schedule", "--help"], "Usage: kss schedule [options] [command]"],
    [["schedule", "help", "next"], "Usage: kss schedule next [options]"],
    [["help", "retention", "plan"], "Usage: kss retention plan [options]"],
  ])("kss %j prints its help on stdout, exit 0", async (args, usage) => {
    const run = await runKssInProcess(args);

    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout.split("\n")[0]).toBe(usage);
  });

  it("`kss help migrate` is `kss migrate --help`, options included", async () => {
    const viaHelp = await runKssInProcess(["help", "migrate"]);
    const viaFlag = await runKssInProcess(["migrate", "--help"]);

    expect(viaHelp).toEqual(viaFlag);
    expect(viaFlag.stdout).toContain("--cluster <id>");
  });
});

describe("commandWords", () => {
  const program = buildProgram(capturedContext(), () => {});

  it.each([
    [
      ["validate", "-f", "x.yaml"],
      ["validate", "-f", "x.yaml"],
    ],
    [
      ["validate", "--help"],
      ["validate", "--help"],
    ],
    // a leaf's operands and options are its own, even when they look like commands or help
    [
      ["validate", "-f", "help"],
      ["validate", "-f", "help"],
    ],
    [["nosuch", "--help"], ["nosuch"]],
    [["help", "nosuch"], ["nosuch"]],
    [["help"], ["--help"]],
    [
      ["help", "schedule", "due"],
      ["schedule", "due", "--help"],
    ],
    [
      ["schedule", "help", "due"],
      ["schedule", "due", "--help"],
    ],
    [
      ["help", "fleet", "--help"],
      ["fleet", "--help"],
    ],
    [
      ["--", "nosuch", "--help"],
      ["--", "nosuch", "--help"],
    ],
    [[], []],
  ])("%j → %j", (argv, words) => {
    expect(commandWords(program, argv)).toEqual(words);
  });
});
