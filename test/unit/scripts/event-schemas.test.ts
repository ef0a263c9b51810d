import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSchemaFiles, SCHEMAS_DIR } from "../../../scripts/event-schemas.ts";
import { EVENTS } from "../../../shared/model/events/index.ts";
import { draft2020Validator } from "../../support/ajv.ts";
import { SAMPLE_EVENTS } from "../../support/event-samples.ts";

const schemasDir = join(import.meta.dirname, "../../..", SCHEMAS_DIR);
const generated = generateSchemaFiles();
const eventNames = Object.keys(EVENTS) as Array<keyof typeof EVENTS>;

function committedSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemasDir, `${name}.json`), "utf8"));
}

describe("committed schemas/ are what `npm run schemas` generates now", () => {
  it("holds exactly the generated files (run `npm run schemas` when this fails)", () => {
    expect(readdirSync(schemasDir).sort()).toEqual(generated.map((file) => file.name).sort());
  });

  it.each(generated.map((file) => [file.name, file.content]))("%s is up to date", (name, content) => {
    expect(readFileSync(join(schemasDir, name), "utf8")).toBe(content);
  });
});

describe("exported JSON Schemas", () => {
  it.each(eventNames)("%s: names its draft, id, detail-type and description", (name) => {
    const schema = committedSchema(name);
    expect(schema).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: `urn:kubestash-serverless:events:${name}`,
      title: EVENTS[name].detailType,
      description: EVENTS[name].description,
      type: "object",
    });
  });

  it.each(eventNames)("%s: the sample event validates with ajv, as with zod", (name) => {
    const validate = draft2020Validator().compile(committedSchema(name));
    const sample = SAMPLE_EVENTS[name];

    expect(EVENTS[name].envelope.safeParse(sample).success).toBe(true);
    expect(validate(sample), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(eventNames)(
    "%s: ajv rejects what zod rejects (unknown detail field, wrong detail-type)",
    (name) => {
      const validate = draft2020Validator().compile(committedSchema(name));
      const sample = SAMPLE_EVENTS[name];
      const withExtraField = { ...sample, detail: { ...sample.detail, unexpected: true } };
      const withOtherType = { ...sample, "detail-type": "Something Else" };

      for (const bad of [withExtraField, withOtherType]) {
        expect(EVENTS[name].envelope.safeParse(bad).success).toBe(false);
        expect(validate(bad)).toBe(false);
      }
    },
  );

  it("README lists every event with its detail-type and source", () => {
    const readme = readFileSync(join(schemasDir, "README.md"), "utf8");

    for (const name of eventNames) {
      expect(readme).toContain(`[${name}.json](${name}.json) | \`${EVENTS[name].detailType}\``);
    }
    expect(readme).toContain("| `Backup Trigger Requested` | any (sent by other systems) |");
    expect(readme).toContain("| `Schedule Tick` | `kubestash-serverless` |");
  });
});
