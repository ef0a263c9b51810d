import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CRD_KINDS, customResourceDefinition } from "../../../shared/model/crds.ts";
import { RESOURCE_KINDS } from "../../../shared/model/index.ts";
import { openApiValidator } from "../../support/ajv.ts";
import {
  KUBESTASH_CRD_DIR,
  kubestashCrdsMissing,
  loadCrds,
  schemaDifferences,
  strictCrdSchema,
} from "../../support/crds.ts";
import { SAMPLES } from "../../support/model-samples.ts";

/**
 * Our CRDs must agree with KubeStash's published ones (docs/crds.md#conformance-with-kubestashs-crds): in a user's
 * cluster KubeStash's CRDs are installed, and their API server prunes any field its schema does not declare, so a
 * field we write under a wrong name is data silently lost. These tests read KubeStash's CRDs from ../shared/crds
 * (the team's machines and CI) or KUBESTASH_CRDS_DIR; a clone without them says why in one line, never passes.
 */

const missing = kubestashCrdsMissing();
if (missing) process.stderr.write(`crd-conformance: not run: ${missing}\n`);

describe.skipIf(missing !== undefined)("our CRDs ↔ KubeStash's published CRDs", () => {
  const theirs = missing ? new Map() : loadCrds(KUBESTASH_CRD_DIR);

  it.each(CRD_KINDS)(
    "%s: names, scope, versions, printer columns and subresources are KubeStash's",
    (kind) => {
      const ours = customResourceDefinition(kind);
      const crd = theirs.get(kind);
      expect(crd, `KubeStash CRD for ${kind} in ${KUBESTASH_CRD_DIR}`).toBeDefined();
      expect(ours.metadata.name).toBe(crd?.metadata.name);
      expect(ours.spec.group).toBe(crd?.spec.group);
      expect(ours.spec.scope).toBe(crd?.spec.scope);
      expect(ours.spec.names).toEqual(crd?.spec.names);
      const [o] = ours.spec.versions;
      const [t] = crd?.spec.versions ?? [];
      expect({ name: o?.name, served: o?.served, storage: o?.storage }).toEqual({
        name: t?.name,
        served: t?.served,
        storage: t?.storage,
      });
      expect(o?.additionalPrinterColumns).toEqual(t?.additionalPrinterColumns);
      expect(o?.subresources ?? {}).toEqual(t?.subresources ?? {});
    },
  );

  // Both directions at once: a field only we declare is pruned by KubeStash's API server (lost in a real
  // cluster); a field only they declare is pruned by ours (lost in tests); types, formats, enums, defaults and
  // required lists agree wherever neither side keeps the subtree open.
  it.each(CRD_KINDS)(
    "%s: the schema declares the same fields with the same type, format, enum and default",
    (kind) => {
      const ours = customResourceDefinition(kind).spec.versions[0]?.schema.openAPIV3Schema ?? {};
      const crd = theirs.get(kind)?.spec.versions[0]?.schema.openAPIV3Schema ?? {};
      expect(schemaDifferences(ours, crd)).toEqual([]);
    },
  );

  it("catches a misnamed status field and a wrong enum (the comparison itself can fail)", () => {
    const crd = theirs.get("BackupSession")?.spec.versions[0]?.schema.openAPIV3Schema ?? {};
    const ours = structuredClone(
      customResourceDefinition("BackupSession").spec.versions[0]?.schema.openAPIV3Schema,
    );
    const status = ours?.properties?.status;
    if (!status?.properties) throw new Error("BackupSession status has no properties");
    status.properties.sessionDeadline = { type: "string" };
    const phase = status.properties.phase;
    if (phase) phase.enum = ["Pending", "Done"];
    expect(schemaDifferences(ours ?? {}, crd)).toEqual([
      { path: ".status.phase", what: expect.stringContaining("enum: ours") },
      { path: ".status.sessionDeadline", what: "declared by ours only: KubeStash's API server prunes it" },
    ]);
  });

  // Compiling the BackupConfiguration CRD (12,000 lines of pod templates) takes seconds on a 2-core machine.
  describe("samples with every model field set validate against KubeStash's CRDs", {
    timeout: 30_000,
  }, () => {
    const ajv = openApiValidator();
    const kinds = Object.entries(SAMPLES) as Array<[keyof typeof SAMPLES, unknown]>;

    it.each(kinds)("%s", (kind, sample) => {
      const crd = theirs.get(kind)?.spec.versions[0]?.schema.openAPIV3Schema;
      expect(crd).toBeDefined();
      const validate = ajv.compile(strictCrdSchema(crd ?? {}));
      const ok = validate(RESOURCE_KINDS[kind].schema.parse(sample));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  });
});

if (missing) {
  describe("our CRDs ↔ KubeStash's published CRDs", () => {
    it.skip(`not run: ${missing}`, () => {});
  });
}

describe("KubeStash-shaped YAML parses with the model", () => {
  const dir = path.resolve(import.meta.dirname, "../../fixtures/kubestash");
  const documents = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map((doc, i) => {
        const object = doc.toJS() as { kind: keyof typeof RESOURCE_KINDS; metadata: { name: string } };
        return [`${file}#${i} ${object.kind}/${object.metadata.name}`, object] as const;
      }),
    );

  it("has fixtures", () => expect(documents.length).toBeGreaterThanOrEqual(8));

  it.each(documents)("%s", (_label, object) => {
    const kind = RESOURCE_KINDS[object.kind];
    expect(kind, `modeled kind ${object.kind}`).toBeDefined();
    const result = kind.schema.safeParse(object);
    expect(result.error?.issues ?? []).toEqual([]);
  });
});
