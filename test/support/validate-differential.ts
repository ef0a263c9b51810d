import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { CRD_SCHEMAS, type StructuralSchema } from "../../shared/model/crd-schemas.ts";
import { runKssInProcess } from "./kss.ts";
import { PROJECT_ROOT } from "./kube.ts";
import { SAMPLES } from "./model-samples.ts";

/**
 * The differential check of `kss validate` against a real kube-apiserver with the project's CRDs
 * (docs/validation.md#the-differential-test): mutants of valid manifests (examples/ and one sample per
 * kind), each judged by `kss validate -o json` (in process, the real command) and by
 * `kubectl create --dry-run=server --validate=strict` (the API's dryRun=All with fieldValidation=Strict,
 * through kubectl's own YAML reading). Used by test/integration/validate-differential.test.ts (fixed seed)
 * and scripts/validate-differential.ts (bigger runs).
 */

type Json = unknown;
type Path = Array<string | number>;

export interface Mutant {
  /** What was done to which base, e.g. `BackupConfiguration demo-pvc-backup: set spec.sessions[0].addon = 5`. */
  description: string;
  text: string;
}

export interface Verdicts {
  mutant: Mutant;
  server: { accepted: boolean; message: string };
  kss: { exitCode: number; schema: string[]; semantic: string[]; readError?: string };
}

export type Outcome = "agree" | "miss" | "false alarm" | "semantic only";

/** miss: the server rejects, kss accepts. false alarm: kss rejects on schema grounds, the server accepts. */
export function outcomeOf(v: Verdicts): Outcome {
  const kssRejects = v.kss.exitCode !== 0;
  const schemaRejects = v.kss.schema.length > 0 || v.kss.readError !== undefined;
  if (!v.server.accepted && !kssRejects) return "miss";
  if (v.server.accepted && schemaRejects) return "false alarm";
  if (v.server.accepted && kssRejects) return "semantic only";
  return "agree";
}

// --- bases ------------------------------------------------------------------------------------------------

/**
 * Valid objects to mutate: every object of examples/ that kss validates (a KubeStash kind with a CRD; not the
 * Namespaces or the demo's PersistentVolumeClaim, which kss leaves to the API server) and one sample per kind.
 */
export function baseObjects(namespace: string): Array<Record<string, unknown>> {
  const dir = path.join(PROJECT_ROOT, "examples/demo");
  const fromExamples = readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map((d) => d.toJS()))
    .filter((o): o is Record<string, unknown> => o?.kind !== undefined && crdOf(o) !== undefined);
  const samples = Object.values(SAMPLES).map((s) => structuredClone(s) as Record<string, unknown>);
  return [...fromExamples, ...samples].map((object) => withNamespace(object, namespace));
}

function crdOf(object: Record<string, unknown>) {
  return CRD_SCHEMAS.find((c) => c.apiVersion === object.apiVersion && c.kind === object.kind);
}

function withNamespace(object: Record<string, unknown>, namespace: string): Record<string, unknown> {
  const copy = structuredClone(object);
  const metadata = { ...(copy.metadata as Record<string, unknown>) };
  if (crdOf(copy)?.namespaced) metadata.namespace = namespace;
  else delete metadata.namespace;
  copy.metadata = metadata;
  return copy;
}

// --- paths ------------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function showPath(p: Path): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** Every path of the value (objects, arrays and leaves), apiVersion and kind left out. */
function valuePaths(value: Json, at: Path = []): Path[] {
  const out: Path[] = at.length > 0 ? [at] : [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push(...valuePaths(item, [...at, i]));
    });
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (at.length === 0 && (key === "apiVersion" || key === "kind")) continue;
      out.push(...valuePaths(item, [...at, key]));
    }
  }
  return out;
}

