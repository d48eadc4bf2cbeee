// The training playground: controls, the play loop and the live views.
import { DATASETS, parseCsv } from "./data.js";
import {
  createSession, stepSession, normalise, MAX_LAYERS, MAX_UNITS, INITS, unitStates,
} from "./session.js";
import { forward } from "./engine.js";
import { sigmoid } from "./activations.js";
import { fit, frame, line, fmt, mix, COLORS } from "./plot.js";
import { PRESETS } from "./presets.js";

const A = [245, 147, 34], B = [8, 119, 189];
const CLASS_RGB = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40], [23, 190, 207], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34]];
const DOMAIN = [-1.5, 1.5];

function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...kids.filter((x) => x !== null && x !== undefined));
  return e;
}

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
  let stepsPerFrame = 5;
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

  root.append(
    h("div", { class: "pg-controls panel" },
      h("div", { class: "row" }, playBtn, stepBtn, resetBtn, h("label", {}, "speed ", speed, outs.speed)),
      h("label", {}, presetSel), watch,
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
        h("label", {}, "load model ", importIn))),
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
    if (c.data === "csv" && !csv) c.data = "circles";
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
      stepSession(s, stepsPerFrame);
      render();
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
  function gridPoints(G) {
    const x = new Float64Array(G * G * 2);
    for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
      const k = i * G + j;
      x[2 * k] = DOMAIN[0] + ((DOMAIN[1] - DOMAIN[0]) * (j + 0.5)) / G;
      x[2 * k + 1] = DOMAIN[1] - ((DOMAIN[1] - DOMAIN[0]) * (i + 0.5)) / G;
    }
    return x;
  }
  const G = 36;
  const GRID = gridPoints(G);
  const img = { canvas: null };

  function outputColour(out, k, idx) {
    if (s.classes === 0) {
      const v = Math.tanh(out[idx] * 1.5);
      return v < 0 ? mix([255, 255, 255], A, -v) : mix([255, 255, 255], B, v);
    }
    if (k === 1) return mix(A, B, sigmoid(out[idx]));
    let best = 0, mx = -Infinity, sum = 0;
    for (let j = 0; j < k; j++) if (out[idx * k + j] > mx) { mx = out[idx * k + j]; best = j; }
    for (let j = 0; j < k; j++) sum += Math.exp(out[idx * k + j] - mx);
    const conf = 1 / sum;
    if (s.loss === "sse") return mix([255, 255, 255], CLASS_RGB[best % 10], Math.min(1, Math.max(0, out[idx * k + best])));
    return mix([255, 255, 255], CLASS_RGB[best % 10], Math.max(0, (conf - 1 / k) / (1 - 1 / k)) * 0.85 + 0.15);
  }

  function drawBoundary(trace) {
    const { ctx, w } = fit(boundary, boundary.clientWidth || 300);
    const out = trace[trace.length - 1].a;
    const k = s.net.sizes[s.net.sizes.length - 1];
    if (!img.canvas) { img.canvas = document.createElement("canvas"); img.canvas.width = G; img.canvas.height = G; }
    const ictx = img.canvas.getContext("2d");
    const data = ictx.createImageData(G, G);
    for (let p = 0; p < G * G; p++) {
      const c = outputColour(out, k, p);
      data.data[4 * p] = c[0]; data.data[4 * p + 1] = c[1]; data.data[4 * p + 2] = c[2]; data.data[4 * p + 3] = 150;
    }
    ictx.putImageData(data, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(img.canvas, 0, 0, w, w);
    const P = (x, y) => [((x - DOMAIN[0]) / (DOMAIN[1] - DOMAIN[0])) * w, ((DOMAIN[1] - y) / (DOMAIN[1] - DOMAIN[0])) * w];
    const pts = (X, y, n, test) => {
      for (let i = 0; i < n; i++) {
        const [px, py] = P(X[2 * i], X[2 * i + 1]);
        const c = s.classes === 0 ? (y[i] < 0 ? mix([255, 255, 255], A, Math.min(1, -y[i] * 1.5)) : mix([255, 255, 255], B, Math.min(1, y[i] * 1.5))) : CLASS_RGB[y[i] % 10];
        ctx.beginPath(); ctx.arc(px, py, test ? 3.2 : 3, 0, 2 * Math.PI);
        if (test) { ctx.strokeStyle = `rgb(${c})`; ctx.lineWidth = 1.6; ctx.stroke(); } else { ctx.fillStyle = `rgb(${c})`; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 0.8; ctx.stroke(); }
      }
    };
    pts(s.Xtr, s.ytrRaw, s.ntr, false);
    pts(s.Xte, s.yteRaw, s.nte, true);
  }

  function drawLoss() {
    const { ctx, w, h: hh } = fit(lossCanvas, lossCanvas.clientHeight || 180);
    const hist = s.history;
    const xs = hist.map((r) => r.step);
    const tr = hist.map((r) => r.train_loss), te = hist.map((r) => r.test_loss);
    const finite = [...tr, ...te].filter((v) => Number.isFinite(v) && v > 0);
    const lo = finite.length ? Math.min(...finite) : 1e-3, hi = finite.length ? Math.max(...finite) : 1;
    const F = frame(ctx, w, hh, { xr: [0, Math.max(10, s.step)], yr: [lo / 1.5, hi * 1.5], logy: true, title: `loss (${s.loss})` });
    line(ctx, F, xs, tr, COLORS[0], 2);
    line(ctx, F, xs, te, COLORS[1], 1.6, [5, 3]);
  }

  function drawGrads() {
    const { ctx, w, h: hh } = fit(gradCanvas, gradCanvas.clientHeight || 180);
    const g = s.last?.grad_norms || [];
    const pos = g.filter((v) => v > 0 && Number.isFinite(v));
    const lo = pos.length ? Math.min(...pos) / 3 : 1e-6, hi = pos.length ? Math.max(...pos) * 3 : 1;
    const F = frame(ctx, w, hh, { xr: [0, g.length || 1], yr: [lo, hi], logy: true, title: "gradient norm per layer", pad: [28, 8, 20, 48], xticks: false });
    g.forEach((v, i) => {
      if (!(v > 0)) return;
      const x0 = F.X(i + 0.15), x1 = F.X(i + 0.85);
      const y = F.Y(Math.min(hi, v));
      ctx.fillStyle = Number.isFinite(v) ? COLORS[2] : COLORS[1];
      ctx.fillRect(x0, y, x1 - x0, F.bottom - y);
    });
    ctx.fillStyle = "#555"; ctx.textAlign = "center";
    g.forEach((_, i) => ctx.fillText(i === g.length - 1 ? "out" : String(i + 1), F.X(i + 0.5), hh - 6));
  }

  function drawUnits(states) {
    unitsTable.textContent = "";
    unitsTable.append(h("tr", {}, h("th", { text: "layer" }), h("th", { text: "activation" }), h("th", { text: "units" }), h("th", { text: "dead" }), h("th", { text: "saturated" })));
    states.dead.forEach((d, l) => {
      unitsTable.append(h("tr", {}, h("td", { text: String(l + 1) }), h("td", { text: s.config.acts[l] }), h("td", { text: String(s.config.layers[l]) }),
        h("td", { class: d.length ? "bad" : "", text: String(d.length) }), h("td", { class: states.saturated[l].length ? "warn" : "", text: String(states.saturated[l].length) })));
    });
  }

  function drawNeurons(trace, states) {
    const l = neuronLayer;
    if (l < 0 || l >= s.config.layers.length) { neurons.textContent = ""; return; }
    const a = trace[l].a, n = s.net.layers[l].nout;
    while (neurons.children.length > n) neurons.lastChild.remove();
    while (neurons.children.length < n) { const c = document.createElement("canvas"); c.width = G; c.height = G; c.className = "neuron"; neurons.append(c); }
    let lo = Infinity, hi = -Infinity;
    for (const v of a) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const span = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
    for (let j = 0; j < n; j++) {
      const c = neurons.children[j];
      const ctx = c.getContext("2d");
      const data = ctx.createImageData(G, G);
      for (let p = 0; p < G * G; p++) {
        const v = a[p * n + j] / span;
        const col = v < 0 ? mix([255, 255, 255], A, Math.min(1, -v)) : mix([255, 255, 255], B, Math.min(1, v));
        data.data[4 * p] = col[0]; data.data[4 * p + 1] = col[1]; data.data[4 * p + 2] = col[2]; data.data[4 * p + 3] = 255;
      }
      ctx.putImageData(data, 0, 0);
      const dead = states.dead[l]?.includes(j), sat = states.saturated[l]?.includes(j);
      c.classList.toggle("dead", !!dead);
      c.classList.toggle("sat", !dead && !!sat);
      c.title = `layer ${l + 1}, unit ${j + 1}${dead ? " (dead)" : sat ? " (saturated)" : ""}`;
    }
  }

  function drawHists(trainTrace) {
    const L = s.config.layers.length;
    while (hists.children.length > L) hists.lastChild.remove();
    while (hists.children.length < L) { const c = document.createElement("canvas"); c.className = "plot hist"; hists.append(c); }
    for (let l = 0; l < L; l++) {
      const c = hists.children[l];
      const { ctx, w, h: hh } = fit(c, 120);
      const z = trainTrace[l].z;
      let lo = Infinity, hi = -Infinity;
      for (const v of z) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const m = Math.max(Math.abs(lo), Math.abs(hi), 1);
      const xr = [-Math.min(m * 1.1, 50), Math.min(m * 1.1, 50)];
      const act = s.net.layers[l].act;
      const xs = Array.from({ length: 121 }, (_, i) => xr[0] + ((xr[1] - xr[0]) * i) / 120);
      const fv = xs.map(act.f), dv = xs.map(act.df);
      const fin = [...fv, ...dv].filter(Number.isFinite);
      const yr = [Math.min(0, ...fin), Math.max(1, ...fin)];
      const F = frame(ctx, w, hh, { xr, yr, title: `layer ${l + 1}: ${act.name}`, pad: [22, 8, 18, 30] });
      const bins = 30, cnt = new Array(bins).fill(0);
      for (const v of z) { const b = Math.floor(((v - xr[0]) / (xr[1] - xr[0])) * bins); if (b >= 0 && b < bins) cnt[b]++; }
      const cmax = Math.max(...cnt, 1);
      ctx.fillStyle = "rgba(120,120,120,0.35)";
      cnt.forEach((n, b) => {
        const x0 = F.X(xr[0] + ((xr[1] - xr[0]) * b) / bins), x1 = F.X(xr[0] + ((xr[1] - xr[0]) * (b + 1)) / bins);
        const y = F.bottom - (n / cmax) * (F.bottom - F.top);
        ctx.fillRect(x0, y, Math.max(1, x1 - x0 - 1), F.bottom - y);
      });
      line(ctx, F, xs, fv, COLORS[0], 1.6);
      line(ctx, F, xs, dv, COLORS[1], 1.3, [4, 3]);
    }
  }

  function render() {
    frames++;
    const gridTrace = forward(s.net, GRID, G * G).trace;
    const trainTrace = forward(s.net, s.Xtr, s.ntr).trace;
    const states = unitStates(s, trainTrace);
    drawBoundary(gridTrace);
    drawLoss();
    drawGrads();
    drawUnits(states);
    drawNeurons(gridTrace, states);
    drawHists(trainTrace);
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
    frames: () => frames,
    lossCanvas, exportModelBtn, exportCsvBtn, exportPngBtn, importIn,
    keys(ev) {
      if (ev.key === " ") { playing ? pause() : play(); return true; }
      if (ev.key === "s") { pause(); stepSession(s, 1); render(); return true; }
      if (ev.key === "r") { pause(); load(s.config, { keepPreset: true }); return true; }
      return false;
    },
    preset(name) {
      const p = PRESETS[name];
      if (!p) throw new Error(`unknown preset ${name}`);
      presetSel.value = name;
      load({ ...s.config, ...p.config }, { keepPreset: true });
      watch.textContent = p.watch;
      return s.config;
    },
  };
}
