import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { RequestOptions } from "node:https";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, describe, expect, it } from "vitest";
import { kubeConfigFor } from "../../shared/clusters/credentials.ts";
import { ClusterCredentialsError } from "../../shared/clusters/errors.ts";
import { KubeConfigCache } from "../../shared/clusters/kubeconfig-cache.ts";
import { loadRegistry, type RegisteredCluster } from "../../shared/clusters/registry.ts";
import { motoEndpoint as motoEndpointOfRun } from "../support/moto-routes.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

// Runs against the moto server the integration setup starts (test/integration/global-setup-moto.ts).
const motoEndpoint = motoEndpointOfRun();
const region = "us-east-1";
const createdSecrets: string[] = [];

function motoSecretsManager(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: motoEndpoint,
    region,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

async function createSecret(value: string): Promise<string> {
  const name = `kss-test/${randomUUID()}`;
  await motoSecretsManager().send(new CreateSecretCommand({ Name: name, SecretString: value }));
  createdSecrets.push(name);
  return name;
}

function registered(entry: Record<string, unknown>): RegisteredCluster {
  const [cluster] = loadRegistry({ clusters: [entry] }, { baseDir: process.cwd() }).clusters;
  if (cluster === undefined) throw new Error("no cluster loaded");
  return cluster;
}

const deps = () => ({ secretsManagerFor: () => motoSecretsManager(), cache: new KubeConfigCache() });

afterAll(async () => {
  const client = motoSecretsManager();
  for (const name of createdSecrets) {
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  }
});

describe("cluster credentials kept in Secrets Manager (moto)", () => {
  it("loads a kubeconfig secret that reaches the real API server", async () => {
    // Prepare
    const target = sharedCluster();
    const secretId = await createSecret(await readFile(target.kubeconfigPath, "utf8"));
    const cluster = registered({
      id: target.id,
      credentials: { source: "secretsManager", secretId, format: "kubeconfig", region },
    });
    // Act
    const kubeConfig = await kubeConfigFor(cluster, deps());
    const namespaces = await kubeConfig.makeApiClient(CoreV1Api).listNamespace();
    // Assess
    expect(kubeConfig.getCurrentCluster()?.server).toBe(target.server);
    expect(namespaces.items.map((ns) => ns.metadata?.name)).toContain("default");
  });

  it("builds a KubeConfig from a token secret and the entry's endpoint", async () => {
    // Prepare
    const target = sharedCluster();
    const caData = (await readFile(target.caFile)).toString("base64");
    const secretId = await createSecret("  service-account-token\n");
    const cluster = registered({
      id: target.id,
      server: target.server,
      caData,
      credentials: { source: "secretsManager", secretId, format: "token", region },
    });
    // Act
    const kubeConfig = await kubeConfigFor(cluster, deps());
    const options: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    // Assess
    expect(kubeConfig.getCurrentCluster()).toMatchObject({ server: target.server, caData });
    expect(options.headers).toMatchObject({ Authorization: "Bearer service-account-token" });
  });

  it("names the cluster and the secret when the secret does not exist", async () => {
    const cluster = registered({
      id: "ghost",
      credentials: { source: "secretsManager", secretId: "kss-test/absent", format: "kubeconfig", region },
    });
    const loading = kubeConfigFor(cluster, deps());
    await expect(loading).rejects.toThrow(ClusterCredentialsError);
    await expect(loading).rejects.toThrow(
      'cluster "ghost": secretsManager credentials: cannot read secret "kss-test/absent"',
    );
  });
});
