// A playground run: config -> data, network, optimizer, batch schedule; step(), record(),
// model export/import in actlab's file format. No DOM here (node runs it in the tests).
import { makeDataset, DATASETS, splitSet } from "./data.js";
import { createRng, permutation } from "./rng.js";
import {
  createNetwork, createOptimizer, trainStep, evaluate, forward, parameters, lossValueAndGrad,
} from "./engine.js";
import { npyFloat64, npyUnicode, zipStored, readNpz } from "./npz.js";

export const DEFAULTS = {
  data: "circles", n: 300, noise: 0.1, split: 0.3,
  layers: [8, 8], acts: ["tanh", "tanh"],
  init: "auto", bias: 0, loss: "auto", opt: "sgd", lr: 0.1, batch: 10,
  l1: 0, l2: 0, clip: 0, seed: 1,
};
export const MAX_LAYERS = 32;
export const MAX_UNITS = 32;
export const INITS = ["auto", "he_normal", "glorot_uniform", "lecun_normal"];
const TRUNC_STD = 0.87962566103423978;

/** A complete, validated config (unknown keys dropped, numbers clamped). */
export function normalise(cfg, actNames) {
  const c = { ...DEFAULTS, ...(cfg || {}) };
  const num = (v, lo, hi, d) => { const x = Number(v); return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : d; };
  c.data = Object.hasOwn(DATASETS, c.data) || c.data === "csv" ? c.data : DEFAULTS.data;
  c.n = Math.round(num(c.n, 20, 2000, DEFAULTS.n));
  c.noise = num(c.noise, 0, 1, DEFAULTS.noise);
  c.split = num(c.split, 0.1, 0.9, DEFAULTS.split);
  let layers = Array.isArray(c.layers) ? c.layers : String(c.layers).split(",").filter(Boolean);
  layers = layers.slice(0, MAX_LAYERS).map((u) => Math.round(num(u, 1, MAX_UNITS, 4)));
  let acts = Array.isArray(c.acts) ? c.acts : String(c.acts).split(",").filter(Boolean);
  acts = layers.map((_, i) => {
    const a = acts[i] ?? acts[acts.length - 1] ?? "tanh";
    return actNames.includes(a) ? a : "tanh";
  });
  c.layers = layers;
  c.acts = acts;
  c.init = INITS.includes(c.init) ? c.init : "auto";
  c.bias = Number(c.bias) === 0.1 ? 0.1 : 0;
  c.loss = ["auto", "softmax_cross_entropy", "binary_cross_entropy", "sse"].includes(c.loss) ? c.loss : "auto";
  c.opt = ["sgd", "momentum", "adam"].includes(c.opt) ? c.opt : "sgd";
  c.lr = num(c.lr, 1e-5, 10, DEFAULTS.lr);
  c.batch = Math.round(num(c.batch, 1, 500, DEFAULTS.batch));
  c.l1 = num(c.l1, 0, 1, 0);
  c.l2 = num(c.l2, 0, 1, 0);
  c.clip = num(c.clip, 0, 100, 0);
  c.seed = Math.round(num(c.seed, 0, 2 ** 31 - 1, 1));
  for (const k of Object.keys(c)) if (!Object.hasOwn(DEFAULTS, k)) delete c[k];
  return c;
}

