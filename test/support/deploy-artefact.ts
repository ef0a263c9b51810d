import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import ts from "typescript";
import { buildFunctions, functionNames, NODE_BUNDLE_OPTIONS } from "../../scripts/bundle-functions.ts";
import { PROJECT_ROOT } from "./kube.ts";

/**
 * The deploy artefact as `npm run package` makes it, and what the tools AWS users run make of it: cfn-lint
 * on its CloudFormation, and the AWS calls each function's code can make (from its bundle's import graph).
 */

const run = promisify(execFile);

export interface CfnResource {
  Type: string;
  Condition?: string;
  DependsOn?: string[];
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

export interface PackagedService {
  /** The project copy it was packaged in (serverless.yml, infra/, a registry, bundles; node_modules linked). */
  workDir: string;
  /** `osls package --package` output: the zips and both CloudFormation templates. */
  outDir: string;
  createTemplatePath: string;
  updateTemplatePath: string;
  create: CfnTemplate;
  update: CfnTemplate;
}

/** `osls package` of the project in `cwd`, offline (no AWS credentials, no telemetry), into `outDir`. */
export async function oslsPackage(
  cwd: string,
  outDir: string,
  extraArgs: readonly string[] = [],
): Promise<void> {
  await run(
    path.join(PROJECT_ROOT, "node_modules/.bin/osls"),
    ["package", "--package", outDir, ...extraArgs],
    {
      cwd,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: "offline",
        AWS_SECRET_ACCESS_KEY: "offline",
        SLS_TELEMETRY_DISABLED: "1",
      },
      timeout: 180_000,
    },
  );
}

/**
 * `npm run package` in a copy of the project (so the shared dist/ and a developer's clusters.yaml are left
 * alone): the functions bundled into its dist/, local/clusters.example.yaml as its clusters.yaml (so the
 * per-cluster alarms are in the template too), then `osls package` offline for `region`.
 */
export async function packageService(region: string): Promise<PackagedService> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "kss-artefact-"));
  await buildFunctions(functionNames(), path.join(workDir, "dist"));
  await cp(path.join(PROJECT_ROOT, "serverless.yml"), path.join(workDir, "serverless.yml"));
  await cp(path.join(PROJECT_ROOT, "package.json"), path.join(workDir, "package.json"));
  await cp(path.join(PROJECT_ROOT, "infra"), path.join(workDir, "infra"), { recursive: true });
  await cp(path.join(PROJECT_ROOT, "local/clusters.example.yaml"), path.join(workDir, "clusters.yaml"));
  await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(workDir, "node_modules"), "dir");
  const outDir = path.join(workDir, ".serverless");
  await oslsPackage(workDir, outDir, ["--region", region]);
  const createTemplatePath = path.join(outDir, "cloudformation-template-create-stack.json");
  const updateTemplatePath = path.join(outDir, "cloudformation-template-update-stack.json");
  return {
    workDir,
    outDir,
    createTemplatePath,
    updateTemplatePath,
    create: JSON.parse(await readFile(createTemplatePath, "utf8")),
    update: JSON.parse(await readFile(updateTemplatePath, "utf8")),
  };
}

export interface CfnLintMatch {
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> };
}

/** `cfn-lint --format json <file>` with the Python moto runs on; every match it reports. */
export async function cfnLint(file: string): Promise<CfnLintMatch[]> {
  const python = process.env.MOTO_PYTHON ?? "python3";
  const script =
    "import sys; from cfnlint.runner import main; sys.argv = ['cfn-lint', *sys.argv[1:]]; main()";
  try {
    const { stdout } = await run(python, ["-c", script, "--format", "json", file], { timeout: 120_000 });
    return JSON.parse(stdout || "[]");
  } catch (error) {
    // cfn-lint exits non-zero when it reports anything (2 errors, 4 warnings, 8 informational; or-ed).
    const { stdout, stderr, code } = error as { stdout?: string; stderr?: string; code?: unknown };
    if (typeof code === "number" && code < 16 && stdout) return JSON.parse(stdout);
    throw new Error(
      `cfn-lint did not run (${String(code)}): ${String(stderr ?? error).trim()}; install it with: python3 -m pip install cfn-lint`,
      { cause: error },
    );
  }
}

