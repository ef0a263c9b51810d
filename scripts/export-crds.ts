import {
  CRD_SCHEMAS_DIR,
  CRD_SCHEMAS_FILE,
  CRDS_DIR,
  generateCrdFiles,
  generateCrdSchemaFileFromModel,
} from "./crd-files.ts";
import { runGenerator, writeGeneratedFiles } from "./generated-files.ts";

/**
 * `npm run crds`: writes infra/crds/ to be exactly the CRDs the model generates now, and their schemas as
 * shared/model/crds.generated.json for `kss validate` (shared/model/crd-schemas.ts).
 */
runGenerator("export-crds", async () => {
  await writeGeneratedFiles(CRDS_DIR, generateCrdFiles(), [".yaml"]);
  await writeGeneratedFiles(CRD_SCHEMAS_DIR, [generateCrdSchemaFileFromModel()], [CRD_SCHEMAS_FILE]);
});
