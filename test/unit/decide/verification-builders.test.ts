// biome-ignore-all lint/suspicious/noTemplateCurlyInString: KubeStash Function args carry ${name:=default} variables
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { judgeStructure } from "../../../shared/decide/manifests/structural-schema.ts";
import { buildExecutorJob } from "../../../shared/decide/session/executor-job.ts";
import {
  buildRestoreJobs,
  buildVerifierJob,
  decideRestoreRbac,
  decideVerifierRbac,
  desiredRestoreSession,
  restoreJobName,
  verifierJobName,
} from "../../../shared/decide/verification/index.ts";
import { crdSchemaFor } from "../../../shared/model/crd-schemas.ts";
import {
  Addon,
  BackupVerificationSession,
  BackupVerifier,
  Job,
  KubeStashFunction,
  parseWith,
  type Repository,
  RestoreSession,
  Snapshot,
} from "../../../shared/model/index.ts";
import { verificationSessionName } from "../../../shared/model/verification.ts";
import {
  addon,
  backupSession,
  NS,
  pvcBackup,
  repository,
  sessionConfig,
  T0,
} from "../../support/session-world.ts";

/**
 * The builders of what a verification runs (docs/verification.md#what-a-verification-creates): the
 * RestoreSession, the restore executor Job(s) for KubeStash's catalog Addons (test/fixtures/kubestash/
 * restore-catalog.yaml, as the installer ships them), the verifier Job, and the RBAC plans of both Jobs.
 */

const catalog = parseAllDocuments(
  readFileSync(path.resolve(import.meta.dirname, "../../fixtures/kubestash/restore-catalog.yaml"), "utf8"),
).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
const fromCatalog = <T>(schema: { parse(v: unknown): T }, name: string): T => {
  const found = catalog.find((d) => d.metadata.name === name);
  if (!found) throw new Error(`restore-catalog.yaml has no ${name}`);
  return schema.parse(found);
};
const pvcAddon = fromCatalog(Addon, "pvc-addon");
const pvcRestore = fromCatalog(KubeStashFunction, "pvc-restore");
const workloadAddon = fromCatalog(Addon, "workload-addon");
const workloadRestore = fromCatalog(KubeStashFunction, "workload-restore");

const BVS = verificationSessionName("s3-repo", "daily", T0);
const SNAPSHOT = "s3-repo-app-backup-daily-1795694400";

function verification(over: Partial<BackupVerificationSession["spec"]> = {}): BackupVerificationSession {
  return parseWith(
    BackupVerificationSession,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerificationSession",
      metadata: { name: BVS, namespace: NS, uid: "uid-bvs" },
      spec: {
        invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app-backup" },
        repository: "s3-repo",
        session: "daily",
        snapshot: SNAPSHOT,
        ...over,
      },
    },
    "BackupVerificationSession",
  );
}

function verifier(spec: Record<string, unknown> = {}, namespace = NS): BackupVerifier {
  return parseWith(
    BackupVerifier,
    {
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "BackupVerifier",
      metadata: { name: "pvc-verifier", namespace },
      spec: {
        restoreOption: {
          addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
          target: { kind: "PersistentVolumeClaim", name: "scratch-data", namespace: NS },
        },
        type: "RestoreOnly",
        ...spec,
      },
    },
    "BackupVerifier",
  );
}

const encryptedRepository: Repository = {
  ...repository(),
  spec: {
    ...repository().spec,
    storageRef: { name: "s3-storage", namespace: "backup-infra" },
    encryptionSecret: { name: "encryption-secret", namespace: "keys" },
  },
};

function restoreSession(v: BackupVerifier = verifier()): RestoreSession {
  const built = desiredRestoreSession({
    verification: verification(),
    verifier: v,
    repository: encryptedRepository,
    snapshot: SNAPSHOT,
  });
  if (!built.ok) throw new Error(built.message);
  return { ...built.value, metadata: { ...built.value.metadata, uid: "uid-rs" } };
}

