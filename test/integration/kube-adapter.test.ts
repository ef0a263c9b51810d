import { beforeAll, describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  KubeClient,
  KubeTransport,
  NotFoundError,
  UnavailableError,
} from "../../shared/kube/index.ts";
import type { BackupSession, ModeledKind, ResourceOf } from "../../shared/model/index.ts";
import { FaultProxy } from "../support/fault-proxy.ts";
import { adminAndFunctions, clientFor, ensureNamespace, uniqueNamespace } from "../support/kube.ts";
import { SAMPLES } from "../support/model-samples.ts";
import { sharedCluster } from "../support/shared-cluster.ts";

const one = sharedCluster();

const NAMESPACED = [
  "BackupConfiguration",
  "BackupSession",
  "Snapshot",
  "Repository",
  "RetentionPolicy",
  "BackupStorage",
  "HookTemplate",
] as const;

function sample<K extends keyof typeof SAMPLES>(kind: K, namespace: string | undefined, name?: string) {
  const base = structuredClone(SAMPLES[kind]) as unknown as ResourceOf<K & ModeledKind>;
  const meta = (base as { metadata: { name: string; namespace?: string } }).metadata;
  if (namespace) meta.namespace = namespace;
  if (name) meta.name = name;
  return base;
}

function session(namespace: string, name: string): BackupSession {
  return {
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupSession",
    metadata: { name, namespace },
    spec: {
      invoker: { apiGroup: "core.kubestash.com", kind: "BackupConfiguration", name: "cfg" },
      session: "daily",
      retryLeft: 1,
    },
  };
}

let admin: KubeClient;
let functions: KubeClient;
let ns: string;

beforeAll(async () => {
  ({ admin, functions } = await adminAndFunctions(one));
  ns = uniqueNamespace("adapter");
  await ensureNamespace(admin, ns);
});

