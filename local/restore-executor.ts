import type { KubeClient } from "../shared/kube/client.ts";
import { NotFoundError } from "../shared/kube/errors.ts";
import type { BackupVerificationSession } from "../shared/model/backup-verifier.ts";
import type { Condition } from "../shared/model/common.ts";
import { type Job, jobOutcome } from "../shared/model/job.ts";
import { Label, MANAGED_BY } from "../shared/model/labels.ts";
import type { ComponentRestoreStatus, RestoreSession } from "../shared/model/restore-session.ts";
import type { Snapshot } from "../shared/model/snapshot.ts";
import { toKubeTime } from "../shared/model/time.ts";
import {
  VerificationCondition,
  VerificationJobComponent,
  VerificationReason,
} from "../shared/model/verification.ts";
import { finishJob, type JobEnd } from "./job-controller.ts";

/**
 * Plays the parts of a verification that no kubelet or addon image runs here (docs/verification.md#demo):
 * - the addon's restore binary in a restore executor Job, which writes **only**
 *   `RestoreSession.status.components.<name>` — `phase` and `duration`, and `error` when it failed
 *   (kubestash/apimachinery `ComponentRestoreStatus`; the sample in kubestash/docs
 *   `docs/concepts/crds/restoresession`). `totalComponents`, the phase and the conditions are the operator's;
 * - the verifier binary in a verifier Job (Query, Script), which sets only the condition `BackupVerified` on
 *   its BackupVerificationSession (apimachinery `SetBackupVerifiedConditionToTrue/False`);
 * - then the Job controller, which marks the Job finished (job-controller.ts).
 */

/** The component a restore reports when it ended: phase and duration; the error too when it failed. */
export function restoreComponentStatus(outcome: JobEnd): ComponentRestoreStatus {
  if (outcome === "Failed")
    return {
      phase: "Failed",
      duration: "1.3s",
      error: "restic: failed to restore: connection reset by peer",
    };
  return { phase: "Succeeded", duration: "3.2s" };
}

/**
 * The RestoreSession's next status with `component` reported, every other field as it is; undefined when that
 * component was reported already (a repeated run writes nothing).
 */
export function withRestoredComponent(
  session: RestoreSession,
  component: string,
  outcome: JobEnd,
): NonNullable<RestoreSession["status"]> | undefined {
  if (session.status?.components?.[component]?.phase) return undefined;
  return {
    ...session.status,
    components: { ...session.status?.components, [component]: restoreComponentStatus(outcome) },
  };
}

/** A Job's `COMPONENT_NAME` (first container), which KubeStash sets only on per-pod Jobs. */
export function componentNameEnv(job: Job): string | undefined {
  const containers = (
    job.spec.template.spec as { containers?: Array<{ env?: Array<{ name?: string; value?: string }> }> }
  )?.containers;
  return containers?.[0]?.env?.find((e) => e.name === "COMPONENT_NAME")?.value;
}

/**
 * The component a restore Job restores: its `COMPONENT_NAME`, else the Snapshot's component (the first the
 * RestoreSession asks for, else the first it has), else `dump` — the pvc addon's only component.
 */
export function restoreComponentName(job: Job, session: RestoreSession, snapshot?: Snapshot): string {
  const fromEnv = componentNameEnv(job);
  if (fromEnv) return fromEnv;
  const available = Object.keys(snapshot?.status?.components ?? {});
  const asked = session.spec.dataSource?.components ?? [];
  return asked.find((c) => available.includes(c)) ?? asked[0] ?? available[0] ?? "dump";
}

const isFinished = (job: Job) => jobOutcome(job) !== "Running";

function jobsOf(client: KubeClient, namespace: string, component: string, invoker: string) {
  return client.list("Job", {
    namespace,
    labelSelector: [
      `${Label.Component}=${component}`,
      `${Label.ManagedBy}=${MANAGED_BY}`,
      `${Label.InvokerName}=${invoker}`,
      `${Label.InvokerNamespace}=${namespace}`,
    ].join(","),
  });
}

