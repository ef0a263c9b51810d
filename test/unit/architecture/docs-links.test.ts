import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The reasoning lives in docs/ and the code points at it (issue 18 item 1): every `docs/<file>.md#<anchor>`
 * written in the code, the tests or the docs names a heading that exists, and every file path a doc or the
 * README names in backticks exists. A moved file or a renamed section fails here, naming the place.
 */

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CODE_FOLDERS = ["shared", "functions", "local", "cli", "test", "bench", "scripts", "docs"];
const SKIP = new Set(["node_modules", "fixtures", "dist", "dist-cli", ".cache"]);

function filesUnder(folder: string, suffixes: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name)) continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (suffixes.some((s) => name.endsWith(s))) out.push(full);
    }
  };
  walk(path.join(ROOT, folder));
  return out;
}

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to dashes. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, "")
    .replaceAll(" ", "-");
}

function anchorsOf(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#+ (.+)$/gm)].map((m) => headingAnchor(m[1] ?? "")));
}

const LINK = /docs\/([a-z0-9-]+\.md)#([a-z0-9-]+)/g;
const PATH = /`((?:shared|functions|local|cli|test|scripts|bench|infra)\/[A-Za-z0-9_./-]+)`/g;

describe("the docs the code points at", () => {
  const sources = [
    ...CODE_FOLDERS.flatMap((f) => filesUnder(f, [".ts", ".mjs", ".md"])),
    path.join(ROOT, "README.md"),
  ];

  it("every docs/<file>.md#<anchor> names a heading that exists", () => {
    const headings = new Map<string, Set<string>>();
    const broken: string[] = [];
    for (const file of sources) {
      for (const [, doc = "", anchor = ""] of readFileSync(file, "utf8").matchAll(LINK)) {
        if (!headings.has(doc)) {
          const docPath = path.join(ROOT, "docs", doc);
          headings.set(doc, anchorsOf(statSafe(docPath) ? readFileSync(docPath, "utf8") : ""));
        }
        if (!headings.get(doc)?.has(anchor))
          broken.push(`${path.relative(ROOT, file)}: docs/${doc}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every file path the docs and the README name in backticks exists", () => {
    const docs = [...filesUnder("docs", [".md"]), path.join(ROOT, "README.md")];
    const missing: string[] = [];
    for (const file of docs) {
      for (const [, named = ""] of readFileSync(file, "utf8").matchAll(PATH)) {
        const clean = named.replace(/[.,:;]+$/, "");
        if (!statSafe(path.join(ROOT, clean))) missing.push(`${path.relative(ROOT, file)}: ${clean}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("the anchor rule is GitHub's", () => {
    expect(headingAnchor("Structure, as the API server judges it")).toBe(
      "structure-as-the-api-server-judges-it",
    );
    expect(headingAnchor("`kss validate` and `kss apply`")).toBe("kss-validate-and-kss-apply");
  });
});

function statSafe(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
