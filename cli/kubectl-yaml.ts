import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  type Scalar,
  type YAMLMap,
} from "yaml";

/**
 * The value of a YAML document as kubectl sends it to the API server (docs/validation.md#yaml-as-kubectl-reads-it). kubectl reads
 * YAML through sigs.k8s.io/yaml, which decodes with go-yaml v2 (YAML 1.1) and converts the result to JSON:
 * - plain scalars resolve as go-yaml v2 resolves them: `y`/`yes`/`on`/`n`/`no`/`off` (any of their three
 *   spellings) are booleans, `~`, `null` and an empty value are null, `1_000`, `0x1F`, `0o17`, `0b101` and
 *   `010` (octal) are integers, `1e3` and `.5` are floats, timestamps stay the text they were written as;
 * - merge keys `<<` merge a mapping (or a sequence of them, earlier ones winning) into theirs, in go-yaml v2's
 *   order: keys written after the merge override it, keys before it are overridden by it;
 * - `!!binary` is decoded (base64) to the string of its bytes; `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`
 *   force a type; other tags leave the scalar a string;
 * - mapping keys become strings: `y: 1` is the key "true", `1: x` the key "1";
 * - a duplicate key keeps its last value;
 * - integers keep their exact value: a bigint where a JS number would round (above 2^53).
 * What kubectl refuses (a NaN or infinite float, a mapping or null as a key, more than 10000 levels of
 * nesting, aliases that expand without bound) throws a KubectlYamlError naming the line.
 * Objects are plain objects; a key named `__proto__` is an own property like any other.
 */

export class KubectlYamlError extends Error {
  override readonly name = "KubectlYamlError";
  /** Offset in the source text of the node at fault, when known. */
  readonly offset: number | undefined;
  constructor(message: string, node?: Node | Pair | null) {
    super(message);
    this.offset = node && "range" in node ? node.range?.[0] : undefined;
  }
}

/** Deeper than this, kubectl's JSON step refuses the document ("exceeded max depth"). */
export const MAX_DEPTH = 10_000;
/** Nodes one document may expand to through aliases before it counts as an alias bomb. */
const MAX_EXPANDED_NODES = 2_000_000;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const TAG = "tag:yaml.org,2002:";
const BOOLS: ReadonlyMap<string, boolean> = new Map([
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true] as const),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map(
    (s) => [s, false] as const,
  ),
]);
const NULLS: ReadonlySet<string> = new Set(["", "~", "null", "Null", "NULL"]);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...[".nan", ".NaN", ".NAN"].map((s) => [s, Number.NaN] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);
/** go-yaml v2's `yamlStyleFloat`. */
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's strconv.ParseFloat accepts for a value starting with "." (go-yaml tries it on those). */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;

type Resolved =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; value: bigint }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "merge" };

/** Go's strconv.ParseInt/ParseUint with base 0 (after go-yaml removed underscores): sign, 0x/0o/0b/0 prefix. */
function parseGoInteger(text: string): bigint | undefined {
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign = "", digits = ""] = match;
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]+$/.test(digits)) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits);
  const value = sign === "-" ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint: no sign at all, up to 2^64-1.
  return sign === "" && value <= UINT64_MAX ? value : undefined;
}

/** A plain scalar as go-yaml v2 resolves it without a tag. */
function resolvePlain(text: string): Resolved {
  if (NULLS.has(text)) return { kind: "null" };
  if (text === "<<") return { kind: "merge" };
  const first = text[0] ?? "";
  if (BOOLS.has(text)) return { kind: "bool", value: BOOLS.get(text) === true };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: "float", value: special };
  if (first === ".") {
    return DOT_FLOAT.test(text) ? { kind: "float", value: Number(text) } : { kind: "string", value: text };
  }
  if (/[-+0-9]/.test(first)) {
    // Timestamps (2026-01-01, 2026-01-01T10:00:00Z) resolve as such but reach JSON as the text written.
    const plain = text.replaceAll("_", "");
    const integer = parseGoInteger(plain);
    if (integer !== undefined) return { kind: "int", value: integer };
    if (YAML_FLOAT.test(plain)) {
      const value = Number(plain);
      // strconv.ParseFloat fails out of range; go-yaml then keeps the text.
      if (Number.isFinite(value)) return { kind: "float", value };
    }
  }
  return { kind: "string", value: text };
}

/** base64 as Go's StdEncoding decodes it (newlines ignored), bytes read as UTF-8 the way JSON encoding does. */
function decodeBinary(text: string, node: Scalar): string {
  const compact = text.replace(/[\r\n]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new KubectlYamlError(`cannot decode !!binary: illegal base64 data`, node);
  }
  return new TextDecoder("utf-8").decode(Buffer.from(compact, "base64"));
}

function resolveScalar(node: Scalar): Resolved {
  const text = String(node.value ?? "");
  const plain = node.type === "PLAIN" || node.type === undefined;
  const tag = node.tag;
  if (tag === undefined || tag === "!") return plain && tag === undefined ? resolvePlain(text) : str(text);
  if (!tag.startsWith(TAG)) return str(text); // a tag go-yaml does not know: the scalar stays a string
  const name = tag.slice(TAG.length);
  const resolved = resolvePlain(text);
  const wrong = () => new KubectlYamlError(`cannot decode !!str \`${text}\` as a !!${name}`, node);
  switch (name) {
    case "str":
    case "timestamp":
      return str(text);
    case "binary":
      return str(decodeBinary(text, node));
    case "int":
      if (resolved.kind !== "int") throw wrong();
      return resolved;
    case "float":
      if (resolved.kind === "int") return { kind: "float", value: Number(resolved.value) };
      if (resolved.kind !== "float") throw wrong();
      return resolved;
    case "bool":
      if (resolved.kind !== "bool") throw wrong();
      return resolved;
    case "null":
      if (resolved.kind !== "null") throw wrong();
      return resolved;
    case "merge":
      return { kind: "merge" };
    default:
      return str(text);
  }
}

