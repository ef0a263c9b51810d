#!/usr/bin/env node
/**
 * The `kss` bin: runs cli/main.ts (TypeScript) through tsx, in this process when it is Node >= 22.19.
 * On an older Node (the machines' system Node 20, where @kubernetes/client-node cannot load) it runs itself
 * again under the Node 22 of the project's `node` devDependency, passing arguments, stdio and exit code on.
 * Works as `npx kss …` in the project, `npm run kss -- …`, and `node bin/kss.mjs …` / `./bin/kss.mjs …`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const selfPath = fileURLToPath(import.meta.url);
const projectRoot = join(dirname(selfPath), "..");
const REEXEC_MARK = "KSS_REEXECUTED_UNDER_NODE22";

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

async function runInThisProcess() {
  const { register } = await import("tsx/esm/api");
  register();
  const { runCli } = await import(pathToFileURL(join(projectRoot, "cli/main.ts")).href);
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
