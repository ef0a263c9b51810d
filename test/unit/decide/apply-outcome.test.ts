import { describe, expect, it } from "vitest";
import {
  type ApplyObservation,
  type ApplyOutcome,
  appliedBy,
  classifyApply,
  diffObjects,
  fieldOwners,
} from "../../../shared/decide/manifests/apply-outcome.ts";

const US = "kubestash-serverless";

interface Managed {
  manager: string;
  operation: "Apply" | "Update";
  fieldsV1: object;
}

/** A RetentionPolicy as the API server returns it: bookkeeping metadata, managedFields, the given spec. */
function policy(spec: object, managedFields: Managed[] = [], extra: object = {}) {
  return {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "RetentionPolicy",
    metadata: {
      name: "keep",
      namespace: "demo",
      uid: "6f1c",
      resourceVersion: "100",
      generation: 1,
      creationTimestamp: "2026-11-26T12:00:00Z",
      labels: { team: "platform" },
      managedFields: managedFields.map((m) => ({ ...m, apiVersion: "v1alpha1", fieldsType: "FieldsV1" })),
      ...extra,
    },
    spec,
  };
}

const ourFields = {
  "f:metadata": { "f:labels": { "f:team": {} } },
  "f:spec": { "f:successfulSnapshots": { "f:last": {} } },
};
const applied: Managed = { manager: US, operation: "Apply", fieldsV1: ourFields };
const editedLast: Managed = {
  manager: "kubectl-edit",
  operation: "Update",
  fieldsV1: { "f:spec": { "f:successfulSnapshots": { "f:last": {} } } },
};
const gitops: Managed = { manager: "gitops", operation: "Apply", fieldsV1: ourFields };

const keep = (last: number) => ({ successfulSnapshots: { last } });

describe("classifyApply: what a server-side apply did to one object", () => {
  it.each<[string, Omit<ApplyObservation, "fieldManager">, ApplyOutcome]>([
    [
      "no live object: created",
      { before: undefined, after: policy(keep(10), [applied]), conflicted: false },
      { result: "created", changes: [], managers: [] },
    ],
    [
      "the same fields, only bookkeeping differs (resourceVersion, managedFields): unchanged",
      {
        before: policy(keep(10), [applied]),
        after: policy(keep(10), [applied, editedLast], { resourceVersion: "101", generation: 2 }),
        conflicted: false,
      },
      { result: "unchanged", changes: [], managers: [] },
    ],
    [
      "status differs only: unchanged (apply never writes status)",
      {
        before: { ...policy(keep(10), [applied]), status: { phase: "Ready" } },
        after: policy(keep(10), [applied]),
        conflicted: false,
      },
      { result: "unchanged", changes: [], managers: [] },
    ],
    [
      "the file raised a value: changed, with the field",
      { before: policy(keep(10), [applied]), after: policy(keep(20), [applied]), conflicted: false },
      {
        result: "changed",
        changes: [{ path: "spec.successfulSnapshots.last", before: 10, after: 20 }],
        managers: [],
      },
    ],
    [
      "the file dropped a field and added one: changed, unset sides left out",
      {
        before: policy({ successfulSnapshots: { last: 10 }, default: true }, [applied]),
        after: policy({ successfulSnapshots: { last: 10, daily: 7 } }, [applied]),
        conflicted: false,
      },
      {
        result: "changed",
        changes: [
          { path: "spec.default", before: true },
          { path: "spec.successfulSnapshots.daily", after: 7 },
        ],
        managers: [],
      },
    ],
    [
      "a hand edit took a field we applied: drifted, live → file, naming the editor",
      {
        before: policy(keep(99), [applied, editedLast]),
        after: policy(keep(10), [applied]),
        conflicted: true,
      },
      {
        result: "drifted",
        changes: [{ path: "spec.successfulSnapshots.last", before: 99, after: 10 }],
        managers: ["kubectl-edit"],
      },
    ],
    [
      "an object another tool applies and we never did: conflict, naming the tool",
      { before: policy(keep(3), [gitops]), after: policy(keep(10), [gitops]), conflicted: true },
      {
        result: "conflict",
        changes: [{ path: "spec.successfulSnapshots.last", before: 3, after: 10 }],
        managers: ["gitops"],
      },
    ],
  ])("%s", (_scenario, observation, expected) => {
    expect(classifyApply({ ...observation, fieldManager: US })).toEqual(expected);
  });
});

describe("diffObjects", () => {
  it("walks lists of the same length item by item, and quotes keys that are not plain", () => {
    const before = {
      metadata: { labels: { "app.kubernetes.io/name": "a" } },
      spec: { s: [{ n: 1 }, { n: 2 }] },
    };
    const after = {
      metadata: { labels: { "app.kubernetes.io/name": "b" } },
      spec: { s: [{ n: 1 }, { n: 3 }] },
    };

    expect(diffObjects(before, after)).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', before: "a", after: "b" },
      { path: "spec.s[1].n", before: 2, after: 3 },
    ]);
  });

  it("reports a list whose length changed as one field", () => {
    expect(diffObjects({ spec: { s: [1] } }, { spec: { s: [1, 2] } })).toEqual([
      { path: "spec.s", before: [1], after: [1, 2] },
    ]);
  });
});

describe("field ownership from managedFields", () => {
  const live = policy(keep(99), [
    applied,
    editedLast,
    {
      manager: "labeler",
      operation: "Update",
      fieldsV1: { "f:metadata": { "f:labels": { "f:app.kubernetes.io/name": {} } } },
    },
  ]);

  it.each([
    ["spec.successfulSnapshots.last", ["kubectl-edit", US]],
    ["metadata.labels.team", [US]],
    ['metadata.labels["app.kubernetes.io/name"]', ["labeler"]],
    ["spec.default", []],
    ["spec.successfulSnapshots.daily", []],
  ])("%s is owned by %j", (path, owners) => {
    expect(fieldOwners(live, path)).toEqual(owners);
  });

  it("appliedBy: only an Apply entry of the manager counts", () => {
    expect(appliedBy(live, US)).toBe(true);
    expect(appliedBy(live, "kubectl-edit")).toBe(false);
    expect(appliedBy(undefined, US)).toBe(false);
  });
});
