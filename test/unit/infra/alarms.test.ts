import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const alarms = require("../../../infra/alarms.cjs") as (file?: string) => {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

describe("infra/alarms.cjs: CloudWatch alarms per cluster of the registry", () => {
  it("makes an overdue, a failure, a failed-verification and an RPO-at-risk alarm per enabled cluster, on the dimensions the functions publish", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "kss-alarms-"));
    const file = path.join(dir, "clusters.yaml");
    await writeFile(
      file,
      "clusters:\n  - { id: prod-eu, credentials: { source: eks, clusterName: p, region: eu-west-1 } }\n  - { id: old, enabled: false, credentials: { source: kubeconfig, path: k } }\n",
    );
    const { Resources } = alarms(file);
    const byType = Object.entries(Resources).filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm");
    expect(byType.map(([id]) => id).sort()).toEqual([
      "AlarmprodeuFailed",
      "AlarmprodeuOverdue",
      "AlarmprodeuRPOAtRisk",
      "AlarmprodeuVerificationFailed",
    ]);
    expect(Resources.AlarmprodeuOverdue?.Properties).toMatchObject({
      Namespace: "KubestashServerless",
      MetricName: "OverdueSchedules",
      Dimensions: [
        { Name: "service", Value: "kubestash-serverless" },
        { Name: "function", Value: "create-sessions" },
        { Name: "cluster", Value: "prod-eu" },
      ],
      AlarmActions: [{ Ref: "AlarmTopic" }],
    });
    expect(Resources.AlarmprodeuFailed?.Properties).toMatchObject({ MetricName: "SessionsFailed" });
    expect(Resources.AlarmprodeuRPOAtRisk?.Properties).toMatchObject({
      AlarmName: "kubestash-serverless-prod-eu-RPOAtRisk",
      MetricName: "RPOAtRisk",
      Dimensions: [
        { Name: "service", Value: "kubestash-serverless" },
        { Name: "function", Value: "create-sessions" },
        { Name: "cluster", Value: "prod-eu" },
      ],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    expect(Resources.AlarmprodeuVerificationFailed?.Properties).toMatchObject({
      MetricName: "VerificationsFailed",
      Dimensions: [
        { Name: "service", Value: "kubestash-serverless" },
        { Name: "function", Value: "reconcile-session" },
        { Name: "cluster", Value: "prod-eu" },
      ],
    });
  });

  it("makes only the topic when there is no registry file", () => {
    expect(Object.keys(alarms(path.join(os.tmpdir(), "no-such-registry.yaml")).Resources)).toEqual([
      "AlarmTopic",
    ]);
  });
});
