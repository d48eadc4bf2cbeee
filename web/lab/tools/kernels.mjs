// Evaluate the page's kernels in node for the gold-value test: reads
// {cases: [{name, params, x: [...]}]} (non-finite x as "inf", "-inf", "nan"); writes
// {results: [{f: [...], df: [...]}]} with the same encoding, and the list of kernels.
import { KERNELS, makeActivation } from "../src/activations.js";

const dec = (v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v);
const enc = (v) => (Number.isFinite(v) ? (Object.is(v, -0) ? "-0" : v) : String(v).replace("Infinity", "inf").toLowerCase());
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const { cases } = JSON.parse(input);
  const results = cases.map(({ name, params, x }) => {
    if (!KERNELS[name]) return null;
    const a = makeActivation(name, params);
    const xs = x.map(dec);
    return { f: xs.map((v) => enc(a.f(v))), df: xs.map((v) => enc(a.df(v))) };
  });
  process.stdout.write(JSON.stringify({ results, kernels: Object.keys(KERNELS) }));
});
