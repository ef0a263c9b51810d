import type { Command } from "commander";
import { z } from "zod";
import {
  type ManifestReport,
  SEMANTIC_PREFIX,
  validateManifests,
} from "../../shared/decide/manifests/validate-manifests.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode, InputError } from "../context.ts";
import { readInputText } from "../input.ts";
import { type ManifestEntry, type ManifestLocation, parseManifestText } from "../manifest-file.ts";
import { OutputFormat, outputOption, renderIndented, renderJson } from "../output.ts";

/**
 * `kss validate -f <file|->`: checks KubeStash manifests before they reach a cluster, as the API server
 * would judge them (the CRDs of infra/crds/, metadata rules, YAML read as kubectl reads it) and by the rules
 * KubeStash applies beyond them (docs/validation.md). Every object gets a line (OK/ERR, or `--` for a kind
 * outside KubeStash's API groups, which kss does not judge) and every problem
 * its field path, a semantic one saying that only KubeStash would refuse it; `--output json` prints
 * `{ valid, objects }`, each error with `kind: "schema" | "semantic"`.
 * Exit 0 when all objects are valid, 1 when any is invalid (YAML syntax errors included), 2 when the
 * input cannot be read (nested too deeply, too large) or holds no object. Never a stack trace.
 */

/** Larger than this, the file is not read (the API server takes at most 3 MiB per object anyway). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

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
  let reports: ManifestReport[];
  try {
    reports = validateManifests(parsedEntries.map((entry) => entry.object));
  } catch (error) {
    if (error instanceof RangeError) throw new InputError("an object is nested too deeply for kss to judge");
    throw error;
  }
  let nextReport = 0;
  const objects = entries.map((entry, index): ValidatedObject => {
    if ("syntaxError" in entry) {
      const errors = [{ path: "", message: entry.syntaxError, kind: "schema" as const }];
      return { index, ...entry.location, valid: false, checked: true, errors };
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
    if (!object.checked)
      return `--  ${describeObject(object)}: not checked (not a KubeStash kind; the API server judges it)\n`;
    if (object.valid) return `OK  ${describeObject(object)}\n`;
    // A semantic error's message says so itself ("the API server would accept this; KubeStash would not …").
    const problems = object.errors.map((e) => (e.path === "" ? e.message : `${e.path}: ${e.message}`));
    return `ERR ${describeObject(object)} (${describeLocation(object)})\n${renderIndented(problems)}`;
  });
  const invalid = result.objects.filter((o) => !o.valid).length;
  const unchecked = result.objects.filter((o) => !o.checked).length;
  const total = result.objects.length;
  const counts = `${total - invalid - unchecked} valid, ${invalid} invalid${unchecked > 0 ? `, ${unchecked} not checked` : ""}`;
  const summary = `${total} ${total === 1 ? "object" : "objects"}: ${counts}\n`;
  return `${lines.join("")}\n${summary}`;
}

/** A read error (exit 2) for a file too large to judge. */
export function checkInputSize(name: string, text: string): void {
  if (text.length > MAX_INPUT_BYTES) {
    const mib = (text.length / 1024 / 1024).toFixed(0);
    throw new InputError(`${name} is too large to validate (${mib} MiB; kss reads at most 64 MiB)`);
  }
}

export const validateCommand: CliCommand = {
  path: ["validate"],
  summary: "check KubeStash manifests as the API server and KubeStash would (schema, metadata, cron, …)",
  configure(command: Command): void {
    command
      .requiredOption(
        "-f, --file <file>",
        "manifest file (YAML or JSON, multi-document or List); - for stdin",
      )
      .addOption(outputOption())
      .addHelpText(
        "after",
        `\nEach error is the API server's (schema: CRD schema, metadata, unknown fields) or KubeStash's
(semantic: "${SEMANTIC_PREFIX}…").
Exit status: 0 all objects valid, 1 some object invalid, 2 unreadable input.`,
      );
  },
  async run({ options }, context) {
    const parsed = ValidateOptions.safeParse(options);
    if (!parsed.success) throw new CliError(`invalid options: ${z.prettifyError(parsed.error)}`);
    const { file, output } = parsed.data;
    const input = await readInputText(file, context);
    checkInputSize(input.name, input.text);
    const entries = parseManifestText(input.text);
    if (entries.length === 0) throw new InputError(`${input.name} holds no objects`);
    const result = validateManifestEntries(entries);
    context.writeOut(output === "json" ? renderJson(result) : renderValidationTable(result));
    return result.valid ? ExitCode.Ok : ExitCode.Invalid;
  },
};
