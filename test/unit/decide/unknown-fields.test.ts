import { describe, expect, it } from "vitest";
import { z } from "zod";
import { unknownFields } from "../../../shared/decide/unknown-fields.ts";
import { RESOURCE_KINDS } from "../../../shared/model/index.ts";
import { SAMPLES } from "../../support/model-samples.ts";

/** The issue for an unknown field at `path`: its message names the field's own key. */
const unknownAt = (path: string) => ({ path, message: `unknown field "${/[^.]+$/.exec(path)?.[0]}"` });

const session = (extra: Record<string, unknown>) => ({
  apiVersion: "core.kubestash.com/v1alpha1",
  kind: "BackupConfiguration",
  metadata: { name: "sample", namespace: "demo" },
  spec: {
    sessions: [
      {
        name: "hourly",
        scheduler: { schedule: "0 * * * *", jobTemplate: { backoffLimit: 1, template: {} } },
      },
      { name: "daily", ...extra },
    ],
  },
});

describe("unknownFields on KubeStash resources", () => {
  it.each<[string, z.ZodType, unknown, string[]]>([
    ["a top-level field", RESOURCE_KINDS.RetentionPolicy.schema, { spec: {}, specs: {} }, ["specs"]],
    [
      "a field of an array element, by index",
      RESOURCE_KINDS.BackupConfiguration.schema,
      session({ backupTimout: "1h" }),
      ["spec.sessions[1].backupTimout"],
    ],
    [
      "a field of an optional object inside an array element",
      RESOURCE_KINDS.BackupConfiguration.schema,
      session({ scheduler: { schedule: "0 0 * * *", timeZone: "UTC", jobTemplate: {} } }),
      ["spec.sessions[1].scheduler.timeZone"],
    ],
    [
      "a field under a defaulted field's object (hooks[].maxRetry has a default)",
      RESOURCE_KINDS.BackupConfiguration.schema,
      session({ hooks: { preBackup: [{ name: "h", hookTemplate: { name: "t", nmespace: "demo" } }] } }),
      ["spec.sessions[1].hooks.preBackup[0].hookTemplate.nmespace"],
    ],
    [
      "a field of an object inside a record of objects (Snapshot status.components)",
      RESOURCE_KINDS.Snapshot.schema,
      { spec: {}, status: { components: { dump: { phase: "Succeeded", sizes: "1 GiB" } } } },
      ["status.components.dump.sizes"],
    ],
    [
      "several at once, in input order",
      RESOURCE_KINDS.RetentionPolicy.schema,
      { spec: { successfulSnapshots: { last: 1, dayly: 7 }, failedSnapshot: { last: 1 } }, extra: 1 },
      ["spec.successfulSnapshots.dayly", "spec.failedSnapshot", "extra"],
    ],
  ])("reports %s", (_scenario, schema, input, paths) => {
    expect(unknownFields(schema, input)).toEqual(paths.map(unknownAt));
  });

  it.each<[string, z.ZodType, unknown]>([
    [
      "ObjectMeta's contents (managedFields, anything else)",
      RESOURCE_KINDS.RetentionPolicy.schema,
      { metadata: { name: "x", managedFields: [{ manager: "kubectl" }], whatever: 1 }, spec: {} },
    ],
    [
      "open objects (jobTemplate, addon task params, pod templates)",
      RESOURCE_KINDS.BackupConfiguration.schema,
      session({
        scheduler: {
          schedule: "@daily",
          jobTemplate: { backoffLimit: 1, template: { spec: { anything: true } } },
        },
        addon: {
          name: "workload-addon",
          tasks: [{ name: "logical-backup", params: { paths: "/data", x: 1 } }],
        },
      }),
    ],
    [
      "values of a record of strings (labels)",
      z.object({ labels: z.record(z.string(), z.string()) }),
      { labels: { any: "thing" } },
    ],
    [
      "input of the wrong type (the schema's parse reports that)",
      RESOURCE_KINDS.BackupConfiguration.schema,
      { spec: { sessions: "daily" } },
    ],
  ])("ignores %s", (_scenario, schema, input) => {
    expect(unknownFields(schema, input)).toEqual([]);
  });

  it.each(Object.entries(SAMPLES))("%s with every model field set has no unknown field", (kind, sample) => {
    const schema = RESOURCE_KINDS[kind as keyof typeof SAMPLES].schema;

    expect(unknownFields(schema, sample)).toEqual([]);
  });
});

describe("unknownFields through zod wrappers", () => {
  const Inner = z.object({ known: z.string() });
  const value = { known: "k", unknown: 1 };

  it.each<[string, z.ZodType, unknown, string]>([
    ["optional", z.object({ inner: Inner.optional() }), { inner: value }, "inner.unknown"],
    ["nullable", z.object({ inner: Inner.nullable() }), { inner: value }, "inner.unknown"],
    ["default", z.object({ inner: Inner.default({ known: "x" }) }), { inner: value }, "inner.unknown"],
    ["prefault", z.object({ inner: Inner.prefault({ known: "x" }) }), { inner: value }, "inner.unknown"],
    ["readonly", z.object({ inner: Inner.readonly() }), { inner: value }, "inner.unknown"],
    ["catch", z.object({ inner: Inner.catch({ known: "x" }) }), { inner: value }, "inner.unknown"],
    [
      "pipe (its input side)",
      z.object({ inner: Inner.transform((v) => v.known) }),
      { inner: value },
      "inner.unknown",
    ],
    ["array of objects", z.object({ inner: z.array(Inner) }), { inner: [value] }, "inner[0].unknown"],
    [
      "record of optional objects",
      z.object({ inner: z.record(z.string(), Inner.optional()) }),
      { inner: { a: value } },
      "inner.a.unknown",
    ],
  ])("%s", (_wrapper, schema, input, path) => {
    expect(unknownFields(schema, input)).toEqual([unknownAt(path)]);
  });

  it("a strict object's own unknown keys are reported too (zod also rejects them)", () => {
    expect(unknownFields(z.strictObject({ a: z.string() }), { a: "x", b: 1 })).toEqual([
      { path: "b", message: 'unknown field "b"' },
    ]);
  });
});
