import { CRDS_DIR, generateCrdFiles } from "./crd-files.ts";
import { runGenerator, writeGeneratedFiles } from "./generated-files.ts";

/** `npm run crds`: writes infra/crds/ to be exactly the CRDs the model generates now. */
runGenerator("export-crds", () => writeGeneratedFiles(CRDS_DIR, generateCrdFiles(), [".yaml"]));
