import { z } from "zod";
import {
  Condition,
  Int32,
  OpenObject,
  resourceHead,
  STORAGE_API_VERSION,
  Time,
  TypedObjectReference,
} from "./common.ts";

/** storage.kubestash.com/v1alpha1 Snapshot — field names as in its CRD. */

export const SnapshotPhase = z.enum(["Pending", "Running", "Succeeded", "Failed"]);
export type SnapshotPhase = z.infer<typeof SnapshotPhase>;

export const ComponentPhase = SnapshotPhase;
export type ComponentPhase = SnapshotPhase;

export const SnapshotDriver = z.enum([
  "Restic",
  "WalG",
  "VolumeSnapshotter",
  "Solr",
  "Medusa",
  "ClickHouseBackup",
  "Neo4jAdmin",
]);

export const ResticStats = z.looseObject({
  progress: OpenObject.optional(),
  summary: z
    .looseObject({
      id: z.string().optional(),
      hostPath: z.string().optional(),
      size: z.string().optional(),
      uploaded: z.string().optional(),
      startTime: Time.optional(),
      endTime: Time.optional(),
    })
    .optional(),
});

/** One component of a snapshot (`dump`, `manifest`, `pod-0`, …), written by the executor. */
export const Component = z.looseObject({
  path: z.string().optional(),
  phase: ComponentPhase.optional(),
  size: z.string().optional(),
  duration: z.string().optional(),
  integrity: z.boolean().optional(),
  error: z.string().optional(),
  driver: SnapshotDriver.optional(),
  resticStats: z.array(ResticStats).optional(),
  walGStats: OpenObject.optional(),
  volumeSnapshotterStats: z.array(OpenObject).optional(),
  solrStats: z.array(OpenObject).optional(),
  medusaStats: OpenObject.optional(),
  clickHouseStats: z.array(OpenObject).optional(),
  neo4jStats: z.array(OpenObject).optional(),
  logStats: OpenObject.optional(),
});
export type Component = z.infer<typeof Component>;

export const SnapshotStatus = z.looseObject({
  phase: SnapshotPhase.optional(),
  verificationStatus: z.enum(["Verified", "NotVerified", "VerificationFailed"]).optional(),
  verificationSession: z.string().optional(),
  snapshotTime: Time.optional(),
  lastUpdateTime: Time.optional(),
  size: z.string().optional(),
  integrity: z.boolean().optional(),
  totalComponents: Int32.min(0).optional(),
  components: z.record(z.string(), Component).optional(),
  conditions: z.array(Condition).optional(),
});
export type SnapshotStatus = z.infer<typeof SnapshotStatus>;

export const Snapshot = z.looseObject({
  ...resourceHead(STORAGE_API_VERSION, "Snapshot"),
  spec: z.looseObject({
    snapshotID: z.string().optional(),
    type: z.string().optional(),
    repository: z.string().optional(),
    session: z.string().optional(),
    backupSession: z.string().optional(),
    version: z.string().optional(),
    appRef: TypedObjectReference.optional(),
    deletionPolicy: z.enum(["Delete", "WipeOut"]).default("Delete"),
    paused: z.boolean().optional(),
  }),
  status: SnapshotStatus.optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;
