import { describe, expect, it } from "vitest";
import {
  judgeObjectMeta,
  labelValueErrors,
  qualifiedNameErrors,
  TOTAL_ANNOTATION_SIZE_LIMIT,
} from "../../../shared/decide/manifests/object-meta.ts";

/**
 * metadata on create, as the API server judges it for a custom resource (apimachinery's objectmeta.go; most
 * cases also tried by hand with kubectl create --dry-run=server on kube-apiserver 1.37, and the metadata
 * mutations of the differential test hold them against the server in the suite).
 */

const paths = (metadata: unknown, namespaced = true) =>
  judgeObjectMeta(metadata, namespaced).issues.map((i) => i.path);

describe("judgeObjectMeta: accepted", () => {
  it.each<[string, unknown]>([
    ["a plain name", { name: "demo", namespace: "demo" }],
    ["a dotted name of 253 characters", { name: `${"a".repeat(125)}.${"b".repeat(127)}` }],
    ["generateName alone", { generateName: "gen-" }],
    ["empty labels and finalizers lines (null)", { name: "x", labels: null, finalizers: null }],
    ["an empty label value and annotation", { name: "x", labels: { a: "" }, annotations: { a: "" } }],
    ["a null label value (read as empty)", { name: "x", labels: { a: null } }],
    ["a finalizer without a domain (a warning only)", { name: "x", finalizers: ["nodomain", "kubernetes"] }],
    ["the same finalizer twice", { name: "x", finalizers: ["a.com/x", "a.com/x"] }],
    [
      "server-set fields, which create overwrites",
      {
        name: "x",
        uid: "zz",
        generation: 7,
        creationTimestamp: null,
        resourceVersion: "12",
        selfLink: "/x",
        deletionTimestamp: "2020-01-01T00:00:00Z",
        deletionGracePeriodSeconds: 5,
      },
    ],
    [
      "managedFields with any operation (reset on create)",
      { name: "x", managedFields: [{ manager: "m", operation: "Bogus" }] },
    ],
    [
      "an owner reference with a name that is no DNS name",
      { name: "x", ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "Bad:Name", uid: "u" }] },
    ],
    ["mixed-case annotation keys", { name: "x", annotations: { "UPPER/x": "ok" } }],
    ["a namespace on a cluster-scoped kind (dropped)", { name: "x", namespace: "Bad_NS" }],
  ])("%s", (_case, metadata) => {
    const namespaced = _case !== "a namespace on a cluster-scoped kind (dropped)";
    expect(judgeObjectMeta(metadata, namespaced).issues).toEqual([]);
  });
});