function snapshot(components: string[] = ["dump"]): Snapshot {
  return parseWith(
    Snapshot,
    {
      apiVersion: "storage.kubestash.com/v1alpha1",
      kind: "Snapshot",
      metadata: { name: SNAPSHOT, namespace: NS },
      spec: { repository: "s3-repo", session: "daily" },
      status: {
        phase: "Succeeded",
        totalComponents: components.length,
        components: Object.fromEntries(components.map((c) => [c, { phase: "Succeeded", driver: "Restic" }])),
      },
    },
    "Snapshot",
  );
}

const podSpec = (job: Job) => job.spec.template.spec as Record<string, unknown>;
const unwrap = <T>(result: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

/** Issues KubeStash's CRD (infra/crds/, as the API server would judge) finds in an object. */
function crdIssues(object: { apiVersion: string; kind: string }): unknown[] {
  const crd = crdSchemaFor(object.apiVersion, object.kind);
  if (!crd) throw new Error(`no CRD for ${object.kind}`);
  return judgeStructure(object as unknown as Record<string, unknown>, crd).issues;
}

describe("desiredRestoreSession", () => {
  it("restores the chosen Snapshot of the verification's Repository into the verifier's target with its addon", () => {
    const rs = unwrap(
      desiredRestoreSession({
        verification: verification(),
        verifier: verifier(),
        repository: encryptedRepository,
        snapshot: SNAPSHOT,
      }),
    );
    expect(rs).toEqual({
      apiVersion: "core.kubestash.com/v1alpha1",
      kind: "RestoreSession",
      metadata: {
        name: BVS,
        namespace: NS,
        labels: {
          "app.kubernetes.io/managed-by": "kubestash.com",
          "kubestash.com/invoker-name": BVS,
          "kubestash.com/invoker-namespace": NS,
          "kubestash.com/session-name": "daily",
          "kubestash.com/repo-name": "s3-repo",
        },
        ownerReferences: [
          {
            apiVersion: "core.kubestash.com/v1alpha1",
            kind: "BackupVerificationSession",
            name: BVS,
            uid: "uid-bvs",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        dataSource: {
          repository: "s3-repo",
          snapshot: SNAPSHOT,
          namespace: NS,
          encryptionSecret: { name: "encryption-secret", namespace: "keys" },
        },
        target: { kind: "PersistentVolumeClaim", name: "scratch-data", namespace: NS },
        addon: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
      },
    });
    // KubeStash's CRD accepts it as it is, and our schema reads it back unchanged.
    expect(crdIssues(rs)).toEqual([]);
    expect(parseWith(RestoreSession, rs, "RestoreSession")).toEqual(rs);
  });

  it("lives in the target's namespace; an owner only in the verification's own (no cross-namespace owners)", () => {
    const elsewhere = verifier({
      restoreOption: {
        addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
        target: { kind: "PersistentVolumeClaim", name: "scratch-data", namespace: "scratch" },
      },
    });
    const rs = unwrap(
      desiredRestoreSession({ verification: verification(), verifier: elsewhere, snapshot: SNAPSHOT }),
    );
    expect(rs.metadata.namespace).toBe("scratch");
    expect(rs.metadata.ownerReferences).toBeUndefined();
    // The data stays where it is: the Repository of the verification's namespace (no Repository: no key).
    expect(rs.spec.dataSource).toEqual({ repository: "s3-repo", snapshot: SNAPSHOT, namespace: NS });
  });

  it("a target without a namespace is restored in the verification's namespace, and the Repository's own namespace is its key's", () => {
    const noNamespace = verifier({
      restoreOption: {
        addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
        target: { kind: "PersistentVolumeClaim", name: "scratch-data" },
      },
    });
    const repo = { ...repository(), spec: { ...repository().spec, encryptionSecret: { name: "key" } } };
    const rs = unwrap(
      desiredRestoreSession({
        verification: verification(),
        verifier: noNamespace,
        repository: repo,
        snapshot: SNAPSHOT,
      }),
    );
    expect(rs.metadata.namespace).toBe(NS);
    expect(rs.spec.target).toEqual({ kind: "PersistentVolumeClaim", name: "scratch-data", namespace: NS });
    expect(rs.spec.dataSource?.encryptionSecret).toEqual({ name: "key", namespace: NS });
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "no restoreOption",
      { restoreOption: undefined },
      "BackupVerifier demo/pvc-verifier has no spec.restoreOption",
    ],
    [
      "no addonInfo",
      { restoreOption: { target: { kind: "PersistentVolumeClaim", name: "x" } } },
      "BackupVerifier demo/pvc-verifier has no spec.restoreOption.addonInfo",
    ],
    [
      "no target",
      { restoreOption: { addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] } } },
      "BackupVerifier demo/pvc-verifier has no spec.restoreOption.target",
    ],
  ])("fails with a message: %s", (_case, spec, message) => {
    expect(
      desiredRestoreSession({ verification: verification(), verifier: verifier(spec), snapshot: SNAPSHOT }),
    ).toEqual({ ok: false, message });
  });

  it("fails when there is no Snapshot to restore", () => {
    const result = desiredRestoreSession({
      verification: verification(),
      verifier: verifier(),
      snapshot: "",
    });
    expect(result).toEqual({ ok: false, message: `no Snapshot to restore for ${BVS}` });
  });
});