function str(value: string): Resolved {
  return { kind: "string", value };
}

/** A JSON number as the API server will read it back: a JS number when exact, else a bigint. */
function integerValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Go's strconv.FormatFloat(f, 'g', -1, 32), which sigs.k8s.io/yaml uses for float keys. */
function float32Key(value: number): string {
  if (Number.isNaN(value)) return ".nan";
  if (value === Number.POSITIVE_INFINITY) return ".inf";
  if (value === Number.NEGATIVE_INFINITY) return "-.inf";
  const f = Math.fround(value);
  // The shortest decimal that reads back as the same float32.
  let digits = 1;
  let text = f.toPrecision(digits);
  while (Math.fround(Number(text)) !== f && digits < 9) text = f.toPrecision(++digits);
  const [mantissa = "", exponentText] = Number(text).toExponential().split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 21) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(Number(text));
}

function keyString(key: unknown, doc: Document.Parsed, pair: Pair): string | "<<" {
  if (key === null || key === undefined) throw new KubectlYamlError("unsupported map key: null", pair);
  const node = isAlias(key) ? key.resolve(doc) : key;
  if (!isScalar(node)) throw new KubectlYamlError("unsupported map key: a mapping or sequence", pair);
  const resolved = resolveScalar(node);
  switch (resolved.kind) {
    case "merge":
      return "<<";
    case "string":
      return resolved.value;
    case "bool":
      return resolved.value ? "true" : "false";
    case "int":
      if (resolved.value > INT64_MAX) throw new KubectlYamlError("unsupported map key of type uint64", pair);
      return resolved.value.toString();
    case "float":
      return float32Key(resolved.value);
    case "null":
      throw new KubectlYamlError("unsupported map key: null", pair);
  }
}

export type KubeValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | KubeValue[]
  | { [key: string]: KubeValue };

/** Sets an own property, also for the key `__proto__` (which plain assignment would take as the prototype). */
export function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

class Converter {
  private expanded = 0;
  private readonly targets = new Map<Alias, Node | undefined>();
  constructor(private readonly doc: Document.Parsed) {}

  /** The node an alias names (resolving walks the document, so each alias is resolved once). */
  resolve(alias: Alias): Node | undefined {
    if (!this.targets.has(alias)) this.targets.set(alias, alias.resolve(this.doc) as Node | undefined);
    return this.targets.get(alias);
  }

  value(node: unknown, depth: number): KubeValue {
    if (depth > MAX_DEPTH) {
      throw new KubectlYamlError(
        `nested more than ${MAX_DEPTH} levels deep (kubectl refuses that: "exceeded max depth")`,
        node as Node,
      );
    }
    if (++this.expanded > MAX_EXPANDED_NODES) {
      throw new KubectlYamlError("document contains excessive aliasing", node as Node);
    }
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = this.resolve(node);
      if (target === undefined) throw new KubectlYamlError(`Unresolved alias *${node.source}`, node);
      return this.value(target, depth);
    }
    if (isScalar(node)) return this.scalar(node);
    if (isSeq(node)) return node.items.map((item) => this.value(item, depth + 1));
    if (isMap(node)) {
      const out: Record<string, KubeValue> = {};
      this.mapInto(node, out, depth);
      return out;
    }
    throw new KubectlYamlError("unsupported YAML node", node as Node);
  }

  private scalar(node: Scalar): KubeValue {
    const resolved = resolveScalar(node);
    switch (resolved.kind) {
      case "null":
        return null;
      case "bool":
      case "string":
        return resolved.value;
      case "int":
        return integerValue(resolved.value);
      case "float":
        if (!Number.isFinite(resolved.value)) {
          throw new KubectlYamlError(`json: unsupported value: ${node.source ?? resolved.value}`, node);
        }
        return resolved.value;
      case "merge":
        return "<<";
    }
  }

  private mapInto(node: YAMLMap, out: Record<string, KubeValue>, depth: number): void {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyString(pair.key, this.doc, pair);
      const isMerge = key === "<<" && isScalar(pair.key) && resolveScalar(pair.key).kind === "merge";
      if (isMerge) this.merge(pair.value, out, depth, pair);
      else setOwn(out, key, this.value(pair.value, depth + 1));
    }
  }

  private mergeSource(node: unknown, pair: Pair): YAMLMap {
    const target = isAlias(node) ? this.resolve(node) : node;
    if (!isMap(target)) {
      throw new KubectlYamlError("map merge requires map or sequence of maps as the value", pair);
    }
    return target;
  }

  private merge(value: unknown, out: Record<string, KubeValue>, depth: number, pair: Pair): void {
    const target = isAlias(value) ? this.resolve(value) : value;
    if (isSeq(target)) {
      // go-yaml v2 steps backwards: earlier mappings take precedence.
      for (const item of [...target.items].reverse()) this.mapInto(this.mergeSource(item, pair), out, depth);
      return;
    }
    this.mapInto(this.mergeSource(target, pair), out, depth);
  }
}

/** The document's value as kubectl would send it (see above). Throws KubectlYamlError. */
export function kubectlValueOf(doc: Document.Parsed): KubeValue {
  return new Converter(doc).value(doc.contents, 0);
}
