import { describe, expect, it } from "vitest";
import { type EventPattern, matchesPattern } from "../../../local/event-pattern.ts";

const event = {
  source: "kubestash-serverless",
  "detail-type": "BackupSession Phase Changed",
  resources: ["cluster/prod", "ns/demo"],
  detail: { clusterId: "prod-eu", newPhase: "Failed", retryLeft: 2, tags: ["a", "b"], note: null },
};

describe("matchesPattern (EventBridge semantics)", () => {
  it.each<[string, EventPattern, boolean]>([
    ["exact source", { source: ["kubestash-serverless"] }, true],
    ["one of several sources", { source: ["other", "kubestash-serverless"] }, true],
    ["wrong source", { source: ["other"] }, false],
    [
      "source and detail-type",
      { source: ["kubestash-serverless"], "detail-type": ["BackupSession Phase Changed"] },
      true,
    ],
    ["nested detail field", { detail: { newPhase: ["Failed"] } }, true],
    ["nested detail field mismatch", { detail: { newPhase: ["Succeeded"] } }, false],
    ["missing field", { detail: { oldPhase: ["Running"] } }, false],
    ["exists true", { detail: { clusterId: [{ exists: true }] } }, true],
    ["exists false on a missing field", { detail: { oldPhase: [{ exists: false }] } }, true],
    ["exists false on a present field", { detail: { clusterId: [{ exists: false }] } }, false],
    ["prefix", { detail: { clusterId: [{ prefix: "prod-" }] } }, true],
    ["suffix", { detail: { clusterId: [{ suffix: "-us" }] } }, false],
    ["anything-but a value", { detail: { newPhase: [{ "anything-but": "Succeeded" }] } }, true],
    [
      "anything-but a list that holds it",
      { detail: { newPhase: [{ "anything-but": ["Failed", "Skipped"] }] } },
      false,
    ],
    ["anything-but a prefix", { detail: { clusterId: [{ "anything-but": { prefix: "prod" } }] } }, false],
    ["equals-ignore-case", { detail: { newPhase: [{ "equals-ignore-case": "FAILED" }] } }, true],
    ["numeric range", { detail: { retryLeft: [{ numeric: [">", 0, "<=", 5] }] } }, true],
    ["numeric out of range", { detail: { retryLeft: [{ numeric: [">", 2] }] } }, false],
    ["array value: any element matches", { detail: { tags: ["b"] } }, true],
    ["array at top level", { resources: ["ns/demo"] }, true],
    ["null literal", { detail: { note: [null] } }, true],
    ["pattern on an object where the event has a string", { source: { x: ["y"] } }, false],
  ])("%s → %s", (_case, pattern, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});
