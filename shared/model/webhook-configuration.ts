import { z } from "zod";
import { Int32, LabelSelector, ObjectMeta } from "./common.ts";

/**
 * admissionregistration.k8s.io/v1 Validating- and MutatingWebhookConfiguration — the webhooks, what they match
 * and where their server is, to tell the KubeStash operator's webhook on BackupSessions and whether its server
 * is gone (docs/migration.md#the-leftover-webhook). Field names as in Kubernetes.
 */

export const ADMISSION_API_VERSION = "admissionregistration.k8s.io/v1";

export const ServiceReference = z.looseObject({
  namespace: z.string(),
  name: z.string(),
  path: z.string().optional(),
  port: Int32.optional(),
});
export type ServiceReference = z.infer<typeof ServiceReference>;

export const RuleWithOperations = z.looseObject({
  apiGroups: z.array(z.string()).optional(),
  apiVersions: z.array(z.string()).optional(),
  operations: z.array(z.string()).optional(),
  resources: z.array(z.string()).optional(),
  scope: z.string().optional(),
});
export type RuleWithOperations = z.infer<typeof RuleWithOperations>;

export const Webhook = z.looseObject({
  name: z.string(),
  clientConfig: z.looseObject({
    service: ServiceReference.optional(),
    url: z.string().optional(),
  }),
  rules: z.array(RuleWithOperations).optional(),
  /** Kubernetes' default (v1) is Fail: a webhook that cannot be called rejects the request. */
  failurePolicy: z.enum(["Fail", "Ignore"]).optional(),
  namespaceSelector: LabelSelector.optional(),
  objectSelector: LabelSelector.optional(),
  timeoutSeconds: Int32.optional(),
});
export type Webhook = z.infer<typeof Webhook>;

export const ValidatingWebhookConfiguration = z.looseObject({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal("ValidatingWebhookConfiguration"),
  metadata: ObjectMeta,
  webhooks: z.array(Webhook).optional(),
});
export type ValidatingWebhookConfiguration = z.infer<typeof ValidatingWebhookConfiguration>;

export const MutatingWebhookConfiguration = z.looseObject({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal("MutatingWebhookConfiguration"),
  metadata: ObjectMeta,
  webhooks: z.array(Webhook).optional(),
});
export type MutatingWebhookConfiguration = z.infer<typeof MutatingWebhookConfiguration>;