describe("buildRestoreJobs for KubeStash's pvc addon", () => {
  const rs = restoreSession();

  it("builds one Job: the catalog's pvc-restore args with the restore's variables, the claim as its data volume", () => {
    const jobs = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    const labels = {
      "app.kubernetes.io/component": "kubestash-restore",
      "app.kubernetes.io/managed-by": "kubestash.com",
      "kubestash.com/invoker-name": BVS,
      "kubestash.com/invoker-namespace": NS,
    };
    expect(jobs).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: `restore-${BVS}`,
          namespace: NS,
          labels,
          ownerReferences: [
            {
              apiVersion: "core.kubestash.com/v1alpha1",
              kind: "RestoreSession",
              name: BVS,
              uid: "uid-rs",
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              securityContext: { runAsUser: 65534 },
              serviceAccountName: "kubestash-restore-executor",
              containers: [
                {
                  name: "logical-backup-restore-0",
                  image: "ghcr.io/kubestash/pvc:v0.28.0",
                  imagePullPolicy: "IfNotPresent",
                  // pvc-restore-function.yaml's args, each variable given:
                  args: [
                    "restore",
                    "--namespace=demo",
                    `--restoresession=${BVS}`,
                    `--snapshot=${SNAPSHOT}`,
                    "--enable-cache=true",
                    "--scratch-dir=/kubestash-tmp",
                  ],
                  volumeMounts: [
                    { name: "kubestash-data-volume", mountPath: "/kubestash-data" },
                    { name: "kubestash-tmp-volume", mountPath: "/kubestash-tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "kubestash-data-volume", persistentVolumeClaim: { claimName: "scratch-data" } },
                { name: "kubestash-tmp-volume", emptyDir: {} },
              ],
              restartPolicy: "Never",
            },
          },
        },
      },
    ]);
    expect(parseWith(Job, jobs[0], "Job")).toEqual(jobs[0]);
  });

  it("the catalog's args, substituted by hand, are what the Job runs (the comparison can fail)", () => {
    const [job] = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    const byHand = (pvcRestore.spec.args ?? []).map((arg) =>
      arg
        .replace("${namespace:=default}", NS)
        .replace("${restoreSession:=}", BVS)
        .replace("${snapshot:=}", SNAPSHOT)
        .replace("${enableCache:=}", "true")
        .replace("${scratchDir:=}", "/kubestash-tmp"),
    );
    const args = (podSpec(job as Job).containers as Array<{ args: string[] }>)[0]?.args;
    expect(args).toEqual(byHand);
    expect(args).not.toEqual([...byHand.slice(0, -1), "--scratch-dir="]);
  });

  it("honours the RestoreSession's addon settings as a backup does: params, jobTemplate's backoffLimit, ServiceAccount and labels", () => {
    const tuned: RestoreSession = {
      ...rs,
      spec: {
        ...rs.spec,
        addon: {
          name: "pvc-addon",
          tasks: [{ name: "logical-backup-restore", params: { scratchDir: "/scratch" } }],
          jobTemplate: {
            backoffLimit: 2,
            metadata: { labels: { team: "a" } },
            spec: { serviceAccountName: "restorer", nodeSelector: { zone: "a" } },
          },
        },
      },
    };
    const [job] = unwrap(
      buildRestoreJobs({
        restoreSession: tuned,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    expect(job?.spec.backoffLimit).toBe(2);
    expect((job?.spec.template.metadata as { labels?: unknown } | undefined)?.labels).toMatchObject({
      team: "a",
      "app.kubernetes.io/component": "kubestash-restore",
    });
    expect(job?.metadata.labels).not.toHaveProperty("team");
    const pod = podSpec(job as Job);
    expect(pod).toMatchObject({ serviceAccountName: "restorer", nodeSelector: { zone: "a" } });
    expect((pod.containers as Array<{ args: string[] }>)[0]?.args).toContain("--scratch-dir=/scratch");
  });

  it("the volume-clone task has no data volume: no PVC_NAME is needed, none is mounted", () => {
    const clone: RestoreSession = {
      ...rs,
      spec: { ...rs.spec, addon: { name: "pvc-addon", tasks: [{ name: "volume-clone" }] } },
    };
    const [job] = unwrap(
      buildRestoreJobs({
        restoreSession: clone,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    expect(podSpec(job as Job).volumes).toEqual([{ name: "kubestash-tmp-volume", emptyDir: {} }]);
  });
});

describe("buildRestoreJobs for a workload Snapshot with per-pod components", () => {
  const statefulSet = verifier({
    restoreOption: {
      addonInfo: { name: "workload-addon", tasks: [{ name: "logical-backup-restore" }] },
      target: { apiGroup: "apps", kind: "StatefulSet", name: "db-scratch", namespace: NS },
    },
  });
  const rs = restoreSession(statefulSet);

  it("builds one Job per pod component, in ordinal order, each with its COMPONENT_NAME", () => {
    const jobs = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(["dump-pod-10", "dump-pod-0", "dump-pod-2"]),
        addon: workloadAddon,
        functions: [workloadRestore],
      }),
    );
    expect(jobs.map((j) => j.metadata.name)).toEqual([
      restoreJobName(rs, "dump-pod-0"),
      restoreJobName(rs, "dump-pod-2"),
      restoreJobName(rs, "dump-pod-10"),
    ]);
    expect(jobs[0]?.metadata.name).toBe(`restore-${BVS}-dump-pod-0`);
    for (const [index, component] of ["dump-pod-0", "dump-pod-2", "dump-pod-10"].entries()) {
      const container = (podSpec(jobs[index] as Job).containers as Array<Record<string, unknown>>)[0];
      expect(container).toMatchObject({
        name: "logical-backup-restore-0",
        image: "ghcr.io/kubestash/workload:v0.28.0",
        env: [{ name: "COMPONENT_NAME", value: component }],
        args: [
          "restore",
          "--namespace=demo",
          `--restoresession=${BVS}`,
          `--snapshot=${SNAPSHOT}`,
          "--enable-cache=true",
          "--scratch-dir=/kubestash-tmp",
          "--exclude=",
          "--include=",
        ],
      });
    }
    // Every Job is the RestoreSession's, by the labels the executor Jobs are found by.
    expect(new Set(jobs.map((j) => j.metadata.labels?.["kubestash.com/invoker-name"]))).toEqual(
      new Set([BVS]),
    );
  });

  it("restores only the components the RestoreSession asks for", () => {
    const some: RestoreSession = {
      ...rs,
      spec: { ...rs.spec, dataSource: { ...rs.spec.dataSource, components: ["dump-pod-1"] } },
    };
    const jobs = unwrap(
      buildRestoreJobs({
        restoreSession: some,
        snapshot: snapshot(["dump-pod-0", "dump-pod-1"]),
        addon: workloadAddon,
        functions: [workloadRestore],
      }),
    );
    expect(jobs.map((j) => j.metadata.name)).toEqual([restoreJobName(rs, "dump-pod-1")]);
  });

  it("a Snapshot of one non-pod component takes one Job without COMPONENT_NAME", () => {
    const jobs = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(["dump"]),
        addon: workloadAddon,
        functions: [workloadRestore],
      }),
    );
    expect(jobs.map((j) => j.metadata.name)).toEqual([restoreJobName(rs)]);
    expect((podSpec(jobs[0] as Job).containers as Array<Record<string, unknown>>)[0]?.env).toBeUndefined();
  });
});

