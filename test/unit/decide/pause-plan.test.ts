import { describe, expect, it } from "vitest";
import {
  decidePause,
  type PauseDecision,
  type PauseRequest,
  parseConfigurationSelector,
  pauseRecordOf,
  pauseRequestIssues,
  planPause,
  resumeRecordOf,
} from "../../../shared/decide/configuration/index.ts";
import { BackupConfiguration as BackupConfigurationSchema } from "../../../shared/model/backup-configuration.ts";
import { type BackupConfiguration, parseWith } from "../../../shared/model/index.ts";
import { Annotation } from "../../../shared/model/labels.ts";
import { clockFrom } from "../../support/clock.ts";
import { backupConfiguration as sample } from "../../support/model-samples.ts";

/** docs/pause.md: what `kss pause` / `kss resume` decide for each configuration, on a fixed clock. */

const clock = clockFrom(new Date("2026-11-26T12:00:00Z"));
const NOW = clock.atMinutes(30);
const EARLIER = "2026-11-25T08:00:00Z";

function config(
  name: string,
  options: {
    namespace?: string;
    paused?: boolean;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deleting?: boolean;
  } = {},
): BackupConfiguration {
  return parseWith(
    BackupConfigurationSchema,
    {
      ...sample,
      metadata: {
        name,
        namespace: options.namespace ?? "apps",
        resourceVersion: `rv-${name}`,
        ...(options.labels ? { labels: options.labels } : {}),
        ...(options.annotations ? { annotations: options.annotations } : {}),
        ...(options.deleting ? { deletionTimestamp: EARLIER } : {}),
      },
      spec: { ...sample.spec, ...(options.paused === undefined ? {} : { paused: options.paused }) },
    },
    name,
  );
}

const pausedByAlice = {
  [Annotation.PausedBy]: "alice",
  [Annotation.PauseReason]: "storage migration",
  [Annotation.PausedAt]: EARLIER,
};

const pause: PauseRequest = { action: "pause", reason: " bucket move ", by: "bob", now: NOW };
const resume: PauseRequest = { action: "resume", by: "carol", now: NOW };

describe("decidePause", () => {
  it.each<[string, BackupConfiguration, PauseRequest, PauseDecision]>([
    [
      "pause an active configuration: spec.paused and the record together, the resume record removed",
      config("a", { annotations: { [Annotation.ResumedBy]: "dave", [Annotation.ResumedAt]: EARLIER } }),
      pause,
      {
        result: "pause",
        patch: {
          metadata: {
            resourceVersion: "rv-a",
            annotations: {
              [Annotation.PausedBy]: "bob",
              [Annotation.PauseReason]: "bucket move",
              [Annotation.PausedAt]: "2026-11-26T12:30:00Z",
              [Annotation.ResumedBy]: null,
              [Annotation.ResumeReason]: null,
              [Annotation.ResumedAt]: null,
            },
          },
          spec: { paused: true },
        },
        record: { by: "bob", reason: "bucket move", at: "2026-11-26T12:30:00Z" },
      },
    ],
    [
      "pause one paused by kss before: the first pause's record is kept and reported",
      config("a", { paused: true, annotations: pausedByAlice }),
      pause,
      {
        result: "already-paused",
        record: { by: "alice", reason: "storage migration", at: EARLIER },
      },
    ],
    [
      "pause one paused with kubectl (no record): already paused, by someone unknown",
      config("a", { paused: true }),
      pause,
      { result: "already-paused" },
    ],
    [
      "resume a paused one: spec.paused false, the pause record removed, the resume recorded, the pause reported",
      config("a", { paused: true, annotations: pausedByAlice }),
      resume,
      {
        result: "resume",
        patch: {
          metadata: {
            resourceVersion: "rv-a",
            annotations: {
              [Annotation.PausedBy]: null,
              [Annotation.PauseReason]: null,
              [Annotation.PausedAt]: null,
              [Annotation.ResumedBy]: "carol",
              [Annotation.ResumedAt]: "2026-11-26T12:30:00Z",
              [Annotation.ResumeReason]: null,
            },
          },
          spec: { paused: false },
        },
        pausedBy: { by: "alice", reason: "storage migration", at: EARLIER },
      },
    ],
    [
      "resume with a reason records it",
      config("a", { paused: true }),
      { ...resume, reason: "migration done" },
      {
        result: "resume",
        patch: {
          metadata: {
            resourceVersion: "rv-a",
            annotations: {
              [Annotation.PausedBy]: null,
              [Annotation.PauseReason]: null,
              [Annotation.PausedAt]: null,
              [Annotation.ResumedBy]: "carol",
              [Annotation.ResumedAt]: "2026-11-26T12:30:00Z",
              [Annotation.ResumeReason]: "migration done",
            },
          },
          spec: { paused: false },
        },
      },
    ],
    [
      "resume one not paused: nothing to do",
      config("a", { paused: false }),
      resume,
      { result: "not-paused" },
    ],
    [
      "resume one un-paused with kubectl that still carries a record: only the record is removed",
      config("a", { paused: false, annotations: pausedByAlice }),
      resume,
      {
        result: "not-paused",
        patch: {
          metadata: {
            resourceVersion: "rv-a",
            annotations: {
              [Annotation.PausedBy]: null,
              [Annotation.PauseReason]: null,
              [Annotation.PausedAt]: null,
            },
          },
        },
      },
    ],
    [
      "a configuration being deleted is skipped",
      config("a", { deleting: true }),
      pause,
      { result: "skipped", why: "being deleted" },
    ],
  ])("%s", (_case, configuration, request, expected) => {
    expect(decidePause(configuration, request)).toEqual(expected);
  });
});

