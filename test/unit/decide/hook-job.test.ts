// biome-ignore-all lint/suspicious/noTemplateCurlyInString: hook actions carry ${name:=default} variables
import { describe, expect, it } from "vitest";
import { buildHookJob, hookJobName, hookJobPhase } from "../../../shared/decide/session/hook-job.ts";
import { type HookInfo, type HookTemplate, type Job, toKubeTime } from "../../../shared/model/index.ts";
import { atSeconds, backupSession, hook, hookFunction, hookTemplate } from "../../support/session-world.ts";

const session = backupSession();
const podTemplate: HookTemplate = {
  ...hookTemplate,
  metadata: { name: "freeze", namespace: "demo" },
  spec: {
    action: { exec: { command: ["/bin/sh", "-c", "fsfreeze -f ${path:=/data}"] } },
    executor: { type: "Pod", pod: { selector: "app=db", strategy: "ExecuteOnAll" } },
  },
};

function build(info: HookInfo, hookRunnerImage?: string) {
  return buildHookJob({
    session,
    kind: "pre",
    hook: info,
    templates: [hookTemplate, podTemplate],
    functions: [hookFunction],
    ...(hookRunnerImage ? { hookRunnerImage } : {}),
  });
}

function container(job: Job): Record<string, unknown> {
  const spec = job.spec.template.spec as { containers?: Array<Record<string, unknown>> } | undefined;
  const first = spec?.containers?.[0];
  if (!first) throw new Error("no container");
  return first;
}

describe("buildHookJob", () => {
  it("a Function hook runs the Function with params from the hook, the template defaults, then built-ins", () => {
    const result = build(hook("notify", { params: { url: "http://slack" }, maxRetry: 2, timeout: "30s" }));
    if (!result.ok) throw new Error(result.message);
    const job = result.value;
    expect(job.metadata.name).toBe(`prehook-${session.metadata.name}-notify`);
    expect(job.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 90 });
    expect(job.spec.template).toMatchObject({ spec: { activeDeadlineSeconds: 30, restartPolicy: "Never" } });
    expect(container(job)).toMatchObject({
      image: "curlimages/curl:8",
      args: ["http://slack", `--data=${session.metadata.name}`],
    });
  });

  it("uses the template's parameter default when the hook gives none", () => {
    const result = build(hook("notify"));
    expect(result.ok && container(result.value).args).toEqual([
      "http://notify.demo",
      `--data=${session.metadata.name}`,
    ]);
  });

  it("a Pod hook runs the hook runner image with the action and executor as JSON", () => {
    const result = build(
      hook("freeze", { hookTemplate: { name: "freeze" } }),
      "ghcr.io/example/hook-runner:1",
    );
    if (!result.ok) throw new Error(result.message);
    const env = container(result.value).env as Array<{ name: string; value: string }>;
    expect(container(result.value).image).toBe("ghcr.io/example/hook-runner:1");
    expect(env.find((e) => e.name === "HOOK_TYPE")?.value).toBe("pre-backup");
    expect(JSON.parse(env.find((e) => e.name === "HOOK_ACTION")?.value ?? "{}")).toEqual({
      exec: { command: ["/bin/sh", "-c", "fsfreeze -f /data"] },
    });
    expect(JSON.parse(env.find((e) => e.name === "HOOK_EXECUTOR")?.value ?? "{}")).toMatchObject({
      type: "Pod",
    });
  });

  it.each<[string, HookInfo, RegExp]>([
    [
      "missing HookTemplate",
      hook("x", { hookTemplate: { name: "nope" } }),
      /HookTemplate demo\/nope not found/,
    ],
    [
      "Pod hook without a runner image",
      hook("freeze", { hookTemplate: { name: "freeze" } }),
      /hook runner image/,
    ],
  ])("fails with a message: %s", (_name, info, message) => {
    const result = build(info);
    expect(result.ok ? "" : result.message).toMatch(message);
  });

  it("keeps the name within 63 characters, the hook name last", () => {
    const name = hookJobName("post", session, "a-rather-long-hook-name-for-unfreezing");
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^posthook-.*-a-rather-long-hook-name-for-unfreezing$/);
  });
});

describe("hookJobPhase", () => {
  const job = (conditions: Array<{ type: string; status: "True" }>, created = atSeconds(0)): Job => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "prehook-x", creationTimestamp: toKubeTime(created) },
    spec: { template: {} },
    status: { conditions },
  });
  const timed = hook("h", { timeout: "10s", maxRetry: 2 });

  it.each<[string, Job, HookInfo, Date, string]>([
    ["Complete → Succeeded", job([{ type: "Complete", status: "True" }]), timed, atSeconds(5), "Succeeded"],
    [
      "Failed (backoff exceeded) → Failed",
      job([{ type: "Failed", status: "True" }]),
      timed,
      atSeconds(5),
      "Failed",
    ],
    ["running within (maxRetry+1)×timeout → Pending", job([]), timed, atSeconds(29), "Pending"],
    ["running past (maxRetry+1)×timeout → Failed", job([]), timed, atSeconds(30), "Failed"],
    ["running without a timeout → Pending", job([]), hook("h"), atSeconds(86_400), "Pending"],
  ])("%s", (_name, theJob, info, now, phase) => {
    expect(hookJobPhase(theJob, info, now).phase).toBe(phase);
  });
});
