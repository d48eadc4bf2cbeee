// Evaluate custom activations (catalogue entries with expression trees, see src/expr.js) in
// node for the parity test: reads {cases: [{entry, params, x: [...]}]} (non-finite x as "inf",
// "-inf", "nan"); writes {results: [{f, df} | {error}]} with the same encoding.
import { makeActivation } from "../src/activations.js";
import { compileTree, registerCustom } from "../src/expr.js";

const dec = (v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v);
const enc = (v) => (Number.isFinite(v) ? (Object.is(v, -0) ? "-0" : v) : String(v).replace("Infinity", "inf").toLowerCase());
let input = "";
const warned = [];
console.warn = (m) => warned.push(String(m));
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const { cases } = JSON.parse(input);
  const results = cases.map(({ entry, params, x }) => {
    try { // compile first: registerCustom only warns, the test wants the reason
      const names = (entry.params || []).map((q) => q.name);
      compileTree(entry.custom.f, names);
      compileTree(entry.custom.df, names);
    } catch (e) { return { error: e.message }; }
    if (!registerCustom(entry)) return { error: warned.at(-1) };
    const a = makeActivation(entry.name, params);
    const xs = x.map(dec);
    return { f: xs.map((v) => enc(a.f(v))), df: xs.map((v) => enc(a.df(v))), expr: a.expr };
  });
  process.stdout.write(JSON.stringify({ results }));
});
