import { describe, expect, it } from "vitest";
import {
  isUsageAllowed,
  matchesLabelSelector,
  resolveDefault,
} from "../../../shared/decide/configuration/usage-policy.ts";
import type { LabelSelector, UsagePolicy } from "../../../shared/model/index.ts";

describe("isUsageAllowed", () => {
  const caller = { namespace: "app", labels: { team: "a", tier: "gold" } };
  it.each<[string, UsagePolicy | undefined, string, boolean]>([
    ["no policy: same namespace only (allowed)", undefined, "app", true],
    ["no policy: same namespace only (denied)", undefined, "infra", false],
    ["from Same, other namespace", { allowedNamespaces: { from: "Same" } }, "infra", false],
    ["from All", { allowedNamespaces: { from: "All" } }, "infra", true],
    [
      "from Selector matching",
      { allowedNamespaces: { from: "Selector", selector: { matchLabels: { team: "a" } } } },
      "infra",
      true,
    ],
    [
      "from Selector not matching",
      { allowedNamespaces: { from: "Selector", selector: { matchLabels: { team: "b" } } } },
      "infra",
      false,
    ],
    ["from Selector without selector", { allowedNamespaces: { from: "Selector" } }, "infra", false],
  ])("%s", (_case, policy, owner, expected) => {
    expect(isUsageAllowed(policy, owner, caller)).toBe(expected);
  });
});

describe("matchesLabelSelector", () => {
  const labels = { team: "a", tier: "gold" };
  it.each<[LabelSelector, boolean]>([
    [{}, true],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["gold", "silver"] }] }, true],
    [{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["gold"] }] }, false],
    [{ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, true],
    [{ matchExpressions: [{ key: "team", operator: "Exists" }] }, true],
    [{ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, false],
    [{ matchLabels: { team: "a" }, matchExpressions: [{ key: "env", operator: "Exists" }] }, false],
  ])("%j → %s", (selector, expected) => expect(matchesLabelSelector(selector, labels)).toBe(expected));
});

describe("resolveDefault (docs/decisions.md#default-tie-break)", () => {
  const policy = (namespace: string, name: string, isDefault: boolean, from?: "All" | "Same") => ({
    metadata: { namespace, name },
    spec: { default: isDefault, ...(from ? { usagePolicy: { allowedNamespaces: { from } } } : {}) },
  });
  it("prefers the namespace's own default", () => {
    const r = resolveDefault([policy("a-shared", "p", true, "All"), policy("app", "own", true)], {
      namespace: "app",
    });
    expect(r?.chosen.metadata.name).toBe("own");
    expect(r?.reason).toBe("default of namespace app");
  });
  it("else the first allowing namespace, lexicographically, and says so", () => {
    const r = resolveDefault(
      [
        policy("zeta", "z", true, "All"),
        policy("beta", "b", true, "All"),
        policy("alpha", "a", true, "Same"),
      ],
      { namespace: "app" },
    );
    expect(r?.chosen.metadata.namespace).toBe("beta");
    expect(r?.reason).toContain("first by namespace of 2 candidates");
  });
  it("ignores objects that are not defaults, and finds none when none allows", () => {
    expect(
      resolveDefault([policy("app", "p", false), policy("x", "y", true)], { namespace: "app" }),
    ).toBeUndefined();
  });
});
