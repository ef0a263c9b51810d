import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { KubectlYamlError, kubectlValueOf } from "../../../cli/kubectl-yaml.ts";

/**
 * YAML read as kubectl reads it. Each expected value is what `kubectl create --dry-run=server -o json`
 * (kubectl 1.37, sigs.k8s.io/yaml over go-yaml v2) printed for the same scalar below an open subtree.
 */

function read(text: string): unknown {
  const [doc] = parseAllDocuments(text, {
    version: "1.1",
    schema: "failsafe",
    merge: false,
    uniqueKeys: false,
  });
  if (!doc || Array.isArray(doc) === true) throw new Error("no document");
  return kubectlValueOf(doc as Parameters<typeof kubectlValueOf>[0]);
}

const value = (scalar: string) => (read(`v: ${scalar}\n`) as { v: unknown }).v;

describe("kubectlValueOf: scalars as go-yaml v2 resolves them", () => {
  it.each<[string, unknown]>([
    ["yes", true],
    ["Y", true],
    ["On", true],
    ["NO", false],
    ["n", false],
    ["off", false],
    ["~", null],
    ["Null", null],
    ["", null],
    ["1_000", 1000],
    ["0x1F", 31],
    ["010", 8],
    ["0o17", 15],
    ["0b101", 5],
    ["-0b11", -3],
    ["0_1", 1],
    ["+12", 12],
    ["1e3", 1000],
    ["1_0.5", 10.5],
    ["1.0", 1],
    [".5", 0.5],
    ["0.", 0],
    ["1e", "1e"],
    ["1:20", "1:20"],
    ["2026-01-01", "2026-01-01"],
    ["2026-01-01 10:00:00", "2026-01-01 10:00:00"],
    ["2026-01-01T10:00:00+02:00", "2026-01-01T10:00:00+02:00"],
    ["!!binary aGVsbG8=", "hello"],
    ["!!str 12", "12"],
    ['!!int "12"', 12],
    ["!!float 1", 1],
    ["!!bool yes", true],
    ['!!null ""', null],
    ["!!timestamp 2026-01-01", "2026-01-01"],
    ["!custom hello", "hello"],
    ["'it''s'", "it's"],
    ['"a\\x41"', "aA"],
    ["'yes'", "yes"],
  ])("%s → %o", (scalar, expected) => {
    expect(value(scalar)).toStrictEqual(expected);
  });

  it("keeps int64 and uint64 exact as bigints beyond 2^53, and safe integers as numbers", () => {
    expect(value("9007199254740993")).toBe(9007199254740993n);
    expect(value("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(value("12345678901234567890")).toBe(12345678901234567890n);
    expect(value("9007199254740991")).toBe(9007199254740991);
    // Beyond uint64 it is a float, as Go reads it.
    expect(value("123456789012345678901234")).toBe(Number("123456789012345678901234"));
  });
});

describe("kubectlValueOf: mappings", () => {
  it("turns keys into strings as sigs.k8s.io/yaml does: y is the key true, 1 the key 1", () => {
    expect(read("y: 2\nn: 12\n1: one\n1.5: f\n.inf: i\n2026-01-01: d\n")).toStrictEqual({
      true: 2,
      false: 12,
      "1": "one",
      "1.5": "f",
      ".inf": "i",
      "2026-01-01": "d",
    });
  });

  it("merges <<: keys after it override it, a sequence's earlier maps win, a quoted << is a key", () => {
    const text = [
      "a: &a {x: 1, z: 1}",
      "b: &b {x: 2, w: 2}",
      "m1:",
      "  <<: [*a, *b]",
      "  z: 9",
      'm2: {"<<": *a}',
      "",
    ].join("\n");
    const { m1, m2 } = read(text) as Record<string, unknown>;
    expect(m1).toStrictEqual({ x: 1, w: 2, z: 9 });
    expect(m2).toStrictEqual({ "<<": { x: 1, z: 1 } });
  });

  it("keeps the last of duplicate keys", () => {
    expect(read("dup: 1\ndup: 2\n")).toStrictEqual({ dup: 2 });
  });

  it("makes __proto__ and constructor own keys, never the prototype", () => {
    const object = read("__proto__: 1\nconstructor: 2\ntoString: 3\n") as Record<string, unknown>;
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
    expect(Object.keys(object)).toEqual(["__proto__", "constructor", "toString"]);
    expect(Object.hasOwn(object, "__proto__")).toBe(true);
  });
});

describe("kubectlValueOf: what kubectl refuses", () => {
  it.each([
    ["an infinite float", "v: .inf\n", /unsupported value/],
    ["a NaN", "v: .nan\n", /unsupported value/],
    ["a null key", "~: 1\n", /unsupported map key: null/],
    ["a mapping as key", "? {a: 1}\n: 2\n", /unsupported map key/],
    ["a uint64 key", "18446744073709551615: x\n", /uint64/],
    ["a tag that does not fit", "v: !!int abc\n", /cannot decode !!str `abc` as a !!int/],
    ["bad base64", "v: !!binary '!!'\n", /base64/],
    ["a merge of a scalar", "v:\n  <<: 1\n", /map merge requires map/],
  ])("%s", (_case, text, message) => {
    expect(() => read(text)).toThrow(KubectlYamlError);
    expect(() => read(text)).toThrow(message);
  });

  it("stops an alias bomb", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    expect(() => read(`${lines.join("\n")}\n`)).toThrow(/excessive aliasing/);
  });
});
