import { z } from "zod";

/** Shapes shared by every KubeStash resource, named as in KubeStash's CRDs (docs/crds.md). */

/**
 * Marks a check as one of KubeStash's rules rather than part of its CRD's schema (docs/crds.md#rule-only-checks):
 * the model still enforces it, the generated CRD leaves it out, so the API server accepts what KubeStash's does.
 */
export const RULE_ONLY = "x-kss-rule-only";
export type RuleOnly = "enum" | "required" | "default";
export function ruleOnly<T extends z.ZodType>(schema: T, ...checks: RuleOnly[]): T {
  return schema.meta({ [RULE_ONLY]: checks }) as T;
}

export const Int32 = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);
export const Int64 = z.number().int();

/** RFC 3339 time as the API server writes it ("2026-11-26T12:00:00Z"). */
export const Time = z.iso.datetime({ offset: true });

/**
 * A free-form object the CRD keeps as is (`x-kubernetes-preserve-unknown-fields`) or one we do not model
 * field by field (pod templates, volumes, runtime settings). Kept whole, never pruned by us.
 */
export const OpenObject = z.record(z.string(), z.unknown());

export const OwnerReference = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReference>;

export const ObjectMeta = z.looseObject({
  name: z.string().min(1, "metadata.name is required"),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: Time.optional(),
  deletionTimestamp: Time.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(OwnerReference).optional(),
  finalizers: z.array(z.string()).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** `kmapi.ObjectReference`: a name, and a namespace that defaults to the referrer's. */
export const ObjectReference = z.looseObject({ name: z.string(), namespace: z.string().optional() });
export type ObjectReference = z.infer<typeof ObjectReference>;

/** `kmapi.TypedObjectReference`. */
export const TypedObjectReference = z.looseObject({
  apiGroup: z.string().optional(),
  kind: z.string().optional(),
  name: z.string(),
  namespace: z.string().optional(),
});
export type TypedObjectReference = z.infer<typeof TypedObjectReference>;

export const ConditionStatus = ruleOnly(z.enum(["True", "False", "Unknown"]), "enum");

/** `kmapi.Condition`. */
export const Condition = z.looseObject({
  type: z.string(),
  status: ConditionStatus,
  lastTransitionTime: Time,
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: Int64.optional(),
  severity: z.string().optional(),
});
export type Condition = z.infer<typeof Condition>;

export const LabelSelector = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: z.string(),
        operator: ruleOnly(z.enum(["In", "NotIn", "Exists", "DoesNotExist"]), "enum"),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof LabelSelector>;

/** Who may use a BackupStorage, RetentionPolicy or HookTemplate. */
export const UsagePolicy = z.looseObject({
  allowedNamespaces: z
    .looseObject({
      from: z.enum(["All", "Selector", "Same"]).default("Same"),
      selector: LabelSelector.optional(),
    })
    .optional(),
});
export type UsagePolicy = z.infer<typeof UsagePolicy>;

/** Builds the `apiVersion`/`kind`/`metadata` head of a resource schema. */
export function resourceHead<V extends string, K extends string>(apiVersion: V, kind: K) {
  return {
    apiVersion: z.literal(apiVersion),
    kind: z.literal(kind),
    metadata: ObjectMeta,
  };
}

export const GROUP_CORE = "core.kubestash.com";
export const GROUP_STORAGE = "storage.kubestash.com";
export const GROUP_ADDONS = "addons.kubestash.com";
export const VERSION = "v1alpha1";
export const CORE_API_VERSION = `${GROUP_CORE}/${VERSION}` as const;
export const STORAGE_API_VERSION = `${GROUP_STORAGE}/${VERSION}` as const;
export const ADDONS_API_VERSION = `${GROUP_ADDONS}/${VERSION}` as const;