describe("buildRestoreJobs fails with a message naming what is missing", () => {
  const rs = restoreSession();
  const pvcTarget = rs.spec.target;
  it.each<[string, RestoreSession, Addon | undefined, KubeStashFunction[], string]>([
    ["no Addon", rs, undefined, [pvcRestore], "Addon pvc-addon not found"],
    ["another Addon", rs, workloadAddon, [pvcRestore], "Addon pvc-addon not found"],
    [
      "no addon in the RestoreSession",
      { ...rs, spec: { ...rs.spec, addon: undefined } },
      pvcAddon,
      [pvcRestore],
      `RestoreSession demo/${BVS} names no addon`,
    ],
    [
      "unknown restore task",
      { ...rs, spec: { ...rs.spec, addon: { name: "pvc-addon", tasks: [{ name: "logical-backup" }] } } },
      pvcAddon,
      [pvcRestore],
      "Addon pvc-addon has no restore task logical-backup",
    ],
    [
      "no Function",
      rs,
      pvcAddon,
      [pvcBackup],
      "Function pvc-restore of restore task logical-backup-restore not found",
    ],
    [
      "unresolved variable: a StatefulSet target has no PVC_NAME",
      { ...rs, spec: { ...rs.spec, target: { ...pvcTarget, kind: "StatefulSet", name: "db" } } },
      pvcAddon,
      [pvcRestore],
      "restore task logical-backup-restore (Function pvc-restore) uses ${PVC_NAME}, which cannot be resolved for this restore",
    ],
    [
      "another Snapshot than the RestoreSession names",
      { ...rs, spec: { ...rs.spec, dataSource: { ...rs.spec.dataSource, snapshot: "other" } } },
      pvcAddon,
      [pvcRestore],
      `RestoreSession demo/${BVS} restores Snapshot other, not ${SNAPSHOT}`,
    ],
  ])("%s", (_case, theRs, theAddon, functions, message) => {
    expect(
      buildRestoreJobs({ restoreSession: theRs, snapshot: snapshot(), addon: theAddon, functions }),
    ).toEqual({
      ok: false,
      message,
    });
  });

  it("backups keep their own wording (one builder, two task lists)", () => {
    const result = buildExecutorJob({
      session: backupSession(),
      sessionConfig: sessionConfig({
        addon: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
      }),
      addon: { ...addon, spec: { ...addon.spec, restoreTasks: pvcAddon.spec.restoreTasks } },
      functions: [pvcBackup, pvcRestore],
    });
    expect(result).toEqual({
      ok: false,
      message: "Addon pvc-addon has no backup task logical-backup-restore",
    });
  });
});

