import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { outputOption, renderIndented, renderJson, renderTable } from "../../../cli/output.ts";

describe("renderTable", () => {
  it.each<[string, string[][], Parameters<typeof renderTable>[1], string]>([
    ["no rows", [], {}, ""],
    [
      "columns as wide as their widest cell, the last one unpadded",
      [
        ["demo", "sample-backup", "*/5 * * * *"],
        ["production", "db", "@daily"],
      ],
      {},
      "demo        sample-backup  */5 * * * *\nproduction  db             @daily\n",
    ],
    [
      "a header first, and a custom gap",
      [["demo", "daily"]],
      { header: ["NAMESPACE", "SESSION"], gap: 1 },
      "NAMESPACE SESSION\ndemo      daily\n",
    ],
    ["trailing spaces trimmed when the last cell is empty", [["a", ""]], {}, "a\n"],
  ])("%s", (_case, rows, options, expected) => {
    expect(renderTable(rows, options)).toBe(expected);
  });
});

describe("renderJson and renderIndented", () => {
  it("pretty-prints JSON with a final newline and leaves undefined fields out", () => {
    expect(renderJson({ valid: true, name: undefined })).toBe('{\n  "valid": true\n}\n');
  });

  it("indents each line by two spaces", () => {
    expect(renderIndented(["a: one", "b: two"])).toBe("  a: one\n  b: two\n");
  });
});

describe("outputOption", () => {
  it.each([
    [[], "table"],
    [["-o", "json"], "json"],
    [["--output", "table"], "table"],
  ])("%j → %s", (args, format) => {
    const command = new Command().addOption(outputOption()).exitOverride();

    command.parse(args, { from: "user" });

    expect(command.opts().output).toBe(format);
  });
});
