import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  CRD_SCHEMAS_DIR,
  CRD_SCHEMAS_FILE,
  CRDS_DIR,
  generateCrdSchemaFile,
  generateCrdSchemaFileFromModel,
} from "../../../scripts/crd-files.ts";
import { CRD_SCHEMAS, crdSchemaFor } from "../../../shared/model/crd-schemas.ts";
import { CRD_KINDS } from "../../../shared/model/crds.ts";
import { RESOURCE_KINDS } from "../../../shared/model/index.ts";

/**
 * The CRD schemas kss validate judges by (shared/model/crds.generated.json) are the CRDs of infra/crds/, the
 * ones the test control plane and `npm start` install: one source for all three.
 */

const ROOT = path.resolve(import.meta.dirname, "../../..");

function crdsOnDisk(): unknown[] {
  const dir = path.join(ROOT, CRDS_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS()));
}

describe("crds.generated.json", () => {
  it("is what infra/crds/ holds (run `npm run crds` when this fails)", () => {
    const committed = readFileSync(path.join(ROOT, CRD_SCHEMAS_DIR, CRD_SCHEMAS_FILE), "utf8");
    expect(committed).toBe(generateCrdSchemaFile(crdsOnDisk()).content);
  });

  it("is what the model generates now", () => {
    const committed = readFileSync(path.join(ROOT, CRD_SCHEMAS_DIR, CRD_SCHEMAS_FILE), "utf8");
    expect(committed).toBe(generateCrdSchemaFileFromModel().content);
  });

  it("holds one entry per kind the project has a CRD for, found by apiVersion and kind", () => {
    expect(CRD_SCHEMAS.map((c) => c.kind).sort()).toEqual([...CRD_KINDS].sort());
    for (const kind of CRD_KINDS.map((k) => RESOURCE_KINDS[k])) {
      const entry = crdSchemaFor(kind.apiVersion, kind.kind);
      expect(entry?.plural).toBe(kind.plural);
      expect(entry?.namespaced).toBe(kind.namespaced);
    }
  });
});
