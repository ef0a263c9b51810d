import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeConfigFor, kubeConfigWithToken } from "../../../shared/clusters/credentials.ts";
import { eksBearerToken } from "../../../shared/clusters/eks-token.ts";
import { ClusterCredentialsError, ClusterDisabledError } from "../../../shared/clusters/errors.ts";
import { KubeConfigCache } from "../../../shared/clusters/kubeconfig-cache.ts";
import { loadRegistry, type RegisteredCluster } from "../../../shared/clusters/registry.ts";

const CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n").toString(
  "base64",
);
const OTHER_CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n").toString(
  "base64",
);
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const T0 = new Date("2026-01-02T03:04:05Z");

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: { server: "https://127.0.0.1:6443", certificate-authority-data: ${CA_DATA} }
- name: two
  cluster: { server: "https://127.0.0.1:7443", certificate-authority-data: ${CA_DATA} }
users:
- name: admin
  user: { token: admin-token }
contexts:
- name: one-admin
  context: { cluster: one, user: admin }
- name: two-admin
  context: { cluster: two, user: admin }
- name: dangling
  context: { cluster: nowhere, user: admin }
current-context: one-admin
`;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kss-credentials-"));
  await writeFile(path.join(dir, "kubeconfig.yaml"), KUBECONFIG);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One registered cluster, loaded through the registry as production code does. */
function cluster(entry: Record<string, unknown>): RegisteredCluster {
  const [registered] = loadRegistry({ clusters: [{ id: "c1", ...entry }] }, { baseDir: dir }).clusters;
  if (registered === undefined) throw new Error("no cluster loaded");
  return registered;
}

/** The Authorization header the KubeConfig puts on a request. */
async function authorizationOf(kubeConfig: KubeConfig): Promise<string | undefined> {
  const options: RequestOptions = {};
  await kubeConfig.applyToHTTPSOptions(options);
  const headers = options.headers ?? {};
  const value = "Authorization" in headers ? headers.Authorization : undefined;
  return typeof value === "string" ? value : undefined;
}

describe("kubeConfigFor a kubeconfig file", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["uses the file's current context", {}, "https://127.0.0.1:6443"],
    ["switches to the named context", { context: "two-admin" }, "https://127.0.0.1:7443"],
  ])("%s", async (_, extra, server) => {
    // Act
    const c = cluster({ credentials: { source: "kubeconfig", path: "kubeconfig.yaml", ...extra } });
    const kubeConfig = await kubeConfigFor(c, { cache: new KubeConfigCache() });
    // Assess
    expect(kubeConfig.getCurrentCluster()?.server).toBe(server);
    expect(await authorizationOf(kubeConfig)).toBe("Bearer admin-token");
  });

  it("puts the entry's server and caData in place of the file's", async () => {
    const c = cluster({
      server: "https://kube.example.com",
      caData: OTHER_CA,
      credentials: { source: "kubeconfig", path: "kubeconfig.yaml" },
    });
    const kubeConfig = await kubeConfigFor(c, { cache: new KubeConfigCache() });
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      server: "https://kube.example.com",
      caData: OTHER_CA,
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a missing file", { path: "missing.yaml" }, "cannot load /"],
    [
      "an unknown context",
      { path: "kubeconfig.yaml", context: "three" },
      'has no context "three" (it has: one-admin',
    ],
    [
      "a context without a cluster",
      { path: "kubeconfig.yaml", context: "dangling" },
      "current context dangling names no cluster",
    ],
  ])("throws ClusterCredentialsError for %s", async (_, fields, message) => {
    const c = cluster({ credentials: { source: "kubeconfig", ...fields } });
    const loading = kubeConfigFor(c, { cache: new KubeConfigCache() });
    await expect(loading).rejects.toThrow(ClusterCredentialsError);
    await expect(loading).rejects.toThrow('cluster "c1": kubeconfig credentials: ');
    await expect(loading).rejects.toThrow(message);
  });
});

describe("kubeConfigFor a cluster that is not enabled", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "when disabled in the registry",
      { enabled: false },
      'cluster "c1" is disabled in the registry (enabled: false)',
    ],
    [
      "when its entry is bad",
      { timeZone: "Mars/Olympus" },
      `cluster "c1" is invalid: clusters[0].timeZone: must be an IANA time zone`,
    ],
  ])("throws ClusterDisabledError %s", async (_, fields, message) => {
    const c = cluster({ credentials: { source: "kubeconfig", path: "kubeconfig.yaml" }, ...fields });
    await expect(kubeConfigFor(c)).rejects.toThrow(ClusterDisabledError);
    await expect(kubeConfigFor(c)).rejects.toThrow(message);
  });
});

describe("the KubeConfig cache", () => {
  const fileCluster = () => cluster({ credentials: { source: "kubeconfig", path: "kubeconfig.yaml" } });

  it("returns the same KubeConfig within its max age, and a fresh one after", async () => {
    // Prepare
    const clock = { now: T0 };
    const deps = { cache: new KubeConfigCache(60_000), now: () => clock.now };
    // Act
    const first = await kubeConfigFor(fileCluster(), deps);
    const again = await kubeConfigFor(fileCluster(), deps);
    clock.now = new Date(T0.getTime() + 60_000);
    const reloaded = await kubeConfigFor(fileCluster(), deps);
    // Assess
    expect(again).toBe(first);
    expect(reloaded).not.toBe(first);
  });

  it("loads afresh when the registry entry changed", async () => {
    const cache = new KubeConfigCache();
    const first = await kubeConfigFor(fileCluster(), { cache });
    const changed = cluster({
      credentials: { source: "kubeconfig", path: "kubeconfig.yaml", context: "two-admin" },
    });
    const second = await kubeConfigFor(changed, { cache });
    expect(second).not.toBe(first);
    expect(second.getCurrentCluster()?.server).toBe("https://127.0.0.1:7443");
  });

  it("forgets a failed load so the next call tries again", async () => {
    // Prepare
    const cache = new KubeConfigCache();
    const late = cluster({ credentials: { source: "kubeconfig", path: "late.yaml" } });
    await expect(kubeConfigFor(late, { cache })).rejects.toThrow(ClusterCredentialsError);
    // Act
    await writeFile(path.join(dir, "late.yaml"), KUBECONFIG);
    // Assess
    expect((await kubeConfigFor(late, { cache })).getCurrentContext()).toBe("one-admin");
  });
});

describe("kubeConfigWithToken (a Secrets Manager token)", () => {
  it("reaches the entry's endpoint with the token as bearer", async () => {
    const kubeConfig = kubeConfigWithToken(
      "c1",
      { server: "https://10.0.0.1:6443", caData: CA_DATA },
      "sa-token",
    );
    expect(kubeConfig.getCurrentCluster()).toMatchObject({
      name: "c1",
      server: "https://10.0.0.1:6443",
      caData: CA_DATA,
    });
    expect(await authorizationOf(kubeConfig)).toBe("Bearer sa-token");
  });
});

describe("kubeConfigFor an EKS cluster", () => {
  const eksEntry = {
    server: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
    caData: CA_DATA,
    credentials: { source: "eks", clusterName: "prod-eu", region: "eu-west-1" },
  };

  it("sends a fresh IAM token, minted again after ten minutes", async () => {
    // Prepare
    const clock = { now: T0 };
    const kubeConfig = await kubeConfigFor(cluster(eksEntry), {
      cache: new KubeConfigCache(),
      awsCredentials: credentials,
      now: () => clock.now,
    });
    const expected = (signingDate: Date) =>
      eksBearerToken({ clusterName: "prod-eu", region: "eu-west-1", credentials, signingDate });
    // Act
    const first = await authorizationOf(kubeConfig);
    clock.now = new Date(T0.getTime() + 11 * 60_000);
    const later = await authorizationOf(kubeConfig);
    // Assess
    expect(kubeConfig.getCurrentCluster()?.server).toBe(eksEntry.server);
    expect(first).toBe(`Bearer ${await expected(T0)}`);
    expect(later).toBe(`Bearer ${await expected(clock.now)}`);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "a role to assume (not supported yet)",
      {
        ...eksEntry,
        credentials: { ...eksEntry.credentials, roleArn: "arn:aws:iam::123456789012:role/kss" },
      },
      'cluster "c1": eks credentials: roleArn is not supported yet',
    ],
    [
      "AWS credentials that cannot be resolved",
      eksEntry,
      'cannot sign a token for EKS cluster "prod-eu": no AWS credentials',
    ],
  ])("throws ClusterCredentialsError for %s", async (_, entry, message) => {
    const awsCredentials = async () => {
      throw new Error("no AWS credentials");
    };
    const loading = kubeConfigFor(cluster(entry), { cache: new KubeConfigCache(), awsCredentials });
    await expect(loading).rejects.toThrow(ClusterCredentialsError);
    await expect(loading).rejects.toThrow(message);
  });
});
