import type { Command } from "commander";
import { z } from "zod";
import { type ManifestReport, validateManifests } from "../../shared/decide/validate-manifests.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { type ManifestEntry, type ManifestLocation, parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderIndented, renderJson } from "../output.ts";

/**
 * `kss validate -f <file|->`: checks KubeStash manifests before they reach a cluster. Every object gets a
 * line (OK/ERR) and every problem its field path; `--output json` prints `{ valid, objects }`.
 * Exit 0 when all objects are valid, 1 when any is invalid (YAML syntax errors included), 2 when the
 * input cannot be read or holds no object.
 */

const ValidateOptions = z.object({ file: z.string().min(1), output: OutputFormat });

/** A report of validate-manifests, placed in the file; `index` counts the file's entries from 0. */
export interface ValidatedObject extends ManifestReport, ManifestLocation {}

export interface ValidationResult {
  valid: boolean;
  objects: ValidatedObject[];
}

/** Validates the entries of a manifest file together; a document with a syntax error is an invalid entry. */
export function validateManifestEntries(entries: readonly ManifestEntry[]): ValidationResult {
  const parsedEntries = entries.filter((entry) => "object" in entry);
  const reports = validateManifests(parsedEntries.map((entry) => entry.object));
  let nextReport = 0;
  const objects = entries.map((entry, index): ValidatedObject => {
    if ("syntaxError" in entry) {
      return { index, ...entry.location, valid: false, errors: [{ path: "", message: entry.syntaxError }] };
    }
    const report = reports[nextReport++];
    if (report === undefined) throw new Error(`no report for entry ${index}`);
    const { index: _indexAmongObjects, ...rest } = report;
    return { index, ...entry.location, ...rest };
  });
  return { valid: objects.every((o) => o.valid), objects };
}

function isUnidentified(object: ValidatedObject): boolean {
  return object.kind === undefined && object.name === undefined;
}

/** `Kind ns/name`, or `document N` for an entry without kind and name (a YAML syntax error, a scalar). */
function describeObject(object: ValidatedObject): string {
  if (isUnidentified(object)) return `document ${object.document}`;
  const name = object.name ?? "(no name)";
  return `${object.kind ?? "(no kind)"} ${object.namespace === undefined ? name : `${object.namespace}/${name}`}`;
}

/** `document 2, item 1, line 14`, without the document where describeObject named it already. */
function describeLocation(object: ValidatedObject): string {
  const parts = [
    ...(isUnidentified(object) ? [] : [`document ${object.document}`]),
    ...(object.item === undefined ? [] : [`item ${object.item}`]),
    `line ${object.line}`,
  ];
  return parts.join(", ");
}

/** `OK  Kind ns/name`, or `ERR Kind ns/name (document 2, line 14)` and one indented line per problem. */
export function renderValidationTable(result: ValidationResult): string {
  const lines = result.objects.map((object) => {
    if (object.valid) return `OK  ${describeObject(object)}\n`;
    const problems = object.errors.map((e) => (e.path === "" ? e.message : `${e.path}: ${e.message}`));
    return `ERR ${describeObject(object)} (${describeLocation(object)})\n${renderIndented(problems)}`;
  });
  const invalid = result.objects.filter((o) => !o.valid).length;
  const total = result.objects.length;
  const summary = `${total} ${total === 1 ? "object" : "objects"}: ${total - invalid} valid, ${invalid} invalid\n`;
  return `${lines.join("")}\n${summary}`;
}

export const validateCommand: CliCommand = {
  path: ["validate"],
  summary: "check KubeStash manifests (schema, unknown fields, cron, references) before applying them",
  configure(command: Command): void {
    command
      .requiredOption(
        "-f, --file <file>",
        "manifest file (YAML or JSON, multi-document or List); - for stdin",
      )
      .addOption(outputOption())
      .addHelpText("after", "\nExit status: 0 all objects valid, 1 some object invalid, 2 unreadable input.");
  },
  async run({ options }, context) {
    const parsed = ValidateOptions.safeParse(options);
    if (!parsed.success) throw new CliError(`invalid options: ${z.prettifyError(parsed.error)}`);
    const { file, output } = parsed.data;
    const input = await readInputText(file, context);
    const entries = parseManifestText(input.text);
    if (entries.length === 0) throw new InputError(`${input.name} holds no objects`);
    const result = validateManifestEntries(entries);
    context.writeOut(output === "json" ? renderJson(result) : renderValidationTable(result));
    return result.valid ? ExitCode.Ok : ExitCode.Invalid;
  },
};
