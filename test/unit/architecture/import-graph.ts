import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * The project's import graph, folder by folder, and the layer rule over it (README.md#architecture): each
 * folder imports only the folders its row allows. Only relative imports are edges (packages and `node:`
 * built-ins are no layer); `import type`, `export … from` and `import("…")` with a literal count as imports.
 */

/** One relative import of a project file: the file, the specifier as written, and what it resolves to. */
export interface ImportEdge {
  file: string;
  specifier: string;
  target: string;
  /** `import type …`, `export type … from`, or `import("…")` in a type: erased, nothing runs. */
  typeOnly: boolean;
}

/** The layer of a project path: `functions/<name>`, `shared/<folder>`, `shared/clock.ts`, `local`, `cli`, … */
export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "functions" && parts.length > 2) return `functions/${parts[1]}`;
  if (parts[0] === "shared" && parts[1] === "dashboard" && parts[2] === "browser")
    return "shared/dashboard/browser";
  if (parts[0] === "shared" || parts[0] === "test")
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
  return parts[0] ?? file;
}

/**
 * What each layer may import besides itself, as the README's Architecture table says. `functions/*` stands
 * for every function's own folder (and no other function's).
 */
const ADAPTERS = ["shared/kube", "shared/bus", "shared/clusters"];
const BELOW_USECASES = ["shared/decide", "shared/model", ...ADAPTERS, "shared/clock.ts"];
export const ALLOWED: Record<string, readonly string[]> = {
  "shared/model": [],
  "shared/clock.ts": [],
  /** Pure rules: the model only. */
  "shared/decide": ["shared/model"],
  "shared/clusters": ["shared/model"],
  "shared/bus": ["shared/model"],
  "shared/kube": ["shared/model", "shared/clusters"],
  "shared/usecases": BELOW_USECASES,
  /** The handler convention is generic: it runs a function's definition, never a use case by name. */
  "shared/handler": BELOW_USECASES,
  /** The dashboard's page and routes; its browser code (below) is bundled into the page. */
  "shared/dashboard": ["shared/usecases", "shared/dashboard/browser", ...BELOW_USECASES],
  /** Code for the browser: nothing of the Node side at run time (the fleet view's types: TYPES_ONLY). */
  "shared/dashboard/browser": [],
  "functions/*": ["shared/handler", "shared/dashboard", "shared/usecases", ...BELOW_USECASES],
  cli: ["shared/usecases", ...BELOW_USECASES],
  /** The local runtime loads functions/<name>/function.ts by path (not an import edge here). */
  local: [
    "functions/*",
    "shared/handler",
    "shared/dashboard",
    "shared/usecases",
    ...BELOW_USECASES,
    "test/controlplane",
  ],
};

/** Layers that may import more as types only (erased by esbuild: nothing of it is bundled). */
export const TYPES_ONLY: Record<string, readonly string[]> = {
  "shared/dashboard/browser": ["shared/usecases", "shared/decide", "shared/model"],
};

/**
 * Back-imports tolerated for now, each with the reason and the way out; a new one fails the test, and so
 * does an entry that no longer matches an import (so the list only shrinks).
 */
export const KNOWN_EXCEPTIONS: ReadonlyArray<{ file: string; target: string; reason: string }> = [];

const ruleOf = (layer: string) => ALLOWED[layer.startsWith("functions/") ? "functions/*" : layer];

/** Whether `from` may import `to` (a layer that has no row is not checked). */
export function allowed(from: string, to: string, typeOnly = false): boolean {
  if (from === to) return true;
  const rule = ruleOf(from);
  if (!rule) return true;
  if (typeOnly && TYPES_ONLY[from]?.includes(to)) return true;
  return rule.includes(to) || (to.startsWith("functions/") && rule.includes("functions/*"));
}

/** Every import that breaks the rule, as "file imports 'specifier' (layer → layer)". */
export function backImports(edges: ReadonlyArray<ImportEdge>): string[] {
  return edges
    .filter((e) => !allowed(layerOf(e.file), layerOf(e.target), e.typeOnly))
    .filter((e) => !KNOWN_EXCEPTIONS.some((x) => x.file === e.file && x.target === e.target))
    .map(
      (e) =>
        `${e.file} imports ${e.typeOnly ? "types of " : ""}"${e.specifier}" (${layerOf(e.file)} → ${layerOf(e.target)})`,
    );
}

/** The relative imports of one file's text (its declarations, and `import("…")` anywhere). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: Array<{ specifier: string; typeOnly: boolean }> = [];
  const visit = (node: ts.Node, inType: boolean) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allTypes =
        !!clause &&
        !clause.name &&
        !!bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: !!clause?.isTypeOnly || allTypes });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal))
        found.push({ specifier: arg.literal.text, typeOnly: true });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text, typeOnly: inType });
    }
    ts.forEachChild(node, (child) => visit(child, inType || ts.isTypeNode(node)));
  };
  visit(source, false);
  return found
    .filter((i) => i.specifier.startsWith("."))
    .map((i) => ({
      file,
      specifier: i.specifier,
      target: path.posix.normalize(path.posix.join(path.posix.dirname(file), i.specifier)),
      typeOnly: i.typeOnly,
    }));
}

/** The .ts files under `folders` of `root`, as project paths with `/`. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const child = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(".ts")) files.push(child);
    }
  };
  for (const folder of folders) walk(folder);
  return files.sort();
}

/** The import edges of every .ts file under `folders`. */
export function importGraph(root: string, folders: readonly string[]): ImportEdge[] {
  return sourceFiles(root, folders).flatMap((file) =>
    importsOf(file, readFileSync(path.join(root, file), "utf8")),
  );
}
