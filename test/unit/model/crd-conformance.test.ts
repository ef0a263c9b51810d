import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { RESOURCE_KINDS } from "../../../shared/model/index.ts";
import { openApiValidator } from "../../support/ajv.ts";
import { type JsonSchema, loadCrdSchemas, strictCrdSchema } from "../../support/crds.ts";
import { SAMPLES } from "../../support/model-samples.ts";

/**
 * The model must use the CRDs' field names: the API server prunes a field its CRD does not declare, so a
 * wrong name is data silently lost. Three checks: every property the model declares exists in the CRD at the
 * same path; samples with every model field set validate against the CRD with unknown fields rejected; and
 * KubeStash-shaped YAML written as users write it parses with the model.
 */

const crds = loadCrdSchemas();
const kinds = Object.entries(SAMPLES) as Array<[keyof typeof SAMPLES, unknown]>;

/** Paths of properties the model declares that the CRD does not, walking both schemas side by side. */
function undeclaredPaths(model: JsonSchema, crd: JsonSchema, at: string): string[] {
  if (crd["x-kubernetes-preserve-unknown-fields"]) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(model.properties ?? {})) {
    const crdChild = crd.properties?.[key];
    if (crdChild) out.push(...undeclaredPaths(child, crdChild, `${at}.${key}`));
    else out.push(`${at}.${key}`);
  }
  if (model.items && crd.items) out.push(...undeclaredPaths(model.items, crd.items, `${at}[]`));
  if (typeof model.additionalProperties === "object" && typeof crd.additionalProperties === "object") {
    out.push(...undeclaredPaths(model.additionalProperties, crd.additionalProperties, `${at}{}`));
  }
  return out;
}

describe("model ↔ CRD field names", () => {
  it.each(kinds.map(([kind]) => [kind]))(
    "%s: every field the model declares is declared by the CRD",
    (kind) => {
      const crd = crds.get(kind);
      expect(crd, `CRD for ${kind}`).toBeDefined();
      const modelSchema = z.toJSONSchema(RESOURCE_KINDS[kind].schema, {
        io: "input",
        unrepresentable: "any",
      }) as JsonSchema;
      const spec = undeclaredPaths(
        modelSchema.properties?.spec ?? {},
        crd?.schema.properties?.spec ?? {},
        "spec",
      );
      const status = undeclaredPaths(
        modelSchema.properties?.status ?? {},
        crd?.schema.properties?.status ?? {},
        "status",
      );
      expect([...spec, ...status]).toEqual([]);
    },
  );

  it("catches a misnamed status field (the check itself can fail)", () => {
    const wrong = z.object({ status: z.object({ sessionDeadline: z.string() }) });
    const crd = crds.get("BackupSession")?.schema ?? {};
    const paths = undeclaredPaths(
      (z.toJSONSchema(wrong) as JsonSchema).properties?.status ?? {},
      crd.properties?.status ?? {},
      "status",
    );
    expect(paths).toEqual(["status.sessionDeadline"]);
  });
});

// Compiling the BackupConfiguration CRD (12,000 lines of pod templates) takes seconds on a 2-core machine.
describe("samples with every model field set validate against the CRD", { timeout: 30_000 }, () => {
  const ajv = openApiValidator();

  it.each(kinds)("%s", (kind, sample) => {
    const crd = crds.get(kind);
    expect(crd).toBeDefined();
    const parsed = RESOURCE_KINDS[kind].schema.parse(sample);
    const validate = ajv.compile(strictCrdSchema(crd?.schema ?? {}));
    const ok = validate(parsed);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("rejects an undeclared status field, as the API server would prune it", () => {
    const crd = crds.get("BackupSession")?.schema ?? {};
    const validate = ajv.compile(strictCrdSchema(crd));
    const withWrongName = { ...SAMPLES.BackupSession, status: { sessionDeadline: "2026-11-24T10:00:00Z" } };
    expect(validate(withWrongName)).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: "sessionDeadline" });
  });
});

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