/** The resource types moto's CloudFormation creates; any other type it skips with a warning (parsing.py). */
export async function motoCloudFormationTypes(): Promise<Set<string>> {
  const python = process.env.MOTO_PYTHON ?? "python3";
  const script =
    "import json; from moto.cloudformation.parsing import get_model_map; print(json.dumps(sorted(get_model_map())))";
  const { stdout } = await run(python, ["-c", script], { timeout: 60_000 });
  return new Set(JSON.parse(stdout) as string[]);
}

/** An AWS SDK command a function's code can send: the client package and the command's operation. */
export interface SdkCall {
  clientPackage: string;
  operation: string;
  /** The project file that imports it. */
  file: string;
}

/**
 * The AWS SDK commands each function's code can send, from its bundle's import graph: esbuild bundles the
 * handler with the project's own options (NODE_BUNDLE_OPTIONS) and a metafile; every project source file that
 * contributes code to the bundle is read, and each `XCommand` it imports (as a value) from an
 * `@aws-sdk/client-*` package is one call. Credential providers (`@aws-sdk/credential-provider-*`) call STS /
 * SSO only to obtain the role's own credentials, which needs no permission of the role; the EKS token
 * (shared/clusters/eks-token.ts) is a presigned sts:GetCallerIdentity, which no IAM policy can deny.
 */
export async function sdkCallsOf(fn: string): Promise<SdkCall[]> {
  const result = await build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: [path.join(PROJECT_ROOT, "functions", fn, "handler.ts")],
    outfile: path.join(os.tmpdir(), `kss-metafile-${fn}.mjs`),
    absWorkingDir: PROJECT_ROOT,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new Error(`esbuild produced no output for ${fn}`);
  const files = Object.entries(output.inputs)
    .filter(([file, contribution]) => !file.includes("node_modules/") && contribution.bytesInOutput > 0)
    .map(([file]) => path.resolve(PROJECT_ROOT, file))
    .filter((file) => file.endsWith(".ts"));
  const calls: SdkCall[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, await readFile(file, "utf8"), ts.ScriptTarget.Latest, false);
    for (const statement of source.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const from = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!from.startsWith("@aws-sdk/client-") || !clause || clause.isTypeOnly) continue;
      const bindings = clause.namedBindings;
      // A default or namespace import would hide which commands are used: refuse rather than miss one.
      if (clause.name || (bindings && !ts.isNamedImports(bindings)))
        throw new Error(`${path.relative(PROJECT_ROOT, file)} imports ${from} other than by name`);
      if (!bindings) continue;
      for (const element of bindings.elements) {
        const name = (element.propertyName ?? element.name).text;
        if (element.isTypeOnly || !/^[A-Z]\w*Command$/.test(name)) continue;
        calls.push({
          clientPackage: from,
          operation: name.slice(0, -"Command".length),
          file: path.relative(PROJECT_ROOT, file),
        });
      }
    }
  }
  return calls;
}

/** The IAM service prefix of an SDK client: the SigV4 signing name its auth scheme provider declares. */
export async function signingNameOf(clientPackage: string): Promise<string> {
  const file = path.join(
    PROJECT_ROOT,
    "node_modules",
    clientPackage,
    "dist-es/auth/httpAuthSchemeProvider.js",
  );
  const text = await readFile(file, "utf8");
  const match = /schemeId: "aws\.auth#sigv4",\s*signingProperties: \{\s*name: "([\w-]+)"/.exec(text);
  if (!match?.[1]) throw new Error(`no SigV4 signing name in ${file}`);
  return match[1];
}

/**
 * The IAM action an operation is authorized by. Almost always `<prefix>:<operation>`; SQS's batch operations
 * are authorized by their single-message action (AWS's SQS API permissions reference: SendMessageBatch needs
 * sqs:SendMessage, DeleteMessageBatch sqs:DeleteMessage, ChangeMessageVisibilityBatch
 * sqs:ChangeMessageVisibility).
 */
export function iamActionOf(prefix: string, operation: string): string {
  if (prefix === "sqs" && operation.endsWith("Batch")) return `sqs:${operation.slice(0, -"Batch".length)}`;
  return `${prefix}:${operation}`;
}
