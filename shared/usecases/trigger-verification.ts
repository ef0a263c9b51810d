import { type EventPublisher, eventFor } from "../bus/publisher.ts";
import { newVerificationSession } from "../decide/schedule/new-verification-session.ts";
import { verifierRefOf } from "../decide/schedule/verification-plan.ts";
import type { KubeClient } from "../kube/client.ts";
import type { RepositoryInfo, SessionConfig } from "../model/backup-configuration.ts";
import type { BackupVerificationSession } from "../model/backup-verifier.ts";
import { DETAIL_VERSION } from "../model/events/envelope.ts";
import {
  VerificationSessionCreated,
  type VerificationTriggerRequestedDetail,
} from "../model/events/verification.ts";
import { Annotation, Label } from "../model/labels.ts";
import { toKubeTime } from "../model/time.ts";
import type { TriggerOutcome } from "./trigger-backup.ts";

/**
 * A verification asked for by another system (or `kss trigger --verify`): one BackupVerificationSession of
 * a configuration's repository now (docs/verification.md#scheduling), named from the request time as the
 * schedule names one from its scheduled time, origin `trigger`, with the request id and the Snapshot the
 * request names. Idempotent by request id: a verification of the repository that carries the same request
 * id already (a redelivery, even at another time) is the duplicate; a redelivery of the same event collides
 * on the name. Whether it may run is the session function's decision, as for any session.
 */

export interface TriggerVerificationDeps {
  client: KubeClient;
  publisher: EventPublisher;
}

type Resolved<T> = { ok: true; value: T } | { ok: false; reason: string };

const verified = (session: SessionConfig) => (session.repositories ?? []).filter((r) => r.backupVerifier);

function chooseSession(
  sessions: readonly SessionConfig[],
  request: VerificationTriggerRequestedDetail,
  where: string,
): Resolved<SessionConfig> {
  if (request.session !== undefined) {
    const session = sessions.find((s) => s.name === request.session);
    if (session) return { ok: true, value: session };
    const names = sessions.map((s) => s.name).join(", ") || "none";
    return { ok: false, reason: `session "${request.session}" is not in ${where} (it has: ${names})` };
  }
  const candidates = sessions.filter((s) => verified(s).length > 0);
  if (candidates.length === 1 && candidates[0]) return { ok: true, value: candidates[0] };
  const names = candidates.map((s) => s.name).join(", ") || "none";
  return {
    ok: false,
    reason: `${where} has ${candidates.length} sessions with a verified repository (${names}): name one`,
  };
}

function chooseRepository(
  session: SessionConfig,
  request: VerificationTriggerRequestedDetail,
  where: string,
): Resolved<RepositoryInfo> {
  const candidates = verified(session);
  if (request.repository !== undefined) {
    const repository = (session.repositories ?? []).find((r) => r.name === request.repository);
    if (!repository)
      return {
        ok: false,
        reason: `repository "${request.repository}" is not in session "${session.name}" of ${where}`,
      };
    if (!repository.backupVerifier)
      return {
        ok: false,
        reason: `repository "${request.repository}" of session "${session.name}" of ${where} names no backupVerifier`,
      };
    return { ok: true, value: repository };
  }
  if (candidates.length === 1 && candidates[0]) return { ok: true, value: candidates[0] };
  const names = candidates.map((r) => r.name).join(", ") || "none";
  return {
    ok: false,
    reason: `session "${session.name}" of ${where} has ${candidates.length} repositories with a verifier (${names}): name one`,
  };
}

const isSameVerification = (desired: BackupVerificationSession) => (existing: BackupVerificationSession) =>
  existing.spec.invoker?.name === desired.spec.invoker?.name &&
  existing.spec.session === desired.spec.session &&
  existing.spec.repository === desired.spec.repository;

export async function triggerVerification(
  deps: TriggerVerificationDeps,
  request: VerificationTriggerRequestedDetail,
  requestedAt: Date,
  now: Date,
): Promise<TriggerOutcome> {
  const where = `${request.namespace}/${request.configuration}`;
  const config = await deps.client.find("BackupConfiguration", request.namespace, request.configuration);
  if (!config) return { status: "rejected", reason: `BackupConfiguration ${where} not found` };
  const session = chooseSession(config.spec.sessions ?? [], request, where);
  if (!session.ok) return { status: "rejected", reason: session.reason };
  const repository = chooseRepository(session.value, request, where);
  if (!repository.ok) return { status: "rejected", reason: repository.reason };
  const ref = verifierRefOf(config, repository.value);
  const verifier = ref ? await deps.client.find("BackupVerifier", ref.namespace, ref.name) : undefined;
  if (!ref || !verifier) {
    return {
      status: "rejected",
      reason: `BackupVerifier ${ref?.namespace}/${ref?.name} of repository "${repository.value.name}" does not exist`,
    };
  }
  // The same request delivered again (at another time, so under another name): its session exists already.
  const existing = await deps.client.list("BackupVerificationSession", {
    namespace: request.namespace,
    labelSelector: [
      `${Label.InvokerName}=${config.metadata.name}`,
      `${Label.SessionName}=${session.value.name}`,
      `${Label.RepoName}=${repository.value.name}`,
    ].join(","),
  });
  const earlier = existing.items.find(
    (s) => s.metadata.annotations?.[Annotation.TriggerRequestId] === request.requestId,
  );
  if (earlier) return { status: "duplicate", name: earlier.metadata.name };
  const desired = newVerificationSession({
    configuration: config,
    session: session.value.name,
    repository: repository.value.name,
    verifier,
    scheduledTime: requestedAt,
    origin: "trigger",
    requestId: request.requestId,
    ...(request.snapshot !== undefined ? { snapshot: request.snapshot } : {}),
  });
  // A name taken by a verification of the same repository for the same second is that verification.
  const { object, created } = await deps.client.create(
    "BackupVerificationSession",
    desired,
    isSameVerification(desired),
  );
  if (!created) return { status: "duplicate", name: object.metadata.name };
  const by = request.requestedBy ? ` by ${request.requestedBy}` : "";
  await deps.client.recordEvent(
    config,
    {
      type: "Normal",
      reason: "VerificationTriggered",
      message: `Created BackupVerificationSession ${object.metadata.name} on request ${request.requestId}${by}`,
    },
    now,
  );
  await deps.publisher.publish([
    eventFor(VerificationSessionCreated, {
      version: DETAIL_VERSION,
      clusterId: request.clusterId,
      namespace: request.namespace,
      configuration: config.metadata.name,
      session: session.value.name,
      repository: repository.value.name,
      name: object.metadata.name,
      origin: "trigger",
      scheduledTime: toKubeTime(requestedAt),
      createdAt: toKubeTime(now),
    }),
  ]);
  return { status: "created", name: object.metadata.name };
}
