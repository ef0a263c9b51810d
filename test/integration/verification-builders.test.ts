// biome-ignore-all lint/suspicious/noTemplateCurlyInString: KubeStash Function args carry ${name:=default} variables
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import {
  buildRestoreJobs,
  buildVerifierJob,
  decideRestoreRbac,
  decideVerifierRbac,
  desiredRestoreSession,
} from "../../shared/decide/verification/index.ts";
import type { KubeClient } from "../../shared/kube/index.ts";
import {
  Addon,
  BackupVerificationSession,
  BackupVerifier,
  KubeStashFunction,
  parseWith,
  type Repository,
  type RestoreSession,
  Snapshot,
} from "../../shared/model/index.ts";
import { ensureExecutorRbac } from "../../shared/usecases/executor-rbac.ts";
import { adminAndFunctions, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * What the verification builders make, on a real API server (docs/verification.md#what-a-verification-creates):
 * the functions' identity creates the RestoreSession, its restore executor Job and the verifier Job (KubeStash's
 * CRD and the Job API accept them as built), and ensures both RBAC plans with the same use case as the backup
 * executor's; then the API server's authorizer is asked, by SubjectAccessReview as each Job's ServiceAccount,
 * about every call that Job makes and some it must never make.
 */

const one = sharedCluster();

let admin: KubeClient;
let functions: KubeClient;
const ns = uniqueNamespace("verify-rbac");
const scratchNs = uniqueNamespace("verify-rbac-scratch");
const storageNs = uniqueNamespace("verify-rbac-storage");
const keysNs = uniqueNamespace("verify-rbac-keys");
const verifierNs = uniqueNamespace("verify-rbac-verifiers");
const otherNs = uniqueNamespace("verify-rbac-other");

const catalog = parseAllDocuments(
  readFileSync(path.resolve(import.meta.dirname, "../fixtures/kubestash/restore-catalog.yaml"), "utf8"),
).map((d) => d.toJS() as { metadata: { name: string } });
const fromCatalog = <T>(schema: { parse(v: unknown): T }, name: string): T =>
  schema.parse(catalog.find((d) => d.metadata.name === name));

const SNAPSHOT = "s3-repo-app-backup-daily-1795694400";
const BVS = "s3-repo-daily-1795694400";

const verifier = parseWith(
  BackupVerifier,
  {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupVerifier",
    metadata: { name: "pvc-verifier", namespace: verifierNs },
    spec: {
      restoreOption: {
        addonInfo: { name: "pvc-addon", tasks: [{ name: "logical-backup-restore" }] },
        target: { kind: "PersistentVolumeClaim", name: "scratch-data", namespace: scratchNs },
      },
      type: "Script",
      function: "check-files",
      script: { location: "/scripts/check.sh", args: ["--min-files", "1"] },
      volumes: [{ name: "scripts", configMap: { name: "verify-scripts" } }],
      volumeMounts: [{ name: "scripts", mountPath: "/scripts" }],
    },
  },
  "BackupVerifier",
);

const checkFiles = parseWith(
  KubeStashFunction,
  {
    apiVersion: "addons.kubestash.com/v1alpha1",
    kind: "Function",
    metadata: { name: "check-files" },
    spec: {
      image: "busybox:1.36",
      command: ["sh"],
      args: ["${scriptLocation}", "${scriptArgs:=}", "--session=${backupVerificationSession}"],
    },
  },
  "Function",
);

const repository: Repository = {
  apiVersion: "storage.kubestash.com/v1alpha1",
  kind: "Repository",
  metadata: { name: "s3-repo", namespace: ns },
  spec: {
    storageRef: { name: "s3-storage", namespace: storageNs },
    encryptionSecret: { name: "encryption-secret", namespace: keysNs },
    deletionPolicy: "Delete",
  },
};

const snapshot = parseWith(
  Snapshot,
  {
    apiVersion: "storage.kubestash.com/v1alpha1",
    kind: "Snapshot",
    metadata: { name: SNAPSHOT, namespace: ns },
    spec: { repository: "s3-repo" },
    status: { phase: "Succeeded", totalComponents: 1, components: { dump: { phase: "Succeeded" } } },
  },
  "Snapshot",
);

let verification: BackupVerificationSession;
let restoreSession: RestoreSession;

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(one));
  for (const namespace of [ns, scratchNs, storageNs, keysNs, verifierNs, otherNs]) {
    await ensureNamespace(admin, namespace);
  }
  const created = await functions.create(
    "BackupVerificationSession",
    parseWith(
      BackupVerificationSession,
      {
        apiVersion: "core.kubestash.com/v1alpha1",
        kind: "BackupVerificationSession",
        metadata: { name: BVS, namespace: ns },
        spec: {
          invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "app-backup" },
          repository: "s3-repo",
          session: "daily",
          snapshot: SNAPSHOT,
        },
      },
      "BackupVerificationSession",
    ),
  );
  verification = created.object;
});

