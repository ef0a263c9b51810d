import { describe, expect, it } from "vitest";
import {
  type CrdVersionFacts,
  judgeStructure,
  type StructuralSchema,
  unsupportedKeywords,
} from "../../../shared/decide/manifests/structural-schema.ts";
import { CRD_SCHEMAS } from "../../../shared/model/crd-schemas.ts";

/**
 * The structural schema judged as kube-apiserver's apiextensions code does (pruning, null pruning, defaulting,
 * then validation). The schema below was installed as a CRD on kube-apiserver 1.37 and every case sent with
 * `kubectl create --dry-run=server --validate=strict`: the server's verdict is the expected one. What the
 * project's CRDs use is also held against the server by test/integration/validate-differential.test.ts.
 */

const spec = (
  properties: Record<string, StructuralSchema>,
  extra: StructuralSchema = {},
): StructuralSchema => ({
  type: "object",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: { type: "object", properties, ...extra },
    status: { type: "object", properties: { phase: { type: "string" } } },
  },
});

const crd = (schema: StructuralSchema, statusSubresource = true): CrdVersionFacts => ({
  namespaced: true,
  statusSubresource,
  schema,
});

const SCHEMA = spec(
  {
    count: { type: "integer", format: "int32" },
    big: { type: "integer", format: "int64" },
    ratio: { type: "number" },
    mode: { type: "string", enum: ["A", "B"], default: "A" },
    flag: { type: "boolean" },
    maybe: { type: "string", nullable: true },
    port: { "x-kubernetes-int-or-string": true },
    open: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    labels: { type: "object", additionalProperties: { type: "string" } },
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, n: { type: "integer", default: 1 } },
      },
    },
    when: { type: "string", format: "date-time" },
    template: {
      type: "object",
      "x-kubernetes-embedded-resource": true,
      "x-kubernetes-preserve-unknown-fields": true,
    },
  },
  { required: ["flag"] },
);

const object = (specValue: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: "example.com/v1",
  kind: "Thing",
  metadata: { name: "x" },
  spec: specValue,
  ...extra,
});

const judge = (specValue: unknown, extra: Record<string, unknown> = {}, statusSubresource = true) =>
  judgeStructure(object(specValue, extra), crd(SCHEMA, statusSubresource));

describe("judgeStructure: accepted as the server accepts", () => {
  it.each<[string, unknown]>([
    ["the smallest valid spec", { flag: true }],
    ["int32 bounds", { flag: true, count: 2 ** 31 - 1 }],
    ["an int64 beyond 2^53, kept exact", { flag: true, big: 2n ** 62n }],
    ["an integer for a number", { flag: true, ratio: 3 }],
    ["null on an optional field (dropped)", { flag: true, count: null, labels: null }],
    ["null on a field with a default (defaulted)", { flag: true, mode: null }],
    ["null on a nullable field", { flag: true, maybe: null }],
    ["null as a map value (dropped)", { flag: true, labels: { a: null, b: "x" } }],
    ["an int-or-string as either", { flag: true, port: 80 }],
    ["an int-or-string as a string", { flag: true, port: "http" }],
    [
      "anything below preserve-unknown-fields",
      { flag: true, open: { a: { b: [1, "x", null] }, constructor: 1 } },
    ],
    ["an RFC 3339 time", { flag: true, when: "2026-01-01T10:00:00.5+02:00" }],
    ["an RFC 3339 time in lower case", { flag: true, when: "2026-01-01t10:00:00z" }],
    ["null on an int-or-string (dropped)", { flag: true, port: null }],
    [
      "an embedded resource with apiVersion and kind",
      { flag: true, template: { apiVersion: "v1", kind: "Pod", spec: {} } },
    ],
  ])("%s", (_case, value) => {
    expect(judge(value).issues).toEqual([]);
  });

  it("drops status on a kind with a status subresource, types unchecked, unknown fields still reported", () => {
    expect(judge({ flag: true }, { status: { phase: 5 } }).issues).toEqual([]);
    expect(judge({ flag: true }, { status: { bogus: 1 } }).issues.map((i) => i.path)).toEqual([
      "status.bogus",
    ]);
    expect(judge({ flag: true }, { status: { phase: 5 } }, false).issues.map((i) => i.path)).toEqual([
      "status.phase",
    ]);
  });

  it("fills defaults where the parent exists, and returns the object as stored", () => {
    const { normalized } = judge(
      { flag: true, items: [{ name: "a" }], count: null },
      { status: { phase: "x" } },
    );
    expect(normalized.spec).toEqual({ flag: true, mode: "A", items: [{ name: "a", n: 1 }] });
    expect(Object.hasOwn(normalized, "status")).toBe(false);
  });

  it("does not change the object it is given", () => {
    const input = object({ flag: true, count: null, unknown: 1 });
    const before = structuredClone(input);
    judgeStructure(input, crd(SCHEMA));
    expect(input).toEqual(before);
  });
});

