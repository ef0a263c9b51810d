import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, CLI_ENTRY, CLI_MANIFEST, type CliBundle } from "../../../scripts/bundle-cli.ts";

/**
 * Issue 17: kss runs from an esbuild bundle in which each command's modules are chunks of their own, so that
 * `kss --help` and `kss validate` load neither @kubernetes/client-node nor the AWS SDK. Built here into a
 * temporary directory, as bin/kss.mjs and `npm run build:cli` build dist-cli/.
 */

const ROOT = path.resolve(import.meta.dirname, "../../..");
let dir: string;
let bundle: CliBundle;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kss-cli-bundle-"));
  bundle = await buildCli(dir);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The output files the `output` loads at once (static imports, transitively), relative to the root. */
function staticallyLoaded(metafile: Metafile, output: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(output);
  return seen;
}

/** The npm packages whose code is in `outputs`. */
function packagesIn(metafile: Metafile, outputs: Set<string>): Set<string> {
  const packages = new Set<string>();
  for (const output of outputs) {
    for (const input of Object.keys(metafile.outputs[output]?.inputs ?? {})) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name) packages.add(name);
    }
  }
  return packages;
}

/** The output file that holds `source` as its entry point (the chunk of a dynamically imported command). */
function outputOf(metafile: Metafile, source: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === source);
  if (!found) throw new Error(`no output has the entry point ${source}`);
  return found[0];
}

const heavy = (packages: Set<string>) =>
  [...packages].filter((p) => p === "@kubernetes/client-node" || p.startsWith("@aws-sdk/"));

describe("the kss bundle", () => {
  it("writes the entry, its chunks and a manifest of the project files it was built from", async () => {
    expect(bundle.entry).toBe(path.join(dir, CLI_ENTRY));
    expect((await readdir(dir)).sort()).toEqual(["chunks", CLI_ENTRY, CLI_MANIFEST].sort());
    const manifest = JSON.parse(await readFile(path.join(dir, CLI_MANIFEST), "utf8"));
    expect(manifest).toEqual(bundle.manifest);
    expect(manifest.inputs).toEqual(
      expect.arrayContaining([
        "cli/main.ts",
        "cli/commands/index.ts",
        "cli/commands/fleet.ts",
        "package-lock.json",
      ]),
    );
    expect(manifest.inputs.filter((input: string) => input.includes("node_modules"))).toEqual([]);
    expect(manifest.builtAt).toBeLessThanOrEqual(Date.now());
  });

  it("`kss --help` (the entry) and `kss validate` load neither client-node nor the AWS SDK", () => {
    const { metafile } = bundle;
    const entry = outputOf(metafile, "cli/main.ts");
    const validate = outputOf(metafile, "cli/commands/validate.ts");

    expect([...packagesIn(metafile, staticallyLoaded(metafile, entry))]).toEqual(["commander"]);
    expect(heavy(packagesIn(metafile, staticallyLoaded(metafile, validate)))).toEqual([]);
  });

  it("the commands that talk to clusters or the bus load them in their own chunks", () => {
    const { metafile } = bundle;
    const loadedBy = (source: string) =>
      packagesIn(metafile, staticallyLoaded(metafile, outputOf(metafile, source)));

    expect(loadedBy("cli/commands/fleet.ts")).toContain("@kubernetes/client-node");
    expect(loadedBy("cli/commands/trigger.ts")).toContain("@aws-sdk/client-eventbridge");
  });

  it("keeps class names (keepNames), so errors read as the project names them", async () => {
    const texts = await Promise.all(
      Object.keys(bundle.files).map((file) => readFile(path.join(dir, file), "utf8")),
    );

    expect(texts.some((text) => text.includes('"InputError"'))).toBe(true);
    expect(texts.some((text) => text.includes('"CliError"'))).toBe(true);
  });

  it("runs: `kss validate -f` of the demo file from the built bundle", () => {
    const script = `const { runCli } = await import(${JSON.stringify(bundle.entry)});
      process.exitCode = await runCli(process.argv.slice(1));`;
    const result = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", script, "validate", "-f", "examples/demo/30-backupconfiguration.yaml"],
      { cwd: ROOT, encoding: "utf8" },
    );

    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "OK  BackupConfiguration demo/demo-pvc-backup\n\n1 object: 1 valid, 0 invalid\n",
    );
  });
});
