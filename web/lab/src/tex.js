// A tiny renderer for the catalogue's formulas (a LaTeX subset) into DOM nodes: fractions,
// super/subscripts, square roots, Greek letters, \text and \operatorname. Text is only ever
// inserted with textContent, so a formula can never inject markup.
const SYMBOLS = {
  sigma: "σ", Phi: "Φ", varphi: "φ", phi: "φ", alpha: "α", beta: "β", lambda: "λ", pi: "π",
  le: "≤", ge: "≥", leq: "≤", geq: "≥", cdot: "·", infty: "∞", in: "∈", to: "→", approx: "≈",
  times: "×", mid: "|", lvert: "|", rvert: "|", quad: "  ", qquad: "   ", ",": " ", ";": " ", " ": " ",
  "!": "", "{": "{", "}": "}", ldots: "…", dots: "…", partial: "∂", sum: "Σ", prod: "Π",
};
const FUNCS = new Set(["tanh", "max", "min", "log", "exp", "sech", "erf", "erfc", "sinh", "cosh", "sign"]);
const IGNORE = new Set(["left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "displaystyle"]);

function el(tag, cls) { const e = document.createElement(tag); if (cls) e.className = cls; return e; }

function parse(src, i, parent, stop) {
  while (i < src.length) {
    const ch = src[i];
    if (ch === stop) return i + 1;
    if (ch === "{") { const g = el("span"); i = parse(src, i + 1, g, "}"); parent.append(g); continue; }
    if (ch === "^" || ch === "_") {
      const s = el(ch === "^" ? "sup" : "sub");
      i = arg(src, i + 1, s);
      parent.append(s);
      continue;
    }
    if (ch === "\\") {
      let m = /^\\([A-Za-z]+|.)/.exec(src.slice(i));
      const name = m[1];
      i += m[0].length;
      if (name === "frac" || name === "tfrac" || name === "dfrac") {
        const f = el("span", "tex-frac"), num = el("span", "tex-num"), den = el("span", "tex-den");
        i = arg(src, i, num);
        i = arg(src, i, den);
        f.append(num, den);
        parent.append(f);
      } else if (name === "sqrt") {
        const r = el("span", "tex-sqrt"), body = el("span", "tex-rad");
        i = arg(src, i, body);
        r.append("√", body);
        parent.append(r);
      } else if (name === "text" || name === "mathrm" || name === "operatorname" || name === "mathbf") {
        const t = el("span", "tex-up");
        i = arg(src, i, t);
        parent.append(t);
      } else if (name in SYMBOLS) {
        parent.append(SYMBOLS[name]);
      } else if (FUNCS.has(name)) {
        const t = el("span", "tex-up"); t.textContent = name; parent.append(t);
      } else if (!IGNORE.has(name)) {
        parent.append(name);
      }
      continue;
    }
    if (/[A-Za-z]/.test(ch)) { const v = el("i"); v.textContent = ch; parent.append(v); i++; continue; }
    parent.append(ch === "'" ? "′" : ch);
    i++;
  }
  return i;
}

function arg(src, i, into) {
  while (src[i] === " ") i++;
  if (src[i] === "{") return parse(src, i + 1, into, "}");
  if (src[i] === "\\") {
    const m = /^\\([A-Za-z]+|.)/.exec(src.slice(i));
    parse(m[0], 0, into, null);
    return i + m[0].length;
  }
  parse(src[i] ?? "", 0, into, null);
  return i + 1;
}

/** A <span class="tex"> rendering of the formula. */
export function renderTex(src) {
  const root = el("span", "tex");
  root.title = src;
  try { parse(String(src), 0, root, null); } catch { root.textContent = String(src); }
  return root;
}