/** Every path the schema declares (arrays at index 0), with its schema. */
function schemaPaths(schema: StructuralSchema, at: Path = [], depth = 0): Array<[Path, StructuralSchema]> {
  if (depth > 9) return [];
  const out: Array<[Path, StructuralSchema]> = at.length > 0 ? [[at, schema]] : [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (at.length === 0 && (key === "apiVersion" || key === "kind" || key === "metadata")) continue;
    out.push(...schemaPaths(child, [...at, key], depth + 1));
  }
  if (schema.items) out.push(...schemaPaths(schema.items, [...at, 0], depth + 1));
  if (typeof schema.additionalProperties === "object") {
    out.push(...schemaPaths(schema.additionalProperties, [...at, "some-key"], depth + 1));
  }
  return out;
}

function setAt(root: Record<string, unknown>, at: Path, value: Json): void {
  let node: Json = root;
  for (let i = 0; i < at.length - 1; i++) {
    const key = at[i] as string | number;
    const nextIsIndex = typeof at[i + 1] === "number";
    const container = node as Record<string | number, Json>;
    if (typeof container[key] !== "object" || container[key] === null) container[key] = nextIsIndex ? [] : {};
    node = container[key];
  }
  const last = at[at.length - 1] as string | number;
  if (last === "__proto__") {
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  } else (node as Record<string | number, Json>)[last] = value;
}

function deleteAt(root: Record<string, unknown>, at: Path): void {
  let node: Json = root;
  for (const key of at.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    node = (node as Record<string | number, Json>)[key as string];
  }
  const last = at[at.length - 1] as string | number;
  if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
  else if (isRecord(node)) delete node[last as string];
}

// --- values -----------------------------------------------------------------------------------------------

const LONG = "a".repeat(254);
const GENERIC_VALUES: Json[] = [
  null,
  "",
  "x",
  "yes",
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  1e20,
  {},
  [],
  { a: 1 },
  ["x"],
  [null],
  [{}],
  "Bad",
  "colon:name",
  LONG,
];

function valuesFor(schema: StructuralSchema): Json[] {
  const typed: Json[] = [];
  if (schema.enum) typed.push(...schema.enum, "NotInEnum");
  if (schema.type === "integer") typed.push(3, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2n ** 62n, "3", 3.0, 1e3);
  if (schema.type === "string") typed.push("ok", "30s", 5, false, "");
  if (schema.type === "boolean") typed.push(true, "true", 1);
  if (schema.type === "array") typed.push([], ["x"], [{ name: "a" }], "x");
  if (schema.type === "object") typed.push({}, { name: "a" }, "x", []);
  return [...typed, ...GENERIC_VALUES];
}

const FIELD_NAMES = ["x-custom", "constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "Name"];
const NAMES = [
  "ok-name",
  "a.b.c",
  "colon:name",
  "UPPER",
  "-lead",
  "trail-",
  "a..b",
  "a".repeat(253),
  LONG,
  "",
];
const LABEL_KEYS = ["app", "example.com/app", "a/b/c", "Bad Key", "UPPER.com/x", "/x", "x/", "a".repeat(64)];
const LABEL_VALUES = ["", "v", "bad value", "a".repeat(63), "a".repeat(64), "-x", "x_y.z"];
const FINALIZERS = [
  ["kubestash.com/cleanup"],
  ["a/b/c"],
  ["orphan", "foregroundDeletion"],
  [""],
  ["nodomain"],
];
const OWNER_REFERENCES: Json[] = [
  [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u" }],
  [{ apiVersion: "v1", kind: "Pod", name: "p" }],
  [{ apiVersion: "v1", kind: "Event", name: "e", uid: "u" }],
  [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", bad: 1 }],
  [
    { apiVersion: "v1", kind: "Pod", name: "a", uid: "1", controller: true },
    { apiVersion: "v1", kind: "Pod", name: "b", uid: "2", controller: true },
  ],
  [{ apiVersion: "a/b/c", kind: "Pod", name: "p", uid: "u" }],
];

/** YAML 1.1 spellings kubectl reads differently from YAML 1.2 (and a few it reads the same). */
const YAML_TOKENS = [
  "yes",
  "no",
  "y",
  "n",
  "on",
  "Off",
  "NO",
  "~",
  "null",
  "",
  "1_000",
  "0x1F",
  "010",
  "0o17",
  "0b101",
  "1e3",
  ".5",
  "+12",
  "2026-01-01",
  "1:20",
  "!!binary aGVsbG8=",
  "!!str 12",
  '!!int "3"',
  "!!float 2",
  "12345678901234567890",
  "9007199254740993",
  "0.",
];

// --- serialisation ------------------------------------------------------------------------------------------

const TOKEN = "kssdifftoken";

function toJsonText(value: Json): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? `${TOKEN}${v}${TOKEN}` : v)).replace(
    new RegExp(`"${TOKEN}(-?\\d+)${TOKEN}"`, "g"),
    "$1",
  );
}

