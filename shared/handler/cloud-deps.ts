import path from "node:path";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SQSClient } from "@aws-sdk/client-sqs";
import { z } from "zod";
import { SqsDeadLetterQueue } from "../bus/dead-letter.ts";
import { EventBridgePublisher } from "../bus/eventbridge-publisher.ts";
import { type FollowUpQueue, SqsFollowUpQueue } from "../bus/follow-up-queue.ts";
import type { EventPublisher } from "../bus/publisher.ts";
import { systemClock } from "../clock.ts";
import { type ClusterRegistry, loadRegistryFile } from "../clusters/registry.ts";
import { parseWith } from "../model/parse.ts";
import type { BaseDeps } from "./function-definition.ts";

/**
 * What a function needs in the cloud, from its Lambda environment (serverless.yml sets it): the bus, the
 * dead-letter queue and the cluster registry. Built once per container by lambda.ts.
 */

export const LambdaEnvironment = z.object({
  KSS_EVENT_BUS_NAME: z.string().min(1),
  KSS_DEAD_LETTER_QUEUE_URL: z.url(),
  /** The follow-up queues (docs/follow-ups.md): reconcile-session's and evaluate-failure's; none = sweep only. */
  KSS_SESSION_FOLLOW_UP_QUEUE_URL: z.url().optional(),
  KSS_RETRY_FOLLOW_UP_QUEUE_URL: z.url().optional(),
  /** Follow-ups of one cluster handled at once per batch (the per-cluster cap). */
  KSS_MAX_FOLLOW_UPS_PER_CLUSTER: z.coerce.number().int().positive().optional(),
  /** Registry file packaged with the function, relative to the task root. */
  KSS_CLUSTER_REGISTRY: z.string().min(1).default("clusters.yaml"),
  LAMBDA_TASK_ROOT: z.string().optional(),
  /** Per-request timeout towards the clusters' API servers. */
  KSS_KUBE_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});
export type LambdaEnvironment = z.infer<typeof LambdaEnvironment>;

export interface CloudDeps extends BaseDeps {
  env: LambdaEnvironment;
  publisher: EventPublisher;
  followUps: FollowUpQueue;
  maxFollowUpsPerCluster?: number;
  loadRegistry: () => Promise<ClusterRegistry>;
}

export async function cloudDeps(
  observability: Pick<BaseDeps, "logger" | "metrics">,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<CloudDeps> {
  const env = parseWith(LambdaEnvironment, environment, "the function's environment");
  const registryFile = path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), env.KSS_CLUSTER_REGISTRY);
  let registry: Promise<ClusterRegistry> | undefined;
  const sqs = new SQSClient({});
  return {
    ...observability,
    env,
    clock: systemClock,
    deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: env.KSS_DEAD_LETTER_QUEUE_URL }),
    followUps: new SqsFollowUpQueue({
      client: sqs,
      queueUrls: {
        "reconcile-session": env.KSS_SESSION_FOLLOW_UP_QUEUE_URL,
        "evaluate-failure": env.KSS_RETRY_FOLLOW_UP_QUEUE_URL,
      },
    }),
    ...(env.KSS_MAX_FOLLOW_UPS_PER_CLUSTER === undefined
      ? {}
      : { maxFollowUpsPerCluster: env.KSS_MAX_FOLLOW_UPS_PER_CLUSTER }),
    publisher: new EventBridgePublisher({
      client: new EventBridgeClient({}),
      eventBusName: env.KSS_EVENT_BUS_NAME,
    }),
    loadRegistry: () => {
      registry ??= loadRegistryFile(registryFile);
      return registry;
    },
  };
}
