import { describe, expect, it } from "vitest";
import type { CliCommand, LazyCliCommand } from "../../../cli/command.ts";
import { COMMANDS } from "../../../cli/commands/index.ts";
import { buildProgram } from "../../../cli/main.ts";
import { capturedContext, runKssInProcess } from "../../support/kss.ts";

/** cli/commands/index.ts lists every command lazily; each is loaded only when it runs or shows its help. */

describe("cli/commands/index.ts", () => {
  it.each(COMMANDS.map((entry) => [entry.path.join(" "), entry]))(
    "`kss %s`: the entry's path and summary are the loaded command's own",
    async (_name, entry) => {
      const command = await entry.load();

      expect(command.path).toEqual(entry.path);
      // When this fails, copy the command's new summary into its entry in cli/commands/index.ts.
      expect(entry.summary).toBe(command.summary);
    },
  );

  it("`kss --help` lists every command in the order of the index, with its summary", async () => {
    const run = await runKssInProcess(["--help"]);

    expect(run.exitCode).toBe(0);
    const topLevel = [...new Set(COMMANDS.map((entry) => entry.path[0]))];
    const listed = [...run.stdout.matchAll(/^ {2}([a-z]+)\s/gm)].map((m) => m[1]);
    expect(listed).toEqual([...topLevel, "help"]);
    for (const entry of COMMANDS.filter((e) => e.path.length === 1)) {
      const firstWords = entry.summary.split(" ").slice(0, 3).join(" ");
      expect(run.stdout).toContain(firstWords);
    }
  });
});

/** A fake command and a lazy entry for it that counts its loads. */
function countedLazyCommand(): { entry: LazyCliCommand; loads: () => number; runs: string[] } {
  let loads = 0;
  const runs: string[] = [];
  const command: CliCommand = {
    path: ["report", "now"],
    summary: "report now",
    configure: (c) => {
      c.requiredOption("--cluster <id>", "the cluster").addHelpText("after", "\nLoaded help text.");
    },
    run: async ({ options }, context) => {
      runs.push(String(options.cluster));
      context.writeOut("reported\n");
      return 0;
    },
  };
  const entry: LazyCliCommand = {
    path: command.path,
    summary: command.summary,
    load: async () => {
      loads++;
      return command;
    },
  };
  return { entry, loads: () => loads, runs };
}

describe("a lazy command", () => {
  it("is not loaded by the top-level help or by another command", async () => {
    const { entry, loads } = countedLazyCommand();
    const other = countedLazyCommand();
    const otherEntry: LazyCliCommand = { ...other.entry, path: ["other"] };
    const context = capturedContext();
    const program = buildProgram(context, () => {}, [entry, otherEntry]);

    await expect(program.parseAsync(["--help"], { from: "user" })).rejects.toMatchObject({ exitCode: 0 });
    expect(context.stdout()).toContain("report");
    expect(loads()).toBe(0);

    const second = buildProgram(capturedContext(), () => {}, [entry, otherEntry]);
    await second.parseAsync(["other", "--cluster", "c1"], { from: "user" });
    expect(loads()).toBe(0);
    expect(other.runs).toEqual(["c1"]);
  });

  it("is loaded once when it runs, with its options and action", async () => {
    const { entry, loads, runs } = countedLazyCommand();
    const context = capturedContext();
    let exitCode: number | undefined;
    const program = buildProgram(
      context,
      (code) => {
        exitCode = code;
      },
      [entry],
    );

    await program.parseAsync(["report", "now", "--cluster", "c1"], { from: "user" });

    expect(loads()).toBe(1);
    expect(runs).toEqual(["c1"]);
    expect(exitCode).toBe(0);
    expect(context.stdout()).toBe("reported\n");
  });

  it("is loaded for its own help, which shows its options (also as `kss help report now`)", async () => {
    for (const args of [
      ["report", "now", "--help"],
      ["help", "report", "now"],
      ["report", "help", "now"],
    ]) {
      const { entry, loads } = countedLazyCommand();
      const context = capturedContext();
      const program = buildProgram(context, () => {}, [entry]);
      const { commandWords } = await import("../../../cli/main.ts");

      await expect(program.parseAsync(commandWords(program, args), { from: "user" })).rejects.toMatchObject({
        exitCode: 0,
      });

      expect(loads()).toBe(1);
      expect(context.stdout()).toContain("Usage: kss report now [options]");
      expect(context.stdout()).toContain("--cluster <id>");
      expect(context.stdout()).toContain("Loaded help text.");
    }
  });

  it("a command that fails to load fails the parse with the loader's error (runCli: exit 2)", async () => {
    const broken: LazyCliCommand = {
      path: ["broken"],
      summary: "cannot load",
      load: () => Promise.reject(new Error("Cannot find module './broken.ts'")),
    };
    const context = capturedContext();
    const program = buildProgram(context, () => {}, [broken]);

    await expect(program.parseAsync(["broken"], { from: "user" })).rejects.toThrow(
      "Cannot find module './broken.ts'",
    );
  });
});
