import os from "node:os";
import { benchBundles } from "./bundles.ts";
import { benchCliSpeed } from "./cli-speed.ts";
import { benchFleet } from "./fleet.ts";
import { benchFollowUps } from "./follow-ups.ts";
import { benchRetention } from "./retention.ts";
import { benchScheduling } from "./scheduling.ts";
import { formatSeconds, progress, type Row } from "./support.ts";
import { benchSweep } from "./sweep.ts";
import { benchTickCosts } from "./tick-costs.ts";

/**
 * `npm run bench [-- --only <name>] [-- --scale <factor>]`: runs the benchmarks in order and prints one
 * Markdown table of figures next to their anchors, with the machine and the time each part took. Prints
 * figures, asserts nothing.
 */

interface Part {
  name: string;
  run: () => Promise<Row[]>;
}

const PARTS: Part[] = [
  { name: "bundles", run: benchBundles },
  { name: "cli-speed", run: benchCliSpeed },
  { name: "scheduling", run: benchScheduling },
  { name: "sweep", run: benchSweep },
  { name: "tick-costs", run: benchTickCosts },
  { name: "follow-ups", run: benchFollowUps },
  { name: "retention", run: benchRetention },
  { name: "fleet", run: benchFleet },
];

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function selectedParts(): Part[] {
  const index = process.argv.indexOf("--only");
  if (index < 0) return PARTS;
  const wanted = process.argv[index + 1];
  const parts = PARTS.filter((p) => p.name === wanted);
  if (parts.length === 0) {
    throw new Error(`--only ${wanted ?? "(missing)"}: choose one of ${PARTS.map((p) => p.name).join(", ")}`);
  }
  return parts;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

async function main(): Promise<number> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const results: Array<{ part: string; rows: Row[]; ms: number; error?: string }> = [];
  for (const part of selectedParts()) {
    const partStarted = Date.now();
    progress(part.name, "starting…");
    try {
      const rows = await part.run();
      results.push({ part: part.name, rows, ms: Date.now() - partStarted });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      progress(part.name, `FAILED: ${message}`);
      results.push({ part: part.name, rows: [], ms: Date.now() - partStarted, error: String(error) });
    }
    progress(part.name, `done in ${formatSeconds(Date.now() - partStarted)}`);
  }

  const lines = ["", "| benchmark | figure | anchor |", "|---|---|---|"];
  for (const { part, rows, error } of results) {
    for (const row of rows)
      lines.push(`| ${cell(row.name)} | ${cell(row.value)} | ${cell(row.anchor ?? "")} |`);
    if (error) lines.push(`| ${part} | FAILED: ${cell(error.slice(0, 200))} | |`);
  }
  lines.push("", "| part | wall time |", "|---|---|");
  for (const { part, ms } of results) lines.push(`| ${part} | ${formatSeconds(ms)} |`);
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  lines.push(
    "",
    `Machine: ${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ` +
      `Node ${process.version} (${os.platform()} ${os.release()}). Total ${formatSeconds(Date.now() - started)}. ` +
      `Load average (1/5/15 min) at start ${loadBefore}, at end ${loadAverage()}: other work on the machine skews the times.`,
    "",
  );
  process.stdout.write(lines.join("\n"));
  return results.some((r) => r.error) ? 1 : 0;
}

// Ctrl-C: exit through process.exit so that the "exit" hooks kill kube-controller-manager (kcp ends itself).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
process.exitCode = await main();