async function snapshotOf(client: KubeClient, session: RestoreSession): Promise<Snapshot | undefined> {
  const name = session.spec.dataSource?.snapshot;
  if (!name || name === "latest") return undefined;
  return client.find("Snapshot", session.spec.dataSource?.namespace ?? session.metadata.namespace, name);
}

/**
 * Runs every unfinished restore executor Job of one RestoreSession as its pod would end: the addon reports its
 * component on the RestoreSession, then the Job controller marks the Job finished. Returns how many Jobs ended.
 */
export async function runRestoreJobs(
  client: KubeClient,
  namespace: string,
  restoreSessionName: string,
  outcome: JobEnd,
  now: Date,
): Promise<number> {
  const jobs = (
    await jobsOf(client, namespace, VerificationJobComponent.Restore, restoreSessionName)
  ).items.filter((j) => !isFinished(j));
  if (jobs.length === 0) return 0;
  const session = await client.find("RestoreSession", namespace, restoreSessionName);
  const snapshot = session ? await snapshotOf(client, session) : undefined;
  for (const job of jobs) {
    // An executor whose RestoreSession is gone fails without writing anything.
    if (!session) {
      await finishJob(client, job, "Failed", now);
      continue;
    }
    const component = restoreComponentName(job, session, snapshot);
    await client.updateStatus("RestoreSession", namespace, restoreSessionName, (current) =>
      withRestoredComponent(current, component, outcome),
    );
    await finishJob(client, job, outcome, now);
  }
  return jobs.length;
}

/** What a verifier that failed reports as its error here. */
export const VERIFIER_ERROR = "query returned no rows";

/**
 * The BackupVerificationSession's conditions with `BackupVerified` set as the verifier binary sets it: True with
 * reason SuccessfullyVerifiedBackup, or False with reason FailedToVerifyBackup and the message
 * `Failed to verify backup. Reason: "<error>"` (Go's %q); kmodules' SetCondition: an identical condition is left
 * as it is (undefined: nothing to write), otherwise it is replaced or appended with lastTransitionTime now.
 */
export function withBackupVerified(
  conditions: Condition[] | undefined,
  outcome: JobEnd,
  now: Date,
  error = VERIFIER_ERROR,
): Condition[] | undefined {
  const next =
    outcome === "Succeeded"
      ? {
          type: VerificationCondition.BackupVerified,
          status: "True" as const,
          reason: VerificationReason.SuccessfullyVerifiedBackup,
        }
      : {
          type: VerificationCondition.BackupVerified,
          status: "False" as const,
          reason: VerificationReason.FailedToVerifyBackup,
          message: `Failed to verify backup. Reason: ${JSON.stringify(error)}`,
        };
  const list = conditions ?? [];
  const current = list.find((c) => c.type === next.type);
  if (
    current &&
    current.status === next.status &&
    current.reason === next.reason &&
    (current.message ?? "") === (next.message ?? "")
  )
    return undefined;
  const condition: Condition = { ...next, lastTransitionTime: toKubeTime(now) };
  return current ? list.map((c) => (c.type === next.type ? condition : c)) : [...list, condition];
}

/**
 * Runs every unfinished verifier Job of one BackupVerificationSession: the verifier sets `BackupVerified`, then
 * the Job controller marks the Job finished. Returns how many Jobs ended.
 */
export async function runVerifierJobs(
  client: KubeClient,
  namespace: string,
  bvsName: string,
  outcome: JobEnd,
  now: Date,
): Promise<number> {
  const jobs = (await jobsOf(client, namespace, VerificationJobComponent.Verifier, bvsName)).items.filter(
    (j) => !isFinished(j),
  );
  for (const job of jobs) {
    try {
      await client.updateStatus(
        "BackupVerificationSession",
        namespace,
        bvsName,
        (current: BackupVerificationSession) => {
          const conditions = withBackupVerified(current.status?.conditions, outcome, now);
          return conditions ? { ...current.status, conditions } : undefined;
        },
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await finishJob(client, job, "Failed", now);
      continue;
    }
    await finishJob(client, job, outcome, now);
  }
  return jobs.length;
}
