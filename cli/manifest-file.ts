import { type Document, isMap, isNode, isSeq, LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import { InputError } from "./context.ts";
import { KubectlYamlError, kubectlValueOf } from "./kubectl-yaml.ts";

/**
 * Splits the text of a manifest file into the objects it holds, each with where it came from, the way
 * `kubectl apply -f` reads a file: YAML 1.1 as go-yaml v2 reads it (kubectl-yaml.ts: `yes` is true, `1_000`
 * an integer, merge keys, `!!binary`, exact int64) with `---` between documents (JSON is YAML too), empty
 * documents skipped, and a `List` (`kind: List` or any `*List` kind with `items`) unpacked into its items.
 * A document with a YAML syntax error, or one kubectl would refuse to convert to JSON, yields that error
 * instead of an object; the other documents still count.
 */

/** Where an object starts in the file: document number and line (1-based), and its place in a List's items. */
export interface ManifestLocation {
  document: number;
  line: number;
  /** Index in the List's `items` (0-based), when the object came from a List. */
  item?: number;
}

export type ManifestEntry =
  | { location: ManifestLocation; object: unknown }
  | { location: ManifestLocation; syntaxError: string };

function isListObject(value: unknown): value is { kind: string; items: unknown[] } {
  if (typeof value !== "object" || value === null) return false;
  const { kind, items } = value as { kind?: unknown; items?: unknown };
  return typeof kind === "string" && kind.endsWith("List") && Array.isArray(items);
}

// The commonest KubeStash YAML slip: an unquoted cron schedule (every 5 minutes, "*/5 ...") reads as an alias.
const ALIAS_HINT = '; a value starting with "*" must be quoted, e.g. schedule: "*/5 * * * *"';

function aliasHint(message: string): string {
  return /alias/i.test(message) ? ALIAS_HINT : "";
}

/** "YAML syntax error at line 3, column 15: Unexpected alias at node end" (the first error of a document). */
function describeSyntaxError(errors: readonly YAMLError[]): string {
  const first = errors[0];
  const headline = (first?.message.split("\n")[0] ?? "invalid YAML").replace(
    / at line \d+, column \d+:?$/,
    "",
  );
  const at = first?.linePos?.[0];
  const more = errors.length > 1 ? ` (${errors.length - 1} more in this document)` : "";
  const where = at ? ` at line ${at.line}, column ${at.col}` : "";
  return `YAML syntax error${where}: ${headline}${aliasHint(headline)}${more}`;
}

/** Line of each item of the document's `items` sequence, falling back to the document's line. */
function itemLines(doc: Document.Parsed, lineCounter: LineCounter, documentLine: number): number[] {
  const contents = doc.contents;
  const items = isMap(contents) ? contents.get("items", true) : undefined;
  if (!isSeq(items)) return [];
  return items.items.map((node) => {
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? documentLine : lineCounter.linePos(offset).line;
  });
}

/**
 * Nesting deeper than the YAML parser's stack allows (about 900 levels; kubectl reads up to 10000) is a read
 * error, never a stack trace.
 */
function tooDeep(line: number): InputError {
  return new InputError(
    `the document at line ${line} is nested too deeply for kss to read (more than about 900 levels)`,
  );
}

const STACK_OVERFLOW = /maximum call stack size exceeded/i;

/** "YAML error at line 7: unsupported map key: null", or the line of the document when the node has none. */
function conversionError(error: unknown, lineCounter: LineCounter, documentLine: number): string {
  if (error instanceof KubectlYamlError) {
    const at = error.offset === undefined ? documentLine : lineCounter.linePos(error.offset).line;
    return `YAML error at line ${at}: ${error.message}${aliasHint(error.message)}`;
  }
  if (error instanceof RangeError) throw tooDeep(documentLine);
  throw error;
}

function entriesOfDocument(doc: Document.Parsed, number: number, lineCounter: LineCounter): ManifestEntry[] {
  const start = doc.contents?.range?.[0] ?? doc.range[0];
  const line = lineCounter.linePos(start).line;
  if (doc.errors.some((e) => STACK_OVERFLOW.test(e.message))) throw tooDeep(line);
  if (doc.errors.length > 0)
    return [{ location: { document: number, line }, syntaxError: describeSyntaxError(doc.errors) }];
  let value: unknown;
  try {
    value = kubectlValueOf(doc);
  } catch (error) {
    return [{ location: { document: number, line }, syntaxError: conversionError(error, lineCounter, line) }];
  }
  if (value === null || value === undefined) return [];
  if (!isListObject(value)) return [{ location: { document: number, line }, object: value }];
  const lines = itemLines(doc, lineCounter, line);
  return value.items.map((object, item) => ({
    location: { document: number, line: lines[item] ?? line, item },
    object,
  }));
}

export function parseManifestText(text: string): ManifestEntry[] {
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    // Scalars stay text here (failsafe): kubectl-yaml.ts resolves them as go-yaml v2 does.
    docs = parseAllDocuments(text, {
      lineCounter,
      version: "1.1",
      schema: "failsafe",
      merge: false,
      uniqueKeys: false,
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw tooDeep(1);
  }
  if (!Array.isArray(docs)) return [];
  return docs.flatMap((doc, index) => entriesOfDocument(doc as Document.Parsed, index + 1, lineCounter));
}
