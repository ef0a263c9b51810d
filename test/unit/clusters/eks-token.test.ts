import { describe, expect, it } from "vitest";
import {
  EKS_TOKEN_PREFIX,
  EKS_TOKEN_REFRESH_MS,
  EksTokenSource,
  eksBearerToken,
  presignedUrlOf,
  stsHostname,
} from "../../../shared/clusters/eks-token.ts";

// AWS's documented example keys: fixed, so the signature is fixed too.
const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "tok+/=en",
};
const signingDate = new Date("2026-01-02T03:04:05Z");
const request = { clusterName: "demo", region: "eu-west-1", credentials, signingDate };

function urlOf(token: string): URL {
  const url = presignedUrlOf(token);
  if (url === undefined) throw new Error(`not an EKS token: ${token}`);
  return url;
}

describe("eksBearerToken", () => {
  it("is k8s-aws-v1. and the base64url of the presigned URL, without padding", async () => {
    const token = await eksBearerToken(request);
    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("presigns GetCallerIdentity on the regional STS endpoint", async () => {
    const url = urlOf(await eksBearerToken(request));
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
  });

  it.each<[string, string]>([
    ["Action", "GetCallerIdentity"],
    ["Version", "2011-06-15"],
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", "AKIDEXAMPLE/20260102/eu-west-1/sts/aws4_request"],
    ["X-Amz-Date", "20260102T030405Z"],
    ["X-Amz-Expires", "60"],
    ["X-Amz-SignedHeaders", "host;x-k8s-aws-id"],
    ["X-Amz-Security-Token", "tok+/=en"],
  ])("carries %s=%s in the query", async (name, value) => {
    const url = urlOf(await eksBearerToken(request));
    expect(url.searchParams.get(name)).toBe(value);
  });

  it("signs exactly as botocore (aws eks get-token) does for the same inputs", async () => {
    // Signature computed with botocore's SigV4QueryAuth for the same keys, date, region and header.
    const url = urlOf(await eksBearerToken(request));
    expect(url.searchParams.get("X-Amz-Signature")).toBe(
      "20ca7f8881be8216e79e40b57af93fa25dcec2e61685449c9e9acc4b86b99bc6",
    );
  });

  it("gives the same token for the same inputs", async () => {
    expect(await eksBearerToken(request)).toBe(await eksBearerToken({ ...request }));
  });

  it.each<[string, Partial<typeof request>]>([
    ["another cluster name (x-k8s-aws-id is signed)", { clusterName: "other" }],
    ["another second", { signingDate: new Date("2026-01-02T03:04:06Z") }],
    ["another region", { region: "eu-central-1" }],
  ])("gives another signature for %s", async (_, change) => {
    const base = urlOf(await eksBearerToken(request)).searchParams.get("X-Amz-Signature");
    const changed = urlOf(await eksBearerToken({ ...request, ...change })).searchParams.get(
      "X-Amz-Signature",
    );
    expect(changed).not.toBe(base);
  });

  it("leaves out the security token for long-term keys and accepts a credentials provider", async () => {
    const provider = async () => ({
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: credentials.secretAccessKey,
    });
    const url = urlOf(await eksBearerToken({ ...request, credentials: provider }));
    expect(url.searchParams.has("X-Amz-Security-Token")).toBe(false);
  });
});

describe("stsHostname", () => {
  it.each<[string, string]>([
    ["us-east-1", "sts.us-east-1.amazonaws.com"],
    ["us-gov-west-1", "sts.us-gov-west-1.amazonaws.com"],
    ["cn-north-1", "sts.cn-north-1.amazonaws.com.cn"],
  ])("%s → %s", (region, host) => expect(stsHostname(region)).toBe(host));
});

describe("EksTokenSource", () => {
  function sourceWithClock(
    start: Date,
    creds: typeof credentials | (() => Promise<typeof credentials>) = credentials,
  ) {
    const clock = { now: start };
    const tokens = new EksTokenSource({ clusterName: "demo", region: "eu-west-1" }, creds, () => clock.now);
    const advance = (ms: number) => {
      clock.now = new Date(clock.now.getTime() + ms);
    };
    return { tokens, advance };
  }

  it.each<[string, number, boolean]>([
    ["reuses the token one minute later", 60_000, true],
    ["reuses the token just before ten minutes", EKS_TOKEN_REFRESH_MS - 1, true],
    ["mints a new token at ten minutes (five before it expires)", EKS_TOKEN_REFRESH_MS, false],
  ])("%s", async (_, elapsed, same) => {
    // Prepare
    const { tokens, advance } = sourceWithClock(signingDate);
    const first = await tokens.token();
    // Act
    advance(elapsed);
    const later = await tokens.token();
    // Assess
    expect(later === first).toBe(same);
    const expectedDate = same ? "20260102T030405Z" : "20260102T031405Z";
    expect(urlOf(later).searchParams.get("X-Amz-Date")).toBe(expectedDate);
  });

  it("tries again after credentials could not be resolved", async () => {
    // Prepare
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Error("no credentials yet");
      return credentials;
    };
    const { tokens } = sourceWithClock(signingDate, flaky);
    // Act + Assess
    await expect(tokens.token()).rejects.toThrow("no credentials yet");
    expect(urlOf(await tokens.token()).host).toBe("sts.eu-west-1.amazonaws.com");
  });
});
