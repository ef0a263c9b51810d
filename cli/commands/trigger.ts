import { randomUUID } from "node:crypto";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { Command } from "commander";
import { z } from "zod";
import { EventBridgePublisher } from "../../shared/bus/eventbridge-publisher.ts";
import { eventFor } from "../../shared/bus/publisher.ts";
import { BackupTriggerRequested } from "../../shared/model/events/backup-trigger-requested.ts";
import { DETAIL_VERSION } from "../../shared/model/events/envelope.ts";
import { VerificationTriggerRequested } from "../../shared/model/events/verification.ts";
import type { CliCommand } from "../command.ts";
import { CliError, ExitCode } from "../context.ts";
import { OutputFormat, outputOption, renderJson } from "../output.ts";

/**
 * `kss trigger --cluster ID --namespace NS --config NAME [--session S]`: asks for a backup now by putting the
 * same "Backup Trigger Requested" event another system would send on the project's bus (source `kss.cli`).
 * With `--verify [--repository R] [--snapshot SNAP]` it asks for a verification of a repository instead
 * ("Verification Trigger Requested", docs/verification.md#scheduling).
 * `--endpoint` points it at another EventBridge endpoint, e.g. the one `npm start` serves locally.
 */

export const TRIGGER_SOURCE = "kss.cli";

const TriggerOptions = z.object({
  cluster: z.string().min(1),
  namespace: z.string().min(1),
  config: z.string().min(1),
  session: z.string().min(1).optional(),
  verify: z.boolean().optional(),
  repository: z.string().min(1).optional(),
  snapshot: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
  bus: z.string().min(1),
  endpoint: z.url().optional(),
  region: z.string().optional(),
  output: OutputFormat,
});

export const triggerCommand: CliCommand = {
  path: ["trigger"],
  summary: "ask for a backup now (sends a Backup Trigger Requested event)",
  configure(command: Command) {
    command
      .requiredOption("--cluster <id>", "cluster id from the registry")
      .requiredOption("-n, --namespace <namespace>", "namespace of the BackupConfiguration")
      .requiredOption("--config <name>", "the BackupConfiguration")
      .option("--session <name>", "its session (optional when it has only one, or only one verified)")
      .option("--verify", "ask for a verification of a repository instead of a backup")
      .option("--repository <name>", "with --verify: the repository (optional when one has a verifier)")
      .option("--snapshot <name>", "with --verify: the Snapshot to verify (default: the newest Succeeded)")
      .option("--request-id <id>", "idempotency key; a new one by default")
      .option("--bus <name>", "event bus name", process.env.KSS_EVENT_BUS_NAME ?? "kubestash-serverless-dev")
      .option(
        "--endpoint <url>",
        "EventBridge endpoint (the local run prints its own)",
        process.env.KSS_EVENTBRIDGE_ENDPOINT,
      )
      .option("--region <region>", "AWS region")
      .addOption(outputOption())
      .addHelpText(
        "after",
        `\nWith --verify the event is "Verification Trigger Requested": one BackupVerificationSession of the
repository (its backupVerifier) now, once per request id.`,
      );
  },
  async run({ options }, context) {
    const parsed = TriggerOptions.safeParse(options);
    if (!parsed.success)
      throw new CliError(
        `kss trigger: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join("; ")}`,
      );
    const o = parsed.data;
    if (!o.verify && (o.repository || o.snapshot))
      throw new CliError("kss trigger: --repository and --snapshot go with --verify", ExitCode.Usage);
    const requestId = o.requestId ?? `kss-${randomUUID()}`;
    const common = {
      version: DETAIL_VERSION,
      clusterId: o.cluster,
      requestId,
      namespace: o.namespace,
      configuration: o.config,
      ...(o.session ? { session: o.session } : {}),
      requestedBy: process.env.USER ? `kss (${process.env.USER})` : "kss",
    } as const;
    let event: ReturnType<typeof eventFor>;
    try {
      event = o.verify
        ? eventFor(
            VerificationTriggerRequested,
            {
              ...common,
              ...(o.repository ? { repository: o.repository } : {}),
              ...(o.snapshot ? { snapshot: o.snapshot } : {}),
            },
            { source: TRIGGER_SOURCE },
          )
        : eventFor(BackupTriggerRequested, common, { source: TRIGGER_SOURCE });
    } catch (error) {
      if (error instanceof Error && "issues" in error)
        throw new CliError(`kss trigger: ${error.message}`, ExitCode.Usage, { cause: error });
      throw error;
    }
    const local = o.endpoint?.startsWith("http://127.0.0.1") || o.endpoint?.startsWith("http://localhost");
    const client = new EventBridgeClient({
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      region: o.region ?? process.env.AWS_REGION ?? (local ? "local" : undefined),
      ...(local ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    });
    const result = await new EventBridgePublisher({ client, eventBusName: o.bus }).publish([event]);
    const eventId = result.eventIds[0] ?? "";
    if (o.output === "json") context.writeOut(renderJson({ requestId, eventId, detail: event.detail }));
    else
      context.writeOut(
        `sent ${o.verify ? "verification " : ""}trigger request ${requestId} (event ${eventId}) for ${o.namespace}/${o.config}${o.verify && o.repository ? ` repository ${o.repository}` : ""} on ${o.cluster}\n`,
      );
    return ExitCode.Ok;
  },
};
