import { z } from "zod";
import { ADDONS_API_VERSION, OpenObject, resourceHead, ruleOnly } from "./common.ts";

/** addons.kubestash.com/v1alpha1 Addon and Function (cluster-scoped) — the parts we read. */

export const ParameterDefinition = z.looseObject({
  name: ruleOnly(z.string(), "required"),
  usage: z.string().optional(),
  required: z.boolean().optional(),
  default: z.string().optional(),
});
export type ParameterDefinition = z.infer<typeof ParameterDefinition>;

export const Task = z.looseObject({
  name: ruleOnly(z.string(), "required"),
  function: z.string().optional(),
  driver: z.string().optional(),
  executor: z.enum(["Job", "Sidecar", "EphemeralContainer", "MultiLevelJob"]).optional(),
  singleton: z.boolean().optional(),
  parameters: z.array(ParameterDefinition).optional(),
  volumeTemplate: z.array(OpenObject).optional(),
  volumeMounts: z.array(OpenObject).optional(),
});
export type Task = z.infer<typeof Task>;

export const Addon = z.looseObject({
  ...resourceHead(ADDONS_API_VERSION, "Addon"),
  spec: z.looseObject({
    backupTasks: z.array(Task).optional(),
    restoreTasks: z.array(Task).optional(),
  }),
});
export type Addon = z.infer<typeof Addon>;

export const KubeStashFunction = z.looseObject({
  ...resourceHead(ADDONS_API_VERSION, "Function"),
  spec: z.looseObject({
    image: ruleOnly(z.string().min(1), "required"),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    workingDir: z.string().optional(),
    ports: z.array(OpenObject).optional(),
    volumeMounts: z.array(OpenObject).optional(),
    volumeDevices: z.array(OpenObject).optional(),
    runtimeSettings: OpenObject.optional(),
    availableVersions: z.array(z.string()).optional(),
  }),
});
export type KubeStashFunction = z.infer<typeof KubeStashFunction>;
