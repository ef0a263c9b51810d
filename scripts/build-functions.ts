import { buildFunctions } from "./bundle-functions.ts";

/** `npm run build`: bundles every function into dist/<name>/index.mjs and prints each bundle's size. */
const sizes = await buildFunctions();
for (const { name, bytes } of sizes) {
  process.stdout.write(
    `${name.padEnd(22)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB  dist/${name}/index.mjs\n`,
  );
}
