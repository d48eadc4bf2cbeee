// Hand-written canvas plotting: sized canvases, axes with ticks, polylines, bars, heatmaps.

export const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

/** Resize the canvas backing store to its CSS size (times the pixel ratio); returns ctx. */
export function fit(canvas, height) {
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  const w = Math.max(50, canvas.clientWidth || canvas.parentElement?.clientWidth || 300);
  const h = height ?? (canvas.clientHeight || 200);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

export function niceTicks(lo, hi, n = 5) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Math.abs(v) < 1e-12 ? 0 : v);
  return out;
}

export function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

/** A plot frame: {x(v), y(v), inv(px)}, axes drawn. opts: {xr, yr, pad, logy, title, xlabel}. */
export function frame(ctx, w, h, { xr, yr, logy = false, title = "", pad = [28, 14, 20, 40], xticks = true }) {
  const [top, right, bottom, left] = pad;
  const ty = (v) => (logy ? Math.log10(Math.max(v, 1e-300)) : v);
  const y0 = ty(yr[0]), y1 = ty(yr[1]);
  const X = (v) => left + ((v - xr[0]) / (xr[1] - xr[0])) * (w - left - right);
  const Y = (v) => h - bottom - ((ty(v) - y0) / (y1 - y0 || 1)) * (h - top - bottom);
  const inv = (px) => xr[0] + ((px - left) / (w - left - right)) * (xr[1] - xr[0]);
  ctx.font = "11px system-ui, sans-serif";
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#555";
  ctx.lineWidth = 1;
  for (const t of xticks ? niceTicks(xr[0], xr[1], Math.max(2, Math.floor((w - left) / 60))) : []) {
    const px = X(t);
    ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, h - bottom); ctx.stroke();
    ctx.textAlign = "center"; ctx.fillText(fmt(t), px, h - bottom + 13);
  }
  let yt = logy
    ? niceTicks(Math.floor(y0), Math.ceil(y1), 5).filter((e) => Number.isInteger(e)).map((e) => 10 ** e)
    : niceTicks(yr[0], yr[1], Math.max(2, Math.floor((h - top - bottom) / 30)));
  if (logy && yt.filter((t) => t >= yr[0] && t <= yr[1]).length < 2) yt = niceTicks(yr[0], yr[1], 4).filter((t) => t > 0);
  for (const t of yt) {
    const py = Y(t);
    if (py < top - 1 || py > h - bottom + 1) continue;
    ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(w - right, py); ctx.stroke();
    ctx.textAlign = "right"; ctx.fillText(fmt(t), left - 4, py + 4);
  }
  if (!logy && yr[0] < 0 && yr[1] > 0) {
    ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(left, Y(0)); ctx.lineTo(w - right, Y(0)); ctx.stroke();
  }
  if (xr[0] < 0 && xr[1] > 0) {
    ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(X(0), top); ctx.lineTo(X(0), h - bottom); ctx.stroke();
  }
  if (title) { ctx.fillStyle = "#222"; ctx.textAlign = "left"; ctx.font = "bold 12px system-ui, sans-serif"; ctx.fillText(title, left, 16); }
  return { X, Y, inv, top, bottom: h - bottom, left, right: w - right };
}

/** Polyline through (xs[i], ys[i]); non-finite points break the line. */
export function line(ctx, F, xs, ys, color, width = 2, dash = null) {
  ctx.strokeStyle = color; ctx.lineWidth = width; ctx.setLineDash(dash || []);
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) { pen = false; continue; }
    const px = F.X(xs[i]), py = Math.max(F.top - 50, Math.min(F.bottom + 50, F.Y(v)));
    if (pen) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    pen = true;
  }
  ctx.save();
  const path = new Path2D();
  path.rect(F.left, F.top - 2, F.right - F.left, F.bottom - F.top + 4);
  ctx.clip(path);
  ctx.stroke();
  ctx.restore();
  ctx.setLineDash([]);
}

export function dot(ctx, x, y, r, fill, stroke) {
  ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
  if (fill) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = 1; ctx.stroke(); }
}

/** Blend two RGB colours (t in [0, 1]). */
export function mix(a, b, t) {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t));
}
