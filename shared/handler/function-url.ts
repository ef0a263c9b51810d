import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { InvalidInputError } from "../model/errors.ts";
import { parseWith } from "../model/parse.ts";
import { oncePerContainer, withObservability } from "./container.ts";
import type {
  HttpRequest,
  HttpResponse,
  ObservabilityDeps,
  UrlFunctionDefinition,
  UrlFunctionDeps,
} from "./function-definition.ts";

/**
 * The handler convention for a function behind a Lambda function URL (the fleet dashboard): the event is
 * parsed with the zod schema of a function URL request (the API Gateway HTTP API payload format 2.0, only the
 * fields read); one that is not is logged with the path of each bad field, counted (`MalformedRequests`) and
 * answered 400; an exception of the function is logged, counted (`RequestsFailed`) and answered 500 — none
 * escapes. Dependencies are built once per container; middy with Powertools' logger and metrics, as for every
 * function (container.ts). Function URLs send GET bodies base64 or not at all; no function reads a body.
 */

export const FunctionUrlRequest = z.looseObject({
  version: z.literal("2.0"),
  rawPath: z.string().startsWith("/"),
  rawQueryString: z.string().default(""),
  requestContext: z.looseObject({
    http: z.looseObject({ method: z.string().min(1), path: z.string().optional() }),
    requestId: z.string().optional(),
  }),
});
export type FunctionUrlRequest = z.infer<typeof FunctionUrlRequest>;

/** Parses the event (InvalidInputError naming each bad field when it is not a function URL request). */
export function httpRequestOf(event: unknown): HttpRequest {
  const request = parseWith(FunctionUrlRequest, event, "function URL request");
  const params = new URLSearchParams(request.rawQueryString);
  const query: Record<string, string> = {};
  for (const [key, value] of params) query[key] = value;
  return { method: request.requestContext.http.method.toUpperCase(), path: request.rawPath, query };
}

/** The function URL's answer; a HEAD request gets the headers only. */
export function functionUrlResult(response: HttpResponse, method = "GET"): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: method === "HEAD" ? "" : response.body,
    isBase64Encoded: false,
  };
}

const plain = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  body: JSON.stringify({ error: message }),
});

/** The core without Lambda: one function URL event → one answer; never throws. */
export async function handleRequest<D extends UrlFunctionDeps>(
  fn: UrlFunctionDefinition<D>,
  raw: unknown,
  deps: D,
): Promise<APIGatewayProxyStructuredResultV2> {
  let request: HttpRequest;
  try {
    request = httpRequestOf(raw);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    deps.logger.warn("not a function URL request", { issues: error.issues });
    deps.metrics.addMetric("MalformedRequests", "Count", 1);
    return plain(400, error.message);
  }
  try {
    return functionUrlResult(await fn.answer(request, deps), request.method);
  } catch (error) {
    deps.logger.error(`${fn.work} failed`, { error: error instanceof Error ? error : String(error) });
    deps.metrics.addMetric("RequestsFailed", "Count", 1);
    return plain(500, `${fn.work} failed; see the function's logs`);
  }
}

/** The Lambda handler of a URL function: {@link handleRequest} in the convention's middy stack. */
export function functionUrlHandler<D extends UrlFunctionDeps>(
  fn: UrlFunctionDefinition<D>,
  buildDeps: () => Promise<D>,
  observability: ObservabilityDeps,
) {
  const depsOnce = oncePerContainer(buildDeps);
  return withObservability(
    async (event: unknown) => handleRequest(fn, event, await depsOnce()),
    observability,
  );
}
