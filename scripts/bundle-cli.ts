import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { NODE_BUNDLE_OPTIONS } from "./bundle-functions.ts";

/**
 * The `kss` bundle: cli/main.ts and everything it imports, bundled by esbuild into dist-cli/kss.mjs, split
 * so that each command's own modules sit in chunks (dist-cli/chunks/) loaded only when that command runs
 * (cli/commands/index.ts imports each command dynamically): `kss --help` and `kss validate` read none of
 * @kubernetes/client-node or the AWS SDK. bin/kss.mjs runs it, and builds it again when it is missing or
 * older than one of its sources (dist-cli/manifest.json lists them); `npm ci` builds it (`prepare`), and
 * `npm run build:cli` does by hand.
 *
 * Only erasable TypeScript here: bin/kss.mjs imports this file with Node's own type stripping (no tsx).
 */

const ROOT = path.resolve(import.meta.dirname, "..");
export const CLI_BUNDLE_DIR = path.join(ROOT, "dist-cli");
/** The entry in the bundle directory, and the file that says what it was built from. */
export const CLI_ENTRY = "kss.mjs";
export const CLI_MANIFEST = "manifest.json";
/** Unused chunks of earlier builds are removed once this old (a kss started before may still load them). */
const STALE_CHUNK_MS = 10 * 60_000;

/** dist-cli/manifest.json: when the build started, and the project files it read (relative to the root). */
export interface CliBundleManifest {
  builtAt: number;
  inputs: string[];
}

export interface CliBundle {
  dir: string;
  entry: string;
  /** Bytes of the entry and of each chunk, by file name relative to `dir`. */
  files: Record<string, number>;
  manifest: CliBundleManifest;
  /** esbuild's account of the build: which inputs went into which output, and what each output imports. */
  metafile: Metafile;
}

/** Writes `content` to `file` through a temporary file and a rename, so a reader sees all of it or none. */
async function writeAtomically(file: string, content: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}

/**
 * Builds the bundle into `dir` (default dist-cli/). Another kss building at the same time is harmless:
 * chunks are named by their content, and the entry and the manifest are replaced by a rename each, the
 * entry last but one, so a kss that starts meanwhile runs the old build or the new one, whole.
 */
export async function buildCli(
  dir = CLI_BUNDLE_DIR,
  options: {
    /** No esbuild messages on stderr (bin/kss.mjs builds while the user waits for another command's output). */
    quiet?: boolean;
  } = {},
): Promise<CliBundle> {
  const builtAt = Date.now();
  const result = await build({
    ...NODE_BUNDLE_OPTIONS,
    ...(options.quiet ? { logLevel: "silent" } : {}),
    absWorkingDir: ROOT,
    entryPoints: { kss: path.join(ROOT, "cli/main.ts") },
    outdir: dir,
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    metafile: true,
    write: false,
  });
  await mkdir(path.join(dir, "chunks"), { recursive: true });
  const entryFile = path.join(dir, CLI_ENTRY);
  const files: Record<string, number> = {};
  let entry: Uint8Array | undefined;
  for (const output of result.outputFiles) {
    files[path.relative(dir, output.path)] = output.contents.byteLength;
    if (output.path === entryFile) entry = output.contents;
    else await writeAtomically(output.path, output.contents);
  }
  if (entry === undefined) throw new Error(`esbuild wrote no ${CLI_ENTRY}`);
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith("node_modules/") && !input.includes("/node_modules/"))
    // A new dependency version (package-lock.json) or a new build setup means a new bundle, too.
    .concat(
      ["package-lock.json", "scripts/bundle-cli.ts", "scripts/bundle-functions.ts"].filter((file) =>
        existsSync(path.join(ROOT, file)),
      ),
    )
    .sort();
  const manifest: CliBundleManifest = { builtAt, inputs };
  await writeAtomically(entryFile, entry);
  await writeAtomically(path.join(dir, CLI_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  await removeStaleChunks(dir, new Set(Object.keys(files)));
  return { dir, entry: entryFile, files, manifest, metafile: result.metafile };
}

async function removeStaleChunks(dir: string, current: Set<string>): Promise<void> {
  const chunks = path.join(dir, "chunks");
  for (const name of await readdir(chunks)) {
    const file = path.join(chunks, name);
    if (current.has(path.relative(dir, file))) continue;
    try {
      if (Date.now() - (await stat(file)).mtimeMs > STALE_CHUNK_MS) await rm(file, { force: true });
    } catch {
      // removed by another build meanwhile
    }
  }
}

/** `npm run build:cli` and `npm ci`'s prepare: builds dist-cli/ and prints its files' sizes. */
async function main(): Promise<void> {
  try {
    const bundle = await buildCli();
    const total = Object.values(bundle.files).reduce((sum, bytes) => sum + bytes, 0);
    process.stdout.write(
      `kss bundle: ${path.relative(ROOT, bundle.entry)} + ${Object.keys(bundle.files).length - 1} chunks, ` +
        `${(total / 1024).toFixed(0)} KiB in all (entry ${((bundle.files[CLI_ENTRY] ?? 0) / 1024).toFixed(0)} KiB)\n`,
    );
  } catch (error) {
    process.stderr.write(`kss bundle not built: ${error instanceof Error ? error.message : String(error)}\n`);
    // `npm ci` goes on: bin/kss.mjs builds the bundle on first use, or runs the sources through tsx.
    if (process.env.npm_lifecycle_event !== "prepare") process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