/** Config <-> URL hash ("data=circles&layers=8,8&acts=tanh,tanh&..."). */
export function toHash(c) {
  return Object.keys(DEFAULTS).map((k) => `${k}=${encodeURIComponent(Array.isArray(c[k]) ? c[k].join(",") : c[k])}`).join("&");
}
export function fromHash(h) {
  const out = {};
  for (const part of h.replace(/^#/, "").split("&")) {
    const [k, v] = part.split("=");
    if (k && v !== undefined && Object.hasOwn(DEFAULTS, k)) out[k] = decodeURIComponent(v);
  }
  return out;
}

export function effectiveLoss(c, classes) {
  if (classes === 0) return "sse";
  if (c.loss !== "auto") return c.loss;
  return classes === 2 ? "binary_cross_entropy" : "softmax_cross_entropy";
}

function outputs(loss, classes) {
  if (classes === 0) return 1;
  return loss === "binary_cross_entropy" && classes === 2 ? 1 : classes;
}

/** Targets as the loss wants them: labels (softmax CE), 0/1 column (binary), one-hot, values. */
function targets(loss, classes, y) {
  if (classes === 0) return Float64Array.from(y);
  if (loss === "softmax_cross_entropy") return Int32Array.from(y);
  const k = outputs(loss, classes);
  if (k === 1) return Float64Array.from(y);
  const t = new Float64Array(y.length * k);
  y.forEach((c, i) => { t[i * k + c] = 1; });
  return t;
}

function initName(c, act, infoInit) {
  if (c.init !== "auto") return c.init;
  return (act && infoInit[act]) || "glorot_uniform";
}

function drawWeights(name, nin, nout, rng) {
  const w = new Float64Array(nin * nout);
  const scale = name === "he_normal" ? 2 : 1;
  const fan = name === "glorot_uniform" ? (nin + nout) / 2 : nin;
  const v = scale / Math.max(fan, 1);
  if (name === "glorot_uniform") {
    const lim = Math.sqrt(3 * v);
    for (let i = 0; i < w.length; i++) w[i] = -lim + 2 * lim * rng.next();
  } else {
    const s = Math.sqrt(v) / TRUNC_STD;
    for (let i = 0; i < w.length; i++) {
      let z;
      do { z = rng.normal(); } while (Math.abs(z) > 2);
      w[i] = z * s;
    }
  }
  return w;
}

/**
 * A run. registry: the page's catalogue (names, params defaults, info.init) — only entries
 * with JS kernels may be hidden activations (acts). csv: an optional {X, y, classes}.
 */
export function createSession(config, registry, csv = null) {
  const actNames = registry.hidden;
  const c = normalise(config, actNames);
  if (c.data === "csv" && !csv) c.data = DEFAULTS.data;
  let ds;
  if (c.data === "csv") {
    ds = splitSet(csv.X, csv.y, c.split, createRng(c.seed * 7919 + 17), csv.classes);
  } else {
    ds = makeDataset(c.data, { n: c.n, noise: c.noise, testFraction: c.split, seed: c.seed });
  }
  const classes = ds.classes;
  const loss = effectiveLoss(c, classes);
  const k = outputs(loss, classes);
  const sizes = [2, ...c.layers, k];
  const activations = c.acts.map((name) => ({ name, params: { ...(registry.defaults[name] || {}) } }));
  const net = createNetwork(sizes, activations);
  const rng = createRng(c.seed * 104729 + 3);
  const inits = [];
  net.layers.forEach((L, l) => {
    const name = initName(c, c.acts[l], registry.init);
    inits.push(name);
    L.W.set(drawWeights(name, L.nin, L.nout, rng));
    L.b.fill(l < net.layers.length - 1 ? c.bias : 0);
  });
  const flat = (X) => Float64Array.from(X.flat());
  const s = {
    config: c, classes, loss, net, inits,
    Xtr: flat(ds.Xtr), Xte: flat(ds.Xte), ntr: ds.Xtr.length, nte: ds.Xte.length,
    ytrRaw: ds.ytr, yteRaw: ds.yte,
    ytr: targets(loss, classes, ds.ytr), yte: targets(loss, classes, ds.yte),
    opt: null, step: 0, history: [], last: null, diverged: false,
  };
  s.opt = createOptimizer(c.opt, { lr: c.lr, momentum: 0.9 }, parameters(net));
  s.history.push(measure(s, null));
  return s;
}

/** Training-set indices of step `t` (0-based): epoch e = floor(t / per) is a Fisher-Yates
 * permutation from createRng(seed * 65537 + e + 1); the batch is its slice [pos, pos + batch). */
export function batchIndices(s, t) {
  const per = Math.ceil(s.ntr / s.config.batch);
  const e = Math.floor(t / per), pos = (t % per) * s.config.batch;
  if (!s._perm || s._permEpoch !== e) {
    s._perm = permutation(createRng(s.config.seed * 65537 + e + 1), s.ntr);
    s._permEpoch = e;
  }
  return s._perm.slice(pos, Math.min(pos + s.config.batch, s.ntr));
}

function gather(s, idx) {
  const x = new Float64Array(idx.length * 2);
  const k = s.loss === "softmax_cross_entropy" ? 1 : s.ytr.length / s.ntr;
  const y = s.loss === "softmax_cross_entropy" ? new Int32Array(idx.length) : new Float64Array(idx.length * k);
  idx.forEach((j, i) => {
    x[2 * i] = s.Xtr[2 * j]; x[2 * i + 1] = s.Xtr[2 * j + 1];
    for (let q = 0; q < k; q++) y[i * k + q] = s.ytr[j * k + q];
  });
  return { x, y };
}

/** Train n steps; returns the latest record (also kept in s.history). */
export function stepSession(s, n = 1, { measureEvery = 0, record = true } = {}) {
  for (let i = 0; i < n && !s.diverged; i++) {
    const idx = batchIndices(s, s.step);
    const { x, y } = gather(s, idx);
    const r = trainStep(s.net, s.opt, {
      loss: s.loss, l1: s.config.l1, l2: s.config.l2, clipNorm: s.config.clip || 0,
    }, x, y, idx.length);
    if (r.diverged) { s.diverged = true; break; }
    s.step += 1;
    s.lastBatchLoss = r.loss;
    s.gradNorms = r.gradNorms;
    if (measureEvery && s.step % measureEvery === 0 && i < n - 1) s.history.push(measure(s, r.gradNorms));
  }
  return record ? recordNow(s) : null;
}

/** Measure now, append to the history and return the record. */
export function recordNow(s, { units = true } = {}) {
  const rec = measure(s, s.gradNorms, { units });
  s.history.push(rec);
  if (s.history.length > 4000) s.history.splice(1, s.history.length - 2000);
  s.last = rec;
  return rec;
}

/** {step, train_loss, test_loss, batch_loss, grad_norms, dead, saturated} on the full sets. */
export function measure(s, gradNorms, { units = true } = {}) {
  const { out, trace } = forward(s.net, s.Xtr, s.ntr);
  const k = s.net.sizes[s.net.sizes.length - 1];
  const trainLoss = lossValueAndGrad(s.loss, out, s.ytr, s.ntr, k).value;
  const testLoss = evaluate(s.net, s.loss, s.Xte, s.yte, s.nte);
  // units: false reuses the last dead/saturated scan (the play loop refreshes it with the views)
  const states = units || !s.lastStates ? unitStates(s, trace) : s.lastStates;
  s.lastTrace = trace;
  s.measuredStep = s.step;
  s.lastStates = states;
  const { dead, saturated } = states;
  return {
    step: s.step, train_loss: trainLoss, test_loss: testLoss,
    batch_loss: s.lastBatchLoss ?? null,
    grad_norms: gradNorms ? Array.from(gradNorms) : layerGradNorms(s),
    dead: dead.map((u) => u.length), saturated: saturated.map((u) => u.length),
    diverged: s.diverged,
  };
}

function layerGradNorms(s) { return s.net.layers.map(() => 0); }

/** Per hidden layer: units with f'(z) = 0 on every training point (dead), and units with
 * |f'(z)| < 0.01 on at least 90 % of them (saturated, not dead). */
export function unitStates(s, trace = null) {
  const tr = trace || forward(s.net, s.Xtr, s.ntr).trace;
  const dead = [], saturated = [];
  s.net.layers.forEach((L, l) => {
    if (!L.act) return;
    const z = tr[l].z, d = [], sat = [];
    for (let j = 0; j < L.nout; j++) {
      let zero = 0, small = 0;
      for (let i = 0; i < s.ntr; i++) {
        const g = Math.abs(L.act.df(z[i * L.nout + j]));
        if (g === 0) zero++;
        if (g < 0.01) small++;
      }
      if (zero === s.ntr) d.push(j);
      else if (small >= 0.9 * s.ntr) sat.push(j);
    }
    dead.push(d);
    saturated.push(sat);
  });
  return { dead, saturated };
}

// ------------------------------------------------------------------------------ model files
/** actlab.nn model config of the run (Sequential.config(): Dense/Activation layers, float64). */
export function modelConfig(s) {
  const layers = [];
  s.net.layers.forEach((L, l) => {
    const bias = l < s.net.layers.length - 1 && s.config.bias ? `constant:${s.config.bias}` : "zeros";
    layers.push({ type: "Dense", config: { in_features: L.nin, out_features: L.nout, init: s.inits[l], bias_init: bias, bias: true } });
    if (L.act) {
      const expr = L.act.expr !== undefined ? { expr: L.act.expr } : {};
      layers.push({ type: "Activation", config: { name: L.act.name, ...L.act.params, ...expr } });
    }
  });
  return { layers, seed: s.config.seed, dtype: "float64" };
}

/** The actlab model file (npz bytes): actlab.nn.load opens it. */
export function exportModelBytes(s) {
  const files = {};
  files["__actlab__.npy"] = npyUnicode(JSON.stringify({ format: "actlab.nn.Sequential/1", model: modelConfig(s) }));
  let idx = 0;
  for (const L of s.net.layers) {
    files[`${idx}.params.W.npy`] = npyFloat64(L.W, [L.nin, L.nout]);
    files[`${idx}.params.b.npy`] = npyFloat64(L.b, [L.nout]);
    idx += L.act ? 2 : 1;
  }
  return zipStored(files);
}

/** Load weights from actlab model bytes into the run (the architecture must match). */
export function importModelBytes(s, bytes) {
  const arrays = readNpz(bytes);
  const meta = arrays.__actlab__;
  if (!meta || meta.text === undefined) throw new Error("not an actlab model file (no __actlab__ record)");
  const info = JSON.parse(meta.text);
  if (info.format !== "actlab.nn.Sequential/1") throw new Error(`unsupported format ${info.format}`);
  const layers = info.model?.layers;
  const want = modelConfig(s).layers;
  if (!Array.isArray(layers) || layers.length !== want.length
      || layers.some((l, i) => l.type !== want[i].type || (l.type === "Activation" && JSON.stringify(l.config) !== JSON.stringify(want[i].config)))) {
    throw new Error("the file's architecture differs from this network (set the same layers and activations first)");
  }
  let idx = 0;
  for (const L of s.net.layers) {
    const W = arrays[`${idx}.params.W`], b = arrays[`${idx}.params.b`];
    if (!W || !b || W.shape.join() !== `${L.nin},${L.nout}` || b.shape.join() !== `${L.nout}`) {
      throw new Error(`layer ${idx}: the file's arrays do not fit this network (${L.nin} -> ${L.nout})`);
    }
    L.W.set(W.data);
    L.b.set(b.data);
    idx += L.act ? 2 : 1;
  }
  return info.model;
}
