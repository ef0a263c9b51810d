import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import {
  CloudFormationClient,
  CreateStackCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
  type StackResourceSummary,
  type StackSummary,
  UpdateStackCommand,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from "@aws-sdk/client-eventbridge";
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { GetFunctionCommand, LambdaClient, ListEventSourceMappingsCommand } from "@aws-sdk/client-lambda";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { functionNames } from "../../scripts/bundle-functions.ts";
import {
  type CfnLintMatch,
  type CfnResource,
  type CfnTemplate,
  cfnLint,
  iamActionOf,
  motoCloudFormationTypes,
  type PackagedService,
  packageService,
  sdkCallsOf,
  signingNameOf,
} from "../support/deploy-artefact.ts";
import { MOTO_REGION, motoClientConfig } from "../support/moto.ts";

/**
 * The deploy artefact (`npm run package`: esbuild bundles + `osls package`) checked by the tools AWS users run
 * on it: cfn-lint on its CloudFormation; the stack deployed into moto's CloudFormation the way `osls deploy`
 * does it (the create-stack template makes the deployment bucket, the zips are uploaded to it, the
 * update-stack template makes the rest); and each function's IAM policy compared with the AWS calls its code
 * makes, both ways.
 */

const { endpoint } = inject("moto");
const aws = motoClientConfig(endpoint);
let artefact: PackagedService;

beforeAll(async () => {
  artefact = await packageService(MOTO_REGION);
}, 300_000);

afterAll(async () => {
  if (artefact) await rm(artefact.workDir, { recursive: true, force: true });
});

const resourcesOf = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
function target(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as { Ref?: string; "Fn::GetAtt"?: [string, string] };
  return v.Ref ?? v["Fn::GetAtt"]?.[0];
}

/** `/<account>/<queue name>` of a queue URL, whichever host it names. */
const queuePath = (url: string | undefined) => new URL(url ?? "http://none/").pathname;

/** The serverless.yml function name of a Lambda function resource (from its handler `dist/<name>/…`). */
function functionOf(resource: CfnResource): string {
  const handler = String(resource.Properties?.Handler ?? "");
  return handler.split("/")[1] ?? handler;
}

describe("cfn-lint on the packaged CloudFormation", () => {
  const summary = (matches: CfnLintMatch[]) =>
    matches.map((m) => `${m.Level} ${m.Rule.Id} ${m.Location.Path.join("/")}: ${m.Message}`);

  it("reports 0 errors on the update-stack and create-stack templates (warnings listed)", async () => {
    for (const file of [artefact.updateTemplatePath, artefact.createTemplatePath]) {
      const matches = await cfnLint(file);
      const errors = matches.filter((m) => m.Level === "Error");
      const warnings = matches.filter((m) => m.Level !== "Error");
      process.stderr.write(
        `[cfn-lint] ${path.basename(file)}: ${errors.length} errors, ${warnings.length} warnings/informational\n${summary(warnings).join("\n")}\n`,
      );
      expect(summary(errors), path.basename(file)).toEqual([]);
    }
  });

  it("lints the template with the per-cluster alarms in it (a registry was packaged)", () => {
    expect(resourcesOf(artefact.update, "AWS::CloudWatch::Alarm").length).toBeGreaterThanOrEqual(2);
  });
});

/**
 * Resource types of the template that moto 5's CloudFormation does not implement: `parse_resource`
 * (moto/cloudformation/parsing.py) finds no model for them, warns "not supported by moto's CloudFormation
 * implementation" and skips them, so the stack completes without them. moto has a Pipes API (moto/pipes) but
 * its Pipe is no CloudFormation model. The test asserts every other resource, and that exactly these are
 * the ones missing (a newer moto that implements one fails this list, to be shortened).
 */
const NOT_IN_MOTO_CLOUDFORMATION = [
  "AWS::CloudWatch::Alarm",
  "AWS::Events::EventBusPolicy",
  "AWS::Lambda::EventInvokeConfig",
  "AWS::Lambda::Url",
  "AWS::Pipes::Pipe",
  "AWS::S3::BucketPolicy",
];

describe(`the stack in moto's CloudFormation, as osls deploy makes it (moto lacks ${NOT_IN_MOTO_CLOUDFORMATION.join(", ")}: those are not created there)`, () => {
  const stackName = `kss-artefact-${Date.now().toString(36)}`;
  const cfn = new CloudFormationClient(aws);
  let resources: StackResourceSummary[] = [];
  let statuses: { create: string; update: string };

  /**
   * The stack's status once it is no longer in progress. Read with ListStacks: moto's DescribeStacks fails
   * on this stack ("Fn::GetAtt references undefined resource FleetDashdashboardLambdaFunctionUrl"), since it
   * evaluates the Outputs and the function URL is one of the resources it skipped.
   */
  async function settle(): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const summaries: StackSummary[] = [];
      let token: string | undefined;
      do {
        const page = await cfn.send(new ListStacksCommand({ NextToken: token }));
        summaries.push(...(page.StackSummaries ?? []));
        token = page.NextToken;
      } while (token);
      const stack = summaries.find((s) => s.StackName === stackName && s.StackStatus !== "DELETE_COMPLETE");
      const status = stack?.StackStatus ?? "";
      if (!status.endsWith("_IN_PROGRESS"))
        return `${status}${stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : ""}`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`stack ${stackName} still in progress after 60 s`);
  }

  async function stackResources(): Promise<StackResourceSummary[]> {
    const all: StackResourceSummary[] = [];
    let token: string | undefined;
    do {
      const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
      all.push(...(page.StackResourceSummaries ?? []));
      token = page.NextToken;
    } while (token);
    return all;
  }

  const physicalId = (logicalId: string) =>
    resources.find((r) => r.LogicalResourceId === logicalId)?.PhysicalResourceId ?? "";

  beforeAll(async () => {
    // 1. create-stack: the deployment bucket only.
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify(artefact.create),
        Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
      }),
    );
    const create = await settle();
    resources = await stackResources();
    // 2. The packaged zips, at the keys the update-stack template names, in that bucket.
    const bucket = physicalId("ServerlessDeploymentBucket");
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    for (const [, fn] of resourcesOf(artefact.update, "AWS::Lambda::Function")) {
      const code = fn.Properties?.Code as { S3Bucket: unknown; S3Key: string };
      expect(target(code.S3Bucket)).toBe("ServerlessDeploymentBucket");
      const zip = await readFile(path.join(artefact.outDir, path.basename(code.S3Key)));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: code.S3Key, Body: zip }));
    }
    // 3. update-stack: everything.
    await cfn.send(
      new UpdateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify(artefact.update),
        Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
      }),
    );
    const update = await settle();
    statuses = { create, update };
    resources = await stackResources();
  }, 120_000);

  it("create-stack ends CREATE_COMPLETE with the deployment bucket; update-stack ends UPDATE_COMPLETE", () => {
    expect(statuses).toEqual({ create: "CREATE_COMPLETE", update: "UPDATE_COMPLETE" });
  });

  it("every resource of a type moto implements is in the stack and complete; exactly the named types are not", async () => {
    const implemented = await motoCloudFormationTypes();
    // HasTriggerAccounts is false while serverless.yml lists no trigger accounts: its resources are not made.
    const active = Object.entries(artefact.update.Resources).filter(
      ([, r]) => r.Condition !== "HasTriggerAccounts",
    );
    const missingTypes = [...new Set(Object.values(artefact.update.Resources).map((r) => r.Type))]
      .filter((t) => !implemented.has(t))
      .sort();
    expect(missingTypes).toEqual(NOT_IN_MOTO_CLOUDFORMATION);
    const expected = active.filter(([, r]) => implemented.has(r.Type)).map(([id, r]) => [id, r.Type]);
    const inStack = resources.map((r) => [r.LogicalResourceId, r.ResourceType]);
    expect(inStack.sort()).toEqual(expect.arrayContaining(expected.sort()));
    for (const r of resources)
      expect(r.ResourceStatus, r.LogicalResourceId).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    const skipped = resources.filter((r) => NOT_IN_MOTO_CLOUDFORMATION.includes(r.ResourceType ?? ""));
    expect(skipped).toEqual([]);
  });

  it("the bus exists, and each rule of the template is on it (or on the default bus, for schedules) with its pattern and its function as target", async () => {
    const events = new EventBridgeClient(aws);
    const busName = String(resourcesOf(artefact.update, "AWS::Events::EventBus")[0]?.[1].Properties?.Name);
    expect(busName).toBe("kubestash-serverless-dev");
    expect((await events.send(new DescribeEventBusCommand({ Name: busName }))).Name).toBe(busName);
    const rules = resourcesOf(artefact.update, "AWS::Events::Rule");
    expect(rules.length).toBeGreaterThanOrEqual(9);
    const lambda = new LambdaClient(aws);
    for (const [id, rule] of rules) {
      const props = rule.Properties as {
        EventBusName?: unknown;
        EventPattern?: unknown;
        ScheduleExpression?: string;
        Targets: Array<{ Arn: unknown }>;
      };
      const onBus = props.EventBusName === undefined ? "default" : busName;
      const live = (await events.send(new ListRulesCommand({ EventBusName: onBus }))).Rules ?? [];
      const name = physicalId(id);
      const found = live.find((r) => r.Name === name || r.Arn === name);
      expect(found, `${id} on ${onBus}`).toBeDefined();
      if (props.EventPattern) expect(JSON.parse(found?.EventPattern ?? "{}"), id).toEqual(props.EventPattern);
      if (props.ScheduleExpression) expect(found?.ScheduleExpression).toBe(props.ScheduleExpression);
      const targets = (
        await events.send(new ListTargetsByRuleCommand({ Rule: found?.Name, EventBusName: onBus }))
      ).Targets;
      const fn = await lambda.send(
        new GetFunctionCommand({ FunctionName: physicalId(target(props.Targets[0]?.Arn) ?? "") }),
      );
      expect(
        targets?.map((t) => t.Arn),
        id,
      ).toEqual([fn.Configuration?.FunctionArn]);
    }
  });

  it("the queues exist with the template's retention, visibility and redrive to the dead-letter queue", async () => {
    const sqs = new SQSClient(aws);
    const queues = resourcesOf(artefact.update, "AWS::SQS::Queue");
    expect(queues.map(([id]) => id).sort()).toEqual([
      "DeadLetterQueue",
      "RetryFollowUpQueue",
      "SessionFollowUpQueue",
    ]);
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: physicalId("DeadLetterQueue"),
        AttributeNames: ["QueueArn"],
      }),
    );
    for (const [id, queue] of queues) {
      const props = queue.Properties as {
        QueueName: string;
        MessageRetentionPeriod?: number;
        VisibilityTimeout?: number;
        RedrivePolicy?: { maxReceiveCount: number };
      };
      const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: props.QueueName }))).QueueUrl;
      // The stack's Ref is the queue's canonical URL (https://sqs.<region>.amazonaws.com/…), moto's API answers
      // with its own host: the same account and name.
      expect(queuePath(url)).toBe(queuePath(physicalId(id)));
      const attributes =
        (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] })))
          .Attributes ?? {};
      expect(attributes.MessageRetentionPeriod, id).toBe(String(props.MessageRetentionPeriod));
      if (props.VisibilityTimeout)
        expect(attributes.VisibilityTimeout, id).toBe(String(props.VisibilityTimeout));
      if (props.RedrivePolicy) {
        expect(JSON.parse(attributes.RedrivePolicy ?? "{}"), id).toEqual({
          deadLetterTargetArn: dlq.Attributes?.QueueArn,
          maxReceiveCount: props.RedrivePolicy.maxReceiveCount,
        });
      }
    }
  });

  it("each role exists with the template's trust, managed policies and inline policies", async () => {
    const iam = new IAMClient(aws);
    const roles = resourcesOf(artefact.update, "AWS::IAM::Role");
    expect(roles).toHaveLength(functionNames().length + 1); // one per function, one for the pipe
    for (const [id, role] of roles) {
      const props = role.Properties as {
        AssumeRolePolicyDocument: unknown;
        Policies: Array<{ PolicyName: string; PolicyDocument: { Statement: unknown[] } }>;
        ManagedPolicyArns?: string[];
      };
      const roleName = physicalId(id);
      const live = await iam.send(new GetRoleCommand({ RoleName: roleName }));
      expect(JSON.parse(decodeURIComponent(live.Role?.AssumeRolePolicyDocument ?? "{}"))).toEqual(
        props.AssumeRolePolicyDocument,
      );
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
      expect(names.sort(), id).toEqual(props.Policies.map((p) => p.PolicyName).sort());
      for (const policy of props.Policies) {
        const document = (
          await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policy.PolicyName }))
        ).PolicyDocument;
        // moto answers with str() of the Python dict it stored for a role made by CloudFormation (single quotes);
        // the policies hold no quote of their own, so swapping them gives the JSON document.
        const text = decodeURIComponent(document ?? "{}");
        const statements = (
          JSON.parse(text.startsWith("{'") ? text.replaceAll("'", '"') : text) as {
            Statement: Array<{ Action: unknown }>;
          }
        ).Statement;
        expect(
          statements.map((s) => s.Action),
          `${id}/${policy.PolicyName}`,
        ).toEqual(policy.PolicyDocument.Statement.map((s) => (s as { Action: unknown }).Action));
      }
    }
  });

  it("each function exists with its runtime, handler, role, code (the packaged zip) and environment resolved to the real queue URLs", async () => {
    const lambda = new LambdaClient(aws);
    const functions = resourcesOf(artefact.update, "AWS::Lambda::Function");
    expect(functions.map(([, r]) => functionOf(r)).sort()).toEqual(functionNames());
    const iam = new IAMClient(aws);
    for (const [id, resource] of functions) {
      const props = resource.Properties as { Role: unknown; Code: { S3Key: string }; Handler: string };
      const live = (await lambda.send(new GetFunctionCommand({ FunctionName: physicalId(id) })))
        .Configuration;
      const role = (await iam.send(new GetRoleCommand({ RoleName: physicalId(target(props.Role) ?? "") })))
        .Role;
      const zip = await readFile(path.join(artefact.outDir, path.basename(props.Code.S3Key)));
      expect(live, id).toMatchObject({
        Runtime: "nodejs22.x",
        Handler: props.Handler,
        Role: role?.Arn,
        CodeSize: zip.length,
      });
      // moto's CloudFormation drops Architectures (LambdaFunction.create_from_cloudformation_json passes only
      // Description, MemorySize, Publish, Timeout, VpcConfig, Environment, ReservedConcurrentExecutions), so the
      // live function says x86_64; the template asks for arm64.
      expect((resource.Properties as { Architectures?: string[] }).Architectures).toEqual(["arm64"]);
      const variables = live?.Environment?.Variables ?? {};
      expect(variables).toMatchObject({
        KSS_EVENT_BUS_NAME: "kubestash-serverless-dev",
        KSS_DEAD_LETTER_QUEUE_URL: physicalId("DeadLetterQueue"),
        KSS_SESSION_FOLLOW_UP_QUEUE_URL: physicalId("SessionFollowUpQueue"),
        KSS_RETRY_FOLLOW_UP_QUEUE_URL: physicalId("RetryFollowUpQueue"),
        KSS_CLUSTER_REGISTRY: "clusters.yaml",
      });
      expect(queuePath(variables.KSS_DEAD_LETTER_QUEUE_URL)).toBe(
        `/123456789012/kubestash-serverless-dev-dead-letters`,
      );
    }
    const mappings = (await lambda.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings ?? [];
    const sqs = new SQSClient(aws);
    const followUps = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: physicalId("SessionFollowUpQueue"),
        AttributeNames: ["QueueArn"],
      }),
    );
    const reconcile = await lambda.send(
      new GetFunctionCommand({ FunctionName: physicalId("ReconcileDashsessionLambdaFunction") }),
    );
    expect(mappings.filter((m) => m.EventSourceArn === followUps.Attributes?.QueueArn)).toEqual([
      expect.objectContaining({ FunctionArn: reconcile.Configuration?.FunctionArn, BatchSize: 10 }),
    ]);
  });
});

