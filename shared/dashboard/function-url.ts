import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { z } from "zod";
import { parseWith } from "../model/parse.ts";
import type { DashboardRequest, DashboardResponse } from "./routes.ts";

/**
 * A Lambda function URL request (the API Gateway HTTP API payload format 2.0), only the fields the dashboard
 * reads, and its translation to and from the dashboard's routes. Function URLs send GET bodies base64 or not
 * at all; the dashboard has no use for a body.
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
export function dashboardRequestOf(event: unknown): DashboardRequest {
  const request = parseWith(FunctionUrlRequest, event, "function URL request");
  const params = new URLSearchParams(request.rawQueryString);
  const query: Record<string, string> = {};
  for (const [key, value] of params) query[key] = value;
  return { method: request.requestContext.http.method.toUpperCase(), path: request.rawPath, query };
}

/** The function URL's answer; a HEAD request gets the headers only. */
export function functionUrlResult(
  response: DashboardResponse,
  method = "GET",
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: response.headers,
    body: method === "HEAD" ? "" : response.body,
    isBase64Encoded: false,
  };
}