afterAll(async () => {
  await admin.transport.close();
  await functions.transport.close();
});

describe("the API server accepts what the builders make, created as the functions", () => {
  it("the RestoreSession, in the target's namespace, with no owner across namespaces", async () => {
    const built = desiredRestoreSession({ verification, verifier, repository, snapshot: SNAPSHOT });
    if (!built.ok) throw new Error(built.message);
    const { object, created } = await functions.create("RestoreSession", built.value);
    expect(created).toBe(true);
    restoreSession = object;
    expect(object.metadata.namespace).toBe(scratchNs);
    expect(object.metadata.ownerReferences).toBeUndefined();
    expect(object.spec).toEqual(built.value.spec);
    expect(object.metadata.labels).toEqual(built.value.metadata.labels);
  });

  it("the restore executor Job for the pvc addon, owned by the RestoreSession", async () => {
    const built = buildRestoreJobs({
      restoreSession,
      snapshot,
      addon: fromCatalog(Addon, "pvc-addon"),
      functions: [fromCatalog(KubeStashFunction, "pvc-restore")],
    });
    if (!built.ok) throw new Error(built.message);
    expect(built.value).toHaveLength(1);
    const [job] = built.value;
    if (!job) throw new Error("no Job");
    const { object } = await functions.create("Job", job);
    expect(object.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "RestoreSession",
      uid: restoreSession.metadata.uid,
    });
    const pod = object.spec.template.spec as { volumes: unknown[]; containers: Array<{ args: string[] }> };
    expect(pod.containers[0]?.args).toContain(`--restoresession=${restoreSession.metadata.name}`);
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({ persistentVolumeClaim: { claimName: "scratch-data" } }),
    );
  });

  it("the verifier Job, in the verification's namespace, owned by it", async () => {
    const built = buildVerifierJob({ verification, verifier, restoreSession, functions: [checkFiles] });
    if (!built.ok) throw new Error(built.message);
    const { object } = await functions.create("Job", built.value);
    expect(object.metadata.namespace).toBe(ns);
    expect(object.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "BackupVerificationSession",
      uid: verification.metadata.uid,
    });
    const container = (object.spec.template.spec as { containers: Array<{ args: string[] }> }).containers[0];
    expect(container?.args).toEqual(["/scripts/check.sh", "--min-files 1", `--session=${BVS}`]);
  });
});

interface Call {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace: string;
  name?: string;
}

