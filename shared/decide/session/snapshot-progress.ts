import type { ConditionInput } from "../../model/conditions.ts";
import {
  SnapshotCondition as C,
  findCondition,
  SnapshotReason as R,
  setCondition,
} from "../../model/conditions.ts";
import { type Job, jobOutcome } from "../../model/job.ts";
import type { Snapshot, SnapshotStatus } from "../../model/snapshot.ts";
import { snapshotPhase } from "./phase.ts";

/**
 * What KubeStash's operator does for a Snapshot while its session runs (docs/snapshot-completion.md): the
 * executor (the addon in the backup Job) writes only `status.components`; the operator writes the rest —
 * `RecentSnapshotListUpdated`, `snapshotTime`, `totalComponents` and `verificationStatus` when the Snapshot is
 * created; once every component is in, the metadata upload, then `SnapshotMetadataUploaded`, size, integrity
 * and the phase. These are the pure parts; snapshot-completion steps in reconcile-session.ts call them.
 */

/** A change to a Snapshot's status: fields to set and conditions to set, applied to the freshest read. */
export interface SnapshotStatusUpdate {
  set: Partial<Pick<SnapshotStatus, "snapshotTime" | "totalComponents" | "verificationStatus">>;
  conditions: ConditionInput[];
}

/** The status a Snapshot has once `update` is applied: conditions merged, fields set, phase/size/integrity recomputed. */
export function applySnapshotStatusUpdate(
  snapshot: Snapshot,
  update: SnapshotStatusUpdate,
  now: Date,
): SnapshotStatus {
  let conditions = snapshot.status?.conditions;
  for (const condition of update.conditions) conditions = setCondition(conditions, condition, now);
  const status: SnapshotStatus = { ...snapshot.status, ...update.set, ...(conditions ? { conditions } : {}) };
  const next = { ...snapshot, status };
  const uploaded = findCondition(conditions, C.SnapshotMetadataUploaded)?.status === "True";
  const size = uploaded ? totalSize(next) : undefined;
  const integrity = uploaded ? snapshotIntegrity(next) : undefined;
  return {
    ...status,
    phase: snapshotPhase(next),
    ...(size !== undefined ? { size } : {}),
    ...(integrity !== undefined ? { integrity } : {}),
  };
}

/** At creation (docs/snapshot-completion.md#at-creation): the recent list is updated, the time and count known. */
export function creationUpdate(snapshot: Snapshot, totalComponents: number, now: Date): SnapshotStatusUpdate {
  return {
    set: {
      snapshotTime: snapshot.metadata.creationTimestamp ?? now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      totalComponents,
      verificationStatus: "NotVerified",
    },
    conditions: [
      {
        type: C.RecentSnapshotListUpdated,
        status: "True",
        reason: R.SuccessfullyUpdatedRecentSnapshotList,
        message: "Recent snapshot list updated successfully",
      },
    ],
  };
}

/** Every component the snapshot expects has reported a final phase. */
export function componentsComplete(snapshot: Snapshot): boolean {
  const total = snapshot.status?.totalComponents;
  const components = Object.values(snapshot.status?.components ?? {});
  if (total === undefined || total < 1) return false;
  const done = components.filter((c) => c.phase === "Succeeded" || c.phase === "Failed").length;
  return done >= total;
}

export type SnapshotStep =
  | { type: "wait" }
  | { type: "upload-metadata" }
  | { type: "update"; update: SnapshotStatusUpdate };

/**
 * The next step for a Snapshot whose components are in, or whose executor Jobs have ended: upload its
 * metadata (no Job yet), record the upload's outcome, or — executor ended with components missing — fail it,
 * saying which. `executorJobs` are this session's backup Jobs; `metadataJob` the Snapshot's upload Job.
 */
