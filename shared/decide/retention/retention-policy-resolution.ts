import type { BackendReference, BackupConfiguration } from "../../model/backup-configuration.ts";
import type { ObjectReference } from "../../model/common.ts";
import { KssError } from "../../model/errors.ts";
import type { RetentionPolicy } from "../../model/retention-policy.ts";
import { isUsageAllowed, resolveDefault } from "../configuration/usage-policy.ts";

/**
 * Which RetentionPolicy governs a repository (docs/model.md#backends-resolution,
 * docs/decisions.md#default-tie-break): the `retentionPolicy` of the backend the session's repository uses,
 * else the default of the repository's own namespace, else the lexicographically first default of another
 * namespace that allows it. The policy's usagePolicy must allow the namespace; a denial, like a missing
 * policy, is an error and nothing is pruned.
 */

/** Why no policy can be applied; the message goes to `status.retentionPolicy[].error` as is. */
export class RetentionPolicyError extends KssError {}
/** The named policy does not exist, or no default one applies. */
export class RetentionPolicyNotFoundError extends RetentionPolicyError {}
/** The policy's usagePolicy does not allow the namespace. */
export class RetentionPolicyDeniedError extends RetentionPolicyError {}
/** The time zone a namespace names for its policies is not an IANA zone. */
export class RetentionTimeZoneError extends RetentionPolicyError {}

/** Annotation on a RetentionPolicy's namespace naming the IANA zone its periods follow (else the cluster's, else UTC). */
export const RETENTION_TIME_ZONE_ANNOTATION = "serverless.kubestash.com/retention-time-zone";

export interface PolicyLookup {
  /** Namespace of the repository (and of the session). */
  namespace: string;
  namespaceLabels?: Record<string, string>;
  repository: string;
  /** The BackupConfiguration whose session wrote to the repository, if it still exists. */
  configuration?: BackupConfiguration;
  /** `spec.session` of the BackupSession or Snapshot. */
  sessionName?: string;
  /** A reference recorded before (the session's `status.retentionPolicy[].ref`), used without a configuration. */
  recordedRef?: ObjectReference;
  /** Every RetentionPolicy the caller can see, of every namespace. */
  policies: ReadonlyArray<RetentionPolicy>;
}

export type PolicyResolution =
  | { ok: true; policy: RetentionPolicy; ref: Required<ObjectReference>; source: string }
  | { ok: false; ref?: ObjectReference; error: RetentionPolicyError };

/** The backend a session's repository stores to: the one it names, else the configuration's only one. */
export function backendOf(
  configuration: BackupConfiguration,
  sessionName: string | undefined,
  repository: string,
): BackendReference | undefined {
  const sessions = configuration.spec.sessions ?? [];
  const session =
    sessions.find((s) => s.name === sessionName) ??
    (sessionName === undefined
      ? sessions.find((s) => s.repositories?.some((r) => r.name === repository))
      : undefined);
  const backends = configuration.spec.backends ?? [];
  const named = session?.repositories?.find((r) => r.name === repository)?.backend;
  const backendName = named || (backends.length === 1 ? backends[0]?.name : undefined);
  return backends.find((b) => b.name === backendName);
}

function describeRef(ref: ObjectReference, namespace: string): string {
  return `RetentionPolicy ${ref.namespace ?? namespace}/${ref.name}`;
}

export function resolveRetentionPolicy(lookup: PolicyLookup): PolicyResolution {
  const { namespace, repository } = lookup;
  const caller = { namespace, ...(lookup.namespaceLabels ? { labels: lookup.namespaceLabels } : {}) };
  const backend = lookup.configuration
    ? backendOf(lookup.configuration, lookup.sessionName, repository)
    : undefined;
  const named = backend?.retentionPolicy ?? (lookup.configuration ? undefined : lookup.recordedRef);
  let policy: RetentionPolicy | undefined;
  let source: string;
  if (named) {
    const policyNamespace = named.namespace ?? namespace;
    policy = lookup.policies.find(
      (p) => p.metadata.name === named.name && p.metadata.namespace === policyNamespace,
    );
    const via = backend
      ? `backend ${backend.name} of BackupConfiguration ${namespace}/${lookup.configuration?.metadata.name}`
      : "recorded on the session";
    if (!policy) {
      const error = new RetentionPolicyNotFoundError(`${describeRef(named, namespace)} (${via}) not found`);
      return { ok: false, ref: named, error };
    }
    source = via;
  } else {
    const resolved = resolveDefault(lookup.policies, caller);
    if (!resolved) {
      const error = new RetentionPolicyNotFoundError(
        `no RetentionPolicy for repository ${namespace}/${repository}: ${backend ? `backend ${backend.name} names none` : "no backend names one"}, and no default RetentionPolicy allows namespace ${namespace}`,
      );
      return { ok: false, error };
    }
    policy = resolved.chosen;
    source = resolved.reason;
  }
  const ref = { name: policy.metadata.name, namespace: policy.metadata.namespace ?? namespace };
  if (!isUsageAllowed(policy.spec.usagePolicy, ref.namespace, caller)) {
    const from = policy.spec.usagePolicy?.allowedNamespaces?.from ?? "Same";
    const error = new RetentionPolicyDeniedError(
      `${describeRef(ref, namespace)} does not allow namespace ${namespace} (usagePolicy allowedNamespaces from ${from})`,
    );
    return { ok: false, ref, error };
  }
  return { ok: true, policy, ref, source };
}

/** The zone a policy's periods follow: its namespace's annotation, else the cluster's zone, else UTC (undefined). */
export function retentionTimeZone(
  policyNamespace: { metadata: { name: string; annotations?: Record<string, string> } } | undefined,
  clusterTimeZone: string | undefined,
): string | undefined {
  const annotated = policyNamespace?.metadata.annotations?.[RETENTION_TIME_ZONE_ANNOTATION];
  if (annotated === undefined || annotated === "") return clusterTimeZone;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: annotated });
  } catch (cause) {
    throw new RetentionTimeZoneError(
      `namespace ${policyNamespace?.metadata.name} annotation ${RETENTION_TIME_ZONE_ANNOTATION}: "${annotated}" is not an IANA time zone`,
      { cause },
    );
  }
  return annotated;
}
