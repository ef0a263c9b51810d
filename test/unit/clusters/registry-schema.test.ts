import { describe, expect, it } from "vitest";
import {
  ClusterEntry,
  ClusterRegistryFile,
  isIanaTimeZone,
} from "../../../shared/clusters/registry-schema.ts";
import { issuesFromZod } from "../../../shared/model/errors.ts";

const CA_DATA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n").toString(
  "base64",
);
const SERVER = "https://10.0.0.1:6443";
const kubeconfigFile = { source: "kubeconfig", path: "kubeconfigs/dev.yaml" };
const tokenSecret = { source: "secretsManager", secretId: "kss/prod-token", format: "token" };
const eks = { source: "eks", clusterName: "prod-eu", region: "eu-west-1" };

function issuesOf(input: unknown): string[] {
  const result = ClusterEntry.safeParse(input);
  return result.success ? [] : issuesFromZod(result.error).map((i) => `${i.path}: ${i.message}`);
}

describe("ClusterEntry accepts", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a local kubeconfig file", { id: "dev", credentials: kubeconfigFile }],
    [
      "a kubeconfig file with a context",
      { id: "dev", credentials: { ...kubeconfigFile, context: "kind-dev" } },
    ],
    [
      "a kubeconfig kept in Secrets Manager",
      { id: "stage", credentials: { source: "secretsManager", secretId: "kss/stage", format: "kubeconfig" } },
    ],
    [
      "a token in Secrets Manager with its endpoint",
      { id: "prod", server: SERVER, caData: CA_DATA, credentials: tokenSecret },
    ],
    [
      "an EKS cluster with its endpoint",
      { id: "prod-eu", server: SERVER, caData: CA_DATA, credentials: eks },
    ],
    [
      "an EKS cluster with a role ARN",
      {
        id: "gov",
        server: SERVER,
        caData: CA_DATA,
        credentials: {
          ...eks,
          region: "us-gov-west-1",
          roleArn: "arn:aws-us-gov:iam::123456789012:role/kss",
        },
      },
    ],
    [
      "every optional field",
      {
        id: "full",
        displayName: "Full example",
        enabled: false,
        labels: { env: "prod", "example.com/tier": "gold", empty: "" },
        timeZone: "Europe/Berlin",
        staggerWindow: "10m",
        maxConcurrentRetries: 0,
        server: SERVER,
        caData: CA_DATA,
        credentials: kubeconfigFile,
      },
    ],
  ])("%s", (_, input) => {
    expect(issuesOf(input)).toEqual([]);
  });

  it("defaults enabled to true", () => {
    expect(ClusterEntry.parse({ id: "dev", credentials: kubeconfigFile }).enabled).toBe(true);
  });
});

describe("ClusterEntry rejects", () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      "an id that is not a DNS label",
      { id: "Prod_EU", credentials: kubeconfigFile },
      "id: must be a cluster id",
    ],
    ["a missing id", { credentials: kubeconfigFile }, "id: Invalid input"],
    [
      "an unknown source",
      { id: "a", credentials: { source: "gke" } },
      'credentials.source: must be one of "kubeconfig"',
    ],
    ["missing credentials", { id: "a" }, "credentials: must be one of"],
    [
      "a kubeconfig without path",
      { id: "a", credentials: { source: "kubeconfig" } },
      "credentials.path: Invalid input",
    ],
    [
      "a typo in a field name",
      { id: "a", credentials: { ...kubeconfigFile, contxt: "x" } },
      'credentials: Unrecognized key: "contxt"',
    ],
    [
      "a token without server",
      { id: "a", caData: CA_DATA, credentials: tokenSecret },
      'server: required when credentials.format is "token"',
    ],
    [
      "a token without caData",
      { id: "a", server: SERVER, credentials: tokenSecret },
      'caData: required when credentials.format is "token"',
    ],
    [
      "EKS without server",
      { id: "a", caData: CA_DATA, credentials: eks },
      'server: required when credentials.source is "eks"',
    ],
    [
      "EKS without a region",
      { id: "a", server: SERVER, caData: CA_DATA, credentials: { ...eks, region: undefined } },
      "credentials.region: Invalid input",
    ],
    [
      "EKS in a malformed region",
      { id: "a", server: SERVER, caData: CA_DATA, credentials: { ...eks, region: "Frankfurt" } },
      "credentials.region: must be an AWS region",
    ],
    [
      "a malformed role ARN",
      { id: "a", server: SERVER, caData: CA_DATA, credentials: { ...eks, roleArn: "kss-role" } },
      "credentials.roleArn: must be an IAM role ARN",
    ],
    [
      "an unknown secret format",
      { id: "a", credentials: { ...tokenSecret, format: "json" } },
      'credentials.format: must be "kubeconfig" or "token"',
    ],
    [
      "a plain-http server",
      { id: "a", server: "http://10.0.0.1", credentials: kubeconfigFile },
      "server: must be an https URL",
    ],
    [
      "caData that is not base64 PEM",
      { id: "a", caData: "not base64!", credentials: kubeconfigFile },
      "caData: must be base64 of a PEM certificate",
    ],
    [
      "caData of something else",
      { id: "a", caData: Buffer.from("hello").toString("base64"), credentials: kubeconfigFile },
      "caData: must be base64",
    ],
    [
      "an unknown time zone",
      { id: "a", timeZone: "Mars/Olympus", credentials: kubeconfigFile },
      "timeZone: must be an IANA time zone",
    ],
    [
      "a stagger window that is not a Go duration",
      { id: "a", staggerWindow: "10 minutes", credentials: kubeconfigFile },
      "staggerWindow: must be a duration",
    ],
    [
      "negative retries",
      { id: "a", maxConcurrentRetries: -1, credentials: kubeconfigFile },
      "maxConcurrentRetries: Too small",
    ],
    [
      "fractional retries",
      { id: "a", maxConcurrentRetries: 1.5, credentials: kubeconfigFile },
      "maxConcurrentRetries: Invalid input",
    ],
    [
      "a label key with a comma",
      { id: "a", labels: { "env,team": "x" }, credentials: kubeconfigFile },
      "labels.env,team: must be a label key",
    ],
    [
      "a label value with a space",
      { id: "a", labels: { env: "pro d" }, credentials: kubeconfigFile },
      "labels.env: must be a label value",
    ],
  ])("%s", (_, input, expected) => {
    expect(issuesOf(input).join("\n")).toContain(expected);
  });
});

