import { z } from "zod";
import {
  Condition,
  Int32,
  ObjectReference,
  resourceHead,
  ruleOnly,
  STORAGE_API_VERSION,
  Time,
  TypedObjectReference,
} from "./common.ts";
import { SnapshotPhase } from "./snapshot.ts";

/** storage.kubestash.com/v1alpha1 Repository — field names as in its CRD. */

export const Repository = z.looseObject({
  ...resourceHead(STORAGE_API_VERSION, "Repository"),
  spec: z.looseObject({
    appRef: TypedObjectReference.optional(),
    storageRef: ObjectReference.optional(),
    path: z.string().optional(),
    deletionPolicy: z.enum(["Delete", "WipeOut"]).default("Delete"),
    encryptionSecret: ObjectReference.optional(),
    paused: z.boolean().optional(),
  }),
  status: z
    .looseObject({
      phase: z.enum(["NotReady", "Ready"]).optional(),
      lastBackupTime: Time.optional(),
      integrity: z.boolean().optional(),
      snapshotCount: Int32.optional(),
      size: z.string().optional(),
      componentPaths: z.array(z.string()).optional(),
      recentSnapshots: z
        .array(
          z.looseObject({
            name: ruleOnly(z.string(), "required"),
            phase: SnapshotPhase.optional(),
            session: z.string().optional(),
            size: z.string().optional(),
            snapshotTime: Time.optional(),
          }),
        )
        .optional(),
      conditions: z.array(Condition).optional(),
    })
    .optional(),
});
export type Repository = z.infer<typeof Repository>;
