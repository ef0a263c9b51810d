import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { type Cluster, KubeConfig, type User } from "@kubernetes/client-node";
import { type AwsCredentialsSource, EksTokenSource } from "./eks-token.ts";
import {
  ClusterCredentialsError,
  ClusterDisabledError,
  type CredentialSource,
  describeCause,
} from "./errors.ts";
import { KubeConfigCache } from "./kubeconfig-cache.ts";
import type { RegisteredCluster } from "./registry.ts";
import type {
  ClusterEntry,
  EksCredentials,
  KubeconfigFileCredentials,
  SecretsManagerCredentials,
} from "./registry-schema.ts";

/** What `kubeConfigFor` needs from outside; every field has a production default. */
export interface ClusterCredentialsDeps {
  /** Secrets Manager client for an entry's `region` (undefined: the SDK's own). Default: one SDK client per region. */
  secretsManagerFor?: (region: string | undefined) => SecretsManagerClient;
  /** The AWS identity that signs EKS tokens. Default: the SDK's default provider chain. */
  awsCredentials?: AwsCredentialsSource;
  /** Clock for token signing and cache ages. */
  now?: () => Date;
  /** KubeConfigs kept between calls. Default: one cache per process. */
  cache?: KubeConfigCache;
}

/** Where a cluster's API server is and the CA (base64 PEM) that signs its certificate. */
export interface ClusterEndpoint {
  server: string;
  caData: string;
}

/** Name of the kubeconfig auth provider whose tokens our EKS authenticator mints. */
export const EKS_AUTH_PROVIDER = "kss-eks-token";

const processCache = new KubeConfigCache();
const defaultSecretsManagers = new Map<string, SecretsManagerClient>();
let defaultAwsCredentials: AwsCredentialsSource | undefined;

/**
 * A KubeConfig for one registered cluster, its current context pointing at that cluster. Cached per
 * cluster; EKS KubeConfigs mint a fresh token every 10 minutes on their own, so clients made from them
 * stay valid. Throws {@link ClusterDisabledError} or {@link ClusterCredentialsError}; never a raw AWS error.
 */
export function kubeConfigFor(
  cluster: RegisteredCluster,
  deps: ClusterCredentialsDeps = {},
): Promise<KubeConfig> {
  if (!cluster.enabled) {
    return Promise.reject(new ClusterDisabledError(cluster.id, cluster.error));
  }
  const { entry } = cluster;
  const now = deps.now ?? (() => new Date());
  const cache = deps.cache ?? processCache;
  return cache.get(cluster.id, JSON.stringify(entry), now().getTime(), async () => {
    const { credentials } = entry;
    switch (credentials.source) {
      case "kubeconfig":
        return kubeConfigFromFile(entry, credentials);
      case "secretsManager":
        return kubeConfigFromSecret(entry, credentials, deps.secretsManagerFor ?? defaultSecretsManagerFor);
      case "eks":
        return kubeConfigForEks(
          entry,
          credentials,
          deps.awsCredentials ?? defaultAwsCredentialsSource(),
          now,
        );
    }
  });
}

/** A KubeConfig that reaches `endpoint` with a bearer token (e.g. a service-account token). */
export function kubeConfigWithToken(clusterId: string, endpoint: ClusterEndpoint, token: string): KubeConfig {
  return singleContextKubeConfig(clusterId, endpoint, { name: `${clusterId}-token`, token });
}

function kubeConfigFromFile(entry: ClusterEntry, credentials: KubeconfigFileCredentials): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(credentials.path);
  } catch (cause) {
    const detail = `cannot load ${credentials.path}: ${describeCause(cause)}`;
    throw new ClusterCredentialsError(entry.id, "kubeconfig", detail, { cause });
  }
  if (credentials.context !== undefined) {
    if (kubeConfig.getContextObject(credentials.context) === null) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      const detail = `${credentials.path} has no context "${credentials.context}" (it has: ${known.join(", ") || "none"})`;
      throw new ClusterCredentialsError(entry.id, "kubeconfig", detail);
    }
    kubeConfig.setCurrentContext(credentials.context);
  }
  return pointedAtEntry(kubeConfig, entry, "kubeconfig");
}

async function kubeConfigFromSecret(
  entry: ClusterEntry,
  credentials: SecretsManagerCredentials,
  secretsManagerFor: (region: string | undefined) => SecretsManagerClient,
): Promise<KubeConfig> {
  const secret = await readSecretText(entry.id, credentials, secretsManagerFor);
  if (credentials.format === "token") {
    return kubeConfigWithToken(entry.id, requireEndpoint(entry, "secretsManager"), secret.trim());
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(secret);
  } catch (cause) {
    const detail = `secret "${credentials.secretId}" does not hold a kubeconfig: ${describeCause(cause)}`;
    throw new ClusterCredentialsError(entry.id, "secretsManager", detail, { cause });
  }
  return pointedAtEntry(kubeConfig, entry, "secretsManager");
}

