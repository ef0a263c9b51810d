import { z } from "zod";
import { GoDuration } from "../model/duration.ts";
import { ClusterId } from "../model/events/envelope.ts";
import { parseRpoTarget } from "../model/rpo.ts";
import { parseStartWindow, RegistryExclusionWindows } from "../model/schedule-windows.ts";

/**
 * The cluster registry file (YAML or JSON): every cluster the function set manages, its API endpoint,
 * CA, and how to authenticate. One schema per entry so a bad entry can be reported (and disabled) alone.
 */

/** True when `zone` is an IANA time zone this runtime knows ("Europe/Berlin", "UTC"). */
export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label key: `name` or `prefix/name` (so `--selector k=v,k2=v2` stays unambiguous). */
function isLabelKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return LABEL_NAME.test(name);
}

const LabelValue = z
  .string()
  .refine((v) => v === "" || LABEL_NAME.test(v), "must be a label value (63 characters of [A-Za-z0-9-_.])");

export const ClusterLabels = z.record(z.string(), LabelValue).superRefine((labels, ctx) => {
  for (const key of Object.keys(labels).filter((k) => !isLabelKey(k))) {
    ctx.addIssue({
      code: "custom",
      path: [key],
      message: "must be a label key such as env or example.com/tier",
    });
  }
});

export const AwsRegion = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region such as eu-west-1");

const IamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN");

/** Base64 of one or more PEM certificates, as kubeconfig's `certificate-authority-data`. */
export const CaData = z.string().refine((text) => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text.replace(/\s+/g, ""))) return false;
  return Buffer.from(text, "base64").toString("utf8").includes("-----BEGIN CERTIFICATE-----");
}, "must be base64 of a PEM certificate (as certificate-authority-data)");

/** A kubeconfig file on disk; `path` is relative to the registry file. For local runs and tests. */
export const KubeconfigFileCredentials = z.strictObject({
  source: z.literal("kubeconfig"),
  path: z.string().min(1, "must name a kubeconfig file"),
  context: z.string().min(1).optional(),
});

/** A kubeconfig, or a bare bearer token (service-account token), kept in AWS Secrets Manager. */
export const SecretsManagerCredentials = z.strictObject({
  source: z.literal("secretsManager"),
  secretId: z.string().min(1, "must name a secret (name or ARN)"),
  format: z.enum(["kubeconfig", "token"], 'must be "kubeconfig" or "token"'),
  region: AwsRegion.optional(),
});

/** An EKS cluster reached with an IAM-signed bearer token (as aws-iam-authenticator makes). */
export const EksCredentials = z.strictObject({
  source: z.literal("eks"),
  clusterName: z.string().min(1, "must name the EKS cluster"),
  region: AwsRegion,
  roleArn: IamRoleArn.optional(),
});

export const ClusterCredentials = z.discriminatedUnion(
  "source",
  [KubeconfigFileCredentials, SecretsManagerCredentials, EksCredentials],
  { error: 'must be one of "kubeconfig", "secretsManager", "eks"' },
);

/** Credentials that carry no endpoint of their own, so the entry must name `server` and `caData`. */
function endpointRequiredBy(credentials: z.output<typeof ClusterCredentials>): string | undefined {
  if (credentials.source === "eks") return 'credentials.source is "eks"';
  if (credentials.source === "secretsManager" && credentials.format === "token") {
    return 'credentials.format is "token"';
  }
  return undefined;
}

/**
 * What `kss coverage` leaves out on this cluster (docs/coverage.md#exclusions): namespaces that need no backup,
 * by name, beside the system namespaces (always left out) and objects labelled `serverless.kubestash.com/backup: "false"`.
 */
export const CoverageSettings = z.strictObject({
  excludeNamespaces: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name (lower-case letters, digits, -)")
        .max(63),
    )
    .optional(),
});

export const ClusterEntry = z
  .strictObject({
    id: ClusterId,
    displayName: z.string().min(1).optional(),
    enabled: z.boolean().default(true),
    labels: ClusterLabels.optional(),
    timeZone: z.string().refine(isIanaTimeZone, "must be an IANA time zone such as Europe/Berlin").optional(),
    staggerWindow: GoDuration.optional(),
    maxConcurrentRetries: z.int().min(0).optional(),
    /**
     * How long after its start a scheduled run may still start, for configurations that set none
     * (docs/windows.md#start-window): a duration such as "2h".
     */
    startWindow: z
      .string()
      .refine((t) => parseStartWindow(t).ok, 'must be a duration longer than zero such as "30m" or "2h"')
      .optional(),
    /**
     * Exclusion windows in which no scheduled session of this cluster starts, each optionally limited to
     * namespaces by `namespaceSelector` (docs/windows.md#formats).
     */
    exclusionWindows: RegistryExclusionWindows.optional(),
    /** The RPO target of every session of the cluster without one of its own (docs/rpo.md#targets). */
    rpoTarget: z
      .string()
      .refine((t) => (parseRpoTarget(t) ?? 0) > 0, "must be a duration such as 26h or 2d")
      .optional(),
    /** The RPO risk level from which "RPO At Risk" is announced (docs/rpo.md#the-alarm); default 3. */
    rpoAlarmLevel: z.int().min(2, "must be 2, 3, 4 or 5").max(5, "must be 2, 3, 4 or 5").optional(),
    coverage: CoverageSettings.optional(),
    server: z
      .url({ protocol: /^https$/, error: "must be an https URL such as https://10.0.0.1:6443" })
      .optional(),
    caData: CaData.optional(),
    credentials: ClusterCredentials,
  })
  .superRefine((entry, ctx) => {
    const requiredBy = endpointRequiredBy(entry.credentials);
    if (requiredBy === undefined) return;
    for (const field of ["server", "caData"] as const) {
      if (entry[field] === undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: `required when ${requiredBy}` });
      }
    }
  });

/** The whole file, every entry valid. Loading is more lenient: see `loadRegistry`. */
export const ClusterRegistryFile = z.strictObject({ clusters: z.array(ClusterEntry) });

export type ClusterLabels = z.infer<typeof ClusterLabels>;
export type KubeconfigFileCredentials = z.infer<typeof KubeconfigFileCredentials>;
export type SecretsManagerCredentials = z.infer<typeof SecretsManagerCredentials>;
export type EksCredentials = z.infer<typeof EksCredentials>;
export type ClusterCredentials = z.infer<typeof ClusterCredentials>;
export type ClusterEntry = z.infer<typeof ClusterEntry>;
export type CoverageSettings = z.infer<typeof CoverageSettings>;
export type ClusterRegistryFile = z.infer<typeof ClusterRegistryFile>;
