import { describe, expect, it } from "vitest";
import { parseManifestText } from "../../../cli/manifest-file.ts";

const policy = (name: string) => `apiVersion: storage.kubestash.com/v1alpha1
kind: RetentionPolicy
metadata:
  name: ${name}
spec: {}
`;

describe("parseManifestText", () => {
  it("reads each document of a multi-document file with its number and first line", () => {
    const text = `# policies\n${policy("a")}---\n${policy("b")}`;

    const entries = parseManifestText(text);

    expect(entries.map((e) => e.location)).toEqual([
      { document: 1, line: 2 },
      { document: 2, line: 8 },
    ]);
    expect(entries.map((e) => ("object" in e ? e.object : undefined))).toMatchObject([
      { metadata: { name: "a" } },
      { metadata: { name: "b" } },
    ]);
  });

  it.each([
    ["a leading separator", `---\n${policy("a")}`],
    ["a trailing separator", `${policy("a")}---\n`],
    ["a comment-only document", `# nothing here\n---\n${policy("a")}`],
  ])("skips empty documents (%s)", (_case, text) => {
    expect(parseManifestText(text)).toHaveLength(1);
  });

  it("unpacks a List into its items, each with its index and line", () => {
    const text = [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - apiVersion: storage.kubestash.com/v1alpha1",
      "    kind: RetentionPolicy",
      "    metadata: { name: a }",
      "  - apiVersion: storage.kubestash.com/v1alpha1",
      "    kind: RetentionPolicy",
      "    metadata: { name: b }",
    ].join("\n");

    expect(parseManifestText(text).map((e) => e.location)).toEqual([
      { document: 1, line: 4, item: 0 },
      { document: 1, line: 7, item: 1 },
    ]);
  });

  it("unpacks a typed list (RetentionPolicyList) as kubectl get -o yaml prints it", () => {
    const text = `apiVersion: storage.kubestash.com/v1alpha1\nkind: RetentionPolicyList\nitems: [{ kind: RetentionPolicy }]\n`;

    expect(parseManifestText(text)).toEqual([
      { location: { document: 1, line: 3, item: 0 }, object: { kind: "RetentionPolicy" } },
    ]);
  });

  it("reads JSON", () => {
    const text =
      '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [{ "kind": "RetentionPolicy" }]\n}\n';

    expect(parseManifestText(text)).toEqual([
      { location: { document: 1, line: 4, item: 0 }, object: { kind: "RetentionPolicy" } },
    ]);
  });

  it.each([
    [
      "an unclosed quote",
      `${policy("a")}---\nkind: RetentionPolicy\nmetadata:\n  name: 'b\n`,
      { document: 2, line: 7 },
      /^YAML syntax error at line \d+, column \d+: Missing closing 'quote/,
    ],
    [
      "an unquoted cron schedule (read as an alias)",
      "spec:\n  sessions:\n    - scheduler:\n        schedule: */5 * * * *\n",
      { document: 1, line: 1 },
      /^YAML syntax error at line 4, column 23: Unexpected alias at node end; a value starting with "\*" must be quoted/,
    ],
    [
      "a lone alias without its anchor",
      "spec:\n  schedule: *daily\n",
      { document: 1, line: 1 },
      /^YAML error at line 2: Unresolved alias \*daily; a value starting with "\*" must be quoted/,
    ],
    [
      "mis-indented keys",
      "metadata:\n  name: a\n namespace: demo\n",
      { document: 1, line: 1 },
      /^YAML syntax error at line 3, column 1: All mapping items must start at the same column/,
    ],
  ])(
    "turns a document with %s into a syntax error naming its document and line",
    (_case, text, location, message) => {
      const entries = parseManifestText(text);
      const broken = entries.find((e) => "syntaxError" in e);

      expect(broken?.location).toEqual(location);
      expect(broken && "syntaxError" in broken ? broken.syntaxError : "").toMatch(message);
    },
  );

  it("keeps the documents around a broken one", () => {
    const text = `${policy("a")}---\nmetadata:\n  name: b\n namespace: demo\n---\n${policy("c")}`;

    expect(parseManifestText(text).map((e) => ("object" in e ? "object" : "syntax error"))).toEqual([
      "object",
      "syntax error",
      "object",
    ]);
  });

  it("an empty file holds no entries", () => {
    expect(parseManifestText("")).toEqual([]);
    expect(parseManifestText("# only a comment\n")).toEqual([]);
  });
});