describe("restoreJobName and verifierJobName", () => {
  it("keep KubeStash's prefixes and the time suffix last within 63 characters", () => {
    const rs = restoreSession();
    expect(restoreJobName(rs)).toBe(`restore-${BVS}`);
    expect(restoreJobName(rs, "dump-pod-0")).toBe(`restore-${BVS}-dump-pod-0`);
    expect(verifierJobName(verification())).toBe(`verify-${BVS}`);
    const long = verification();
    long.metadata.name = `${"a-very-long-repository-name".repeat(3)}-daily-1795694400`;
    expect(verifierJobName(long)).toMatch(/^verify-.*-1795694400$/);
    expect(verifierJobName(long).length).toBeLessThanOrEqual(63);
  });
});

const pgVerify = parseWith(
  KubeStashFunction,
  {
    apiVersion: "addons.kubestash.com/v1alpha1",
    kind: "Function",
    metadata: { name: "pg-verify" },
    spec: {
      image: "example/verify:1",
      args: [
        "verify",
        "--namespace=${namespace}",
        "--session=${backupVerificationSession}",
        "--snapshot=${snapshot}",
        "--target=${targetKind}/${targetNamespace}/${targetName}",
        "--query=${query:=}",
        "--script=${scriptLocation:=}",
        "--args=${scriptArgs:=}",
      ],
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    },
  },
  "Function",
);

