import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { parseWith } from "../shared/model/parse.ts";
import type { EventPattern } from "./event-pattern.ts";

/**
 * The functions and their triggers, read from serverless.yml: the local runtime routes events by exactly the
 * schedules and EventBridge patterns that the cloud deployment uses. Variables of the form
 * `${self:custom.x}` are resolved from the file itself; other variables take their default (`${x, 'd'}`).
 */

export interface FunctionWiring {
  name: string;
  /** Minutes between runs, from `schedule: rate(N minute[s])`. */
  everyMinutes: number[];
  patterns: EventPattern[];
  /** Retries of a failed asynchronous invocation (`maximumRetryAttempts`, Lambda's default 2). */
  maximumRetryAttempts: number;
  /** SQS queues it consumes (`sqs` events), by their logical name in `resources`, with the batch size. */
  queues: Array<{ queue: string; batchSize: number }>;
}

/** An EventBridge pipe from an SQS queue to the bus (`AWS::Pipes::Pipe` in `resources`). */
export interface QueuePipe {
  queue: string;
  detailType: string;
  source: string;
}

/** Lambda's default for asynchronous invocations: two retries. */
export const DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2;

const ScheduleEvent = z.object({
  schedule: z.union([z.string(), z.object({ rate: z.union([z.string(), z.array(z.string())]) }).loose()]),
});
const QueueRef = z.object({ "Fn::GetAtt": z.tuple([z.string(), z.literal("Arn")]) });
const SqsEvent = z.object({
  sqs: z.object({ arn: QueueRef, batchSize: z.number().int().positive().default(10) }).loose(),
});
const PipeResource = z.object({
  Type: z.literal("AWS::Pipes::Pipe"),
  Properties: z
    .object({
      Source: QueueRef,
      TargetParameters: z
        .object({
          EventBridgeEventBusParameters: z.object({ DetailType: z.string(), Source: z.string() }).loose(),
        })
        .loose(),
    })
    .loose(),
});
const EventBridgeEvent = z.object({
  eventBridge: z.object({ pattern: z.record(z.string(), z.unknown()) }).loose(),
});
const ServerlessFile = z
  .object({
    functions: z.record(
      z.string(),
      z
        .object({
          events: z.array(z.record(z.string(), z.unknown())).default([]),
          maximumRetryAttempts: z.number().int().min(0).max(2).optional(),
        })
        .loose(),
    ),
  })
  .loose();

export const SERVERLESS_FILE = path.resolve(import.meta.dirname, "../serverless.yml");

export function readWiring(file = SERVERLESS_FILE): FunctionWiring[] {
  const document = parse(readFileSync(file, "utf8")) as unknown;
  const resolved = resolveVariables(document, document);
  const config = parseWith(ServerlessFile, resolved, file);
  return Object.entries(config.functions).map(([name, fn]) => {
    const wiring: FunctionWiring = {
      name,
      everyMinutes: [],
      patterns: [],
      maximumRetryAttempts: fn.maximumRetryAttempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      queues: [],
    };
    for (const event of fn.events) {
      const schedule = ScheduleEvent.safeParse(event);
      if (schedule.success) {
        const spec = schedule.data.schedule;
        const rates = typeof spec === "string" ? [spec] : [spec.rate].flat();
        wiring.everyMinutes.push(...rates.map(rateMinutes));
        continue;
      }
      const sqs = SqsEvent.safeParse(event);
      if (sqs.success) {
        wiring.queues.push({ queue: sqs.data.sqs.arn["Fn::GetAtt"][0], batchSize: sqs.data.sqs.batchSize });
        continue;
      }
      const bridge = EventBridgeEvent.safeParse(event);
      if (bridge.success) wiring.patterns.push(bridge.data.eventBridge.pattern as EventPattern);
    }
    return wiring;
  });
}

/** The pipes from queues to the bus that serverless.yml declares (the retry follow-ups, docs/follow-ups.md). */
export function readQueuePipes(file = SERVERLESS_FILE): QueuePipe[] {
  const document = parse(readFileSync(file, "utf8")) as { resources?: unknown };
  const blocks = [document.resources ?? []].flat() as Array<{ Resources?: Record<string, unknown> }>;
  return blocks.flatMap((block) =>
    Object.values(block?.Resources ?? {}).flatMap((resource) => {
      const pipe = PipeResource.safeParse(resource);
      if (!pipe.success) return [];
      const target = pipe.data.Properties.TargetParameters.EventBridgeEventBusParameters;
      return [
        {
          queue: pipe.data.Properties.Source["Fn::GetAtt"][0],
          detailType: target.DetailType,
          source: target.Source,
        },
      ];
    }),
  );
}

export function rateMinutes(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!match) throw new Error(`unsupported schedule ${JSON.stringify(expression)} (use rate(N minutes))`);
  const n = Number(match[1]);
  if (match[2]?.startsWith("day")) return n * 1440;
  return match[2]?.startsWith("hour") ? n * 60 : n;
}

const VARIABLE = /\$\{([^}]+)\}/g;

function resolveVariables(node: unknown, root: unknown): unknown {
  if (typeof node === "string") {
    const whole = /^\$\{([^}]+)\}$/.exec(node);
    if (whole) return resolveVariable(whole[1] ?? "", root);
    return node.replace(VARIABLE, (_m, expr: string) => String(resolveVariable(expr, root)));
  }
  if (Array.isArray(node)) return node.map((n) => resolveVariables(n, root));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveVariables(v, root)]));
  }
  return node;
}

function resolveVariable(expression: string, root: unknown): unknown {
  const [reference = "", fallback] = expression.split(/,\s*/, 2);
  if (reference.startsWith("self:")) {
    let value: unknown = root;
    for (const key of reference.slice(5).split("."))
      value = (value as Record<string, unknown> | undefined)?.[key];
    return resolveVariables(value, root);
  }
  if (reference === "sls:stage") return "local";
  return fallback?.replace(/^['"]|['"]$/g, "") ?? "";
}
