// The function explorer: every catalogue entry, parameter sliders, f(wx + b) and its
// derivative overlaid or side by side, several functions at once, hover read-out, the
// articles' w and b families, and the property sheet with extrema and kinks marked.
import { KERNELS, makeActivation } from "./activations.js";
import { fit, frame, line, dot, fmt, COLORS } from "./plot.js";
import { renderTex } from "./tex.js";
import { h } from "./dom.js";

const XR = [-6, 6];
const N = 481;


/** f and f' of one entry at the given params; falls back to the injected samples. */
export function curveFn(entry, params) {
  if (KERNELS[entry.name]) {
    const a = makeActivation(entry.name, params);
    return { f: a.f, df: a.df, exact: true };
  }
  const s = entry.samples;
  const interp = (ys) => (x) => {
    if (!s) return NaN;
    const t = ((x - s.x[0]) / (s.x[s.x.length - 1] - s.x[0])) * (s.x.length - 1);
    if (t < 0 || t > s.x.length - 1) return NaN;
    const i = Math.min(Math.floor(t), s.x.length - 2), u = t - i;
    const a = ys[i], b = ys[i + 1];
    return a === null || b === null ? NaN : a + (b - a) * u;
  };
  return { f: interp(s?.f || []), df: interp(s?.df || []), exact: false };
}

