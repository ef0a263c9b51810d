import { describe, expect, it } from "vitest";
import {
  executorComponents,
  type TargetWorkload,
} from "../../../shared/decide/session/executor-components.ts";
import { decideReconcile } from "../../../shared/decide/session/reconcile-session.ts";
import type {
  DaemonSet,
  Deployment,
  Pod,
  SessionConfig,
  StatefulSet,
  TypedObjectReference,
} from "../../../shared/model/index.ts";
import { atSeconds, configuration, NS, sessionConfig, world } from "../../support/session-world.ts";

/** One executor Job per pod of a workload target, as KubeStash does (docs/snapshot-completion.md#workload-targets). */

const mounts = (...names: string[]): SessionConfig =>
  sessionConfig({
    addon: {
      name: "pvc-addon",
      tasks: [
        {
          name: "logical-backup",
          targetVolumes: { volumeMounts: names.map((name) => ({ name, mountPath: `/source/${name}` })) },
        },
      ],
    },
  });

const template = {
  spec: {
    volumes: [
      { name: "config", configMap: { name: "app" } },
      { name: "logs", emptyDir: {} },
    ],
  },
};

const sts = (replicas?: number): StatefulSet => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db", namespace: NS },
  spec: {
    ...(replicas !== undefined ? { replicas } : {}),
    template,
    volumeClaimTemplates: [{ metadata: { name: "data" } }],
  },
});
const ds: DaemonSet = {
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name: "agent", namespace: NS },
  spec: { template },
};
const deploy: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: NS },
  spec: { template },
};
const pod = (name: string, nodeName?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: NS },
  spec: nodeName ? { nodeName } : {},
});
const ref = (kind: string, name: string): TypedObjectReference => ({
  apiGroup: "apps",
  kind,
  name,
  namespace: NS,
});
const found = (object: StatefulSet | DaemonSet | Deployment, pods: Pod[] = []): TargetWorkload => ({
  found: true,
  object,
  pods,
});

describe("executorComponents", () => {
  it.each<[string, TypedObjectReference | undefined, SessionConfig, TargetWorkload | undefined, unknown]>([
    ["no target (cluster resources): one Job", undefined, sessionConfig(), undefined, [{}]],
    [
      "a PVC: one Job",
      { kind: "PersistentVolumeClaim", name: "data", namespace: NS },
      sessionConfig(),
      undefined,
      [{}],
    ],
    [
      "a StatefulSet of 3: one Job per pod, dump-pod-<ordinal>, each mounting its own claim",
      ref("StatefulSet", "db"),
      mounts("data"),
      found(sts(3)),
      [0, 1, 2].map((i) => ({
        componentName: `dump-pod-${i}`,
        podOrdinal: i,
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: `data-db-${i}` } }],
      })),
    ],
    [
      "a StatefulSet whose ordinals start at 5: its pods and claims are 5 and 6",
      ref("StatefulSet", "db"),
      mounts("data"),
      found({ ...sts(2), spec: { ...sts(2).spec, ordinals: { start: 5 } } } as StatefulSet),
      [5, 6].map((i) => ({
        componentName: `dump-pod-${i}`,
        podOrdinal: i,
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: `data-db-${i}` } }],
      })),
    ],
    [
      "a StatefulSet without replicas: Kubernetes' default of 1",
      ref("StatefulSet", "db"),
      mounts("data", "config"),
      found(sts()),
      [
        {
          componentName: "dump-pod-0",
          podOrdinal: 0,
          volumes: [
            { name: "config", configMap: { name: "app" } },
            { name: "data", persistentVolumeClaim: { claimName: "data-db-0" } },
          ],
        },
      ],
    ],
    [
      "a DaemonSet: one Job per node its pods run on (sorted, each once), dump-<node>",
      ref("DaemonSet", "agent"),
      mounts("logs"),
      found(ds, [pod("a", "node-b"), pod("b", "node-a"), pod("c", "node-b"), pod("pending")]),
      ["node-a", "node-b"].map((n) => ({
        componentName: `dump-${n}`,
        nodeName: n,
        volumes: [{ name: "logs", emptyDir: {} }],
      })),
    ],
    [
      "a Deployment: one Job with the template's mounted volumes",
      ref("Deployment", "web"),
      mounts("config"),
      found(deploy),
      [{ volumes: [{ name: "config", configMap: { name: "app" } }] }],
    ],
  ])("%s", (_name, target, session, workload, expected) => {
    expect(executorComponents(target, session, workload)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, TypedObjectReference, TargetWorkload, string]>([
    ["a missing StatefulSet", ref("StatefulSet", "db"), { found: false }, `StatefulSet ${NS}/db not found`],
    [
      "a DaemonSet with no scheduled pod",
      ref("DaemonSet", "agent"),
      found(ds, [pod("pending")]),
      `DaemonSet ${NS}/agent has no pod on any node`,
    ],
  ])("fails with a message: %s", (_name, target, workload, message) => {
    expect(executorComponents(target, sessionConfig(), workload)).toEqual({ ok: false, message });
  });
});

describe("a session of a StatefulSet target", () => {
  it("creates one executor Job per pod with COMPONENT_NAME, and expects that many components", () => {
    const config = configuration(mounts("data"));
    config.spec.target = ref("StatefulSet", "db");
    const { actions } = decideReconcile(
      world({ configuration: config, targetWorkload: found(sts(3)) }),
      atSeconds(5),
    );
    const jobs = actions.flatMap((a) => (a.type === "create-job" ? [a.job] : []));
    expect(jobs.map((j) => j.metadata.name)).toEqual(
      [0, 1, 2].map((i) => `upload-app-backup-daily-1795694400-dump-pod-${i}`),
    );
    const containers = jobs.map(
      (j) => (j.spec.template.spec as { containers: Array<{ env?: unknown }> }).containers[0],
    );
    expect(containers.map((c) => c?.env)).toEqual(
      [0, 1, 2].map((i) => [{ name: "COMPONENT_NAME", value: `dump-pod-${i}` }]),
    );
    const creation = actions.find((a) => a.type === "update-snapshot-status");
    expect(creation).toMatchObject({ update: { set: { totalComponents: 3 } } });
  });

  it("a StatefulSet that does not exist → BackupExecutorEnsured False naming it", () => {
    const config = configuration(mounts("data"));
    config.spec.target = ref("StatefulSet", "db");
    const { status } = decideReconcile(
      world({ configuration: config, targetWorkload: { found: false } }),
      atSeconds(5),
    );
    expect(status.conditions?.find((c) => c.type === "BackupExecutorEnsured")).toMatchObject({
      status: "False",
      message: `StatefulSet ${NS}/db not found`,
    });
  });
});