async function readSecretText(
  clusterId: string,
  credentials: SecretsManagerCredentials,
  secretsManagerFor: (region: string | undefined) => SecretsManagerClient,
): Promise<string> {
  let text: string | undefined;
  try {
    const client = secretsManagerFor(credentials.region);
    const output = await client.send(new GetSecretValueCommand({ SecretId: credentials.secretId }));
    text = output.SecretString ?? (output.SecretBinary && Buffer.from(output.SecretBinary).toString("utf8"));
  } catch (cause) {
    const detail = `cannot read secret "${credentials.secretId}": ${describeCause(cause)}`;
    throw new ClusterCredentialsError(clusterId, "secretsManager", detail, { cause });
  }
  if (text === undefined || text.trim() === "") {
    throw new ClusterCredentialsError(
      clusterId,
      "secretsManager",
      `secret "${credentials.secretId}" is empty`,
    );
  }
  return text;
}

async function kubeConfigForEks(
  entry: ClusterEntry,
  credentials: EksCredentials,
  awsCredentials: AwsCredentialsSource,
  now: () => Date,
): Promise<KubeConfig> {
  if (credentials.roleArn !== undefined) {
    const detail = `roleArn is not supported yet; grant the function's own IAM identity access to the cluster`;
    throw new ClusterCredentialsError(entry.id, "eks", detail);
  }
  const endpoint = requireEndpoint(entry, "eks");
  const tokens = new EksTokenSource(
    { clusterName: credentials.clusterName, region: credentials.region },
    awsCredentials,
    now,
  );
  const mintToken = async (): Promise<string> => {
    try {
      return await tokens.token();
    } catch (cause) {
      const detail = `cannot sign a token for EKS cluster "${credentials.clusterName}": ${describeCause(cause)}`;
      throw new ClusterCredentialsError(entry.id, "eks", detail, { cause });
    }
  };
  await mintToken(); // surface missing AWS credentials now, not at the first API call
  const user: User = { name: `${entry.id}-eks`, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } };
  const kubeConfig = singleContextKubeConfig(entry.id, endpoint, user);
  kubeConfig.addAuthenticator({
    isAuthProvider: (candidate) => candidate.authProvider?.name === EKS_AUTH_PROVIDER,
    applyAuthentication: async (_user, opts) => {
      opts.headers = { ...opts.headers, Authorization: `Bearer ${await mintToken()}` };
    },
  });
  return kubeConfig;
}

function singleContextKubeConfig(clusterId: string, endpoint: ClusterEndpoint, user: User): KubeConfig {
  const cluster: Cluster = {
    name: clusterId,
    server: endpoint.server,
    caData: endpoint.caData,
    skipTLSVerify: false,
  };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: clusterId, cluster: cluster.name, user: user.name }],
    currentContext: clusterId,
  });
  return kubeConfig;
}

/** Checks a loaded kubeconfig has a current cluster; `server`/`caData` in the entry replace its endpoint. */
function pointedAtEntry(kubeConfig: KubeConfig, entry: ClusterEntry, source: CredentialSource): KubeConfig {
  const current = kubeConfig.getCurrentCluster();
  if (current === null) {
    const context = kubeConfig.getCurrentContext() || "(none)";
    throw new ClusterCredentialsError(
      entry.id,
      source,
      `the kubeconfig's current context ${context} names no cluster`,
    );
  }
  if (entry.server === undefined && entry.caData === undefined) return kubeConfig;
  const replaced: Cluster = {
    ...current,
    server: entry.server ?? current.server,
    ...(entry.caData === undefined ? {} : { caData: entry.caData, caFile: undefined }),
  };
  kubeConfig.clusters = kubeConfig.clusters.map((c) => (c.name === current.name ? replaced : c));
  return kubeConfig;
}

function requireEndpoint(entry: ClusterEntry, source: CredentialSource): ClusterEndpoint {
  if (entry.server === undefined || entry.caData === undefined) {
    throw new ClusterCredentialsError(entry.id, source, "the registry entry needs server and caData");
  }
  return { server: entry.server, caData: entry.caData };
}

function defaultSecretsManagerFor(region: string | undefined): SecretsManagerClient {
  const key = region ?? "";
  let client = defaultSecretsManagers.get(key);
  if (client === undefined) {
    client = new SecretsManagerClient(region === undefined ? {} : { region });
    defaultSecretsManagers.set(key, client);
  }
  return client;
}

function defaultAwsCredentialsSource(): AwsCredentialsSource {
  defaultAwsCredentials ??= defaultProvider();
  return defaultAwsCredentials;
}
