import { z } from "zod";
import { ParameterDefinition } from "./addon.ts";
import { CORE_API_VERSION, OpenObject, resourceHead, UsagePolicy } from "./common.ts";

/** core.kubestash.com/v1alpha1 HookTemplate — the parts we read. */

export const HookTemplate = z.looseObject({
  ...resourceHead(CORE_API_VERSION, "HookTemplate"),
  spec: z.looseObject({
    usagePolicy: UsagePolicy.optional(),
    params: z.array(ParameterDefinition).optional(),
    action: OpenObject.optional(),
    executor: z
      .looseObject({
        type: z.enum(["Function", "Pod", "Operator"]).optional(),
        function: z
          .looseObject({
            name: z.string().optional(),
            env: z.array(OpenObject).optional(),
            volumeMounts: z.array(OpenObject).optional(),
            volumes: z.array(OpenObject).optional(),
          })
          .optional(),
        pod: z
          .looseObject({
            selector: z.string().optional(),
            owner: OpenObject.optional(),
            strategy: z.enum(["ExecuteOnOne", "ExecuteOnAll"]).default("ExecuteOnOne"),
          })
          .optional(),
      })
      .optional(),
  }),
});
export type HookTemplate = z.infer<typeof HookTemplate>;
