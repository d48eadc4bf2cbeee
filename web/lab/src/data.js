// 2-D data sets for the playground, generated from a seed. Classification sets have integer
// labels 0..K-1; the regression plane has a real target. Points lie roughly in [-1, 1]^2 (the
// articles' toy set is {0, 1}^2).
import { createRng, permutation } from "./rng.js";

export const DATASETS = {
  toy: { label: "articles' toy set (4 points, XOR)", classes: 2 },
  xor: { label: "xor (noisy quadrants)", classes: 2 },
  circles: { label: "circles", classes: 2 },
  gauss: { label: "two Gaussians", classes: 2 },
  spirals: { label: "spirals", classes: 2 },
  moons: { label: "moons", classes: 2 },
  blobs3: { label: "three classes (blobs)", classes: 3 },
  spiral3: { label: "three-arm spiral", classes: 3 },
  plane: { label: "regression plane", classes: 0 },
};

function points(name, n, noise, rng) {
  const X = [], y = [];
  const nrm = () => rng.normal();
  const uni = (lo, hi) => lo + (hi - lo) * rng.next();
  if (name === "toy") {
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]]) { X.push([a, b]); y.push(a ^ b); }
    return { X, y };
  }
  for (let i = 0; i < n; i++) {
    let p, c;
    if (name === "xor") {
      p = [uni(-1, 1), uni(-1, 1)];
      c = p[0] * p[1] >= 0 ? 0 : 1;
      p = [p[0] + noise * 0.5 * nrm(), p[1] + noise * 0.5 * nrm()];
    } else if (name === "circles") {
      c = i % 2;
      const r = c === 0 ? uni(0, 0.45) : uni(0.65, 1.0);
      const t = uni(0, 2 * Math.PI);
      p = [r * Math.cos(t) + noise * 0.15 * nrm(), r * Math.sin(t) + noise * 0.15 * nrm()];
    } else if (name === "gauss") {
      c = i % 2;
      const m = c === 0 ? 0.5 : -0.5;
      const s = 0.15 + 0.35 * noise;
      p = [m + s * nrm(), m + s * nrm()];
    } else if (name === "spirals" || name === "spiral3") {
      const k = name === "spirals" ? 2 : 3;
      c = i % k;
      const r = (Math.floor(i / k) + 1) / Math.ceil(n / k);
      const t = 1.75 * 2 * Math.PI * r + (2 * Math.PI * c) / k + noise * 0.6 * nrm();
      p = [r * Math.sin(t), r * Math.cos(t)];
    } else if (name === "moons") {
      c = i % 2;
      const t = uni(0, Math.PI);
      p = c === 0 ? [Math.cos(t) - 0.5, Math.sin(t) - 0.25] : [0.5 - Math.cos(t), 0.25 - Math.sin(t)];
      p = [p[0] * 0.66 + noise * 0.2 * nrm(), p[1] * 0.66 + noise * 0.2 * nrm()];
    } else if (name === "blobs3") {
      c = i % 3;
      const a = (2 * Math.PI * c) / 3 + 0.5;
      const s = 0.12 + 0.3 * noise;
      p = [0.55 * Math.cos(a) + s * nrm(), 0.55 * Math.sin(a) + s * nrm()];
    } else if (name === "plane") {
      p = [uni(-1, 1), uni(-1, 1)];
      c = 0.6 * p[0] - 0.4 * p[1] + noise * 0.2 * nrm();
    } else {
      throw new Error(`unknown data set ${name}`);
    }
    X.push(p);
    y.push(c);
  }
  return { X, y };
}

/**
 * {Xtr, ytr, Xte, yte (plain arrays), classes}: n points, split by testFraction after a seeded
 * permutation. The toy set uses its 4 points for both train and test.
 */
export function makeDataset(name, { n = 300, noise = 0.1, testFraction = 0.3, seed = 1 } = {}) {
  const rng = createRng(seed * 7919 + 17);
  const { X, y } = points(name, n, noise, rng);
  const classes = DATASETS[name].classes;
  if (name === "toy") return { Xtr: X, ytr: y, Xte: X.slice(), yte: y.slice(), classes };
  return splitSet(X, y, testFraction, rng, classes);
}

export function splitSet(X, y, testFraction, rng, classes) {
  const order = permutation(rng, X.length);
  const nte = Math.min(X.length - 1, Math.round(testFraction * X.length));
  const te = order.slice(0, nte), tr = order.slice(nte);
  return {
    Xtr: tr.map((i) => X[i]), ytr: tr.map((i) => y[i]),
    Xte: te.map((i) => X[i]), yte: te.map((i) => y[i]), classes,
  };
}

/**
 * Parse "x1,x2,label" CSV text (an optional header line is skipped). Integer labels make a
 * classification set (relabelled 0..K-1 in sorted order), anything else a regression target.
 * Throws an Error naming the first bad line.
 */
export function parseCsv(text, maxRows = 20000) {
  const rows = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const cells = line.split(/[,;\t]/).map((s) => s.trim());
    const nums = cells.map(Number);
    if (cells.length !== 3 || nums.some((v) => !Number.isFinite(v))) {
      if (rows.length === 0 && i === 0) continue; // header
      throw new Error(`line ${i + 1}: expected three numbers x1,x2,label, got ${JSON.stringify(line.slice(0, 60))}`);
    }
    rows.push(nums);
    if (rows.length > maxRows) throw new Error(`more than ${maxRows} rows`);
  }
  if (rows.length < 4) throw new Error(`need at least 4 rows, got ${rows.length}`);
  const labels = rows.map((r) => r[2]);
  const integer = labels.every((v) => Number.isInteger(v));
  const distinct = [...new Set(labels)].sort((a, b) => a - b);
  const classify = integer && distinct.length >= 2 && distinct.length <= 10;
  const X = rows.map((r) => [r[0], r[1]]);
  const y = classify ? labels.map((v) => distinct.indexOf(v)) : labels;
  return { X, y, classes: classify ? distinct.length : 0 };
}