function toYamlText(value: Json): string {
  return stringify(value, { version: "1.1", lineWidth: 0 });
}

/** YAML with the value at `at` written as the raw token (replacing a placeholder string). */
function yamlWithToken(object: Record<string, unknown>, at: Path, token: string): string {
  const copy = structuredClone(object);
  setAt(copy, at, `${TOKEN}0`);
  return toYamlText(copy).replace(`${TOKEN}0`, token);
}

/** The same object with `spec` written through a merge key (and optionally one key overridden after it). */
function yamlWithMerge(object: Record<string, unknown>, override?: [string, Json]): string {
  const { spec, ...rest } = object;
  const head = toYamlText(rest);
  const overrideLine = override ? `\n  ${override[0]}: ${toJsonText(override[1])}` : "";
  return `${head}spec:\n  <<: ${toJsonText(spec ?? {})}${overrideLine}\n`;
}

function nested(depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

// --- mutants ----------------------------------------------------------------------------------------------

function describeBase(object: Record<string, unknown>): string {
  const name = (object.metadata as Record<string, unknown> | undefined)?.name;
  return `${String(object.kind)} ${String(name)}`;
}

function show(value: Json): string {
  const text = toJsonText(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function mutantArbitrary(base: Record<string, unknown>): fc.Arbitrary<Mutant> {
  const crd = crdOf(base);
  // The namespace is the request's: a mutant moving the object to another (valid) namespace would be
  // refused for being sent elsewhere, not for being invalid. Invalid namespaces get a mutation of their own.
  const existing = valuePaths(base).filter((p) => showPath(p) !== "metadata.namespace");
  const declared = crd ? schemaPaths(crd.schema) : [];
  const leaves = existing.filter((p) => {
    let node: Json = base;
    for (const k of p) node = (node as Record<string | number, Json>)[k as string];
    return typeof node !== "object" || node === null;
  });
  const objects = existing.filter((p) => {
    let node: Json = base;
    for (const k of p) node = (node as Record<string | number, Json>)[k as string];
    return isRecord(node);
  });
  // Subtrees the CRD keeps open (x-kubernetes-preserve-unknown-fields), below spec.
  const open = declared
    .filter(([p, s]) => p[0] === "spec" && s["x-kubernetes-preserve-unknown-fields"] && s.type === "object")
    .map(([p]) => p);
  const label = describeBase(base);
  const mutate = (what: string, change: (o: Record<string, unknown>) => void, yaml: boolean) => {
    const copy = structuredClone(base);
    change(copy);
    return { description: `${label}: ${what}`, text: yaml ? toYamlText(copy) : toJsonText(copy) };
  };
  const anyPath = fc.constantFrom(...existing);
  const meta = (key: string, value: Json, yaml: boolean): Mutant =>
    mutate(`metadata.${key} = ${show(value)}`, (o) => setAt(o, ["metadata", key], value), yaml);

  // Object-level changes that combine: two or three of them in one mutant.
  type Change = [string, (o: Record<string, unknown>) => void];
  const changes: Array<fc.Arbitrary<Change>> = [
    fc
      .tuple(anyPath, fc.constantFrom(...GENERIC_VALUES))
      .map(([p, v]): Change => [`set ${showPath(p)} = ${show(v)}`, (o) => setAt(o, p, v)]),
    ...(declared.length > 0
      ? [
          fc
            .constantFrom(...declared)
            .chain(([p, s]) =>
              fc
                .constantFrom(...valuesFor(s))
                .map((v): Change => [`set ${showPath(p)} = ${show(v)}`, (o) => setAt(o, p, v)]),
            ),
        ]
      : []),
    anyPath.map((p): Change => [`delete ${showPath(p)}`, (o) => deleteAt(o, p)]),
    fc
      .tuple(fc.constantFrom<Path>([], ...objects), fc.constantFrom(...FIELD_NAMES))
      .map(([p, name]): Change => [`add ${showPath([...p, name])}`, (o) => setAt(o, [...p, name], "value")]),
    fc
      .constantFrom(...NAMES)
      .map((name): Change => [`metadata.name = ${show(name)}`, (o) => setAt(o, ["metadata", "name"], name)]),
    fc
      .tuple(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES))
      .map(([k, v]): Change => [`label ${k}=${show(v)}`, (o) => setAt(o, ["metadata", "labels", k], v)]),
    fc
      .constantFrom(...FINALIZERS)
      .map((f): Change => [`finalizers ${show(f)}`, (o) => setAt(o, ["metadata", "finalizers"], f)]),
  ];
  const composed = fc
    .tuple(fc.array(fc.oneof(...changes), { minLength: 2, maxLength: 3 }), fc.boolean())
    .map(([picked, yaml]) =>
      mutate(
        picked.map(([what]) => what).join("; "),
        (o) => {
          for (const [, apply] of picked) apply(o);
        },
        yaml,
      ),
    );

  const operators: Array<fc.Arbitrary<Mutant>> = [
    composed,
    composed,
    // A value anywhere the object has one, or anywhere the CRD declares one.
    fc
      .tuple(anyPath, fc.constantFrom(...GENERIC_VALUES), fc.boolean())
      .map(([p, v, yaml]) => mutate(`set ${showPath(p)} = ${show(v)}`, (o) => setAt(o, p, v), yaml)),
    ...(declared.length > 0
      ? [
          fc
            .constantFrom(...declared)
            .chain(([p, s]) =>
              fc
                .tuple(fc.constantFrom(...valuesFor(s)), fc.boolean())
                .map(([v, yaml]) => mutate(`set ${showPath(p)} = ${show(v)}`, (o) => setAt(o, p, v), yaml)),
            ),
        ]
      : []),
    fc
      .tuple(anyPath, fc.boolean())
      .map(([p, yaml]) => mutate(`delete ${showPath(p)}`, (o) => deleteAt(o, p), yaml)),
    fc
      .tuple(fc.constantFrom<Path>([], ...objects), fc.constantFrom(...FIELD_NAMES), fc.boolean())
      .map(([p, name, yaml]) =>
        mutate(`add ${showPath([...p, name])}`, (o) => setAt(o, [...p, name], "value"), yaml),
      ),
    // metadata
    fc.tuple(fc.constantFrom(...NAMES), fc.boolean()).map(([name, yaml]) => meta("name", name, yaml)),
    fc.tuple(fc.constantFrom("gen-", "Gen-", "a.", "x"), fc.boolean()).map(([prefix, yaml]) =>
      mutate(
        `generateName ${prefix} without name`,
        (o) => {
          deleteAt(o, ["metadata", "name"]);
          setAt(o, ["metadata", "generateName"], prefix);
        },
        yaml,
      ),
    ),
    fc
      .tuple(fc.constantFrom(...LABEL_KEYS), fc.constantFrom(...LABEL_VALUES), fc.boolean())
      .map(([k, v, yaml]) =>
        mutate(`label ${k}=${show(v)}`, (o) => setAt(o, ["metadata", "labels"], { [k]: v }), yaml),
      ),
    fc
      .tuple(fc.constantFrom(...LABEL_KEYS, "Upper/ok"), fc.constantFrom("v", 5, true, null), fc.boolean())
      .map(([k, v, yaml]) =>
        mutate(`annotation ${k}=${show(v)}`, (o) => setAt(o, ["metadata", "annotations"], { [k]: v }), yaml),
      ),
    fc
      .constantFrom(256 * 1024 - 10, 256 * 1024 + 10)
      .map((size) =>
        mutate(
          `annotations of ${size} bytes`,
          (o) => setAt(o, ["metadata", "annotations"], { k: "v".repeat(size) }),
          false,
        ),
      ),
    fc.tuple(fc.constantFrom(...FINALIZERS), fc.boolean()).map(([f, yaml]) => meta("finalizers", f, yaml)),
    fc
      .tuple(fc.constantFrom(...OWNER_REFERENCES), fc.boolean())
      .map(([r, yaml]) => meta("ownerReferences", r, yaml)),
    fc
      .tuple(
        fc.constantFrom("x-custom", "Name", "labels", "finalizers", "generation", "creationTimestamp", "uid"),
        fc.constantFrom(null, 5, "x", "2026-01-01T00:00:00Z", ["a"]),
      )
      .map(([k, v]) => meta(k, v, true)),
    // YAML dialect: a scalar written the way YAML 1.1 (kubectl) reads differently from YAML 1.2.
    ...(leaves.length > 0
      ? [
          fc.tuple(fc.constantFrom(...leaves), fc.constantFrom(...YAML_TOKENS)).map(([p, token]) => ({
            description: `${label}: yaml ${showPath(p)}: ${token}`,
            text: yamlWithToken(base, p, token),
          })),
        ]
      : []),
    // A key written as a YAML 1.1 boolean or number (y: is the key "true" to kubectl), or twice.
    ...(objects.length > 0
      ? [
          fc
            .tuple(fc.constantFrom(...objects), fc.constantFrom("y", "n", "on", "1", "0x1"))
            .map(([p, key]) => ({
              description: `${label}: yaml key ${key} in ${showPath(p)}`,
              text: yamlWithToken(base, [...p, `${TOKEN}key`], "v").replace(`${TOKEN}key: v`, `${key}: v`),
            })),
        ]
      : []),
    fc.constantFrom("metadata", "spec").map((key) => ({
      description: `${label}: ${key} written twice, the last one empty`,
      text: `${toYamlText(base)}${key}: {}\n`,
    })),
    fc.constantFrom(undefined, ["x-custom", 1] as [string, Json]).map((override) => ({
      description: `${label}: spec through a merge key${override ? " with an unknown key after it" : ""}`,
      text: yamlWithMerge(base, override),
    })),
    // Deep nesting, in an open subtree (kept whole) or where the schema has no field (unknown).
    fc
      .tuple(
        fc.constantFrom<Path>(["spec", "deep"], ...open.map((p) => [...p, "deep"])),
        fc.constantFrom(50, 400, 800),
      )
      .map(([p, depth]) =>
        mutate(`nest ${depth} levels under ${showPath(p)}`, (o) => setAt(o, p, nested(depth)), depth <= 50),
      ),
    fc
      .tuple(fc.constantFrom("Bad_NS", "", "a".repeat(64)), fc.boolean())
      .map(([namespace, yaml]) => meta("namespace", namespace, yaml)),
  ];
  return fc.oneof(...operators);
}

/** `count` mutants from the bases, deterministic for a seed. */
export function sampleMutants(bases: Array<Record<string, unknown>>, count: number, seed: number): Mutant[] {
  const arbitrary = fc
    .integer({ min: 0, max: bases.length - 1 })
    .chain((i) => mutantArbitrary(bases[i] ?? {}));
  return fc.sample(arbitrary, { numRuns: count, seed });
}

// --- judges -----------------------------------------------------------------------------------------------

/** `kubectl create --dry-run=server --validate=strict -f -` in `namespace`: accepted or the error. */
export function judgeWithServer(
  mutant: Mutant,
  kubeconfig: string,
  namespace: string,
): Promise<{ accepted: boolean; message: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "kubectl",
      [
        "--kubeconfig",
        kubeconfig,
        "-n",
        namespace,
        "create",
        "--dry-run=server",
        "--validate=strict",
        "-o",
        "name",
        "-f",
        "-",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout.resume();
    child.on("error", reject);
    child.on("close", (code) => resolve({ accepted: code === 0, message: stderr.trim() }));
    child.stdin.end(mutant.text);
  });
}

interface KssJson {
  objects: Array<{ errors: Array<{ path: string; message: string; kind: "schema" | "semantic" }> }>;
}

/** `kss validate -f - -o json`, the real command in process. */
export async function judgeWithKss(mutant: Mutant): Promise<Verdicts["kss"]> {
  const run = await runKssInProcess(["validate", "-f", "-", "-o", "json"], mutant.text);
  if (run.exitCode !== 0 && run.exitCode !== 1)
    return {
      exitCode: run.exitCode ?? -1,
      schema: [],
      semantic: [],
      readError: run.stderr.trim() || "no exit code",
    };
  const result = JSON.parse(run.stdout) as KssJson;
  const errors = result.objects.flatMap((o) => o.errors);
  const line = (e: { path: string; message: string }) =>
    e.path === "" ? e.message : `${e.path}: ${e.message}`;
  return {
    exitCode: run.exitCode ?? -1,
    schema: errors.filter((e) => e.kind === "schema").map(line),
    semantic: errors.filter((e) => e.kind === "semantic").map(line),
  };
}

export interface DifferentialRun {
  verdicts: Verdicts[];
  counts: Record<Outcome, number>;
}

/** Judges every mutant both ways, `concurrency` kubectl processes at a time. */
export async function runDifferential(
  mutants: readonly Mutant[],
  options: { kubeconfig: string; namespace: string; concurrency?: number },
): Promise<DifferentialRun> {
  const verdicts: Verdicts[] = new Array(mutants.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < mutants.length; i = next++) {
      const mutant = mutants[i] as Mutant;
      const server = await judgeWithServer(mutant, options.kubeconfig, options.namespace);
      const kss = await judgeWithKss(mutant);
      verdicts[i] = { mutant, server, kss };
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  const counts: Record<Outcome, number> = { agree: 0, miss: 0, "false alarm": 0, "semantic only": 0 };
  for (const v of verdicts) counts[outcomeOf(v)]++;
  return { verdicts, counts };
}

/** `420 mutants: 180 rejected by the server, …; agreement 100.0 %`. */
export function renderFigures(run: DifferentialRun): string {
  const total = run.verdicts.length;
  const rejected = run.verdicts.filter((v) => !v.server.accepted).length;
  const { agree, miss, "semantic only": semanticOnly } = run.counts;
  const falseAlarms = run.counts["false alarm"];
  const agreement = total === 0 ? 100 : ((agree + semanticOnly) / total) * 100;
  return [
    `${total} mutants: ${rejected} rejected by the API server, ${total - rejected} accepted`,
    `agree ${agree}, semantic only (server accepts, KubeStash would not run it) ${semanticOnly}`,
    `misses (server rejects, kss accepts) ${miss}, false alarms (kss schema error, server accepts) ${falseAlarms}`,
    `agreement on the server's verdict: ${agreement.toFixed(1)} %`,
  ].join("\n");
}

/** One line per disagreement, for a failing test or the script. */
export function renderDisagreements(run: DifferentialRun, limit = 20): string {
  return run.verdicts
    .filter((v) => outcomeOf(v) === "miss" || outcomeOf(v) === "false alarm")
    .slice(0, limit)
    .map((v) => {
      const kss = v.kss.readError ?? [...v.kss.schema, ...v.kss.semantic].join(" | ");
      return `${outcomeOf(v)}: ${v.mutant.description}\n  server: ${v.server.message.slice(0, 300) || "accepted"}\n  kss: ${kss.slice(0, 300) || "accepted"}`;
    })
    .join("\n");
}
