import { describe, expect, it } from "vitest";
import {
  decideOperatorPresence,
  type OperatorFootprintInput,
  operatorStateOf,
  operatorStatus,
  webhookServices,
} from "../../../shared/decide/operator/operator-presence.ts";
import {
  type BackupConfiguration,
  type CronJob,
  type Deployment,
  OperatorPresentCondition,
  type Webhook,
} from "../../../shared/model/index.ts";
import { endpointSliceFor, operatorFootprint } from "../../support/operator-footprint.ts";

/** The operator's footprint as an installation leaves it (test/fixtures/kubestash/operator), then variations. */

const NOW = new Date("2026-11-26T12:00:00Z");
const LATER = new Date("2026-11-26T12:05:00Z");

function installed(): OperatorFootprintInput {
  const f = operatorFootprint();
  return {
    deployments: f.deployments,
    webhookConfigurations: [f.validating],
    cronJobs: [f.cronJob],
    services: [f.service],
    endpointSlices: [endpointSliceFor(f.service)],
    clusterId: "cluster-1",
  };
}

/** After `helm uninstall`: the Deployments and the Service are gone, the hook webhook and the CronJobs stay. */
function uninstalled(): OperatorFootprintInput {
  return { ...installed(), deployments: [], services: [], endpointSlices: [] };
}

const NOTHING: OperatorFootprintInput = {
  deployments: [],
  webhookConfigurations: [],
  cronJobs: [],
  services: [],
  endpointSlices: [],
};

function withWebhooks(
  input: OperatorFootprintInput,
  change: (w: Webhook) => Webhook,
): OperatorFootprintInput {
  return {
    ...input,
    webhookConfigurations: input.webhookConfigurations.map((c) => ({
      ...c,
      webhooks: (c.webhooks ?? []).map(change),
    })),
  };
}

const plainDeployment: Deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", labels: { "app.kubernetes.io/name": "web" } },
};

const someonesCronJob: CronJob = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "trigger-report", namespace: "shop" },
  spec: {
    schedule: "0 * * * *",
    jobTemplate: { spec: { template: { spec: { containers: [{ name: "r", args: ["report"] }] } } } },
  },
};