export function createExplorer(root, registry, onChange) {
  const entries = registry.entries;
  const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
  const st = {
    primary: byName.sigmoid ? "sigmoid" : entries[0].name,
    compare: new Set(),
    params: Object.fromEntries(entries.map((e) => [e.name, { ...registry.defaults[e.name] }])),
    w: 1, b: 0, mode: "overlay", families: false, hover: null,
  };

  const fnSelect = h("select", { id: "ex-fn", "aria-label": "function" },
    ...entries.map((e) => h("option", { value: e.name, text: `${e.display_name} (${e.name})` })));
  fnSelect.value = st.primary;
  const paramBox = h("div", { class: "params", id: "ex-params" });
  const wIn = h("input", { type: "range", id: "ex-w", min: "-4", max: "4", step: "0.05", value: "1", "aria-label": "w" });
  const bIn = h("input", { type: "range", id: "ex-b", min: "-6", max: "6", step: "0.05", value: "0", "aria-label": "b" });
  const wOut = h("output", { text: "1" }), bOut = h("output", { text: "0" });
  const modeSel = h("select", { id: "ex-mode", "aria-label": "layout" },
    h("option", { value: "overlay", text: "f and f′ overlaid" }),
    h("option", { value: "side", text: "f and f′ side by side" }));
  const famBox = h("input", { type: "checkbox", id: "ex-families" });
  const cmpBox = h("div", { class: "compare", id: "ex-compare", role: "group", "aria-label": "compare with" },
    ...entries.map((e, i) => h("label", {}, h("input", { type: "checkbox", value: e.name, "data-i": String(i) }), ` ${e.name}`)));
  const canvasF = h("canvas", { id: "ex-canvas", class: "plot", tabindex: "0", "aria-label": "plot of f and f′; arrow keys move the read-out" });
  const canvasD = h("canvas", { id: "ex-canvas-d", class: "plot" });
  const readout = h("div", { class: "readout", id: "ex-readout", "aria-live": "polite", text: "hover the plot for x, f(x), f′(x)" });
  const sheet = h("div", { class: "sheet", id: "ex-sheet" });

  root.append(
    h("div", { class: "ex-controls panel" },
      h("label", {}, "Function ", fnSelect),
      paramBox,
      h("fieldset", {}, h("legend", { text: "unit f(w·x + b)" }),
        h("label", {}, "w ", wIn, wOut), h("label", {}, "b ", bIn, bOut),
        h("button", { type: "button", id: "ex-wb-reset", onclick: () => { st.w = 1; st.b = 0; wIn.value = "1"; bIn.value = "0"; wOut.textContent = "1"; bOut.textContent = "0"; draw(); } }, "w = 1, b = 0")),
      h("label", {}, "Layout ", modeSel),
      h("label", {}, famBox, " the articles' families (b = 0 for w = ½, 1, 2, 4; w = 1 for b = −2 … 2)"),
      h("details", {}, h("summary", { text: "compare with other functions" }), cmpBox)),
    h("div", { class: "ex-plots" }, h("div", { class: "plots-row" }, canvasF, canvasD), readout),
    sheet);

  function buildParams() {
    paramBox.textContent = "";
    const e = byName[st.primary];
    for (const p of e.params || []) {
      if (p.fixed) continue;
      const id = `ex-p-${p.name}`;
      let input;
      const out = h("output", { text: String(st.params[e.name][p.name]) });
      if (p.choices) {
        input = h("select", { id }, ...p.choices.map((c) => h("option", { value: String(c), text: String(c) })));
        input.value = String(st.params[e.name][p.name]);
      } else if (p.slider) {
        const [lo, hi, step] = p.slider;
        input = h("input", { type: "range", id, min: String(lo), max: String(hi), step: String(step), value: String(st.params[e.name][p.name]) });
      } else {
        input = h("input", { type: "number", id, value: String(st.params[e.name][p.name]) });
      }
      input.addEventListener("input", () => {
        const v = p.choices ? input.value : Number(input.value);
        st.params[e.name][p.name] = p.choices && typeof p.default === "number" ? Number(v) : v;
        out.textContent = String(v);
        draw();
      });
      paramBox.append(h("label", { title: p.doc }, `${p.name} `, input, p.choices ? null : out));
    }
    if (!KERNELS[e.name]) paramBox.append(h("p", { class: "note", text: "sampled from Python at default parameters" }));
  }

  function shown() { return [st.primary, ...[...st.compare].filter((n) => n !== st.primary)]; }

  function curves() {
    const xs = Array.from({ length: N }, (_, i) => XR[0] + ((XR[1] - XR[0]) * i) / (N - 1));
    return shown().map((name, i) => {
      const c = curveFn(byName[name], st.params[name]);
      const f = xs.map((x) => c.f(st.w * x + st.b));
      const d = xs.map((x) => st.w * c.df(st.w * x + st.b));
      return { name, color: COLORS[i % COLORS.length], xs, f, d, fn: c };
    });
  }

  function range(arrs) {
    let lo = Infinity, hi = -Infinity;
    for (const a of arrs) for (const v of a) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    lo = Math.max(lo, -8); hi = Math.min(hi, 8);
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = 0.08 * (hi - lo);
    return [lo - pad, hi + pad];
  }

  function extrema(c) { // interior global min / max of f on the grid
    let imin = -1, imax = -1;
    c.f.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (imin < 0 || v < c.f[imin]) imin = i;
      if (imax < 0 || v > c.f[imax]) imax = i;
    });
    const inner = (i) => i > 2 && i < N - 3 && Math.abs(c.f[i] - c.f[i - 2]) + Math.abs(c.f[i] - c.f[i + 2]) < 1e-2 * (1 + Math.abs(c.f[i]));
    return [imin, imax].filter((i) => i >= 0 && inner(i));
  }

  function drawOne(canvas, cs, which, title) {
    const { ctx, w, h: hh } = fit(canvas, canvas.clientHeight || 300);
    const arrs = [];
    for (const c of cs) { if (which !== "d") arrs.push(c.f); if (which !== "f") arrs.push(c.d); }
    const F = frame(ctx, w, hh, { xr: XR, yr: range(arrs), title });
    if (st.families && which !== "d") {
      const c0 = cs[0].fn;
      for (const wv of [0.5, 1, 2, 4]) line(ctx, F, cs[0].xs, cs[0].xs.map((x) => c0.f(wv * x)), "rgba(31,119,180,0.35)", 1);
      for (const bv of [-2, -1, 1, 2]) line(ctx, F, cs[0].xs, cs[0].xs.map((x) => c0.f(x + bv)), "rgba(214,39,40,0.3)", 1, [3, 3]);
    }
    for (const c of cs) {
      if (which !== "d") line(ctx, F, c.xs, c.f, c.color, 2.2);
      if (which !== "f") line(ctx, F, c.xs, c.d, c.color, 1.6, [6, 4]);
    }
    if (which !== "d") {
      const c = cs[0];
      for (const i of extrema(c)) dot(ctx, F.X(c.xs[i]), F.Y(c.f[i]), 4.5, "#fff", "#000");
      const info = byName[c.name].info;
      for (const k of info.kinks || []) {
        const x = (k.x - st.b) / st.w;
        if (x >= XR[0] && x <= XR[1] && st.w !== 0) dot(ctx, F.X(x), F.Y(c.fn.f(k.x)), 4, "#000", null);
      }
    }
    if (st.hover !== null) {
      ctx.strokeStyle = "rgba(0,0,0,0.4)"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(F.X(st.hover), F.top); ctx.lineTo(F.X(st.hover), F.bottom); ctx.stroke();
    }
    // legend
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "right";
    cs.forEach((c, i) => {
      ctx.fillStyle = c.color;
      const lab = which === "d" ? `${c.name}′` : which === "f" ? c.name : `${c.name} (solid f, dashed f′)`;
      ctx.fillText(lab, w - 10, 16 + 13 * i);
    });
    return F;
  }

  let F1 = null;
  let ready = false; // no onChange while the page is still being put together
  function draw() {
    const cs = curves();
    const side = st.mode === "side";
    canvasD.style.display = side ? "" : "none";
    root.querySelector(".plots-row").classList.toggle("side", side);
    const wb = st.w === 1 && st.b === 0 ? "" : ` at w·x + b (w = ${st.w}, b = ${st.b})`;
    F1 = drawOne(canvasF, cs, side ? "f" : "both", (side ? "f" : "f (solid) and f′ (dashed)") + wb);
    if (side) drawOne(canvasD, cs, "d", "f′ = d/dx f(w·x + b)");
    if (st.hover !== null) {
      const c = cs[0].fn, x = st.hover, z = st.w * x + st.b;
      readout.textContent = `${st.primary}: x = ${fmt(x)}, f = ${fmt(c.f(z))}, f′ = ${fmt(st.w * c.df(z))}`;
    }
    renderSheet();
    canvasF.dataset.signature = cs.map((c) => c.f.slice(0, N).filter((_, i) => i % 40 === 0).map((v) => fmt(v)).join(",")).join("|");
    if (ready) onChange?.(st);
  }

  function row(k, v) { return h("tr", {}, h("th", { text: k }), h("td", {}, v)); }
  function txt(v) { return typeof v === "string" ? v : fmt(v); }
  function num(v) { return v === "inf" ? "∞" : v === "-inf" ? "−∞" : fmt(v); }

  function renderSheet() {
    const e = byName[st.primary], info = e.info;
    const nonDefault = (e.params || []).some((p) => st.params[e.name][p.name] !== p.default);
    sheet.textContent = "";
    const ext = (m) => (m ? `${fmt(m.value)} at x = ${fmt(m.at)}` : "not attained");
    const kinks = (info.kinks || []).map((k) => `x = ${fmt(k.x)}: f′ = ${fmt(k.derivative)} (left ${fmt(k.left)}, right ${fmt(k.right)})`).join("; ") || "none";
    const fw = Object.entries(info.frameworks || {}).map(([k, v]) => `${k}: ${v}`).join("; ");
    sheet.append(...[
      h("h3", { text: `${info.display_name}` }),
      nonDefault ? h("p", { class: "note", text: "sheet at the default parameters" }) : null,
      h("table", {},
        // a custom entry's sheet has plain-text formulas (sigmoid_grad is a name, not a subscript)
        row("f", e.custom ? String(info.formula) : renderTex(info.formula)),
        row("f′", e.custom ? String(info.derivative) : renderTex(info.derivative)),
        row("range", txt(`(${num(info.range[0])}, ${num(info.range[1])})`)),
        row("minimum", ext(info.minimum)),
        row("maximum", ext(info.maximum)),
        row("max |f′|", fmt(info.max_abs_grad)),
        row("monotone", info.monotone ? "yes" : "no"),
        row("zero-centred", info.zero_centred ? "yes" : "no"),
        row("smoothness", info.smoothness),
        row("saturates", info.saturating),
        row("exact zeros", info.exact_zeros ? "yes" : "no"),
        row("kinks (convention)", kinks),
        row("initializer", info.init),
        row("frameworks", fw),
        row("pros", (info.pros || []).join("; ")),
        row("cons", (info.cons || []).join("; ")),
        row("reference", info.reference || "")),
      h("p", { class: "note", text: "Marked on the plot: ○ interior extrema, ● kinks." })].filter(Boolean));
  }

  function hover(ev) {
    if (!F1) return;
    const r = canvasF.getBoundingClientRect();
    st.hover = F1.inv(ev.clientX - r.left);
    if (st.hover < XR[0] || st.hover > XR[1]) st.hover = null;
    draw();
  }
  canvasF.addEventListener("mousemove", hover);
  canvasF.addEventListener("keydown", (ev) => {
    if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
    st.hover = Math.max(XR[0], Math.min(XR[1], (st.hover ?? 0) + (ev.key === "ArrowLeft" ? -0.1 : 0.1)));
    ev.preventDefault();
    draw();
  });
  fnSelect.addEventListener("change", () => { st.primary = fnSelect.value; buildParams(); draw(); });
  wIn.addEventListener("input", () => { st.w = Number(wIn.value); wOut.textContent = wIn.value; draw(); });
  bIn.addEventListener("input", () => { st.b = Number(bIn.value); bOut.textContent = bIn.value; draw(); });
  modeSel.addEventListener("change", () => { st.mode = modeSel.value; draw(); });
  famBox.addEventListener("change", () => { st.families = famBox.checked; draw(); });
  cmpBox.addEventListener("change", (ev) => {
    const t = ev.target;
    if (t.checked) st.compare.add(t.value); else st.compare.delete(t.value);
    draw();
  });
  buildParams();
  ready = true;
  return {
    state: st, draw,
    select(name) { if (Object.hasOwn(byName, name) && name !== st.primary) { st.primary = name; fnSelect.value = name; buildParams(); draw(); } },
    compareWith(names) {
      for (const n of names || []) {
        if (!Object.hasOwn(byName, n)) continue;
        st.compare.add(n);
        for (const box of cmpBox.querySelectorAll("input")) if (box.value === n) box.checked = true;
      }
      draw();
    },
  };
}
