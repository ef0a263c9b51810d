import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildFunctions, functionNames } from "../scripts/bundle-functions.ts";
import { median, progress, type Row } from "./support.ts";

/**
 * Issue 4: each function's bundle (esbuild, minified ESM, as packaged) and its cold import time in a fresh
 * Node process (median of 3), next to the toolchain note's figures for a minimal handler and for one that
 * imports @kubernetes/client-node.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNS = 3;
const ANCHOR_MINIMAL = "930 KB · ~120 ms (note: minimal handler, 2 cores)";
const ANCHOR_KUBE = "2.48 MB · ~260 ms (note: with client-node, 2 cores)";

interface Bundle {
  name: string;
  bytes: number;
  file: string;
}

/** Milliseconds to `import()` the file in a new Node process (process start not counted). */
function importTime(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(out.trim().split("\n").at(-1));
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else reject(new Error(`import of ${file} failed (exit ${code}): ${err.trim().slice(0, 300)}`));
    });
  });
}

/** Builds every function; if one does not build, the others are still built and measured one by one. */
async function buildAll(): Promise<{ bundles: Bundle[]; failures: Row[] }> {
  const fileOf = (name: string) => path.join(ROOT, "dist", name, "index.mjs");
  try {
    const sizes = await buildFunctions();
    return { bundles: sizes.map((s) => ({ ...s, file: fileOf(s.name) })), failures: [] };
  } catch (error) {
    progress("bundles", `building all at once failed (${String(error)}); building one at a time`);
  }
  // buildFunctions empties dist/ first, so each bundle is read before the next one is built.
  const bundles: Bundle[] = [];
  const failures: Row[] = [];
  for (const name of functionNames()) {
    try {
      const [size] = await buildFunctions([name]);
      if (size) bundles.push({ ...size, file: await keepCopy(fileOf(name)) });
    } catch (error) {
      failures.push({ name: `bundle ${name}`, value: `build failed: ${String(error).slice(0, 120)}` });
    }
  }
  return { bundles, failures };
}

/** Keeps a bundle's text in the OS temp dir, so that the next build emptying dist/ does not remove it. */
async function keepCopy(file: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "kss-bundle-"));
  const copy = path.join(dir, "index.mjs");
  await writeFile(copy, await readFile(file));
  return copy;
}

export async function benchBundles(): Promise<Row[]> {
  progress("bundles", "bundling every function with esbuild (as `npm run build`)…");
  const { bundles, failures } = await buildAll();
  const rows: Row[] = [...failures];
  for (const bundle of bundles) {
    // The client's KubeConfig method survives minification: it tells a Kubernetes-talking bundle apart.
    const usesKube = (await readFile(bundle.file, "utf8")).includes("applyToHTTPSOptions");
    const times: number[] = [];
    let failure: string | undefined;
    for (let i = 0; i < RUNS; i++) {
      try {
        times.push(await importTime(bundle.file));
      } catch (error) {
        failure = String(error);
        break;
      }
    }
    const size = `${(bundle.bytes / 1_000_000).toFixed(2)} MB`;
    const time = failure ? `import failed: ${failure.slice(0, 120)}` : `${median(times).toFixed(0)} ms`;
    progress(
      "bundles",
      `${bundle.name}: ${size}, cold import ${time} (runs: ${times.map((t) => t.toFixed(0)).join(", ")})`,
    );
    rows.push({
      name: `bundle ${bundle.name}${usesKube ? " (client-node)" : ""}: size · cold import (median of ${RUNS})`,
      value: `${size} · ${time}`,
      anchor: usesKube ? ANCHOR_KUBE : ANCHOR_MINIMAL,
    });
  }
  // Copies kept by a one-at-a-time build (see buildAll) go away; dist/ stays as the build left it.
  for (const { file } of bundles) {
    if (!file.startsWith(ROOT)) await rm(path.dirname(file), { recursive: true, force: true });
  }
  return rows;
}