describe("decideOperatorPresence", () => {
  it.each<[string, OperatorFootprintInput, string, RegExp | undefined]>([
    ["nothing of the operator in the cluster", NOTHING, "absent", undefined],
    [
      "the operator installed: its Deployments, its webhook with a ready server, a trigger CronJob",
      installed(),
      "present",
      /^The KubeStash operator is installed in this cluster \(Deployment kubestash\/kubestash-kubestash-operator-operator, kubestash\/kubestash-kubestash-operator-webhook-server; webhook kubestash-kubestash-operator\/vbackupsession\.kb\.io on BackupSessions; 1 trigger CronJob\(s\) \(demo\/trigger-cluster-resources-backup-frequent-backup\)\): it drives every BackupSession here and its CronJobs create them, so kubestash-serverless creates and drives none, and no session is backed up twice\. To hand the cluster over: uninstall the operator, then run `kss migrate --cluster cluster-1`/,
    ],
    [
      "only the operator's Deployments (no webhook, no configuration scheduled yet)",
      { ...NOTHING, deployments: installed().deployments },
      "present",
      /installed in this cluster \(Deployment .*-operator, .*-webhook-server\): it drives every BackupSession here, so/,
    ],
    [
      "uninstalled, its trigger CronJobs left and its webhook removed by hand",
      { ...uninstalled(), webhookConfigurations: [] },
      "present",
      /^The KubeStash operator's footprint is in this cluster \(1 trigger CronJob\(s\) .*\): it drives every BackupSession here and its CronJobs create them/,
    ],
    [
      "uninstalled with the webhook left (a Helm hook, not removed): its Service is gone",
      uninstalled(),
      "leftover-webhook",
      /^Leftover KubeStash validating webhook: ValidatingWebhookConfiguration kubestash-kubestash-operator \(webhook vbackupsession\.kb\.io, failurePolicy Fail\) calls Service kubestash\/kubestash-kubestash-operator-webhook, which does not exist\. The API server therefore rejects every BackupSession create and update in this cluster, so no session can be created or driven\. Remove it: `kubectl delete validatingwebhookconfiguration kubestash-kubestash-operator`, or `kss migrate --cluster cluster-1`/,
    ],
    [
      "the webhook's Service is there but none of its endpoints is ready",
      {
        ...uninstalled(),
        services: installed().services,
        endpointSlices: installed().services.map((s) => endpointSliceFor(s, false)),
      },
      "leftover-webhook",
      /calls Service kubestash\/kubestash-kubestash-operator-webhook, which has no ready endpoint\./,
    ],
    [
      "the webhook's Service has no EndpointSlice at all",
      { ...uninstalled(), services: installed().services, cronJobs: [] },
      "leftover-webhook",
      /which has no ready endpoint/,
    ],
    [
      "a leftover webhook with failurePolicy Ignore rejects nothing",
      withWebhooks({ ...uninstalled(), cronJobs: [] }, (w) => ({ ...w, failurePolicy: "Ignore" })),
      "absent",
      undefined,
    ],
    [
      "a webhook without failurePolicy (Kubernetes defaults it to Fail) whose Service is gone",
      withWebhooks({ ...uninstalled(), cronJobs: [] }, ({ failurePolicy: _, ...w }) => w),
      "leftover-webhook",
      /failurePolicy Fail/,
    ],
    [
      "a webhook called by URL: its server cannot be checked, so it counts as there",
      withWebhooks({ ...uninstalled(), cronJobs: [] }, (w) => ({
        ...w,
        clientConfig: { url: "https://kubestash.example.com/validate" },
      })),
      "present",
      /webhook kubestash-kubestash-operator\/vbackupsession\.kb\.io on BackupSessions/,
    ],
    [
      "the operator still installed but its webhook server down: present, and said that writes are rejected",
      { ...installed(), services: [] },
      "present",
      /Its webhook kubestash-kubestash-operator\/vbackupsession\.kb\.io calls Service kubestash\/kubestash-kubestash-operator-webhook, which does not exist: the API server rejects BackupSession writes meanwhile\./,
    ],
    [
      "someone else's Deployment and a CronJob named trigger-* that is not KubeStash's",
      { ...NOTHING, deployments: [plainDeployment], cronJobs: [someonesCronJob] },
      "absent",
      undefined,
    ],
    [
      "a trigger CronJob without an owner that runs the operator's trigger-backup",
      {
        ...NOTHING,
        cronJobs: [
          {
            ...installed().cronJobs[0],
            metadata: { name: "trigger-app-daily", namespace: "demo" },
          } as CronJob,
        ],
      },
      "present",
      /1 trigger CronJob\(s\) \(demo\/trigger-app-daily\)/,
    ],
    [
      "webhooks on other kubestash.com resources only (backupstorages, repositories) are not about sessions",
      withWebhooks({ ...uninstalled(), cronJobs: [] }, (w) => ({
        ...w,
        rules: [
          { apiGroups: ["storage.kubestash.com"], resources: ["backupstorages"], operations: ["CREATE"] },
        ],
      })),
      "absent",
      undefined,
    ],
    [
      "a webhook on every group and resource (*) watches BackupSessions too",
      withWebhooks({ ...uninstalled(), cronJobs: [] }, (w) => ({
        ...w,
        rules: [{ apiGroups: ["*"], resources: ["*"], operations: ["*"] }],
      })),
      "leftover-webhook",
      /ValidatingWebhookConfiguration kubestash-kubestash-operator \(webhook vbackupstorage\.kb\.io/,
    ],
  ])("%s → %s", (_, input, state, message) => {
    const presence = decideOperatorPresence(input);
    expect(presence.state).toBe(state);
    if (message) expect(presence.message).toMatch(message);
    else expect(presence.message).toBe("");
  });

  it("names what it found: Deployments, the BackupSession webhook with its server, the CronJobs and their owner", () => {
    expect(decideOperatorPresence(installed())).toMatchObject({
      deployments: [
        { namespace: "kubestash", name: "kubestash-kubestash-operator-operator" },
        { namespace: "kubestash", name: "kubestash-kubestash-operator-webhook-server" },
      ],
      webhooks: [
        {
          configuration: "kubestash-kubestash-operator",
          webhook: "vbackupsession.kb.io",
          failurePolicy: "Fail",
          service: { namespace: "kubestash", name: "kubestash-kubestash-operator-webhook" },
          server: "ready",
        },
      ],
      cronJobs: [
        {
          namespace: "demo",
          name: "trigger-cluster-resources-backup-frequent-backup",
          configuration: "cluster-resources-backup",
        },
      ],
    });
  });

  it("reads only the Services of webhooks on BackupSessions, each once", () => {
    expect(webhookServices(installed().webhookConfigurations)).toEqual([
      expect.objectContaining({ namespace: "kubestash", name: "kubestash-kubestash-operator-webhook" }),
    ]);
    expect(webhookServices([])).toEqual([]);
  });
});

describe("operatorStatus: the KubeStashOperatorPresent condition on a configuration", () => {
  const configuration = (status?: BackupConfiguration["status"]): BackupConfiguration => ({
    apiVersion: "core.kubestash.com/v1alpha1",
    kind: "BackupConfiguration",
    metadata: { name: "cluster-resources-backup", namespace: "demo" },
    spec: {},
    ...(status ? { status } : {}),
  });
  const condition = (config: BackupConfiguration | undefined) =>
    config?.status?.conditions?.find((c) => c.type === OperatorPresentCondition.type);

  it("is set True (OperatorInstalled) with the cluster's footprint and this configuration's CronJobs, once", () => {
    const presence = decideOperatorPresence(installed());
    const status = operatorStatus(presence, configuration({ phase: "Ready" }), NOW);
    expect(status?.phase).toBe("Ready");
    const set = condition(configuration(status));
    expect(set).toMatchObject({
      status: "True",
      reason: "OperatorInstalled",
      lastTransitionTime: "2026-11-26T12:00:00Z",
    });
    expect(set?.message).toMatch(
      /no session is backed up twice\..* This configuration's trigger CronJobs: trigger-cluster-resources-backup-frequent-backup\.$/,
    );
    // The next tick finds the same: nothing to write.
    expect(operatorStatus(presence, configuration(status), LATER)).toBeUndefined();
  });

  it("changes to LeftoverWebhook when the operator is uninstalled and its webhook stays", () => {
    const first = operatorStatus(decideOperatorPresence(installed()), configuration(), NOW);
    const next = operatorStatus(decideOperatorPresence(uninstalled()), configuration(first), LATER);
    expect(condition(configuration(next))).toMatchObject({
      status: "True",
      reason: "LeftoverWebhook",
      lastTransitionTime: "2026-11-26T12:00:00Z",
    });
  });

  it("turns False (OperatorRemoved) when the footprint is gone, and is not added where it never was", () => {
    const first = operatorStatus(decideOperatorPresence(installed()), configuration(), NOW);
    const gone = decideOperatorPresence(NOTHING);
    const cleared = operatorStatus(gone, configuration(first), LATER);
    expect(condition(configuration(cleared))).toMatchObject({
      status: "False",
      reason: "OperatorRemoved",
      lastTransitionTime: "2026-11-26T12:05:00Z",
    });
    expect(operatorStatus(gone, configuration(cleared), LATER)).toBeUndefined();
    expect(operatorStatus(gone, configuration({ phase: "Ready" }), NOW)).toBeUndefined();
  });

  it("is read back for the fleet view as the cluster's state", () => {
    const present = operatorStatus(decideOperatorPresence(installed()), configuration(), NOW);
    expect(operatorStateOf(configuration(present))).toMatchObject({
      state: "present",
      since: "2026-11-26T12:00:00Z",
    });
    const leftover = operatorStatus(decideOperatorPresence(uninstalled()), configuration(), NOW);
    expect(operatorStateOf(configuration(leftover))?.state).toBe("leftover-webhook");
    expect(operatorStateOf(configuration())).toBeUndefined();
  });
});