describe("planPause", () => {
  const listed = {
    configurations: [
      config("web", { namespace: "shop", labels: { tier: "gold" } }),
      config("db", {
        namespace: "shop",
        labels: { tier: "silver" },
        paused: true,
        annotations: pausedByAlice,
      }),
      config("logs", { namespace: "infra", labels: { tier: "gold" } }),
      config("cache", { namespace: "shop" }),
    ],
    unreadable: [
      { namespace: "shop", name: "broken", labels: { tier: "gold" }, error: "spec.sessions: required" },
      { namespace: "shop", name: "other", labels: { tier: "bronze" }, error: "spec: required" },
    ],
  };
  const results = (rows: ReturnType<typeof planPause>) =>
    rows.map((r) => [
      `${r.namespace}/${r.name}`,
      r.decision.result,
      "why" in r.decision ? r.decision.why : "",
    ]);

  it.each<[string, { namespace?: string; selector?: string }, PauseRequest, string[][]]>([
    [
      "every namespace, no selector: each configuration decided, ordered by namespace and name",
      {},
      pause,
      [
        ["infra/logs", "pause", ""],
        ["shop/broken", "skipped", "unreadable: spec.sessions: required"],
        ["shop/cache", "pause", ""],
        ["shop/db", "already-paused", ""],
        ["shop/other", "skipped", "unreadable: spec: required"],
        ["shop/web", "pause", ""],
      ],
    ],
    [
      "one namespace: the others are not mentioned",
      { namespace: "infra" },
      pause,
      [["infra/logs", "pause", ""]],
    ],
    [
      "namespace and selector: a configuration whose labels do not match is skipped",
      { namespace: "shop", selector: "tier=gold" },
      pause,
      [
        ["shop/broken", "skipped", "unreadable: spec.sessions: required"],
        ["shop/cache", "skipped", "labels do not match --selector"],
        ["shop/db", "skipped", "labels do not match --selector"],
        ["shop/other", "skipped", "labels do not match --selector"],
        ["shop/web", "pause", ""],
      ],
    ],
    [
      "a != selector matches configurations without the label",
      { namespace: "shop", selector: "tier!=gold,!owner" },
      resume,
      [
        ["shop/broken", "skipped", "labels do not match --selector"],
        ["shop/cache", "not-paused", ""],
        ["shop/db", "resume", ""],
        ["shop/other", "skipped", "unreadable: spec: required"],
        ["shop/web", "skipped", "labels do not match --selector"],
      ],
    ],
  ])("%s", (_case, scope, request, expected) => {
    expect(results(planPause(listed, scope, request))).toEqual(expected);
  });

  it("refuses a pause without a reason, naming the option", () => {
    expect(() => planPause(listed, {}, { ...pause, reason: "  " })).toThrow(
      /kss pause is invalid: --reason: is required to pause/,
    );
  });
});

describe("pauseRequestIssues", () => {
  it.each<[string, Parameters<typeof pauseRequestIssues>[0], string[]]>([
    ["pause with a reason", { action: "pause", reason: "why", by: "bob" }, []],
    ["pause without one", { action: "pause", by: "bob" }, ["--reason"]],
    ["resume without one", { action: "resume", by: "bob" }, []],
    ["a reason of 1025 characters", { action: "resume", reason: "x".repeat(1025), by: "bob" }, ["--reason"]],
    ["nobody", { action: "resume", by: " " }, ["--by"]],
  ])("%s", (_case, request, paths) => {
    expect(pauseRequestIssues(request).map((i) => i.path)).toEqual(paths);
  });
});

describe("parseConfigurationSelector", () => {
  it.each([
    ["tier=gold", { matchLabels: { tier: "gold" }, matchExpressions: [] }],
    ["tier==gold, team=a", { matchLabels: { tier: "gold", team: "a" }, matchExpressions: [] }],
    [
      "tier!=gold,owner,!legacy",
      {
        matchLabels: {},
        matchExpressions: [
          { key: "tier", operator: "NotIn", values: ["gold"] },
          { key: "owner", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
        ],
      },
    ],
    ["example.com/team=", { matchLabels: { "example.com/team": "" }, matchExpressions: [] }],
  ])("%s", (text, expected) => {
    expect(parseConfigurationSelector(text)).toEqual(expected);
  });

  it.each([
    ["tier in (a,b)", /tier in \(a: is not key=value/],
    ["=gold", /=gold: is not key=value/],
    ["tier=a,tier=b", /tier=b: asks tier to be two values/],
    ["tier=a b", /is not a label key and value/],
  ])("refuses %s", (text, message) => {
    expect(() => parseConfigurationSelector(text)).toThrow(message);
  });
});

describe("the records read back", () => {
  it("reads the pause record and the resume record from the annotations, absent when none", () => {
    expect(pauseRecordOf({ annotations: pausedByAlice })).toEqual({
      by: "alice",
      reason: "storage migration",
      at: EARLIER,
    });
    expect(pauseRecordOf({ annotations: { other: "x" } })).toBeUndefined();
    expect(resumeRecordOf({ annotations: { [Annotation.ResumedBy]: "carol" } })).toEqual({ by: "carol" });
    expect(resumeRecordOf({})).toBeUndefined();
  });
});
