#!/usr/bin/env node
/**
 * The `kss` bin: runs the CLI's esbuild bundle (dist-cli/kss.mjs, scripts/bundle-cli.ts), in this process
 * when it is Node >= 22.19. The bundle loads each command's modules only when that command runs, so
 * `kss --help` starts in tens of milliseconds, not the seconds tsx took to load every command's modules.
 * In the project (cli/main.ts next to this file) a bundle that is missing, or older than one of the sources
 * it was built from (dist-cli/manifest.json), is built again first (about a second, silently); if that
 * fails (a syntax error being typed somewhere), or with KSS_FROM_SOURCE=1, cli/main.ts runs through tsx.
 * On an older Node (the machines' system Node 20, where @kubernetes/client-node cannot load) it runs itself
 * again under the Node 22 of the project's `node` devDependency, passing arguments, stdio and exit code on.
 * Works as `npx kss …` in the project, `npm run kss -- …`, and `node bin/kss.mjs …` / `./bin/kss.mjs …`.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const selfPath = fileURLToPath(import.meta.url);
const projectRoot = join(dirname(selfPath), "..");
const REEXEC_MARK = "KSS_REEXECUTED_UNDER_NODE22";
const bundleEntry = join(projectRoot, "dist-cli/kss.mjs");
const bundleManifest = join(projectRoot, "dist-cli/manifest.json");
const sources = join(projectRoot, "cli/main.ts");

function isSupportedNode(version) {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 19);
}

function bundledNode() {
  const candidates = ["bin/node", "bin/node.exe", "node.exe"].map((p) =>
    join(projectRoot, "node_modules/node", p),
  );
  return candidates.find((candidate) => existsSync(candidate));
}

function runUnderBundledNode() {
  const node = bundledNode();
  if (node === undefined || process.env[REEXEC_MARK]) {
    process.stderr.write(
      `kss: needs Node >= 22.19 (this is ${process.version}); run \`npm install\` in the project ` +
        "to get its Node 22 (devDependency `node`), or use Node 22.\n",
    );
    process.exitCode = 2;
    return;
  }
  const child = spawn(node, [selfPath, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [REEXEC_MARK]: "1" },
  });
  const forwarders = ["SIGINT", "SIGTERM", "SIGHUP"].map((signal) => {
    const forward = () => child.kill(signal);
    process.on(signal, forward);
    return () => process.off(signal, forward);
  });
  child.on("error", (error) => {
    process.stderr.write(`kss: cannot start ${node}: ${error.message}\n`);
    process.exitCode = 2;
  });
  child.on("exit", (code, signal) => {
    for (const stopForwarding of forwarders) stopForwarding();
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 2;
  });
}

/** Whether the bundle can run as it is: present, and (in the project) built after every source it holds. */
function bundleIsCurrent(inProject) {
  if (!existsSync(bundleEntry)) return false;
  if (!inProject) return true;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(bundleManifest, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isFinite(manifest?.builtAt) || !Array.isArray(manifest.inputs)) return false;
  return manifest.inputs.every((input) => {
    const stats = statSync(join(projectRoot, input), { throwIfNoEntry: false });
    return stats !== undefined && stats.mtimeMs <= manifest.builtAt;
  });
}

/** cli/main.ts's exports: from the bundle, built again first when stale, else from the sources via tsx. */
async function loadCli() {
  const inProject = existsSync(sources);
  if (!process.env.KSS_FROM_SOURCE) {
    if (bundleIsCurrent(inProject)) return import(pathToFileURL(bundleEntry).href);
    if (inProject) {
      try {
        // Erasable TypeScript, run by Node's own type stripping; loads esbuild only here.
        const { buildCli } = await import(pathToFileURL(join(projectRoot, "scripts/bundle-cli.ts")).href);
        await buildCli(undefined, { quiet: true });
        return import(pathToFileURL(bundleEntry).href);
      } catch (error) {
        // Said to a person (or with KSS_DEBUG), not into a script's captured stderr: the run still works.
        if (process.stderr.isTTY || process.env.KSS_DEBUG) {
          const first = error?.errors?.[0]; // esbuild's first message, with where it is
          const reason = first?.location
            ? `${first.location.file}:${first.location.line}: ${first.text}`
            : error instanceof Error
              ? error.message.split("\n")[0]
              : String(error);
          process.stderr.write(
            `kss: cannot build the CLI bundle (${reason}); running the sources through tsx\n`,
          );
        }
      }
    }
  }
  if (!inProject) throw new Error(`${bundleEntry} is missing: run \`npm run build:cli\` in the project`);
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(sources).href);
}

async function runInThisProcess() {
  // V8's code cache on disk (os.tmpdir()/node-compile-cache): later runs skip compiling the bundle's chunks.
  nodeModule.enableCompileCache?.();
  const { runCli } = await loadCli();
  process.exitCode = await runCli(process.argv.slice(2));
}

if (isSupportedNode(process.versions.node)) {
  try {
    await runInThisProcess();
  } catch (error) {
    // Only a broken install or a bug gets here: runCli turns every expected failure into an exit code.
    process.stderr.write(
      `kss: cannot run the CLI: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (process.env.KSS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  }
} else runUnderBundledNode();