describe("judgeStructure: rejected, at the server's path", () => {
  it.each<[string, unknown, string[]]>([
    ["an unknown field", { flag: true, extra: 1 }, ["spec.extra"]],
    [
      "unknown fields named like Object's members",
      { flag: true, constructor: 1, toString: 2, __proto__x: 3 },
      ["spec.__proto__x", "spec.constructor", "spec.toString"],
    ],
    ["a missing required field", {}, ["spec.flag"]],
    ["a required field in an array item", { flag: true, items: [{}] }, ["spec.items[0].name"]],
    ["an int32 overflow", { flag: true, count: 2 ** 31 }, ["spec.count"]],
    ["a float for an integer", { flag: true, count: 1.5 }, ["spec.count"]],
    ["an integer beyond int64 (a float to Go)", { flag: true, big: 2n ** 63n }, ["spec.big"]],
    ["a string for an integer", { flag: true, count: "3" }, ["spec.count"]],
    ["a value outside the enum", { flag: true, mode: "C" }, ["spec.mode"]],
    ["a string for a boolean (yes in YAML 1.2)", { flag: "yes" }, ["spec.flag"]],
    ["null as an array item", { flag: true, items: [null] }, ["spec.items[0]"]],
    ["an int-or-string as a boolean", { flag: true, port: true }, ["spec.port"]],
    ["a map value of the wrong type", { flag: true, labels: { b: 1 } }, ["spec.labels.b"]],
    ["a time that is no RFC 3339 time", { flag: true, when: "yesterday" }, ["spec.when"]],
    ["a date without time", { flag: true, when: "2026-01-01" }, ["spec.when"]],
    ["a time with a space for T", { flag: true, when: "2026-01-01 10:00:00Z" }, ["spec.when"]],
    ["an int-or-string as a float", { flag: true, port: 1.5 }, ["spec.port"]],
    ["a nullable string of the wrong type", { flag: true, maybe: 5 }, ["spec.maybe"]],
    [
      "an embedded kind that is no DNS-1035 label",
      { flag: true, template: { apiVersion: "v1", kind: "Bad Kind" } },
      ["spec.template.kind"],
    ],
    [
      "an embedded resource's bad metadata",
      {
        flag: true,
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "Bad_Name", labels: { "a/b/c": "x" } } },
      },
      ["spec.template.metadata.labels"],
    ],
    [
      "an unknown field in an embedded resource's metadata",
      { flag: true, template: { apiVersion: "v1", kind: "Pod", metadata: { bogus: 1 } } },
      ["spec.template.metadata.bogus"],
    ],
    [
      "an embedded resource without kind",
      { flag: true, template: { apiVersion: "v1" } },
      ["spec.template.kind"],
    ],
    ["spec of the wrong type", "x", ["spec"]],
  ])("%s", (_case, value, expected) => {
    expect(judge(value).issues.map((i) => i.path)).toEqual(expected);
  });

  it("reports an unknown __proto__ key as a field, not as a prototype", () => {
    const specValue: Record<string, unknown> = { flag: true };
    Object.defineProperty(specValue, "__proto__", { value: 1, enumerable: true });
    expect(judge(specValue).issues).toEqual([
      { path: "spec.__proto__", message: 'unknown field "spec.__proto__"' },
    ]);
  });

  it("a top-level field that is not in the schema", () => {
    expect(judge({ flag: true }, { extra: 1 }).issues.map((i) => i.path)).toEqual(["extra"]);
  });
});

describe("the project's CRDs", () => {
  it("use only keywords the validator judges", () => {
    expect(CRD_SCHEMAS.length).toBeGreaterThan(0);
    expect(CRD_SCHEMAS.flatMap((c) => unsupportedKeywords(c.schema).map((k) => `${c.kind} ${k}`))).toEqual(
      [],
    );
  });
});
