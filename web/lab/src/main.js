// The page: tabs, URL-hash state, keyboard, downloads and the window.actlab testing hook.
import { registryFromCatalogue } from "./catalogue.js";
import { createExplorer, curveFn } from "./explorer.js";
import { createPlayground } from "./playground.js";
import { toHash, fromHash, stepSession, measure, recordNow, exportModelBytes, importModelBytes, batchIndices } from "./session.js";
import { toBase64, fromBase64 } from "./npz.js";
import { PRESETS } from "./presets.js";
import { predict } from "./engine.js";

function download(name, blob) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

function start() {
  const initialHash = location.hash;
  const catalogue = JSON.parse(document.getElementById("actlab-catalogue").textContent);
  const registry = registryFromCatalogue(catalogue);
  const mode = document.documentElement.dataset.mode || "full";
  const tabs = { explorer: document.getElementById("tab-explorer"), playground: document.getElementById("tab-playground") };
  const panes = { explorer: document.getElementById("explorer"), playground: document.getElementById("playground") };
  let tab = "explorer";
  let pg = null;

  function writeHash() {
    if (mode !== "full") return;
    const h = `#tab=${tab}&fn=${ex.state.primary}&${pg ? toHash(pg.session.config) : ""}`;
    try { history.replaceState(null, "", h); } catch { location.hash = h; }
  }

  function show(name) {
    tab = name;
    for (const [k, el] of Object.entries(panes)) el.hidden = k !== name;
    for (const [k, el] of Object.entries(tabs)) { if (el) { el.setAttribute("aria-selected", String(k === name)); el.classList.toggle("active", k === name); } }
    if (name === "explorer") ex.draw(); else pg?.render();
    writeHash();
  }

  const ex = createExplorer(panes.explorer, registry, () => writeHash());
  const startFn = /(?:^#|&)fn=(\w+)/.exec(initialHash)?.[1] || catalogue.start?.fn;
  if (startFn) ex.select(startFn);
  if (Array.isArray(catalogue.start?.compare)) ex.compareWith(catalogue.start.compare);
  if (mode === "full") {
    pg = createPlayground(panes.playground, registry, { onConfig: () => writeHash() });
    const h = fromHash(initialHash);
    const t = /(?:^#|&)tab=(\w+)/.exec(initialHash)?.[1];
    pg.load(h);
    tabs.explorer.addEventListener("click", () => show("explorer"));
    tabs.playground.addEventListener("click", () => show("playground"));
    pg.exportModelBtn.addEventListener("click", () => download("lab-model.npz", new Blob([exportModelBytes(pg.session)], { type: "application/octet-stream" })));
    pg.exportCsvBtn.addEventListener("click", () => download("lab-curves.csv", new Blob([pg.curvesCsv()], { type: "text/csv" })));
    pg.exportPngBtn.addEventListener("click", () => pg.lossCanvas.toBlob((b) => download("lab-curves.png", b)));
    pg.importIn.addEventListener("change", async () => {
      const f = pg.importIn.files?.[0];
      if (!f) return;
      try {
        if (f.size > 64e6) throw new Error("file larger than 64 MB");
        importModelBytes(pg.session, new Uint8Array(await f.arrayBuffer()));
        pg.render();
      } catch (e) { document.getElementById("pg-status").textContent = `model not loaded: ${e.message}`; }
    });
    document.addEventListener("keydown", (ev) => {
      if (tab !== "playground" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const t = ev.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA" || t.tagName === "BUTTON")) return;
      if (pg.keys(ev)) ev.preventDefault();
    });
    show(t === "playground" ? "playground" : "explorer");
  } else {
    show("explorer");
  }
  window.addEventListener("resize", () => (tab === "explorer" ? ex.draw() : pg?.render()));

  // ---------------------------------------------------------------------------- testing hook
  const api = {
    version: 1,
    catalogue: () => catalogue,
    explorer: ex,
    evaluate: (name, xs, params = {}) => {
      const e = registry.entries.find((q) => q.name === name);
      if (!e) throw new Error(`unknown function ${name}`);
      const c = curveFn(e, { ...registry.defaults[name], ...params });
      return xs.map((x) => [c.f(x), c.df(x)]);
    },
    show,
    config: () => (pg ? JSON.parse(JSON.stringify(pg.session.config)) : null),
    load: (cfg) => { pg.pause(); const c = pg.load(cfg); writeHash(); return c; },
    step: (n = 1) => { pg.pause(); const r = stepSession(pg.session, n); pg.render(); return r; },
    record: () => pg.session.last || measure(pg.session, pg.session.gradNorms),
    play: () => pg.play(),
    pause: () => pg.pause(),
    playing: () => pg.playing(),
    speed: (n) => pg.speed(n),
    frames: () => pg.frames(),
    preset: (name) => { pg.pause(); const c = pg.preset(name); writeHash(); return c; },
    presets: () => Object.fromEntries(Object.entries(PRESETS).map(([k, p]) => [k, { title: p.title, watch: p.watch, config: p.config }])),
    exportCurves: () => pg.curvesCsv(),
    exportModel: () => ({ format: "npz", filename: "lab-model.npz", base64: toBase64(exportModelBytes(pg.session)) }),
    importModel: (data) => {
      let bytes = data;
      if (typeof data === "string") bytes = fromBase64(data);
      else if (data && typeof data.base64 === "string") bytes = fromBase64(data.base64);
      else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
      const model = importModelBytes(pg.session, bytes);
      recordNow(pg.session);
      pg.render();
      return model;
    },
    exportData: (steps) => {
      const s = pg.session;
      const per = Math.ceil(s.ntr / s.config.batch);
      const n = steps ?? per;
      const batches = [];
      for (let t = s.step; t < s.step + n; t++) batches.push(batchIndices(s, t));
      return {
        train: { X: Array.from(s.Xtr), y: s.ytrRaw }, test: { X: Array.from(s.Xte), y: s.yteRaw },
        classes: s.classes, loss: s.loss, step: s.step, batches,
        rule: "step t uses epoch e = floor(t / ceil(n_train / batch)); epoch e is the Fisher-Yates permutation drawn by mulberry32(seed * 65537 + e + 1); the batch is its slice [(t mod per) * batch, +batch)",
      };
    },
    predict: (X) => {
      const s = pg.session;
      const x = Float64Array.from(X.flat());
      return Array.from(predict(s.net, x, X.length));
    },
  };
  window.actlab = api;
  document.documentElement.dataset.ready = "1";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
