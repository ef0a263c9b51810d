import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { newBackupSession } from "../decide/schedule/new-session.ts";
import type { KubeClient } from "../kube/client.ts";
import { BackupSessionCreated } from "../model/events/backup-session-created.ts";
import type { BackupTriggerRequestedDetail } from "../model/events/backup-trigger-requested.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import { Annotation } from "../model/labels.ts";
import { triggeredSessionName } from "../model/names.ts";
import { toKubeTime } from "../model/time.ts";

/**
 * A backup asked for by another system (or `kss trigger`): one BackupSession for the configuration's session,
 * named from the request id, so a duplicate delivery — even two racing — creates nothing new. Whether it may
 * run (paused configuration, another backup running) is the session function's decision, as for any session.
 */

export interface TriggerBackupDeps {
  client: KubeClient;
  publisher: EventPublisher;
}

export type TriggerOutcome =
  | { status: "created" | "duplicate"; name: string }
  | { status: "rejected"; reason: string };

export async function triggerBackup(
  deps: TriggerBackupDeps,
  request: BackupTriggerRequestedDetail,
  requestedAt: Date,
  now: Date,
): Promise<TriggerOutcome> {
  const config = await deps.client.find("BackupConfiguration", request.namespace, request.configuration);
  if (!config) {
    return {
      status: "rejected",
      reason: `BackupConfiguration ${request.namespace}/${request.configuration} not found`,
    };
  }
  const sessions = config.spec.sessions ?? [];
  const session = request.session
    ? sessions.find((s) => s.name === request.session)
    : sessions.length === 1
      ? sessions[0]
      : undefined;
  if (!session) {
    const names = sessions.map((s) => s.name).join(", ") || "none";
    const reason = request.session
      ? `session "${request.session}" is not in ${request.namespace}/${request.configuration} (it has: ${names})`
      : `${request.namespace}/${request.configuration} has ${sessions.length} sessions (${names}): name one`;
    return { status: "rejected", reason };
  }
  const desired = newBackupSession({
    configuration: config,
    session,
    name: triggeredSessionName(config.metadata.name, session.name, request.requestId),
    scheduledTime: requestedAt,
    origin: "trigger",
    annotations: { [Annotation.TriggerRequestId]: request.requestId },
  });
  const { object, created } = await deps.client.create(
    "BackupSession",
    desired,
    (existing) => existing.metadata.annotations?.[Annotation.TriggerRequestId] === request.requestId,
  );
  if (!created) return { status: "duplicate", name: object.metadata.name };
  const by = request.requestedBy ? ` by ${request.requestedBy}` : "";
  await deps.client.recordEvent(
    config,
    {
      type: "Normal",
      reason: "BackupTriggered",
      message: `Created BackupSession ${object.metadata.name} on request ${request.requestId}${by}`,
    },
    now,
  );
  await deps.publisher.publish([
    eventFor(BackupSessionCreated, {
      version: DETAIL_VERSION,
      clusterId: request.clusterId,
      namespace: request.namespace,
      name: object.metadata.name,
      configuration: config.metadata.name,
      session: session.name,
      origin: "trigger",
      scheduledTime: toKubeTime(requestedAt),
      createdAt: toKubeTime(now),
    }),
  ]);
  return { status: "created", name: object.metadata.name };
}
