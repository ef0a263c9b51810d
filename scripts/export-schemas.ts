import { generateSchemaFiles, SCHEMAS_DIR } from "./event-schemas.ts";
import { runGenerator, writeGeneratedFiles } from "./generated-files.ts";

/**
 * `npm run schemas`: writes schemas/<event-name>.json for every event and schemas/README.md, and removes
 * files of events that no longer exist, so schemas/ is exactly what event-schemas.ts generates.
 */
runGenerator("export-schemas", () =>
  writeGeneratedFiles(SCHEMAS_DIR, generateSchemaFiles(), [".json", ".md"]),
);
