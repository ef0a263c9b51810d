import { dashboardScripts } from "./browser-bundle.ts";

/**
 * The dashboard's browser scripts, as the page inlines them: browser/run-strip.ts (the global `KssRuns`) alone,
 * the page's whole script — the strip first, then browser/main.ts — and the Coverage page's (browser/coverage.ts),
 * bundled by browser-bundle.ts when this module is first imported. The function bundles replace this module with the same text bundled at build time
 * (scripts/bundle-functions.ts), so a Lambda neither carries nor runs esbuild.
 */
export const { RUN_STRIP_SCRIPT, DASHBOARD_SCRIPT, COVERAGE_SCRIPT } = dashboardScripts();