describe("judgeObjectMeta: rejected, at the server's path", () => {
  it.each<[string, unknown, string[]]>([
    ["no name", {}, ["metadata.name"]],
    ["metadata: null", null, ["metadata.name"]],
    ["an empty name", { name: "" }, ["metadata.name"]],
    ["a colon in the name", { name: "colon:name" }, ["metadata.name"]],
    ["a name of 254 characters", { name: "a".repeat(254) }, ["metadata.name"]],
    [
      "an upper-case generateName, and the name made from it",
      { generateName: "Ab-" },
      ["metadata.generateName", "metadata.name"],
    ],
    ["a bad generateName beside a good name", { name: "x", generateName: "Bad" }, ["metadata.generateName"]],
    ["an invalid namespace", { name: "x", namespace: "Bad_NS" }, ["metadata.namespace"]],
    ["an unknown metadata field", { name: "x", "x-custom": 1 }, ["metadata.x-custom"]],
    ["Name instead of name (keys are case-sensitive)", { Name: "x" }, ["metadata.Name"]],
    ["constructor as a metadata field", { name: "x", constructor: 1 }, ["metadata.constructor"]],
    [
      "an unknown field of an owner reference",
      { name: "x", ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", bad: 1 }] },
      ["metadata.ownerReferences[0].bad"],
    ],
    ["labels that are not a map", { name: "x", labels: 5 }, ["metadata.labels"]],
    ["a generation that is a string", { name: "x", generation: "5" }, ["metadata.generation"]],
    [
      "a creationTimestamp that is no time",
      { name: "x", creationTimestamp: "notatime" },
      ["metadata.creationTimestamp"],
    ],
    [
      "an annotation that is a boolean (yes)",
      { name: "x", annotations: { b: true } },
      ["metadata.annotations.b"],
    ],
    ["a label key with two slashes", { name: "x", labels: { "a/b/c": "x" } }, ["metadata.labels"]],
    ["a label value with a space", { name: "x", labels: { k: "bad value" } }, ["metadata.labels.k"]],
    ["a label value of 64 characters", { name: "x", labels: { k: "a".repeat(64) } }, ["metadata.labels.k"]],
    [
      "an annotation key with a space",
      { name: "x", annotations: { "Bad Key": "v" } },
      ["metadata.annotations"],
    ],
    [
      "annotations over 256 KiB",
      { name: "x", annotations: { k: "v".repeat(TOTAL_ANNOTATION_SIZE_LIMIT) } },
      ["metadata.annotations"],
    ],
    ["an empty finalizer", { name: "x", finalizers: [""] }, ["metadata.finalizers", "metadata.finalizers"]],
    [
      "orphan and foregroundDeletion together",
      { name: "x", finalizers: ["orphan", "foregroundDeletion"] },
      ["metadata.finalizers"],
    ],
    [
      "an owner reference without uid",
      { name: "x", ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p" }] },
      ["metadata.ownerReferences[0].uid"],
    ],
    [
      "an Event as owner",
      { name: "x", ownerReferences: [{ apiVersion: "v1", kind: "Event", name: "e", uid: "u" }] },
      ["metadata.ownerReferences[0]"],
    ],
    [
      "an owner apiVersion with two slashes",
      { name: "x", ownerReferences: [{ apiVersion: "a/b/c", kind: "Pod", name: "p", uid: "u" }] },
      ["metadata.ownerReferences[0].apiVersion"],
    ],
    [
      "two controllers",
      {
        name: "x",
        ownerReferences: [
          { apiVersion: "v1", kind: "Pod", name: "a", uid: "1", controller: true },
          { apiVersion: "v1", kind: "Pod", name: "b", uid: "2", controller: true },
        ],
      },
      ["metadata.ownerReferences"],
    ],
  ])("%s", (_case, metadata, expected) => {
    expect(paths(metadata)).toEqual(expected);
  });

  it("annotations at exactly 256 KiB pass (keys and values counted in UTF-8 bytes)", () => {
    const annotatedWith = (n: number) => ({ name: "x", annotations: { k: "é".repeat(n) } });
    const limit = (TOTAL_ANNOTATION_SIZE_LIMIT - 1) / 2; // "k" + 2 bytes per é
    expect(paths(annotatedWith(limit))).toEqual([]);
    expect(paths(annotatedWith(limit + 1))).toEqual(["metadata.annotations"]);
  });

  it("keeps the metadata as the server does: nulls dropped", () => {
    expect(judgeObjectMeta({ name: "x", labels: null, uid: null }, true).metadata).toEqual({ name: "x" });
  });
});

describe("qualified names and label values", () => {
  it.each([
    ["app", 0],
    ["example.com/app", 0],
    ["UPPER.com/x", 1],
    ["/x", 1],
    ["x/", 2],
    ["a".repeat(63), 0],
    ["a".repeat(64), 1],
    [`${"a".repeat(254)}/x`, 1],
  ])("%s: %i problem(s)", (key, count) => {
    expect(qualifiedNameErrors(key)).toHaveLength(count);
  });

  it.each([
    ["", 0],
    ["x_y.z", 0],
    ["-x", 1],
    ["a".repeat(64), 1],
  ])("label value %s: %i problem(s)", (value, count) => {
    expect(labelValueErrors(value)).toHaveLength(count);
  });
});
