// biome-ignore-all lint/suspicious/noTemplateCurlyInString: KubeStash Function args carry ${name:=default} variables
import { describe, expect, it } from "vitest";
import { buildExecutorJob, executorJobName } from "../../../shared/decide/session/executor-job.ts";
import { substituteVariables } from "../../../shared/decide/session/function-variables.ts";
import type {
  Addon,
  Job,
  KubeStashFunction,
  SessionConfig,
  TypedObjectReference,
} from "../../../shared/model/index.ts";
import { addon, backupSession, pvcBackup, sessionConfig } from "../../support/session-world.ts";

const session = backupSession();

function build(
  config: SessionConfig = sessionConfig(),
  theAddon: Addon | undefined = addon,
  target: TypedObjectReference | undefined = undefined,
  functions: KubeStashFunction[] = [pvcBackup],
) {
  return buildExecutorJob({ session, sessionConfig: config, addon: theAddon, functions, target });
}

function podSpec(job: Job): Record<string, unknown> {
  const spec = job.spec.template.spec;
  if (typeof spec !== "object" || spec === null) throw new Error("no pod spec");
  return spec as Record<string, unknown>;
}

describe("substituteVariables", () => {
  it.each<[string, Record<string, string>, string]>([
    ["--paths=${paths:=/default}", { paths: "/data" }, "--paths=/data"],
    ["--paths=${paths:=/default}", {}, "--paths=/default"],
    ["--exclude=${exclude:=}", {}, "--exclude="],
    ["${a}-${b:=x}", { a: "1" }, "1-x"],
    ["no variables", { a: "1" }, "no variables"],
  ])("%s with %o → %s", (text, values, expected) => {
    expect(substituteVariables(text, values)).toBe(expected);
  });
});

/** The pvc addon's shape: its data volume template claims `${PVC_NAME}`. */
const withClaim: Addon = {
  ...addon,
  spec: {
    backupTasks: [
      {
        ...addon.spec.backupTasks?.[0],
        name: "logical-backup",
        volumeTemplate: [{ name: "data", source: { persistentVolumeClaim: { claimName: "${PVC_NAME}" } } }],
      },
    ],
  },
};

