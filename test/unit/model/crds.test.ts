import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CRDS_DIR, generateCrdFiles } from "../../../scripts/crd-files.ts";
import { Int32, Int64, OpenObject, ruleOnly, Time } from "../../../shared/model/common.ts";
import { type StructuralSchema, structuralSchemaOf } from "../../../shared/model/crd-schema.ts";
import { CRD_KINDS, customResourceDefinition } from "../../../shared/model/crds.ts";
import { RESOURCE_KINDS } from "../../../shared/model/index.ts";
import { openApiValidator } from "../../support/ajv.ts";
import { loadCrdSchemas, OUR_CRD_DIR, strictCrdSchema } from "../../support/crds.ts";
import { SAMPLES } from "../../support/model-samples.ts";

/** The CRDs the project carries (infra/crds), generated from the model (docs/crds.md). */

const generated = generateCrdFiles();

describe("committed infra/crds/ is what `npm run crds` generates now", () => {
  it("holds exactly the generated files (run `npm run crds` when this fails)", () => {
    expect(readdirSync(OUR_CRD_DIR).sort()).toEqual(generated.map((f) => f.name).sort());
  });

  it.each(generated.map((f) => [f.name, f.content]))("%s is up to date", (name, content) => {
    expect(readFileSync(`${OUR_CRD_DIR}/${name}`, "utf8")).toBe(content);
  });

  it("writes them where the control plane installs them from", () =>
    expect(OUR_CRD_DIR).toMatch(new RegExp(`${CRDS_DIR}$`)));
});

/** Paths that break the API server's structural-schema rules: a node with no type that does not keep fields. */
function unstructured(node: StructuralSchema, at: string): string[] {
  const out: string[] = [];
  if (!node.type && !node["x-kubernetes-preserve-unknown-fields"]) out.push(at);
  if (node.type === "array" && !node.items) out.push(`${at}[] (array without items)`);
  for (const [key, child] of Object.entries(node.properties ?? {}))
    out.push(...unstructured(child, `${at}.${key}`));
  if (node.items) out.push(...unstructured(node.items, `${at}[]`));
  if (node.additionalProperties) out.push(...unstructured(node.additionalProperties, `${at}{}`));
  return out;
}

describe("generated CRDs", () => {
  it.each(CRD_KINDS)("%s: every node of the schema is structural", (kind) => {
    const schema = customResourceDefinition(kind).spec.versions[0]?.schema.openAPIV3Schema;
    expect(schema && unstructured(schema, "")).toEqual([]);
  });

  // Compiling the BackupConfiguration schema takes a moment on a 2-core machine.
  it.each(Object.entries(SAMPLES) as Array<[keyof typeof SAMPLES, unknown]>)(
    "%s: a sample with every model field set validates with unknown fields rejected",
    { timeout: 30_000 },
    (kind, sample) => {
      const schema = loadCrdSchemas(OUR_CRD_DIR).get(kind)?.schema;
      expect(schema).toBeDefined();
      const validate = openApiValidator().compile(strictCrdSchema(schema ?? {}));
      const ok = validate(RESOURCE_KINDS[kind].schema.parse(sample));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    },
  );
});

describe("structuralSchemaOf: how a zod model becomes a CRD schema", () => {
  const of = (field: z.ZodType) =>
    structuralSchemaOf(z.object({ spec: z.object({ field }) })).properties?.spec;

  it.each<[string, z.ZodType, StructuralSchema]>([
    ["an int32 field", Int32.optional(), { type: "integer", format: "int32" }],
    ["an int64 field", Int64.optional(), { type: "integer", format: "int64" }],
    ["a time", Time.optional(), { type: "string", format: "date-time" }],
    ["an enum", z.enum(["A", "B"]).optional(), { type: "string", enum: ["A", "B"] }],
    [
      "an enum that is KubeStash's rule, not its schema",
      ruleOnly(z.enum(["A", "B"]), "enum").optional(),
      { type: "string" },
    ],
    ["a default", z.string().default("Delete"), { type: "string", default: "Delete" }],
    [
      "a default that is our rule only",
      ruleOnly(z.number().int().default(0), "default"),
      { type: "integer", format: "int64" },
    ],
    [
      "an open subtree",
      OpenObject.optional(),
      { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    ],
    [
      "a map of strings",
      z.record(z.string(), z.string()).optional(),
      { type: "object", additionalProperties: { type: "string" } },
    ],
    [
      "a list of open objects",
      z.array(OpenObject).optional(),
      { type: "array", items: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
    ],
    ["anything", z.unknown().optional(), { "x-kubernetes-preserve-unknown-fields": true }],
    ["a nullable string", z.string().nullable().optional(), { type: "string" }],
  ])("%s", (_name, field, expected) => {
    expect(of(field)).toEqual({ type: "object", properties: { field: expected } });
  });

  it("declares a loose object's known fields only, so the API server prunes the rest", () => {
    const spec = structuralSchemaOf(
      z.object({ spec: z.looseObject({ a: z.string(), b: z.boolean().optional() }) }),
    ).properties?.spec;
    expect(spec).toEqual({
      type: "object",
      required: ["a"],
      properties: { a: { type: "string" }, b: { type: "boolean" } },
    });
  });

  it("leaves out a required field that is KubeStash's rule only, and the root's required list", () => {
    const root = structuralSchemaOf(
      z.object({ spec: z.object({ a: ruleOnly(z.string(), "required"), b: z.string() }) }),
    );
    expect(root.required).toBeUndefined();
    expect(root.properties?.spec?.required).toEqual(["b"]);
  });

  it("keeps metadata to `type: object`, as the API server requires", () => {
    const root = structuralSchemaOf(z.object({ metadata: z.object({ name: z.string() }) }));
    expect(root.properties?.metadata).toEqual({ type: "object" });
  });

  it("refuses a union, which a structural schema cannot express", () => {
    expect(() =>
      structuralSchemaOf(z.object({ spec: z.object({ v: z.union([z.string(), z.number()]) }) })),
    ).toThrow(/\.spec\.v: unions cannot be expressed/);
  });
});
