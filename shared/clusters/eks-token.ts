import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * EKS bearer tokens, made the way aws-iam-authenticator (and `aws eks get-token`) makes them: an STS
 * `GetCallerIdentity` request presigned with SigV4, the cluster name in the signed `x-k8s-aws-id`
 * header, its URL base64url-encoded behind `k8s-aws-v1.`. The API server replays the URL to STS to
 * learn who we are; no call to AWS is made here.
 */

/** AWS credentials, or a provider that resolves (and refreshes) them, as the AWS SDK's providers do. */
export type AwsCredentialsSource = ConstructorParameters<typeof SignatureV4>[0]["credentials"];

export interface EksTokenRequest {
  /** The EKS cluster's name (not its ARN), as the API server's authenticator expects in `x-k8s-aws-id`. */
  clusterName: string;
  region: string;
  credentials: AwsCredentialsSource;
  /** When the signature is made; the token is valid from then for 15 minutes. */
  signingDate: Date;
}

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
/** Lifetime of the presigned URL as aws-iam-authenticator sets it; the server accepts it for 15 minutes. */
export const EKS_PRESIGN_EXPIRES_SECONDS = 60;
/** EKS accepts a token for 15 minutes after signing; we mint a new one well before. */
export const EKS_TOKEN_REFRESH_MS = 10 * 60_000;

/** Regional STS host, as aws-iam-authenticator uses (China regions live under amazonaws.com.cn). */
export function stsHostname(region: string): string {
  return `sts.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

/** A bearer token for an EKS cluster. Deterministic: the same inputs give the same token. */
export async function eksBearerToken(request: EksTokenRequest): Promise<string> {
  const hostname = stsHostname(request.region);
  const signer = new SignatureV4({
    service: "sts",
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: "GET",
      protocol: "https:",
      hostname,
      path: "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: hostname, "x-k8s-aws-id": request.clusterName },
    }),
    { expiresIn: EKS_PRESIGN_EXPIRES_SECONDS, signingDate: request.signingDate },
  );
  const url = `https://${hostname}/?${queryString(presigned.query ?? {})}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}

/** The presigned URL inside a token (for tests and diagnostics), or `undefined` if it is not one. */
export function presignedUrlOf(token: string): URL | undefined {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) return undefined;
  try {
    return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Hands out an EKS token for one cluster, minting a new one when the last is older than
 * {@link EKS_TOKEN_REFRESH_MS}; concurrent callers share one signing.
 */
export class EksTokenSource {
  private current: { token: Promise<string>; signedAt: number } | undefined;

  constructor(
    private readonly cluster: { clusterName: string; region: string },
    private readonly credentials: AwsCredentialsSource,
    private readonly now: () => Date,
  ) {}

  token(): Promise<string> {
    const signingDate = this.now();
    const current = this.current;
    if (current !== undefined && signingDate.getTime() - current.signedAt < EKS_TOKEN_REFRESH_MS) {
      return current.token;
    }
    const token = eksBearerToken({ ...this.cluster, credentials: this.credentials, signingDate });
    const minted = { token, signedAt: signingDate.getTime() };
    this.current = minted;
    token.catch(() => {
      if (this.current === minted) this.current = undefined;
    });
    return token;
  }
}

/** RFC 3986 query string, keys sorted, as SigV4 canonicalises it. */
function queryString(query: Record<string, string | string[] | null>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    const values = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    for (const item of [...values].sort()) pairs.push(`${rfc3986(key)}=${rfc3986(item)}`);
  }
  return pairs.join("&");
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