export function snapshotStep(
  snapshot: Snapshot,
  executorJobs: ReadonlyArray<Job>,
  metadataJob: Job | undefined,
): SnapshotStep {
  if (componentsComplete(snapshot)) {
    if (!metadataJob) return { type: "upload-metadata" };
    const outcome = jobOutcome(metadataJob);
    if (outcome === "Running") return { type: "wait" };
    return {
      type: "update",
      update: {
        set: {},
        conditions: [
          outcome === "Succeeded"
            ? {
                type: C.SnapshotMetadataUploaded,
                status: "True",
                reason: R.SuccessfullyUploadedSnapshotMetadata,
                message: "Metadata uploaded to backend successfully",
              }
            : {
                type: C.SnapshotMetadataUploaded,
                status: "False",
                reason: R.FailedToUploadSnapshotMetadata,
                message: `metadata upload Job ${metadataJob.metadata.name} failed${jobFailure(metadataJob)}`,
              },
        ],
      },
    };
  }
  const ended = executorJobs.filter((j) => jobOutcome(j) !== "Running");
  if (executorJobs.length === 0 || ended.length < executorJobs.length) return { type: "wait" };
  return { type: "update", update: incompleteUpdate(snapshot, ended) };
}

/** `BackupIncomplete=True`: the executor ended before every component was reported; names what is missing. */
export function incompleteUpdate(snapshot: Snapshot, ended: ReadonlyArray<Job>): SnapshotStatusUpdate {
  const components = snapshot.status?.components ?? {};
  const unfinished = Object.entries(components)
    .filter(([, c]) => c.phase !== "Succeeded" && c.phase !== "Failed")
    .map(([name, c]) => `${name} (${c.phase ?? "no phase"})`);
  const total = snapshot.status?.totalComponents ?? 1;
  const reported = Object.keys(components).length;
  const missing = Math.max(total - reported, 0);
  const parts = [
    ...(unfinished.length > 0 ? [`component ${unfinished.join(", ")} not finished`] : []),
    ...(missing > 0 ? [`${missing} of ${total} component(s) never reported`] : []),
  ];
  const jobs = ended.map(
    (j) => `${j.metadata.name} (${jobOutcome(j) === "Succeeded" ? "Complete" : "Failed"}${jobFailure(j)})`,
  );
  return {
    set: {},
    conditions: [
      {
        type: C.BackupIncomplete,
        status: "True",
        reason: R.BackupExecutorTerminatedBeforeCompletion,
        message: `backup executor Job ${jobs.join(", ")} ended with ${parts.join("; ") || "components missing"}`,
      },
    ],
  };
}

function jobFailure(job: Job): string {
  const failed = (job.status?.conditions ?? []).find((c) => c.type === "Failed" && c.status === "True");
  return failed ? `: ${failed.reason ?? ""}${failed.message ? ` ${failed.message}` : ""}`.trimEnd() : "";
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** Bytes of a size as restic and KubeStash write it ("1.134 MiB", "512 B"); undefined when unreadable. */
export function parseSize(text: string | undefined): number | undefined {
  const match = /^\s*([\d.]+)\s*([KMGTP]i?B|B)\s*$/.exec(text ?? "");
  if (!match) return undefined;
  const unit = (match[2] ?? "B").replace(/^([KMGTP])B$/, "$1iB");
  const power = UNITS.indexOf(unit as (typeof UNITS)[number]);
  return power < 0 ? undefined : Number(match[1]) * 1024 ** power;
}

/** A byte count as restic formats it: "512 B", "1.134 MiB". */
export function formatSize(bytes: number): string {
  let power = 0;
  while (bytes >= 1024 ** (power + 1) && power < UNITS.length - 1) power++;
  return power === 0 ? `${Math.round(bytes)} B` : `${(bytes / 1024 ** power).toFixed(3)} ${UNITS[power]}`;
}

/** The sum of the components' sizes, or undefined when a component has none (docs/model.md#snapshot-phase). */
export function totalSize(snapshot: Snapshot): string | undefined {
  const sizes = Object.values(snapshot.status?.components ?? {}).map((c) => parseSize(c.size));
  if (sizes.length === 0 || sizes.some((s) => s === undefined)) return undefined;
  return formatSize(sizes.reduce<number>((a, b) => a + (b ?? 0), 0));
}

/** AND of the components' integrity; undefined while any restic component has none. */
export function snapshotIntegrity(snapshot: Snapshot): boolean | undefined {
  const components = Object.values(snapshot.status?.components ?? {});
  if (components.length === 0) return undefined;
  if (components.some((c) => c.resticStats !== undefined && c.integrity === undefined)) return undefined;
  const known = components.map((c) => c.integrity).filter((i): i is boolean => i !== undefined);
  return known.length === 0 ? undefined : known.every(Boolean);
}
