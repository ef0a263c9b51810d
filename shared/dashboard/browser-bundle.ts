import path from "node:path";
import { type BuildOptions, buildSync } from "esbuild";

/**
 * The dashboard's browser code (browser/*.ts, type-checked with the DOM library and linted like the rest) as
 * the two scripts the page inlines, bundled by esbuild: run-strip.ts as an IIFE that defines the global
 * `KssRuns` (first), then main.ts, which uses it. Run on first import in development and tests (tsx, vitest);
 * the function bundles (scripts/bundle-functions.ts) run it at build time and inline its text in place of
 * script.ts, so the fleet-dashboard Lambda carries the scripts and not esbuild.
 */

const BROWSER = path.join(import.meta.dirname, "browser");
const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");

/** For the browsers of today's people (ES2020, as the page's script always was), readable in devtools. */
const BROWSER_BUNDLE_OPTIONS = {
  bundle: true,
  write: false,
  platform: "browser",
  format: "iife",
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  logLevel: "silent",
  // Paths in the bundle's comments are relative to the project, wherever the build runs.
  absWorkingDir: PROJECT_ROOT,
} as const satisfies BuildOptions;

function bundle(entry: string, options: BuildOptions = {}): string {
  const result = buildSync({
    ...BROWSER_BUNDLE_OPTIONS,
    ...options,
    entryPoints: [path.join(BROWSER, entry)],
  });
  const text = result.outputFiles?.[0]?.text;
  if (text === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  // Inlined in <script>…</script>: its text must not end the element (esbuild escapes it in strings).
  if (/<\/script/i.test(text)) throw new Error(`${entry} bundles to text holding "</script"`);
  return text;
}

/**
 * The scripts as script.ts exports them: the strip alone, the fleet page's whole script (the strip first), and
 * the Coverage page's (browser/coverage.ts, docs/coverage.md#the-page).
 */
export function dashboardScripts(): {
  RUN_STRIP_SCRIPT: string;
  DASHBOARD_SCRIPT: string;
  COVERAGE_SCRIPT: string;
} {
  const runStrip = bundle("run-strip.ts", { globalName: "KssRuns" });
  return {
    RUN_STRIP_SCRIPT: runStrip,
    DASHBOARD_SCRIPT: `${runStrip}\n${bundle("main.ts")}`,
    COVERAGE_SCRIPT: bundle("coverage.ts"),
  };
}

/** script.ts as the function bundles carry it: the scripts' text, bundled at build time. */
export function prebundledScriptModule(): string {
  return Object.entries(dashboardScripts())
    .map(([name, text]) => `export const ${name} = ${JSON.stringify(text)};\n`)
    .join("");
}