describe("ClusterRegistryFile", () => {
  it("is a list of entries under clusters", () => {
    const file = { clusters: [{ id: "dev", credentials: kubeconfigFile }] };
    expect(ClusterRegistryFile.parse(file).clusters.map((c) => c.id)).toEqual(["dev"]);
  });

  it("names a bad entry by its index", () => {
    const result = ClusterRegistryFile.safeParse({
      clusters: [{ id: "dev", credentials: kubeconfigFile }, { id: "x" }],
    });
    expect(result.success ? [] : issuesFromZod(result.error).map((i) => i.path)).toEqual([
      "clusters[1].credentials",
    ]);
  });
});

describe("isIanaTimeZone", () => {
  it.each<[string, boolean]>([
    ["UTC", true],
    ["Europe/Berlin", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Mars/Olympus", false],
    ["", false],
  ])("%j → %s", (zone, known) => expect(isIanaTimeZone(zone)).toBe(known));
});

describe("ClusterEntry coverage (docs/coverage.md#exclusions)", () => {
  const base = { id: "dev", credentials: kubeconfigFile };

  it("takes namespaces to leave out of kss coverage, and no coverage block at all", () => {
    const parsed = ClusterEntry.parse({ ...base, coverage: { excludeNamespaces: ["scratch", "ci-runs-2"] } });
    expect(parsed.coverage).toEqual({ excludeNamespaces: ["scratch", "ci-runs-2"] });
    expect(ClusterEntry.parse({ ...base, coverage: {} }).coverage).toEqual({});
    expect(ClusterEntry.parse(base).coverage).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    ["a name that is no namespace", { excludeNamespaces: ["Scratch_1"] }, "coverage.excludeNamespaces[0]"],
    ["a name longer than 63", { excludeNamespaces: ["a".repeat(64)] }, "coverage.excludeNamespaces[0]"],
    ["a list that is a string", { excludeNamespaces: "scratch" }, "coverage.excludeNamespaces"],
    ["an unknown key (a typo)", { excludeNamespace: ["scratch"] }, "coverage"],
  ])("rejects %s", (_, coverage, path) => {
    const issues = issuesOf({ ...base, coverage });
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.startsWith(`${path}:`))).toBe(true);
  });
});

describe("ClusterEntry windows (docs/windows.md#where-windows-come-from)", () => {
  it("takes a start window and exclusion windows, parsed, a namespaceSelector allowed", () => {
    const parsed = ClusterEntry.parse({
      id: "eu",
      credentials: kubeconfigFile,
      startWindow: "2h",
      exclusionWindows: [
        "2026-11-27T00:00Z/P3D",
        {
          name: "prod-nights",
          recurrence: "weekly",
          days: ["Sat"],
          start: "22:00",
          duration: "6h",
          policy: "Skip",
          namespaceSelector: { matchLabels: { env: "prod" } },
        },
      ],
    });
    expect(parsed.startWindow).toBe("2h");
    expect(parsed.exclusionWindows?.map((w) => [w.kind, w.name, w.policy])).toEqual([
      ["once", "2026-11-27T00:00Z/P3D", "Wait"],
      ["weekly", "prod-nights", "Skip"],
    ]);
  });
  it.each<[string, Record<string, unknown>, string]>([
    [
      "a start window that is no duration",
      { startWindow: "two hours" },
      'startWindow: must be a duration longer than zero such as "30m" or "2h"',
    ],
    [
      "a zero start window",
      { startWindow: "0s" },
      'startWindow: must be a duration longer than zero such as "30m" or "2h"',
    ],
    [
      "a window that does not parse, by its index and the parser's words",
      {
        exclusionWindows: ["2026-11-27T00:00Z/P1D", { recurrence: "daily", start: "22:00", duration: "25h" }],
      },
      'exclusionWindows[1]: duration "25h" must be shorter than a day for a daily window (it would never close)',
    ],
    [
      "windows that are not a list",
      { exclusionWindows: "2026-11-27T00:00Z/P1D" },
      "exclusionWindows: Invalid input: expected array, received string",
    ],
  ])("rejects %s", (_, extra, issue) => {
    expect(issuesOf({ id: "eu", credentials: kubeconfigFile, ...extra })).toEqual([issue]);
  });
});
