import { KssError } from "../model/errors.ts";

/** How a cluster authenticates, as named by `credentials.source` in the registry. */
export type CredentialSource = "kubeconfig" | "secretsManager" | "eks";

/** Base of the errors the cluster registry and its credential loaders raise; keeps the original as `cause`. */
export class ClusterRegistryError extends KssError {}

/**
 * A cluster's credentials could not be turned into a working KubeConfig: file missing, secret absent or
 * denied, AWS credentials unavailable, kubeconfig without the named context. Only that cluster is affected.
 */
export class ClusterCredentialsError extends ClusterRegistryError {
  constructor(
    readonly clusterId: string,
    readonly source: CredentialSource,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cluster "${clusterId}": ${source} credentials: ${detail}`, options);
  }
}

/** A cluster the registry lists but does not let us use: disabled on purpose, or by a bad entry. */
export class ClusterDisabledError extends ClusterRegistryError {
  constructor(
    readonly clusterId: string,
    /** The entry's validation error (which names the cluster), or undefined when it says `enabled: false`. */
    readonly entryError: string | undefined,
  ) {
    super(entryError ?? `cluster "${clusterId}" is disabled in the registry (enabled: false)`);
  }
}

/** Cluster ids asked for (by an event, a CLI flag) that the registry does not list. */
export class UnknownClusterError extends ClusterRegistryError {
  constructor(
    readonly unknownIds: string[],
    readonly knownIds: string[],
  ) {
    const known = knownIds.length > 0 ? knownIds.join(", ") : "none";
    super(
      `unknown cluster id${unknownIds.length > 1 ? "s" : ""} ${unknownIds.map((id) => `"${id}"`).join(", ")} (the registry lists: ${known})`,
    );
  }
}

/** Short text of an unknown thrown value, for error messages that wrap it. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    return cause.name && cause.name !== "Error" ? `${cause.name}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
