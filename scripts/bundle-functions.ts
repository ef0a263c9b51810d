import { readdirSync, statSync } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";

/**
 * Bundles each function (functions/<name>/handler.ts) with esbuild into dist/<name>/index.mjs: ESM for
 * Lambda's nodejs22.x, minified, one self-contained file per function (serverless.yml packages each folder).
 * Prints each bundle's size.
 */

const root = path.resolve(import.meta.dirname, "..");
const functionsDir = path.join(root, "functions");
const outDir = path.join(root, "dist");

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

export async function buildFunctions(
  names = functionNames(),
): Promise<Array<{ name: string; bytes: number }>> {
  await rm(outDir, { recursive: true, force: true });
  const sizes: Array<{ name: string; bytes: number }> = [];
  for (const name of names) {
    const outfile = path.join(outDir, name, "index.mjs");
    await mkdir(path.dirname(outfile), { recursive: true });
    await build({
      entryPoints: [path.join(functionsDir, name, "handler.ts")],
      outfile,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "esm",
      minify: true,
      sourcemap: false,
      legalComments: "none",
      // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
      banner: {
        js: "import { createRequire as __kssCreateRequire } from 'node:module'; const require = __kssCreateRequire(import.meta.url);",
      },
      logLevel: "warning",
    });
    sizes.push({ name, bytes: (await stat(outfile)).size });
  }
  return sizes;
}
