// Bundles the console's script with esbuild: src/main.ts → one ES module,
// deterministic (same sources and lockfile, same bytes).
//   node build.mjs [OUT]     the script the gate embeds (default build/console.js)
//   node build.mjs --tests   test/*.test.ts → build/test/*.test.mjs for node --test
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);

if (args[0] === "--tests") {
  const tests = readdirSync(join(here, "test")).filter((f) => f.endsWith(".test.ts"));
  await build({
    entryPoints: tests.map((f) => join(here, "test", f)),
    outdir: join(here, "build", "test"),
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
} else {
  await build({
    entryPoints: [join(here, "src", "main.ts")],
    outfile: resolve(args[0] ?? join(here, "build", "console.js")),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: ["es2022"],
    minify: true,
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  });
}
