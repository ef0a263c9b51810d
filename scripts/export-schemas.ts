import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSchemaFiles, SCHEMAS_DIR } from "./event-schemas.ts";

/**
 * `npm run schemas`: writes schemas/<event-name>.json for every event and schemas/README.md, and removes
 * files of events that no longer exist, so schemas/ is exactly what event-schemas.ts generates.
 */

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

async function exportSchemas(directory: string): Promise<string[]> {
  const files = generateSchemaFiles();
  await mkdir(directory, { recursive: true });
  const wanted = new Set(files.map((f) => f.name));
  for (const existing of await readdir(directory)) {
    if (!wanted.has(existing)) await rm(join(directory, existing));
  }
  for (const file of files) await writeFile(join(directory, file.name), file.content);
  return files.map((f) => f.name);
}

const directory = join(projectRoot, SCHEMAS_DIR);
try {
  const written = await exportSchemas(directory);
  process.stdout.write(`wrote ${written.length} files to ${relative(process.cwd(), directory) || "."}/\n`);
} catch (error) {
  process.stderr.write(`export-schemas: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