/**
 * What a function's role must allow beside its code's calls, from its triggers in the template: an SQS event
 * source is polled with the function's role (sqs:ReceiveMessage, sqs:DeleteMessage, sqs:GetQueueAttributes,
 * AWS's Lambda SQS guide), and an on-failure destination on SQS is written with it (sqs:SendMessage).
 */
function platformActions(template: CfnTemplate, functionLogicalId: string): string[] {
  const actions: string[] = [];
  const isQueue = (id: string | undefined) =>
    id !== undefined && template.Resources[id]?.Type === "AWS::SQS::Queue";
  for (const [, mapping] of resourcesOf(template, "AWS::Lambda::EventSourceMapping")) {
    if (target(mapping.Properties?.FunctionName) !== functionLogicalId) continue;
    if (isQueue(target(mapping.Properties?.EventSourceArn)))
      actions.push("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes");
  }
  for (const [, config] of resourcesOf(template, "AWS::Lambda::EventInvokeConfig")) {
    if (target(config.Properties?.FunctionName) !== functionLogicalId) continue;
    const destination = (config.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } })
      ?.OnFailure?.Destination;
    if (isQueue(target(destination))) actions.push("sqs:SendMessage");
  }
  return actions;
}

/** Every action the role's inline policies allow. */
function roleActions(template: CfnTemplate, roleLogicalId: string): string[] {
  const role = template.Resources[roleLogicalId];
  const policies = (role?.Properties?.Policies ?? []) as Array<{
    PolicyDocument: { Statement: Array<{ Effect: string; Action: string | string[] }> };
  }>;
  return policies.flatMap((p) =>
    p.PolicyDocument.Statement.filter((s) => s.Effect === "Allow").flatMap((s) =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    ),
  );
}

