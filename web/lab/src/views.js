// The playground's live views, drawn from a session: decision boundary / regression surface,
// loss curves, per-layer gradient norms, dead and saturated units, neuron maps, histograms.
import { sigmoid } from "./activations.js";
import { fit, frame, line, mix, COLORS } from "./plot.js";
import { h } from "./dom.js";

const A = [245, 147, 34], B = [8, 119, 189];
const CLASS_RGB = [[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189], [214, 39, 40], [23, 190, 207], [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34]];
/** The square of the input plane the views show: [-1.5, 1.5]^2, or wider to hold all the data. */
export function domainOf(s) {
  if (s._domain) return s._domain;
  let m = 1.5;
  for (const X of [s.Xtr, s.Xte]) for (const v of X) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v) * 1.1);
  s._domain = [-m, m];
  return s._domain;
}

/** G x G cell centres over the domain, row 0 at the top (cached per session). */
export function gridFor(s) {
  if (!s._grid) s._grid = gridPoints(G, domainOf(s));
  return s._grid;
}

export function gridPoints(G, DOMAIN) {
  const x = new Float64Array(G * G * 2);
  for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
    const k = i * G + j;
    x[2 * k] = DOMAIN[0] + ((DOMAIN[1] - DOMAIN[0]) * (j + 0.5)) / G;
    x[2 * k + 1] = DOMAIN[1] - ((DOMAIN[1] - DOMAIN[0]) * (i + 0.5)) / G;
  }
  return x;
}
export const G = 32;
const img = { canvas: null };

function outputColour(s, out, k, idx) {
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

export function drawBoundary(s, boundary, trace) {
  const { ctx, w } = fit(boundary, boundary.clientWidth || 300);
  const out = trace[trace.length - 1].a;
  const k = s.net.sizes[s.net.sizes.length - 1];
  if (!img.canvas) { img.canvas = document.createElement("canvas"); img.canvas.width = G; img.canvas.height = G; }
  const ictx = img.canvas.getContext("2d");
  const data = ictx.createImageData(G, G);
  for (let p = 0; p < G * G; p++) {
    const c = outputColour(s, out, k, p);
    data.data[4 * p] = c[0]; data.data[4 * p + 1] = c[1]; data.data[4 * p + 2] = c[2]; data.data[4 * p + 3] = 150;
  }
  ictx.putImageData(data, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(img.canvas, 0, 0, w, w);
  const DOMAIN = domainOf(s);
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

export function drawLoss(s, lossCanvas) {
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

export function drawGrads(s, gradCanvas) {
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
  const every = Math.ceil(g.length / Math.max(1, Math.floor((F.right - F.left) / 22)));
  g.forEach((_, i) => {
    if (i === g.length - 1) ctx.fillText("out", F.X(i + 0.5), hh - 6);
    else if (i % every === 0 && g.length - 1 - i >= every) ctx.fillText(String(i + 1), F.X(i + 0.5), hh - 6);
  });
  if (g.length && !pos.length) {
    ctx.fillStyle = "#d62728"; ctx.textAlign = "center";
    ctx.fillText("every weight gradient is exactly 0", (F.left + F.right) / 2, (F.top + F.bottom) / 2);
  }
}

export function drawUnits(s, unitsTable, states) {
  unitsTable.textContent = "";
  unitsTable.append(h("tr", {}, h("th", { text: "layer" }), h("th", { text: "activation" }), h("th", { text: "units" }), h("th", { text: "dead" }), h("th", { text: "saturated" })));
  states.dead.forEach((d, l) => {
    unitsTable.append(h("tr", {}, h("td", { text: String(l + 1) }), h("td", { text: s.config.acts[l] }), h("td", { text: String(s.config.layers[l]) }),
      h("td", { class: d.length ? "bad" : "", text: String(d.length) }), h("td", { class: states.saturated[l].length ? "warn" : "", text: String(states.saturated[l].length) })));
  });
}

export function drawNeurons(s, neurons, l, trace, states) {
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

export function drawHists(s, hists, trainTrace) {
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
