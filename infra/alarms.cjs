// CloudWatch alarms per managed cluster, generated at package time from the cluster registry (clusters.yaml):
// one on overdue schedules, one on failed sessions, one on failed verified restores and one on sessions at RPO risk
// (docs/rpo.md#the-alarm), on the EMF metrics the functions publish with the
// dimensions service / function / cluster. serverless.yml includes this file under `resources`.
const { existsSync, readFileSync } = require("node:fs");
const path = require("node:path");
const { parse } = require("yaml");

const SERVICE = "kubestash-serverless";
const NAMESPACE = "KubestashServerless";

function clusterIds(registryFile) {
  if (!existsSync(registryFile)) return [];
  const registry = parse(readFileSync(registryFile, "utf8")) ?? {};
  return (registry.clusters ?? [])
    .filter((c) => c && typeof c.id === "string" && c.enabled !== false)
    .map((c) => c.id);
}

function alarm(clusterId, metric, fn, description) {
  return {
    Type: "AWS::CloudWatch::Alarm",
    Properties: {
      AlarmName: `${SERVICE}-${clusterId}-${metric}`,
      AlarmDescription: `${description} on cluster ${clusterId}`,
      Namespace: NAMESPACE,
      MetricName: metric,
      Dimensions: [
        { Name: "service", Value: SERVICE },
        { Name: "function", Value: fn },
        { Name: "cluster", Value: clusterId },
      ],
      Statistic: "Sum",
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      AlarmActions: [{ Ref: "AlarmTopic" }],
    },
  };
}

function logicalId(clusterId, suffix) {
  return `Alarm${clusterId.replace(/[^A-Za-z0-9]/g, "")}${suffix}`;
}

const REGISTRY = path.join(__dirname, "..", "clusters.yaml");

/**
 * Resources for serverless.yml: an SNS topic for the alarms, and four alarms per enabled cluster. The Serverless
 * Framework calls this with its resolver; tests call it with a registry file.
 */
module.exports = (registryFile) => {
  const file = typeof registryFile === "string" ? registryFile : REGISTRY;
  const Resources = {
    AlarmTopic: { Type: "AWS::SNS::Topic", Properties: { TopicName: `${SERVICE}-alarms` } },
  };
  for (const id of clusterIds(file)) {
    Resources[logicalId(id, "Overdue")] = alarm(
      id,
      "OverdueSchedules",
      "create-sessions",
      "A backup schedule is overdue",
    );
    Resources[logicalId(id, "Failed")] = alarm(
      id,
      "SessionsFailed",
      "reconcile-session",
      "BackupSessions failed",
    );
    // docs/verification.md#events: a Snapshot that did not restore or did not pass its check.
    Resources[logicalId(id, "VerificationFailed")] = alarm(
      id,
      "VerificationsFailed",
      "reconcile-session",
      "Backup verifications (test restores) failed",
    );
    // docs/rpo.md#the-alarm: each Schedule Tick counts the sessions at or above their RPO alarm level.
    Resources[logicalId(id, "RPOAtRisk")] = alarm(
      id,
      "RPOAtRisk",
      "create-sessions",
      "A backup's RPO risk level reached its alarm level",
    );
  }
  return { Resources };
};
