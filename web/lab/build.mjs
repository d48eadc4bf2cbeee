// Build the single-file page template: bundle src/main.js with esbuild, inline it and the
// stylesheet into src/page.html, and write src/actlab/lab/lab_template.html (committed; CI
// rebuilds it and fails on any difference). Deterministic: same sources, same bytes.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { KERNELS } from "./src/activations.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "actlab", "lab", "lab_template.html");
const check = process.argv.includes("--check");

const result = await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true, write: false, format: "iife", target: "es2020",
  minifyWhitespace: true, minifySyntax: true, legalComments: "none", charset: "utf8",
});
let js = result.outputFiles[0].text.replace(/<\/(script)/gi, "<\\/$1");
const css = readFileSync(join(here, "src", "style.css"), "utf8");
const page = readFileSync(join(here, "src", "page.html"), "utf8")
  .replace("__ACTLAB_STYLE__", () => css)
  .replace("__ACTLAB_KERNELS__", () => Object.keys(KERNELS).join(","))
  .replace("__ACTLAB_SCRIPT__", () => js);
if (check) {
  const old = readFileSync(out, "utf8");
  if (old !== page) { console.error(`${out} is stale: run npm run build in web/lab and commit it`); process.exit(1); }
  console.log("lab_template.html is up to date");
} else {
  writeFileSync(out, page);
  console.log(`wrote ${out} (${page.length} bytes)`);
}
