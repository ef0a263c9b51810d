import type { LabelSelector, UsagePolicy } from "../../model/common.ts";

/**
 * Who may use a BackupStorage, RetentionPolicy or HookTemplate (docs/model.md#usage-policy): `from: All`
 * anyone, `Same` (also when the policy is absent) only its own namespace, `Selector` namespaces whose labels
 * match. An invalid selector allows nobody.
 */
export function isUsageAllowed(
  policy: UsagePolicy | undefined,
  ownerNamespace: string,
  caller: { namespace: string; labels?: Record<string, string> },
): boolean {
  const allowed = policy?.allowedNamespaces;
  const from = allowed?.from ?? "Same";
  if (from === "All") return true;
  if (from === "Same") return ownerNamespace === caller.namespace;
  return allowed?.selector !== undefined && matchesLabelSelector(allowed.selector, caller.labels ?? {});
}

/** Kubernetes label-selector semantics: every matchLabels pair and every matchExpressions requirement holds. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case "In":
        return has && (e.values ?? []).includes(value ?? "");
      case "NotIn":
        return !has || !(e.values ?? []).includes(value ?? "");
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

interface Defaultable {
  metadata: { name: string; namespace?: string };
  spec: { default?: boolean; usagePolicy?: UsagePolicy };
}

/**
 * The default object (BackupStorage or RetentionPolicy) for a namespace
 * (docs/decisions.md#default-tie-break): the namespace's own default wins; else, among other namespaces'
 * defaults that allow it, the lexicographically first namespace (then name). Returns why, for a condition
 * message.
 */
export function resolveDefault<T extends Defaultable>(
  candidates: ReadonlyArray<T>,
  caller: { namespace: string; labels?: Record<string, string> },
): { chosen: T; reason: string } | undefined {
  const defaults = candidates.filter((c) => c.spec.default === true);
  const own = defaults
    .filter((c) => c.metadata.namespace === caller.namespace)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
  if (own) return { chosen: own, reason: `default of namespace ${caller.namespace}` };
  const others = defaults
    .filter((c) => c.metadata.namespace !== caller.namespace)
    .filter((c) => isUsageAllowed(c.spec.usagePolicy, c.metadata.namespace ?? "", caller))
    .sort(
      (a, b) =>
        (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  const chosen = others[0];
  if (!chosen) return undefined;
  const rest = others.length - 1;
  const reason = `default of namespace ${chosen.metadata.namespace} that allows ${caller.namespace}${
    rest > 0 ? ` (first by namespace of ${others.length} candidates)` : ""
  }`;
  return { chosen, reason };
}