describe("the packaged registry's Secrets Manager credentials are ones the roles may read", () => {
  it("every secretsManager secretId of clusters.yaml (from local/clusters.example.yaml) is within each role's GetSecretValue resource", async () => {
    const registry = parse(await readFile(path.join(artefact.workDir, "clusters.yaml"), "utf8")) as {
      clusters: Array<{ id: string; credentials: { source: string; secretId?: string } }>;
    };
    const secretIds = registry.clusters
      .filter((c) => c.credentials.source === "secretsManager")
      .map((c) => c.credentials.secretId ?? "");
    expect(secretIds.length).toBeGreaterThan(0);
    for (const [, fn] of resourcesOf(artefact.update, "AWS::Lambda::Function")) {
      const roleId = target(fn.Properties?.Role) ?? "";
      const statements = (
        (artefact.update.Resources[roleId]?.Properties?.Policies ?? []) as Array<{
          PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
        }>
      ).flatMap((p) => p.PolicyDocument.Statement);
      const resources = statements
        .filter((s) => [s.Action].flat().includes("secretsmanager:GetSecretValue"))
        .map((s) => JSON.stringify(s.Resource));
      if (resources.length === 0) continue; // schedule-tick reads no cluster
      const prefixes = resources.map((r) => /:secret:([^"*]*)\*"/.exec(r)?.[1] ?? "<none>");
      for (const id of secretIds) {
        const name = id.startsWith("arn:") ? id.slice(id.indexOf(":secret:") + ":secret:".length) : id;
        expect(
          prefixes.some((p) => name.startsWith(p)),
          `${functionOf(fn)} may not read ${id} (${prefixes})`,
        ).toBe(true);
      }
    }
  });
});

describe("each function's IAM policy holds only the actions its code calls", () => {
  it.each(functionNames())(
    "%s: the role's actions are exactly its bundle's AWS SDK calls plus what its triggers need",
    async (fn) => {
      // Prepare: the function's resource and role in the packaged template.
      const [logicalId, resource] =
        resourcesOf(artefact.update, "AWS::Lambda::Function").find(([, r]) => functionOf(r) === fn) ?? [];
      if (!logicalId || !resource) throw new Error(`${fn} is not in the template`);
      const roleId = target(resource.Properties?.Role) ?? "";
      // Act: what the code calls, from its import graph.
      const calls = await sdkCallsOf(fn);
      const codeActions = await Promise.all(
        calls.map(async (c) => iamActionOf(await signingNameOf(c.clientPackage), c.operation)),
      );
      const needed = [...new Set([...codeActions, ...platformActions(artefact.update, logicalId)])].sort();
      process.stderr.write(
        `[iam] ${fn}: code ${calls.map((c) => `${c.operation} (${c.file})`).join(", ") || "none"}; needs ${needed.join(", ")}\n`,
      );
      const granted = [...new Set(roleActions(artefact.update, roleId))].sort();
      // Assess: nothing missing, nothing extra; logs only through AWS's basic execution policy.
      expect({ fn, granted }).toEqual({ fn, granted: needed });
      expect(artefact.update.Resources[roleId]?.Properties?.ManagedPolicyArns).toEqual([
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
      ]);
    },
  );
});
