import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWiring } from "../../local/wiring.ts";
import { buildFunctions } from "../../scripts/bundle-functions.ts";
import { oslsPackage } from "../support/deploy-artefact.ts";
import { PROJECT_ROOT } from "../support/kube.ts";

/** `osls package` offline: one artefact per function of serverless.yml, holding only that function's bundle. */

let out: string;
let template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** File names in a zip, read from its central directory. */
function zipEntries(zip: Buffer): string[] {
  const names: string[] = [];
  for (
    let i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    i >= 0;
    i = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), i + 4)
  ) {
    const nameLength = zip.readUInt16LE(i + 28);
    names.push(zip.subarray(i + 46, i + 46 + nameLength).toString("utf8"));
  }
  return names;
}

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), "kss-package-"));
  await buildFunctions();
  await oslsPackage(PROJECT_ROOT, out);
  template = JSON.parse(await readFile(path.join(out, "cloudformation-template-update-stack.json"), "utf8"));
}, 240_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("serverless.yml packages offline", () => {
  it("produces one artefact per function, each holding only its own bundle", async () => {
    const functions = readWiring()
      .map((w) => w.name)
      .sort();
    const zips = (await readdir(out)).filter((f) => f.endsWith(".zip")).sort();
    expect(zips).toEqual(functions.map((f) => `${f}.zip`));
    for (const fn of functions) {
      const entries = zipEntries(await readFile(path.join(out, `${fn}.zip`)));
      expect(entries.filter((e) => !e.endsWith("clusters.yaml"))).toEqual([`dist/${fn}/index.mjs`]);
    }
  });

  it("declares the bus, the dead-letter queue, a role per function and the event rules", () => {
    const byType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
    expect(byType("AWS::Events::EventBus")).toHaveLength(1);
    expect(byType("AWS::SQS::Queue").map(([name]) => name)).toContain("DeadLetterQueue");
    const functions = byType("AWS::Lambda::Function");
    expect(functions.length).toBe(readWiring().length);
    for (const [, fn] of functions) {
      expect(fn.Properties?.Runtime).toBe("nodejs22.x");
      expect(JSON.stringify(fn.Properties?.Role)).not.toContain("IamRoleLambdaExecution");
    }
    const patterns = byType("AWS::Events::Rule")
      .map(([, r]) => r.Properties?.EventPattern)
      .filter(Boolean);
    expect(patterns).toContainEqual({ source: ["kubestash-serverless"], "detail-type": ["Schedule Tick"] });
  });

  it("puts the fleet dashboard behind an IAM-authorized function URL, and nothing else behind a URL", () => {
    const urls = Object.values(template.Resources).filter((r) => r.Type === "AWS::Lambda::Url");
    expect(
      urls.map((u) => [u.Properties?.AuthType, JSON.stringify(u.Properties?.TargetFunctionArn)]),
    ).toEqual([["AWS_IAM", expect.stringContaining("FleetDash")]]);
  });
});