async function allowed(serviceAccount: { namespace: string; name: string }, call: Call): Promise<boolean> {
  const review = (await admin.transport.request({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${serviceAccount.namespace}`,
          "system:authenticated",
        ],
        resourceAttributes: call,
      },
    },
  })) as { status?: { allowed?: boolean } };
  return review.status?.allowed === true;
}

const describeCall = (c: Call) =>
  `${c.verb} ${c.group ? `${c.group}/` : ""}${c.resource}${c.subresource ? `/${c.subresource}` : ""} in ${c.namespace}`;

const CORE = "core.kubestash.com";
const STORAGE = "storage.kubestash.com";

/** What the restore executor calls: its RestoreSession where it runs, the data where it is. */
const RESTORE_CALLS = (): Call[] => [
  { verb: "get", group: CORE, resource: "restoresessions", namespace: scratchNs, name: BVS },
  ...["get", "update", "patch"].map((verb) => ({
    verb,
    group: CORE,
    resource: "restoresessions",
    subresource: "status",
    namespace: scratchNs,
    name: BVS,
  })),
  { verb: "get", group: STORAGE, resource: "snapshots", namespace: ns, name: SNAPSHOT },
  { verb: "list", group: STORAGE, resource: "snapshots", namespace: ns },
  { verb: "get", group: STORAGE, resource: "repositories", namespace: ns, name: "s3-repo" },
  { verb: "get", group: STORAGE, resource: "backupstorages", namespace: storageNs, name: "s3-storage" },
  { verb: "get", group: "", resource: "secrets", namespace: storageNs, name: "s3-credentials" },
  { verb: "get", group: "", resource: "secrets", namespace: keysNs, name: "encryption-secret" },
  { verb: "create", group: "", resource: "events", namespace: scratchNs },
];

const RESTORE_FORBIDDEN = (): Call[] => [
  { verb: "patch", group: CORE, resource: "restoresessions", namespace: scratchNs, name: BVS },
  { verb: "delete", group: CORE, resource: "restoresessions", namespace: scratchNs, name: BVS },
  {
    verb: "update",
    group: STORAGE,
    resource: "snapshots",
    subresource: "status",
    namespace: ns,
    name: SNAPSHOT,
  },
  { verb: "get", group: CORE, resource: "backupsessions", namespace: ns, name: "s" },
  { verb: "get", group: CORE, resource: "backupverificationsession", namespace: ns, name: BVS },
  { verb: "list", group: "", resource: "secrets", namespace: keysNs },
  { verb: "get", group: "", resource: "secrets", namespace: otherNs, name: "encryption-secret" },
  { verb: "create", group: "batch", resource: "jobs", namespace: scratchNs },
];

const VERIFIER_CALLS = (): Call[] => [
  { verb: "get", group: CORE, resource: "backupverificationsession", namespace: ns, name: BVS },
  ...["get", "update", "patch"].map((verb) => ({
    verb,
    group: CORE,
    resource: "backupverificationsession",
    subresource: "status",
    namespace: ns,
    name: BVS,
  })),
  { verb: "get", group: CORE, resource: "backupverifier", namespace: verifierNs, name: "pvc-verifier" },
  { verb: "create", group: "", resource: "events", namespace: ns },
];

const VERIFIER_FORBIDDEN = (): Call[] => [
  { verb: "patch", group: CORE, resource: "backupverificationsession", namespace: ns, name: BVS },
  { verb: "get", group: CORE, resource: "backupverifier", namespace: otherNs, name: "pvc-verifier" },
  { verb: "get", group: CORE, resource: "restoresessions", namespace: scratchNs, name: BVS },
  { verb: "get", group: "", resource: "secrets", namespace: ns, name: "encryption-secret" },
  { verb: "get", group: STORAGE, resource: "snapshots", namespace: ns, name: SNAPSHOT },
];

describe("ensureExecutorRbac carries out both plans as the functions' identity", () => {
  it("restore executor: its ServiceAccount in the target's namespace, a binding where it reads; again: unchanged", async () => {
    const plan = decideRestoreRbac({ restoreSession, repository });
    const first = await ensureExecutorRbac(functions, plan);
    expect(first.serviceAccountCreated).toBe(true);
    expect(first.roleBindings.map((b) => [b.namespace, b.outcome]).sort()).toEqual(
      [scratchNs, ns, storageNs, keysNs].map((n) => [n, "created"]).sort(),
    );
    const again = await ensureExecutorRbac(functions, decideRestoreRbac({ restoreSession, repository }));
    expect(again.serviceAccountCreated).toBe(false);
    expect(new Set(again.roleBindings.map((b) => b.outcome))).toEqual(new Set(["unchanged"]));
  });

  it("verifier: its ServiceAccount in the verification's namespace, bound there and in the verifier's", async () => {
    const outcome = await ensureExecutorRbac(functions, decideVerifierRbac({ verification, verifier }));
    expect(outcome.serviceAccountCreated).toBe(true);
    expect(outcome.roleBindings.map((b) => b.namespace).sort()).toEqual([ns, verifierNs].sort());
  });
});

describe("the real authorizer, as the restore executor's ServiceAccount", () => {
  const sa = () => decideRestoreRbac({ restoreSession, repository }).serviceAccount;
  it("allows every call the restore executor makes", async () => {
    for (const call of RESTORE_CALLS()) expect(await allowed(sa(), call), describeCall(call)).toBe(true);
  });
  it("denies what it never does", async () => {
    for (const call of RESTORE_FORBIDDEN()) expect(await allowed(sa(), call), describeCall(call)).toBe(false);
  });
});

describe("the real authorizer, as the verifier's ServiceAccount", () => {
  const sa = () => decideVerifierRbac({ verification, verifier }).serviceAccount;
  it("allows every call the verifier Job makes", async () => {
    for (const call of VERIFIER_CALLS()) expect(await allowed(sa(), call), describeCall(call)).toBe(true);
  });
  it("denies what it never does", async () => {
    for (const call of VERIFIER_FORBIDDEN())
      expect(await allowed(sa(), call), describeCall(call)).toBe(false);
  });
});
