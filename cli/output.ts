import { Option } from "commander";
import { z } from "zod";

/**
 * Output shared by every `kss` command: a table (or lines) for people, `--output json` for programs.
 * A command builds one result value, then renders it with {@link renderJson} or its own table rows.
 */

export const OutputFormat = z.enum(["table", "json"]);
export type OutputFormat = z.infer<typeof OutputFormat>;

/** The `-o, --output <format>` option every command offers, defaulting to table. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices(OutputFormat.options).default("table");
}

/** Pretty JSON with a final newline; `undefined` fields are left out. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export interface TableOptions {
  /** Column headings, printed first when given. */
  header?: readonly string[];
  /** Spaces between columns (default 2). */
  gap?: number;
}

/**
 * Rows as aligned columns: each column as wide as its widest cell, the last column not padded, every line
 * ending in a newline. Cells are used as given (no truncation), so names stay copyable.
 */
export function renderTable(rows: ReadonlyArray<readonly string[]>, options: TableOptions = {}): string {
  const all = options.header === undefined ? rows : [options.header, ...rows];
  const gap = " ".repeat(options.gap ?? 2);
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join(gap)
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** Lines under a heading, indented by two spaces, each ending in a newline. */
export function renderIndented(lines: readonly string[], indent = "  "): string {
  return lines.map((line) => `${indent}${line}\n`).join("");
}
