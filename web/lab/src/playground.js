// The training playground: controls, the play loop and the live views.
import { DATASETS, parseCsv } from "./data.js";
import {
  createSession, stepSession, recordNow, normalise, unitStates, MAX_LAYERS, MAX_UNITS, INITS,
} from "./session.js";
import { forward } from "./engine.js";
import { fmt } from "./plot.js";
import { PRESETS } from "./presets.js";
import { h } from "./dom.js";
import { G, gridFor, drawBoundary, drawLoss, drawGrads, drawUnits, drawNeurons, drawHists } from "./views.js";

function select(id, label, options, value) {
  const s = h("select", { id, "aria-label": label }, ...options.map(([v, t]) => h("option", { value: String(v), text: t })));
  s.value = String(value);
  return s;
}

function rangeInput(id, label, min, max, step, value) {
  return h("input", { type: "range", id, min: String(min), max: String(max), step: String(step), value: String(value), "aria-label": label });
}

export function createPlayground(root, registry, { onConfig } = {}) {
  const hidden = registry.hidden;
  let csv = null;
  let s = null;
  let playing = false;
  let raf = 0;
  let stepsPerFrame = 10;
  let neuronLayer = 0;
  let frames = 0;

  // --------------------------------------------------------------------------- controls
  const presetSel = select("pg-preset", "preset", [["", "— presets: the articles' claims —"], ...Object.entries(PRESETS).map(([k, p]) => [k, p.title])], "");
  const watch = h("p", { class: "watch", id: "pg-watch", "aria-live": "polite" });
  const playBtn = h("button", { type: "button", id: "pg-play", title: "play / pause (space)" }, "▶ Play");
  const stepBtn = h("button", { type: "button", id: "pg-step", title: "one step (s)" }, "Step");
  const resetBtn = h("button", { type: "button", id: "pg-reset", title: "reset the weights (r)" }, "Reset");
  const speed = rangeInput("pg-speed", "steps per frame", 1, 50, 1, stepsPerFrame);
  const dataSel = select("pg-data", "data set", [...Object.entries(DATASETS).map(([k, d]) => [k, d.label]), ["csv", "your CSV (drop a file)"]], "circles");
  const noise = rangeInput("pg-noise", "noise", 0, 1, 0.05, 0.1);
  const split = rangeInput("pg-split", "test fraction", 0.1, 0.9, 0.05, 0.3);
  const csvIn = h("input", { type: "file", id: "pg-csv", accept: ".csv,text/csv,text/plain", "aria-label": "CSV file x1,x2,label" });
  const csvMsg = h("span", { class: "note", id: "pg-csv-msg" });
  const layersBox = h("div", { class: "layers", id: "pg-layers" });
  const addLayer = h("button", { type: "button", id: "pg-add-layer", "aria-label": "add a hidden layer" }, "+ layer");
  const delLayer = h("button", { type: "button", id: "pg-del-layer", "aria-label": "remove the last hidden layer" }, "− layer");
  const initSel = select("pg-init", "initializer", INITS.map((v) => [v, v === "auto" ? "auto (the activation's recommended)" : v]), "auto");
  const biasSel = select("pg-bias", "bias init", [[0, "bias 0"], [0.1, "bias 0.1 (the articles')"]], 0);
  const lossSel = select("pg-loss", "loss", [["auto", "auto"], ["softmax_cross_entropy", "softmax cross-entropy"], ["binary_cross_entropy", "sigmoid cross-entropy"], ["sse", "SSE (½Σ(ŷ−y)²)"]], "auto");
  const optSel = select("pg-opt", "optimizer", [["sgd", "SGD"], ["momentum", "SGD + momentum 0.9"], ["adam", "Adam"]], "sgd");
  const lrSel = select("pg-lr", "learning rate", [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 0.5, 1, 1.5, 3].map((v) => [v, String(v)]), 0.03);
  const batch = rangeInput("pg-batch", "batch size", 1, 100, 1, 10);
  const l1Sel = select("pg-l1", "L1", [0, 1e-5, 1e-4, 1e-3, 1e-2].map((v) => [v, String(v)]), 0);
  const l2Sel = select("pg-l2", "L2", [0, 1e-5, 1e-4, 1e-3, 1e-2].map((v) => [v, String(v)]), 0);
  const clipSel = select("pg-clip", "clip norm", [[0, "off"], [0.1, "0.1"], [1, "1"], [5, "5"]], 0);
  const seedIn = h("input", { type: "number", id: "pg-seed", min: "0", step: "1", value: "1", "aria-label": "seed" });
  const outs = { noise: h("output", { text: "0.1" }), split: h("output", { text: "0.3" }), batch: h("output", { text: "10" }), speed: h("output", { text: "5" }) };

  const exportModelBtn = h("button", { type: "button", id: "pg-export-model" }, "model (.npz)");
  const exportCsvBtn = h("button", { type: "button", id: "pg-export-csv" }, "curves (.csv)");
  const exportPngBtn = h("button", { type: "button", id: "pg-export-png" }, "curves (.png)");
  const importIn = h("input", { type: "file", id: "pg-import", accept: ".npz", "aria-label": "load an actlab model file" });

  const status = h("div", { class: "status", id: "pg-status", "aria-live": "polite" });
  const boundary = h("canvas", { id: "pg-boundary", class: "plot square", "aria-label": "decision boundary and data" });
  const lossCanvas = h("canvas", { id: "pg-loss-curve", class: "plot", "aria-label": "train and test loss" });
  const gradCanvas = h("canvas", { id: "pg-grads", class: "plot", "aria-label": "gradient norm per layer" });
  const unitsTable = h("table", { id: "pg-units", class: "units" });
  const neuronSel = h("select", { id: "pg-neuron-layer", "aria-label": "layer for the neuron maps" });
  const neurons = h("div", { class: "neurons", id: "pg-neurons" });
  const hists = h("div", { class: "hists", id: "pg-hists" });

  // On a phone the settings fold away, so that the views follow the play controls directly.
  const settings = h("details", { class: "settings", id: "pg-settings", open: "" }, h("summary", { text: "settings" }),
      h("fieldset", {}, h("legend", { text: "data" }),
        h("label", {}, dataSel),
        h("label", {}, "noise ", noise, outs.noise), h("label", {}, "test fraction ", split, outs.split),
        h("label", { class: "drop", id: "pg-drop" }, "CSV x1,x2,label: ", csvIn), csvMsg),
      h("fieldset", {}, h("legend", { text: "network" }), layersBox, h("div", { class: "row" }, addLayer, delLayer),
        h("label", {}, "init ", initSel), h("label", {}, biasSel)),
      h("fieldset", {}, h("legend", { text: "training" }),
        h("label", {}, "loss ", lossSel), h("label", {}, "optimizer ", optSel), h("label", {}, "learning rate ", lrSel),
        h("label", {}, "batch ", batch, outs.batch), h("label", {}, "L1 ", l1Sel), h("label", {}, "L2 ", l2Sel),
        h("label", {}, "clip norm ", clipSel), h("label", {}, "seed ", seedIn)),
      h("fieldset", {}, h("legend", { text: "export / import" }), h("div", { class: "row" }, exportModelBtn, exportCsvBtn, exportPngBtn),
        h("label", {}, "load model ", importIn)));
  if (window.innerWidth < 720) settings.open = false;
  root.append(
    h("div", { class: "pg-controls panel" },
      h("div", { class: "row" }, playBtn, stepBtn, resetBtn, h("label", {}, "speed ", speed, outs.speed)),
      h("label", {}, presetSel), watch, settings),
    h("div", { class: "pg-views" },
      status,
      h("div", { class: "views-grid" },
        h("figure", {}, boundary, h("figcaption", { text: "Decision boundary (regression: the fitted surface); filled dots train, rings test." })),
        h("figure", {}, lossCanvas, h("figcaption", { text: "Loss on the whole train (solid) and test (dashed) sets." })),
        h("figure", {}, gradCanvas, h("figcaption", { text: "‖∂L/∂W‖ per layer (log scale), before clipping: short bars on the left = vanishing, long = exploding." })),
        h("figure", {}, unitsTable, h("figcaption", { text: "Dead units: f′ = 0 on every training point. Saturated: |f′| < 0.01 on ≥ 90 % of them." }))),
      h("figure", { class: "wide" }, h("label", {}, "Neuron outputs of layer ", neuronSel), neurons,
        h("figcaption", { text: "Each unit's output over the input plane; red frame dead, amber saturated." })),
      h("figure", { class: "wide" }, hists, h("figcaption", { text: "Pre-activation histograms per hidden layer, drawn over that layer's f (solid) and f′ (dashed)." }))));

  // ------------------------------------------------------------------------------ config
  function layerRows(c) {
    layersBox.textContent = "";
    c.layers.forEach((u, i) => {
      const units = h("input", { type: "number", min: "1", max: String(MAX_UNITS), value: String(u), id: `pg-units-${i}`, "aria-label": `units in layer ${i + 1}` });
      const act = select(`pg-act-${i}`, `activation of layer ${i + 1}`, hidden.map((n) => [n, n]), c.acts[i]);
      units.addEventListener("change", () => apply());
      act.addEventListener("change", () => apply());
      layersBox.append(h("div", { class: "layer-row" }, h("span", { text: `layer ${i + 1}` }), units, act));
    });
    neuronSel.textContent = "";
    c.layers.forEach((_, i) => neuronSel.append(h("option", { value: String(i), text: String(i + 1) })));
    neuronLayer = Math.min(neuronLayer, c.layers.length - 1);
    neuronSel.value = String(neuronLayer);
  }

  function readConfig() {
    const layers = [], acts = [];
    layersBox.querySelectorAll(".layer-row").forEach((r) => {
      layers.push(Number(r.querySelector("input").value));
      acts.push(r.querySelector("select").value);
    });
    return {
      data: dataSel.value, n: s?.config.n ?? 300, noise: Number(noise.value), split: Number(split.value), layers, acts,
      init: initSel.value, bias: Number(biasSel.value), loss: lossSel.value, opt: optSel.value,
      lr: Number(lrSel.value), batch: Number(batch.value), l1: Number(l1Sel.value), l2: Number(l2Sel.value),
      clip: Number(clipSel.value), seed: Number(seedIn.value),
    };
  }

  function ensureOption(sel, v) {
    if (![...sel.options].some((o) => o.value === String(v))) sel.append(h("option", { value: String(v), text: String(v) }));
    sel.value = String(v);
  }

  function writeControls(c) {
    dataSel.value = c.data; noise.value = c.noise; split.value = c.split;
    initSel.value = c.init; biasSel.value = String(c.bias); lossSel.value = c.loss; optSel.value = c.opt;
    ensureOption(lrSel, c.lr); batch.value = c.batch; ensureOption(l1Sel, c.l1); ensureOption(l2Sel, c.l2);
    ensureOption(clipSel, c.clip); seedIn.value = c.seed;
    outs.noise.textContent = c.noise; outs.split.textContent = c.split; outs.batch.textContent = c.batch;
    layerRows(c);
  }

  function load(cfg, { keepPreset = false } = {}) {
    const c = normalise(cfg, hidden);
    if (c.data === "csv" && !csv) {
      // a URL holds the settings, not the file: say so and show the default set meanwhile
      c.data = "circles";
      csvMsg.textContent = "This link was made with a CSV file, which a URL cannot hold: drop the same file again to resume (circles meanwhile).";
    }
    s = createSession(c, registry, csv);
    writeControls(s.config);
    if (!keepPreset) { presetSel.value = ""; watch.textContent = ""; }
    onConfig?.(s.config);
    render();
    return s.config;
  }

  function apply() { const was = playing; load(readConfig(), { keepPreset: true }); if (was) play(); }

  for (const el of [dataSel, initSel, biasSel, lossSel, optSel, lrSel, l1Sel, l2Sel, clipSel, seedIn]) el.addEventListener("change", apply);
  for (const [el, key] of [[noise, "noise"], [split, "split"], [batch, "batch"]]) {
    el.addEventListener("input", () => { outs[key].textContent = el.value; });
    el.addEventListener("change", apply);
  }
  speed.addEventListener("input", () => { stepsPerFrame = Number(speed.value); outs.speed.textContent = speed.value; });
  addLayer.addEventListener("click", () => {
    const c = readConfig();
    if (c.layers.length >= MAX_LAYERS) return;
    c.layers.push(c.layers[c.layers.length - 1] ?? 4);
    c.acts.push(c.acts[c.acts.length - 1] ?? "tanh");
    load(c, { keepPreset: true });
  });
  delLayer.addEventListener("click", () => {
    const c = readConfig();
    if (c.layers.length === 0) return;
    c.layers.pop(); c.acts.pop();
    load(c, { keepPreset: true });
  });
  presetSel.addEventListener("change", () => {
    const p = PRESETS[presetSel.value];
    if (!p) return;
    load({ ...s.config, ...p.config }, { keepPreset: true });
    watch.textContent = p.watch;
  });
  neuronSel.addEventListener("change", () => { neuronLayer = Number(neuronSel.value); render(); });
  csvIn.addEventListener("change", async () => {
    const file = csvIn.files?.[0];
    if (!file) return;
    try {
      if (file.size > 4e6) throw new Error("file larger than 4 MB");
      csv = parseCsv(await file.text());
      csvMsg.textContent = `${csv.X.length} rows, ${csv.classes ? `${csv.classes} classes` : "regression"}`;
      load({ ...readConfig(), data: "csv" });
    } catch (e) { csvMsg.textContent = `CSV not loaded: ${e.message}`; }
  });

  // ------------------------------------------------------------------------------ loop
  function play() {
    if (playing) return;
    playing = true;
    playBtn.textContent = "⏸ Pause";
    const tick = () => {
      if (!playing) return;
      stepSession(s, stepsPerFrame, { record: false });
      recordNow(s, { units: false });
      render({ light: true });
      if (s.diverged) { pause(); return; }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
  }
  function pause() {
    playing = false;
    cancelAnimationFrame(raf);
    playBtn.textContent = "▶ Play";
  }
  playBtn.addEventListener("click", () => (playing ? pause() : play()));
  stepBtn.addEventListener("click", () => { pause(); stepSession(s, 1); render(); });
  resetBtn.addEventListener("click", () => { pause(); load(s.config, { keepPreset: true }); });

  // ------------------------------------------------------------------------------ views
  // The views over the input plane (a forward pass on the whole grid) are the costly part: while
  // playing they refresh every frame when cheap, otherwise at most every 4x their cost, so
  // that drawing never takes more than about a fifth of the time.
  let heavyCost = 0, heavyAt = -Infinity;
  function render({ light = false } = {}) {
    frames++;
    if (!s.lastTrace || s.measuredStep !== s.step) recordNow(s);
    const now = performance.now();
    if (!light || heavyCost < 12 || now - heavyAt >= 4 * heavyCost) {
      const t0 = performance.now();
      if (light) {
        s.lastStates = unitStates(s, s.lastTrace);
        s.last.dead = s.lastStates.dead.map((u) => u.length);
        s.last.saturated = s.lastStates.saturated.map((u) => u.length);
      }
      const gridTrace = forward(s.net, gridFor(s), G * G).trace;
      drawBoundary(s, boundary, gridTrace);
      drawNeurons(s, neurons, neuronLayer, gridTrace, s.lastStates);
      drawHists(s, hists, s.lastTrace);
      drawUnits(s, unitsTable, s.lastStates);
      heavyAt = performance.now();
      heavyCost = heavyAt - t0;
    }
    drawLoss(s, lossCanvas);
    drawGrads(s, gradCanvas);
    const r = s.last || s.history[s.history.length - 1];
    status.textContent = `step ${s.step} · epoch ${Math.floor((s.step * s.config.batch) / Math.max(1, s.ntr))} · train loss ${fmt(r.train_loss)} · test loss ${fmt(r.test_loss)}${s.diverged ? " · DIVERGED (non-finite loss): lower the learning rate or clip" : ""}`;
  }

  // ------------------------------------------------------------------------------ exports
  function curvesCsv() {
    return ["step,train_loss,test_loss", ...s.history.map((r) => `${r.step},${r.train_loss},${r.test_loss}`)].join("\n") + "\n";
  }

  return {
    get session() { return s; },
    load, play, pause, render, curvesCsv,
    playing: () => playing,
    speed(n) { stepsPerFrame = Math.max(1, Math.min(200, Math.round(n))); speed.value = String(Math.min(50, stepsPerFrame)); outs.speed.textContent = String(stepsPerFrame); return stepsPerFrame; },
    frames: () => frames,
    lossCanvas, exportModelBtn, exportCsvBtn, exportPngBtn, importIn,
    keys(ev) {
      if (ev.key === " ") { playing ? pause() : play(); return true; }
      if (ev.key === "s") { pause(); stepSession(s, 1); render(); return true; }
      if (ev.key === "r") { pause(); load(s.config, { keepPreset: true }); return true; }
      return false;
    },
    preset(name) {
      const p = Object.hasOwn(PRESETS, name) ? PRESETS[name] : null;
      if (!p) throw new Error(`unknown preset ${name}`);
      presetSel.value = name;
      load({ ...s.config, ...p.config }, { keepPreset: true });
      watch.textContent = p.watch;
      return s.config;
    },
  };
}
