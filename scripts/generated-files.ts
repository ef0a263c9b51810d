import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** A file a generator writes: its name inside the target folder, and its whole content. */
export interface GeneratedFile {
  name: string;
  content: string;
}

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Makes `folder` (relative to the project) hold exactly `files` among the files it generates: writes each,
 * and removes other files ending in one of `ownedSuffixes` (left by a kind or event that no longer exists).
 * Used by `npm run schemas` and `npm run crds`; a unit test per generator checks the committed files.
 */
export async function writeGeneratedFiles(
  folder: string,
  files: GeneratedFile[],
  ownedSuffixes: string[],
): Promise<void> {
  const directory = join(projectRoot, folder);
  await mkdir(directory, { recursive: true });
  const wanted = new Set(files.map((f) => f.name));
  for (const existing of await readdir(directory)) {
    if (!wanted.has(existing) && ownedSuffixes.some((s) => existing.endsWith(s))) {
      await rm(join(directory, existing));
    }
  }
  for (const file of files) await writeFile(join(directory, file.name), file.content);
  process.stdout.write(`wrote ${files.length} files to ${relative(process.cwd(), directory) || "."}/\n`);
}

/** Runs a generator's main step with a one-line error and exit code 1 instead of a stack trace. */
export function runGenerator(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