describe("buildExecutorJob", () => {
  it("builds one Job from the Addon task's Function: args from task params, Addon defaults, then built-ins", () => {
    const result = build();
    if (!result.ok) throw new Error(result.message);
    const job = result.value;
    expect(job.metadata).toMatchObject({
      name: executorJobName(session),
      namespace: "demo",
      // Exactly KubeStash's five (docs/operator-contract.md#executor-job).
      labels: {
        "app.kubernetes.io/component": "kubestash-backup",
        "app.kubernetes.io/managed-by": "kubestash.com",
        "kubestash.com/invoker-name": session.metadata.name,
        "kubestash.com/invoker-namespace": "demo",
        "kubestash.com/session-name": "daily",
      },
      ownerReferences: [
        { kind: "BackupSession", name: session.metadata.name, uid: session.metadata.uid, controller: true },
      ],
    });
    expect(job.spec.backoffLimit).toBe(0);
    const pod = podSpec(job);
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.securityContext).toEqual({ runAsUser: 65534 });
    expect(pod.serviceAccountName).toBe("kubestash-backup-executor");
    expect(pod.containers).toEqual([
      {
        name: "logical-backup-0",
        image: "ghcr.io/kubestash/pvc:v0.13.0",
        imagePullPolicy: "IfNotPresent",
        args: ["backup", "--namespace=demo", `--backupsession=${session.metadata.name}`, "--paths=/data"],
        volumeMounts: [{ name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" }],
      },
    ]);
    expect(pod.volumes).toEqual([{ name: "kubestash-tmp-volume", emptyDir: {} }]);
  });

  it("task addonVolumes override the Addon's volumeTemplate; targetVolumes and env are added", () => {
    const config = sessionConfig({
      addon: {
        name: "pvc-addon",
        tasks: [
          {
            name: "logical-backup",
            variables: [{ name: "RESTIC_HOST", value: "db-0" }],
            addonVolumes: [
              { name: "kubestash-tmp-volume", source: { persistentVolumeClaim: { claimName: "tmp" } } },
            ],
            targetVolumes: {
              volumes: [{ name: "data", persistentVolumeClaim: { claimName: "db-data" } }],
              volumeMounts: [{ name: "data", mountPath: "/source/data" }],
            },
          },
        ],
        jobTemplate: {
          metadata: { labels: { team: "a" } },
          spec: { serviceAccountName: "backup-sa", hostNetwork: true },
        },
      },
    });
    const result = build(config);
    if (!result.ok) throw new Error(result.message);
    const pod = podSpec(result.value);
    expect(pod.serviceAccountName).toBe("backup-sa");
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.volumes).toEqual([
      { name: "kubestash-tmp-volume", persistentVolumeClaim: { claimName: "tmp" } },
      { name: "data", persistentVolumeClaim: { claimName: "db-data" } },
    ]);
    expect(pod.containers).toMatchObject([
      {
        args: expect.arrayContaining(["--paths=/kubestash-data"]),
        env: [{ name: "RESTIC_HOST", value: "db-0" }],
        volumeMounts: [
          { name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" },
          { name: "data", mountPath: "/source/data" },
        ],
      },
    ]);
    expect(result.value.spec.template).toMatchObject({ metadata: { labels: { team: "a" } } });
  });

  it("several tasks run in order: all but the last as init containers", () => {
    const second = { ...addon.spec.backupTasks?.[0], name: "manifest-backup", function: "pvc-backup" };
    const twoTasks: Addon = { ...addon, spec: { backupTasks: [...(addon.spec.backupTasks ?? []), second] } };
    const config = sessionConfig({
      addon: { name: "pvc-addon", tasks: [{ name: "manifest-backup" }, { name: "logical-backup" }] },
    });
    const result = build(config, twoTasks);
    if (!result.ok) throw new Error(result.message);
    const pod = podSpec(result.value);
    expect(pod.initContainers).toMatchObject([{ name: "manifest-backup-0" }]);
    expect(pod.containers).toMatchObject([{ name: "logical-backup-1" }]);
  });

  it("substitutes ${PVC_NAME} in the Addon's volume template from a PVC target", () => {
    const result = build(sessionConfig(), withClaim, {
      kind: "PersistentVolumeClaim",
      name: "db-data",
      namespace: "demo",
    });
    if (!result.ok) throw new Error(result.message);
    expect(podSpec(result.value).volumes).toEqual([
      { name: "data", persistentVolumeClaim: { claimName: "db-data" } },
    ]);
  });

  it("a variable that cannot be resolved fails the build naming it, so no Job has a literal ${…}", () => {
    // A StatefulSet target has no PVC_NAME.
    const result = build(sessionConfig(), withClaim, { kind: "StatefulSet", name: "db", namespace: "demo" });
    expect(result).toEqual({
      ok: false,
      message:
        "backup task logical-backup (Function pvc-backup) uses ${PVC_NAME}, which cannot be resolved for this session",
    });
  });

  it.each<[string, SessionConfig, Addon | undefined, RegExp]>([
    [
      "no Addon",
      sessionConfig(),
      { ...addon, metadata: { name: "other-addon" } },
      /Addon pvc-addon not found/,
    ],
    [
      "unknown task",
      sessionConfig({ addon: { name: "pvc-addon", tasks: [{ name: "nope" }] } }),
      addon,
      /has no backup task nope/,
    ],
    [
      "Sidecar executor",
      sessionConfig(),
      {
        ...addon,
        spec: { backupTasks: [{ name: "logical-backup", function: "pvc-backup", executor: "Sidecar" }] },
      },
      /executor Sidecar, which is not supported/,
    ],
    [
      "required parameter without value",
      sessionConfig(),
      {
        ...addon,
        spec: {
          backupTasks: [
            { name: "logical-backup", function: "pvc-backup", parameters: [{ name: "db", required: true }] },
          ],
        },
      },
      /needs parameter\(s\) db/,
    ],
  ])("fails with a message: %s", (_name, config, theAddon, message) => {
    const result = build(config, theAddon);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.message).toMatch(message);
  });

  it("keeps the Job name within 63 characters for long session names", () => {
    const long = backupSession();
    long.metadata.name = `${"a-very-long-configuration-name".repeat(2)}-daily-1795694400`;
    const name = executorJobName(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^upload-.*-1795694400$/);
  });
});