describe("CRUD of each KubeStash kind on a real API server", () => {
  it.each(NAMESPACED.map((k) => [k]))("%s: create, get, list, patch, delete", async (kind) => {
    // Prepare
    const object = sample(kind, ns, `crud-${kind.toLowerCase()}`);
    // Act
    const { created } = await admin.create(kind, object);
    const got = await admin.get(kind, ns, `crud-${kind.toLowerCase()}`);
    const listed = await admin.list(kind, { namespace: ns });
    const patched = await admin.patch(kind, ns, got.metadata.name, {
      metadata: { labels: { patched: "yes" } },
    });
    const deleted = await admin.delete(kind, ns, got.metadata.name, { uid: got.metadata.uid });
    // Assess
    expect(created).toBe(true);
    expect(got.spec).toMatchObject(object.spec as object);
    expect(listed.items.map((o) => o.metadata.name)).toContain(got.metadata.name);
    expect(listed.invalid).toEqual([]);
    expect(patched.metadata.labels?.patched).toBe("yes");
    expect(deleted).toBe(true);
    await expect(admin.get(kind, ns, got.metadata.name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it.each([["Addon"], ["Function"]] as const)("%s (cluster-scoped): create, get, delete", async (kind) => {
    const name = `crud-${kind.toLowerCase()}-${ns}`.slice(0, 63);
    const object = sample(kind, undefined, name);
    await admin.create(kind, object);
    expect((await admin.get(kind, undefined, name)).metadata.name).toBe(name);
    expect(await admin.delete(kind, undefined, name)).toBe(true);
    expect(await admin.delete(kind, undefined, name)).toBe(false);
  });

  it("writes every status field of the model and reads it back unchanged", async () => {
    const object = sample("BackupSession", ns, "status-roundtrip");
    const { status, ...withoutStatus } = object;
    const created = (await admin.create("BackupSession", withoutStatus as typeof object)).object;
    const updated = await admin.replaceStatus("BackupSession", { ...created, status });
    expect(updated.status).toEqual(status);
  });
});

describe("idempotent writes", () => {
  it("AlreadyExists of the same logical object is success; of a different one an error", async () => {
    const first = await functions.create("BackupSession", session(ns, "idem-1"));
    const again = await functions.create("BackupSession", session(ns, "idem-1"));
    expect([first.created, again.created]).toEqual([true, false]);
    expect(again.object.metadata.uid).toBe(first.object.metadata.uid);
    const other = session(ns, "idem-1");
    other.spec.session = "weekly";
    await expect(functions.create("BackupSession", other)).rejects.toBeInstanceOf(AlreadyExistsError);
  });

  it("a status write on a stale resourceVersion is a Conflict; updateStatus re-reads and keeps both writers' changes", async () => {
    const { object } = await functions.create("BackupSession", session(ns, "conflict-1"));
    await functions.replaceStatus("BackupSession", { ...object, status: { phase: "Running" } });
    await expect(
      functions.replaceStatus("BackupSession", { ...object, status: { phase: "Failed" } }),
    ).rejects.toBeInstanceOf(ConflictError);

    const writers = ["a", "b", "c", "d"].map((hook) =>
      functions.updateStatus("BackupSession", ns, "conflict-1", (current) => ({
        ...current.status,
        hooks: {
          preHooks: [...(current.status?.hooks?.preHooks ?? []), { name: hook, phase: "Succeeded" as const }],
        },
      })),
    );
    await Promise.all(writers);
    const final = await functions.get("BackupSession", ns, "conflict-1");
    expect(final.status?.phase).toBe("Running");
    expect(final.status?.hooks?.preHooks?.map((h) => h.name).sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("updateUnparsedStatus: a stale known copy costs one Conflict, then it re-reads, merges and writes once", async () => {
    const { object } = await functions.create("BackupSession", session(ns, "unparsed-1"));
    const stale = await functions.getUnparsed("BackupSession", ns, "unparsed-1");
    await functions.replaceStatus("BackupSession", { ...object, status: { phase: "Running" } });
    const seen: unknown[] = [];
    const decide = (current: unknown) => {
      seen.push((current as { status?: { phase?: string } }).status?.phase);
      return { retried: true };
    };
    // Act: decided on the stale copy (Conflict), then on a fresh read; then again, with nothing to write
    const first = await functions.updateUnparsedStatus("BackupSession", ns, "unparsed-1", decide, {
      known: stale,
    });
    const before = await functions.get("BackupSession", ns, "unparsed-1");
    const second = await functions.updateUnparsedStatus("BackupSession", ns, "unparsed-1", decide);
    // Assess
    expect(first).toEqual({ changed: true });
    expect(second).toEqual({ changed: false });
    expect(seen).toEqual([undefined, "Running", "Running"]);
    expect(before.status).toMatchObject({ phase: "Running", retried: true });
    const after = await functions.get("BackupSession", ns, "unparsed-1");
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("a status field the CRD does not declare is pruned by the server", async () => {
    const { object } = await functions.create("BackupSession", session(ns, "prune-1"));
    const written = await functions.replaceStatus("BackupSession", {
      ...object,
      status: {
        backupDeadline: "2026-11-26T12:00:00Z",
        sessionDeadline: "2026-11-26T12:00:00Z",
      } as BackupSession["status"],
    });
    expect(written.status?.backupDeadline).toBe("2026-11-26T12:00:00Z");
    expect(written.status).not.toHaveProperty("sessionDeadline");
  });

  it("the server's validation errors come back as InvalidError naming the field", async () => {
    const { object } = await functions.create("BackupSession", session(ns, "invalid-1"));
    const error = await functions
      .replaceStatus("BackupSession", {
        ...object,
        status: { phase: "Exploded" },
      } as unknown as BackupSession)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.map((c) => c.field)).toContain("status.phase");
  });

  it("delete with a uid precondition never deletes a newer object of the same name", async () => {
    const { object: old } = await functions.create("BackupSession", session(ns, "reborn-1"));
    await functions.delete("BackupSession", ns, "reborn-1", { uid: old.metadata.uid });
    const { object: reborn } = await functions.create("BackupSession", session(ns, "reborn-1"));
    await expect(
      functions.delete("BackupSession", ns, "reborn-1", { uid: old.metadata.uid }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await functions.get("BackupSession", ns, "reborn-1")).metadata.uid).toBe(reborn.metadata.uid);
    expect(await functions.delete("BackupSession", ns, "missing-1")).toBe(false);
  });

  it("an Event is recorded once however often it is sent", async () => {
    const { object } = await functions.create("BackupSession", session(ns, "event-1"));
    const now = new Date("2026-11-26T12:00:00Z");
    for (let i = 0; i < 3; i++) {
      await functions.recordEvent(object, { type: "Normal", reason: "Created", message: "made it" }, now);
    }
    const events = await admin.list("Event", { namespace: ns, fieldSelector: `involvedObject.name=event-1` });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      reason: "Created",
      type: "Normal",
      involvedObject: { kind: "BackupSession" },
    });
  });
});

describe("lists", () => {
  it("follows every page and filters by label", async () => {
    for (let i = 0; i < 7; i++) {
      const s = session(ns, `page-${i}`);
      s.metadata.labels = { batch: i % 2 === 0 ? "even" : "odd" };
      await functions.create("BackupSession", s);
    }
    const before = functions.transport.stats.requests;
    const even = await functions.list("BackupSession", {
      namespace: ns,
      labelSelector: "batch=even",
      limit: 2,
    });
    expect(even.items.map((s) => s.metadata.name).sort()).toEqual(["page-0", "page-2", "page-4", "page-6"]);
    expect(functions.transport.stats.requests - before).toBeGreaterThanOrEqual(2);
  });

  it("reports an object that does not match the model apart, and still returns the rest", async () => {
    await admin.create("BackupSession", session(ns, "fine-1"));
    const bad = session(ns, "odd-1");
    bad.spec.backupTimeout = "forever";
    await admin.transport.request({
      method: "POST",
      path: `/apis/core.kubestash.com/v1alpha1/namespaces/${ns}/backupsessions`,
      body: bad,
    });
    const result = await admin.list("BackupSession", { namespace: ns });
    expect(result.items.map((s) => s.metadata.name)).toContain("fine-1");
    expect(result.invalid.map((i) => [i.name, i.error.issues[0]?.path])).toEqual([
      ["odd-1", "spec.backupTimeout"],
    ]);
  });
});

describe("RBAC: the functions' identity has only infra/rbac's verbs", () => {
  it("may create sessions but not delete a BackupConfiguration or read Secrets", async () => {
    await admin.create("BackupConfiguration", sample("BackupConfiguration", ns, "rbac-cfg"));
    await expect(functions.delete("BackupConfiguration", ns, "rbac-cfg")).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      functions.transport.request({ method: "GET", path: `/api/v1/namespaces/${ns}/secrets` }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect((await functions.list("BackupConfiguration", { namespace: ns })).items).toHaveLength(1);
  });

  it("is denied everything on a cluster where the role is not installed", async () => {
    // The third cluster is never given infra/rbac by any test.
    const three = sharedCluster(2);
    const bare = await clientFor(three, "functions");
    await expect(bare.list("BackupSession")).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("backoff on 429/5xx through a fault-injecting proxy", () => {
  it("retries a 503 and a 429 honouring Retry-After, then succeeds", async () => {
    const proxy = await FaultProxy.start(one);
    try {
      const waits: number[] = [];
      const transport = await KubeTransport.create(proxy.kubeConfig(), {
        clusterId: one.id,
        sleep: async (ms) => void waits.push(ms),
      });
      const client = new KubeClient(transport);
      proxy.inject({ status: 503 });
      proxy.inject({ status: 429, retryAfterSeconds: 2 });
      const list = await client.list("BackupSession", { namespace: ns });
      expect(list.items.length).toBeGreaterThan(0);
      expect(proxy.seen.map((s) => s.status)).toEqual([503, 429, 200]);
      expect(waits[1]).toBe(2000);
      await transport.close();
    } finally {
      await proxy.stop();
    }
  });

  it("gives up with UnavailableError after bounded attempts", async () => {
    const proxy = await FaultProxy.start(one);
    try {
      const transport = await KubeTransport.create(proxy.kubeConfig(), {
        clusterId: one.id,
        maxAttempts: 3,
        sleep: async () => {},
      });
      proxy.inject({ status: 500 }, 5);
      await expect(new KubeClient(transport).list("BackupSession", { namespace: ns })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      expect(proxy.seen).toHaveLength(3);
      await transport.close();
    } finally {
      await proxy.stop();
    }
  });
});