describe("buildVerifierJob", () => {
  const rs = restoreSession();
  const queryVerifier = verifier({
    type: "Query",
    function: "pg-verify",
    query: { sql: "select count(*) from t", expected: 1 },
    volumes: [
      { name: "tmp", emptyDir: {} },
      { name: "restored", persistentVolumeClaim: { claimName: "${targetName}" } },
    ],
    volumeMounts: [{ name: "restored", mountPath: "/restored", readOnly: true }],
    runtimeSettings: {
      pod: { serviceAccountName: "verifier-sa", nodeSelector: { zone: "a" }, podLabels: { team: "a" } },
      container: {
        resources: { limits: { memory: "128Mi" } },
        env: [{ name: "LOG", value: "debug" }],
        nice: { adjustment: 5 },
      },
    },
  });

  it("runs the verifier's Function in the verification's namespace with its variables, volumes and runtime settings", () => {
    const job = unwrap(
      buildVerifierJob({
        verification: verification(),
        verifier: queryVerifier,
        restoreSession: rs,
        functions: [pgVerify],
      }),
    );
    const labels = {
      "app.kubernetes.io/component": "kubestash-backup-verifier",
      "app.kubernetes.io/managed-by": "kubestash.com",
      "kubestash.com/invoker-name": BVS,
      "kubestash.com/invoker-namespace": NS,
    };
    expect(job).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: `verify-${BVS}`,
        namespace: NS,
        labels,
        ownerReferences: [
          {
            apiVersion: "core.kubestash.com/v1alpha1",
            kind: "BackupVerificationSession",
            name: BVS,
            uid: "uid-bvs",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { team: "a", ...labels } },
          spec: {
            securityContext: { runAsUser: 65534 },
            serviceAccountName: "verifier-sa",
            nodeSelector: { zone: "a" },
            containers: [
              {
                name: "verifier",
                image: "example/verify:1",
                imagePullPolicy: "IfNotPresent",
                args: [
                  "verify",
                  "--namespace=demo",
                  `--session=${BVS}`,
                  `--snapshot=${SNAPSHOT}`,
                  "--target=PersistentVolumeClaim/demo/scratch-data",
                  '--query={"sql":"select count(*) from t","expected":1}',
                  "--script=",
                  "--args=",
                ],
                resources: { limits: { memory: "128Mi" } },
                env: [{ name: "LOG", value: "debug" }],
                volumeMounts: [
                  { name: "tmp", mountPath: "/tmp" },
                  { name: "restored", mountPath: "/restored", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "tmp", emptyDir: {} },
              { name: "restored", persistentVolumeClaim: { claimName: "scratch-data" } },
            ],
            restartPolicy: "Never",
          },
        },
      },
    });
  });

  it("a Script verifier gets the script's location and its args joined by spaces; ours by default", () => {
    const script = verifier({
      type: "Script",
      function: "pg-verify",
      script: { location: "/scripts/check.sh", args: ["--strict", "-n", "3"] },
    });
    const job = unwrap(
      buildVerifierJob({
        verification: verification(),
        verifier: script,
        restoreSession: rs,
        functions: [pgVerify],
      }),
    );
    const pod = podSpec(job);
    expect(pod.serviceAccountName).toBe("kubestash-backup-verifier");
    expect((pod.containers as Array<{ args: string[] }>)[0]?.args.slice(-3)).toEqual([
      "--query=",
      "--script=/scripts/check.sh",
      "--args=--strict -n 3",
    ]);
    expect(pod.volumes).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, KubeStashFunction[], string]>([
    [
      "RestoreOnly has none",
      { type: "RestoreOnly" },
      [pgVerify],
      "BackupVerifier demo/pvc-verifier is of type RestoreOnly: it has no verifier Job",
    ],
    [
      "no function",
      { type: "Query", query: { sql: "x" } },
      [pgVerify],
      "BackupVerifier demo/pvc-verifier of type Query names no spec.function",
    ],
    [
      "Function not found",
      { type: "Query", function: "nope", query: { sql: "x" } },
      [pgVerify],
      "Function nope of BackupVerifier demo/pvc-verifier not found",
    ],
    [
      "Query without query",
      { type: "Query", function: "pg-verify" },
      [pgVerify],
      "BackupVerifier demo/pvc-verifier of type Query has no spec.query",
    ],
    [
      "Script without location",
      { type: "Script", function: "pg-verify", script: { args: ["a"] } },
      [pgVerify],
      "BackupVerifier demo/pvc-verifier of type Script has no spec.script.location",
    ],
    [
      "unresolved variable",
      { type: "Script", function: "strict", script: { location: "/s.sh" } },
      [{ ...pgVerify, metadata: { name: "strict" }, spec: { image: "x", args: ["${query}", "${nope}"] } }],
      "BackupVerifier demo/pvc-verifier (Function strict) uses ${nope}, ${query}, which cannot be resolved for this verification",
    ],
  ])("fails with a message: %s", (_case, spec, functions, message) => {
    expect(
      buildVerifierJob({
        verification: verification(),
        verifier: verifier(spec),
        restoreSession: rs,
        functions,
      }),
    ).toEqual({ ok: false, message });
  });
});

