import { describe, expect, it } from "vitest";
import {
  backendOf,
  type PolicyLookup,
  RetentionPolicyDeniedError,
  RetentionPolicyNotFoundError,
  RetentionTimeZoneError,
  resolveRetentionPolicy,
  retentionTimeZone,
} from "../../../shared/decide/retention/retention-policy-resolution.ts";
import type { BackupConfiguration, UsagePolicy } from "../../../shared/model/index.ts";
import { retentionPolicy } from "../../support/retention-samples.ts";

/**
 * Which RetentionPolicy a repository's retention uses (docs/model.md#backends-resolution), and when it may
 * not.
 */

const from = (value: "All" | "Same" | "Selector", matchLabels?: Record<string, string>): UsagePolicy => ({
  allowedNamespaces: { from: value, ...(matchLabels ? { selector: { matchLabels } } : {}) },
});

function configuration(
  backends: BackupConfiguration["spec"]["backends"],
  repoBackend?: string,
): BackupConfiguration {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "app", namespace: "demo" },
    spec: {
      backends,
      sessions: [
        {
          name: "hourly",
          sessionHistoryLimit: 1,
          repositories: [{ name: "repo", ...(repoBackend ? { backend: repoBackend } : {}) }],
        },
      ],
    },
  };
}

const named = configuration([{ name: "s3", retentionPolicy: { name: "keep-5" } }]);
const unnamed = configuration([{ name: "s3" }]);
const keep5 = retentionPolicy("keep-5", "demo", {});
const demoDefault = retentionPolicy("demo-default", "demo", { default: true });
const sharedA = retentionPolicy("shared", "a-shared", { default: true, usagePolicy: from("All") });
const sharedB = retentionPolicy("shared", "b-shared", { default: true, usagePolicy: from("All") });
const labelled = retentionPolicy("gold", "a-gold", {
  default: true,
  usagePolicy: from("Selector", { tier: "gold" }),
});
const sameOnly = retentionPolicy("same-only", "other", { usagePolicy: from("Same") });

const lookup = (extra: Partial<PolicyLookup>): PolicyLookup => ({
  namespace: "demo",
  repository: "repo",
  sessionName: "hourly",
  policies: [],
  ...extra,
});

describe("resolveRetentionPolicy", () => {
  it.each<[string, Partial<PolicyLookup>, string, string]>([
    [
      "the backend's reference (namespace defaults to the configuration's)",
      { configuration: named, policies: [keep5, demoDefault] },
      "demo/keep-5",
      "backend s3 of BackupConfiguration demo/app",
    ],
    [
      "no reference: the namespace's own default",
      { configuration: unnamed, policies: [sharedA, demoDefault] },
      "demo/demo-default",
      "default of namespace demo",
    ],
    [
      "no default here: the first other namespace's default that allows it",
      { configuration: unnamed, policies: [sharedB, sharedA] },
      "a-shared/shared",
      "default of namespace a-shared that allows demo (first by namespace of 2 candidates)",
    ],
    [
      "a selector default allows a namespace with its labels",
      { configuration: unnamed, policies: [labelled, sharedB], namespaceLabels: { tier: "gold" } },
      "a-gold/gold",
      "default of namespace a-gold that allows demo (first by namespace of 2 candidates)",
    ],
    [
      "the configuration is gone: the reference recorded on the session",
      { recordedRef: { name: "keep-5", namespace: "demo" }, policies: [keep5, demoDefault] },
      "demo/keep-5",
      "recorded on the session",
    ],
  ])("%s", (_scenario, extra, ref, source) => {
    const resolved = resolveRetentionPolicy(lookup(extra));
    expect(resolved.ok && `${resolved.ref.namespace}/${resolved.ref.name}`).toBe(ref);
    expect(resolved.ok && resolved.source).toBe(source);
  });

  it.each<[string, Partial<PolicyLookup>, typeof RetentionPolicyNotFoundError, string]>([
    [
      "a named policy that does not exist",
      { configuration: named, policies: [demoDefault] },
      RetentionPolicyNotFoundError,
      "RetentionPolicy demo/keep-5 (backend s3 of BackupConfiguration demo/app) not found",
    ],
    [
      "no reference and no default anywhere",
      { configuration: unnamed, policies: [keep5] },
      RetentionPolicyNotFoundError,
      "no RetentionPolicy for repository demo/repo: backend s3 names none, and no default RetentionPolicy allows namespace demo",
    ],
    [
      "a selector default the namespace's labels do not match",
      { configuration: unnamed, policies: [labelled], namespaceLabels: { tier: "bronze" } },
      RetentionPolicyNotFoundError,
      "no default RetentionPolicy allows namespace demo",
    ],
    [
      "a named policy of another namespace that allows only its own",
      {
        configuration: configuration([
          { name: "s3", retentionPolicy: { name: "same-only", namespace: "other" } },
        ]),
        policies: [sameOnly],
      },
      RetentionPolicyDeniedError,
      "RetentionPolicy other/same-only does not allow namespace demo (usagePolicy allowedNamespaces from Same)",
    ],
  ])("fails for %s", (_scenario, extra, errorClass, message) => {
    const resolved = resolveRetentionPolicy(lookup(extra));
    expect(resolved.ok).toBe(false);
    if (resolved.ok) return;
    expect(resolved.error).toBeInstanceOf(errorClass);
    expect(resolved.error.message).toContain(message);
  });

  it("records the reference it tried when the policy is denied", () => {
    const config = configuration([
      { name: "s3", retentionPolicy: { name: "same-only", namespace: "other" } },
    ]);
    const resolved = resolveRetentionPolicy(lookup({ configuration: config, policies: [sameOnly] }));
    expect(resolved).toMatchObject({ ok: false, ref: { name: "same-only", namespace: "other" } });
  });
});

describe("backendOf", () => {
  it.each([
    ["the backend the repository names", configuration([{ name: "a" }, { name: "b" }], "b"), "b"],
    ["the only backend when the repository names none", configuration([{ name: "only" }]), "only"],
    [
      "none when several exist and the repository names none",
      configuration([{ name: "a" }, { name: "b" }]),
      undefined,
    ],
  ])("%s", (_scenario, config, expected) => {
    expect(backendOf(config, "hourly", "repo")?.name).toBe(expected);
  });
});

describe("retentionTimeZone", () => {
  const ns = (annotations?: Record<string, string>) => ({
    metadata: { name: "demo", ...(annotations ? { annotations } : {}) },
  });
  const annotation = "serverless.kubestash.com/retention-time-zone";

  it.each([
    ["UTC when nothing names a zone", ns(), undefined, undefined],
    ["the cluster's zone", ns(), "Europe/Berlin", "Europe/Berlin"],
    [
      "the policy namespace's annotation over the cluster's",
      ns({ [annotation]: "Asia/Tokyo" }),
      "Europe/Berlin",
      "Asia/Tokyo",
    ],
  ])("%s", (_scenario, namespace, cluster, expected) => {
    expect(retentionTimeZone(namespace, cluster)).toBe(expected);
  });

  it("refuses an annotation that is not an IANA zone, naming it", () => {
    expect(() => retentionTimeZone(ns({ [annotation]: "Mars/Olympus" }), undefined)).toThrow(
      RetentionTimeZoneError,
    );
    expect(() => retentionTimeZone(ns({ [annotation]: "Mars/Olympus" }), undefined)).toThrow(
      /"Mars\/Olympus" is not an IANA time zone/,
    );
  });
});
