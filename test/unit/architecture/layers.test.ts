import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  backImports,
  type ImportEdge,
  importGraph,
  importsOf,
  KNOWN_EXCEPTIONS,
  layerOf,
} from "./import-graph.ts";

/** The layer rule of README.md#architecture, checked on every import of the product's code. */

const PROJECT_ROOT = path.resolve(import.meta.dirname, "../../..");
const FOLDERS = ["functions", "shared", "local", "cli"];
const graph = importGraph(PROJECT_ROOT, FOLDERS);

describe("the layer rule", () => {
  it("holds for every import under functions/, shared/, local/ and cli/", () => {
    expect(graph.length).toBeGreaterThan(500);
    expect(backImports(graph)).toEqual([]);
  });

  it("lists only exceptions that still exist", () => {
    for (const x of KNOWN_EXCEPTIONS) {
      expect(
        graph.some((e) => e.file === x.file && e.target === x.target),
        x.file,
      ).toBe(true);
    }
  });
});

describe("the check itself, on a synthetic graph", () => {
  const edge = (file: string, specifier: string): ImportEdge =>
    importsOf(file, `import "${specifier}";`)[0] as ImportEdge;

  it("fails on a back-import, naming the file and the import", () => {
    const edges = [
      edge("shared/decide/session/phase.ts", "../../model/backup-session.ts"),
      edge("shared/decide/session/phase.ts", "../../usecases/reconcile-session.ts"),
      edge("shared/model/names.ts", "../kube/client.ts"),
      edge("shared/usecases/x.ts", "../handler/function-definition.ts"),
      edge("shared/handler/lambda.ts", "../../functions/create-sessions/function.ts"),
      edge("functions/a/function.ts", "../b/follow-up.ts"),
      edge("cli/commands/fleet.ts", "../../local/runtime.ts"),
      edge("shared/dashboard/browser/main.ts", "../page.ts"),
      edge("shared/bus/publisher.ts", "../../test/support/kube.ts"),
      edge("shared/dashboard/browser/main.ts", "../../usecases/fleet-status.ts"),
    ];
    expect(backImports(edges)).toEqual([
      'shared/decide/session/phase.ts imports "../../usecases/reconcile-session.ts" (shared/decide → shared/usecases)',
      'shared/model/names.ts imports "../kube/client.ts" (shared/model → shared/kube)',
      'shared/usecases/x.ts imports "../handler/function-definition.ts" (shared/usecases → shared/handler)',
      'shared/handler/lambda.ts imports "../../functions/create-sessions/function.ts" (shared/handler → functions/create-sessions)',
      'functions/a/function.ts imports "../b/follow-up.ts" (functions/a → functions/b)',
      'cli/commands/fleet.ts imports "../../local/runtime.ts" (cli → local)',
      'shared/dashboard/browser/main.ts imports "../page.ts" (shared/dashboard/browser → shared/dashboard)',
      'shared/bus/publisher.ts imports "../../test/support/kube.ts" (shared/bus → test/support)',
      'shared/dashboard/browser/main.ts imports "../../usecases/fleet-status.ts" (shared/dashboard/browser → shared/usecases)',
    ]);
  });

  it("allows imports downwards and inside a folder", () => {
    const edges = [
      edge("functions/a/function.ts", "./follow-up.ts"),
      edge("functions/a/handler.ts", "../../shared/handler/lambda.ts"),
      edge("shared/usecases/x.ts", "../kube/client.ts"),
      edge("shared/usecases/x.ts", "../decide/session/phase.ts"),
      edge("local/runtime.ts", "../shared/handler/handle-event.ts"),
      edge("local/start.ts", "../test/controlplane/index.ts"),
      ...importsOf(
        "shared/dashboard/browser/main.ts",
        'import type { FleetStatus } from "../../usecases/fleet-status.ts";',
      ),
    ];
    expect(backImports(edges)).toEqual([]);
  });

  it("reads import type, export from and import() as imports, and tells type-only ones", () => {
    const text = [
      'import type { A } from "../usecases/a.ts";',
      'export { B } from "../handler/b.ts";',
      'const c = await import("../../local/c.ts");',
      'import { z } from "zod";',
      'import { type D, e } from "../kube/d.ts";',
      'let f: typeof import("../bus/f.ts");',
    ].join("\n");
    expect(importsOf("shared/decide/x.ts", text).map((e) => [layerOf(e.target), e.typeOnly])).toEqual([
      ["shared/usecases", true],
      ["shared/handler", false],
      ["local", false],
      ["shared/kube", false],
      ["shared/bus", true],
    ]);
  });
});