describe("the RBAC of a verification's Jobs", () => {
  const executorRoles = parseAllDocuments(
    readFileSync(path.resolve(import.meta.dirname, "../../../infra/rbac/executor-clusterrole.yaml"), "utf8"),
  ).map((d) => d.toJS() as { kind: string; metadata: { name: string } });

  it("restore executor: its ServiceAccount in the RestoreSession's namespace, bound where it reads", () => {
    const elsewhere = verifier({
      restoreOption: {
        addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
        target: { kind: "PersistentVolumeClaim", name: "scratch-data", namespace: "scratch" },
      },
    });
    const rs = unwrap(
      desiredRestoreSession({
        verification: verification(),
        verifier: elsewhere,
        repository: encryptedRepository,
        snapshot: SNAPSHOT,
      }),
    );
    const plan = decideRestoreRbac({ restoreSession: rs, repository: encryptedRepository });
    const sa = { namespace: "scratch", name: "kubestash-restore-executor" };
    expect(plan.serviceAccount).toEqual(sa);
    expect(plan.serviceAccountToEnsure).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: "kubestash-restore-executor",
        namespace: "scratch",
        labels: {
          "app.kubernetes.io/managed-by": "kubestash-serverless",
          "app.kubernetes.io/component": "restore-executor",
        },
      },
    });
    // Its own namespace first, then the Repository's (demo), the storage's and the key's, sorted.
    expect(plan.roleBindings.map((b) => b.metadata.namespace)).toEqual([
      "scratch",
      "backup-infra",
      "demo",
      "keys",
    ]);
    for (const binding of plan.roleBindings) {
      expect(binding).toMatchObject({
        metadata: { name: "kubestash-serverless-restore-executor:scratch:kubestash-restore-executor" },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "kubestash-serverless-restore-executor",
        },
        subjects: [{ kind: "ServiceAccount", ...sa }],
      });
    }
    // The Job runs as the ServiceAccount the plan binds.
    const [job] = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    expect(podSpec(job as Job).serviceAccountName).toBe(plan.serviceAccount.name);
  });

  it("restore executor: a ServiceAccount of the RestoreSession's jobTemplate is bound, none created", () => {
    const base = restoreSession();
    const rs: RestoreSession = {
      ...base,
      spec: {
        ...base.spec,
        addon: {
          name: "pvc-addon",
          tasks: [{ name: "logical-backup-restore" }],
          jobTemplate: { spec: { serviceAccountName: "restorer" } },
        },
      },
    };
    const plan = decideRestoreRbac({ restoreSession: rs });
    expect(plan.serviceAccount).toEqual({ namespace: NS, name: "restorer" });
    expect(plan.serviceAccountToEnsure).toBeUndefined();
    // Without the Repository it still reads the data source's namespace and the key's named on the RestoreSession.
    expect(plan.roleBindings.map((b) => [b.metadata.namespace, b.metadata.name])).toEqual([
      [NS, "kubestash-serverless-restore-executor:demo:restorer"],
      ["keys", "kubestash-serverless-restore-executor:demo:restorer"],
    ]);
    const [job] = unwrap(
      buildRestoreJobs({
        restoreSession: rs,
        snapshot: snapshot(),
        addon: pvcAddon,
        functions: [pvcRestore],
      }),
    );
    expect(podSpec(job as Job).serviceAccountName).toBe("restorer");
  });

  it("verifier: its ServiceAccount in the verification's namespace, bound there and in the verifier's", () => {
    const plan = decideVerifierRbac({ verification: verification(), verifier: verifier({}, "verifiers") });
    expect(plan.serviceAccount).toEqual({ namespace: NS, name: "kubestash-backup-verifier" });
    expect(plan.serviceAccountToEnsure?.metadata).toMatchObject({
      name: "kubestash-backup-verifier",
      namespace: NS,
    });
    expect(plan.roleBindings.map((b) => [b.metadata.namespace, b.metadata.name, b.roleRef.name])).toEqual([
      [NS, "kubestash-serverless-verifier:demo:kubestash-backup-verifier", "kubestash-serverless-verifier"],
      [
        "verifiers",
        "kubestash-serverless-verifier:demo:kubestash-backup-verifier",
        "kubestash-serverless-verifier",
      ],
    ]);
    expect(decideVerifierRbac({ verification: verification() }).roleBindings).toHaveLength(1);
  });

  it("verifier: runtimeSettings.pod.serviceAccountName is bound, none created, and the Job runs as it", () => {
    const v = verifier({
      type: "Script",
      function: "pg-verify",
      script: { location: "/s.sh" },
      runtimeSettings: { pod: { serviceAccountName: "mine" } },
    });
    const plan = decideVerifierRbac({ verification: verification(), verifier: v });
    expect(plan.serviceAccount).toEqual({ namespace: NS, name: "mine" });
    expect(plan.serviceAccountToEnsure).toBeUndefined();
    const job = unwrap(
      buildVerifierJob({
        verification: verification(),
        verifier: v,
        restoreSession: restoreSession(),
        functions: [pgVerify],
      }),
    );
    expect(podSpec(job).serviceAccountName).toBe("mine");
  });

  it("binds only ClusterRoles infra/rbac/executor-clusterrole.yaml defines, none the backup executor's", () => {
    const restore = decideRestoreRbac({ restoreSession: restoreSession(), repository: encryptedRepository });
    const verify = decideVerifierRbac({ verification: verification() });
    const defined = executorRoles.filter((d) => d.kind === "ClusterRole").map((d) => d.metadata.name);
    expect(defined).toEqual([
      "kubestash-serverless-backup-executor",
      "kubestash-serverless-restore-executor",
      "kubestash-serverless-verifier",
    ]);
    const bound = new Set([...restore.roleBindings, ...verify.roleBindings].map((b) => b.roleRef.name));
    expect([...bound].sort()).toEqual([
      "kubestash-serverless-restore-executor",
      "kubestash-serverless-verifier",
    ]);
  });
});
