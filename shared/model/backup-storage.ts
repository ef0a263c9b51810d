import { z } from "zod";
import { Condition, OpenObject, resourceHead, ruleOnly, STORAGE_API_VERSION, UsagePolicy } from "./common.ts";

/** storage.kubestash.com/v1alpha1 BackupStorage — the parts we read, names as in its CRD. */

export const BackupStorage = z.looseObject({
  ...resourceHead(STORAGE_API_VERSION, "BackupStorage"),
  spec: z.looseObject({
    storage: z
      .looseObject({
        provider: ruleOnly(z.enum(["local", "s3", "gcs", "azure"]), "enum").optional(),
        local: OpenObject.optional(),
        s3: OpenObject.optional(),
        gcs: OpenObject.optional(),
        azure: OpenObject.optional(),
      })
      .optional(),
    usagePolicy: UsagePolicy.optional(),
    default: z.boolean().optional(),
    deletionPolicy: z.enum(["Delete", "WipeOut"]).default("Delete"),
    runtimeSettings: OpenObject.optional(),
  }),
  status: z
    .looseObject({
      phase: z.string().optional(),
      totalSize: z.string().optional(),
      repositories: z.array(OpenObject).optional(),
      conditions: z.array(Condition).optional(),
    })
    .optional(),
});
export type BackupStorage = z.infer<typeof BackupStorage>;
