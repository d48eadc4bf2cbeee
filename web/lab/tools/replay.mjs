// Run the page's engine in node for the parity test: reads {catalogue, config, steps} as JSON
// on stdin; writes {model (base64 npz of the initial weights), Xtr, ytr, Xte, yte, batches,
// losses (batch loss of every step), final (record)} as JSON on stdout.
import { registryFromCatalogue } from "../src/catalogue.js";
import { createSession, stepSession, exportModelBytes, batchIndices } from "../src/session.js";
import { toBase64 } from "../src/npz.js";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const { catalogue, config, steps } = JSON.parse(input);
  const s = createSession(config, registryFromCatalogue(catalogue));
  const model = toBase64(exportModelBytes(s));
  const batches = [];
  for (let t = 0; t < steps; t++) batches.push(batchIndices(s, t));
  const losses = [];
  for (let t = 0; t < steps; t++) { stepSession(s, 1); losses.push(s.lastBatchLoss); }
  const out = {
    model, batches, losses, final: s.last, loss: s.loss, config: s.config,
    Xtr: Array.from(s.Xtr), ytr: s.ytrRaw, Xte: Array.from(s.Xte), yte: s.yteRaw,
    final_model: toBase64(exportModelBytes(s)),
  };
  process.stdout.write(JSON.stringify(out));
});
