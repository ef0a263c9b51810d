import { readdirSync, statSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { prebundledScriptModule } from "../shared/dashboard/browser-bundle.ts";

/**
 * Bundles each function (functions/<name>/handler.ts) with esbuild into dist/<name>/index.mjs: ESM for
 * Lambda's nodejs22.x, minified, one self-contained file per function (serverless.yml packages each folder).
 * Prints each bundle's size.
 */

const root = path.resolve(import.meta.dirname, "..");
const functionsDir = path.join(root, "functions");
const defaultOutDir = path.join(root, "dist");

/**
 * The fleet dashboard's browser scripts, bundled at build time: shared/dashboard/script.ts (which bundles them
 * with esbuild when imported under tsx or vitest) is replaced by a module holding their text, so the
 * fleet-dashboard bundle carries the page's scripts and neither esbuild nor the browser sources.
 */
export const dashboardScriptsPlugin: Plugin = {
  name: "kss-dashboard-scripts",
  setup(build) {
    build.onLoad({ filter: /[\\/]shared[\\/]dashboard[\\/]script\.ts$/ }, () => ({
      contents: prebundledScriptModule(),
      loader: "js",
    }));
  },
};

/**
 * What every bundle of this project shares (the functions' and kss's): ESM for Node 22, minified, but with
 * class and function names kept (`keepNames`), so `error.name` in logs and dead-letter entries reads
 * `ForbiddenError`, not the minifier's `t` (KssError sets `name` from `new.target.name`).
 */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  minify: true,
  keepNames: true,
  sourcemap: false,
  legalComments: "none",
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __kssCreateRequire } from 'node:module'; const require = __kssCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
  plugins: [dashboardScriptsPlugin],
} as const satisfies BuildOptions;

export function functionNames(): string[] {
  return readdirSync(functionsDir)
    .filter((name) => statSync(path.join(functionsDir, name)).isDirectory())
    .filter((name) => {
      try {
        return statSync(path.join(functionsDir, name, "handler.ts")).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * Builds `names` into `<outDir>/<name>/index.mjs`, emptying `outDir` first (default dist/). `overrides` go
 * on top of {@link NODE_BUNDLE_OPTIONS} (a test builds without `keepNames` to show what it changes).
 */
export async function buildFunctions(
  names = functionNames(),
  outDir = defaultOutDir,
  overrides: BuildOptions = {},
): Promise<Array<{ name: string; bytes: number }>> {
  await rm(outDir, { recursive: true, force: true });
  const sizes: Array<{ name: string; bytes: number }> = [];
  for (const name of names) {
    const outfile = path.join(outDir, name, "index.mjs");
    await mkdir(path.dirname(outfile), { recursive: true });
    await build({
      entryPoints: [path.join(functionsDir, name, "handler.ts")],
      outfile,
      ...NODE_BUNDLE_OPTIONS,
      ...overrides,
    });
    sizes.push({ name, bytes: (await stat(outfile)).size });
  }
  return sizes;
}
