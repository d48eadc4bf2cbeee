// Custom activations (actlab.define) as DATA: the Python side sends f and f' as flat node
// lists (src/actlab/lab/custom.py documents the format); this module checks every node against
// a closed set and interprets the list. It never builds code (no eval, no new Function), so
// a hostile page catalogue can at worst draw a wrong curve. The arithmetic mirrors
// src/actlab/activations/expr/program.py operation for operation: the same order of sums and
// products, the same power special cases, the 0 * inf = 0 rule and the limits at +-inf.
import { KERNELS, makeActivation, copysign } from "./activations.js";
import { erf, erfc } from "./special.js";

export const MAX_NODES = 5000;
const BUILTIN = new Set(Object.keys(KERNELS).filter((k) => !KERNELS[k].vector));
const MAX = Number.MAX_VALUE;

function sech2(u) { const e = Math.exp(-2 * Math.abs(u)); return (4 * e) / ((1 + e) * (1 + e)); }
function tie(g, da, db) {
  if (g > 0) return da;
  if (g < 0) return db;
  return Math.abs(da) <= Math.abs(db) ? da : db;
}

const FUNCS = {
  exp: [1, Math.exp], log: [1, Math.log], sin: [1, Math.sin], cos: [1, Math.cos],
  tanh: [1, Math.tanh], sinh: [1, Math.sinh], cosh: [1, Math.cosh], atan: [1, Math.atan],
  erf: [1, erf], erfc: [1, erfc], abs: [1, Math.abs], sign: [1, Math.sign],
  log1p: [1, Math.log1p], expm1: [1, Math.expm1], sech2: [1, sech2],
  max: [2, Math.max], min: [2, Math.min], tie: [3, tie],
  gt: [3, (g, a, b) => (g > 0 ? a : b)], ge: [3, (g, a, b) => (g >= 0 ? a : b)],
};

function fail(i, why) { throw new Error(`custom expression node ${i}: ${why}`); }

function checkIndex(i, j) {
  if (!Number.isInteger(j) || j < 0 || j >= i) fail(i, `argument ${JSON.stringify(j)} is not an earlier node`);
  return j;
}
function checkList(i, v, min = 0) {
  if (!Array.isArray(v) || v.length < min || v.length > 64) fail(i, "argument list malformed");
  return v.map((j) => checkIndex(i, j));
}
function checkNumber(i, v) {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(i, "constant is not a finite number");
  return v;
}

/** Validate a node list against the closed set: a compiled {nodes} or an Error thrown. */
export function compileTree(list, paramNames) {
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NODES) {
    throw new Error(`custom expression: expected 1 to ${MAX_NODES} nodes`);
  }
  const params = new Set(paramNames);
  const nodes = list.map((n, i) => {
    if (!Array.isArray(n) || typeof n[0] !== "string") fail(i, "not a node");
    switch (n[0]) {
      case "x": return { k: 0 };
      case "p":
        if (typeof n[1] !== "string" || !params.has(n[1])) fail(i, `undeclared parameter ${JSON.stringify(n[1])}`);
        return { k: 1, name: n[1] };
      case "c": return { k: 2, v: checkNumber(i, n[1]) };
      case "add": return { k: 3, a: checkList(i, n[1], 1) };
      case "mul": return { k: 4, c: checkNumber(i, n[1]), num: checkList(i, n[2]), den: checkList(i, n[3]) };
      case "pow": return { k: 5, a: checkIndex(i, n[1]), q: checkNumber(i, n[2]) };
      case "fn": {
        const f = Object.prototype.hasOwnProperty.call(FUNCS, n[1]) ? FUNCS[n[1]] : null;
        if (!f) fail(i, `unknown function ${JSON.stringify(n[1])}`);
        const a = checkList(i, n[2], f[0]);
        if (a.length !== f[0]) fail(i, `${n[1]} takes ${f[0]} argument(s)`);
        return { k: 6, fn: f[1], a };
      }
      case "entry": {
        if (!BUILTIN.has(n[1])) fail(i, `unknown entry ${JSON.stringify(n[1])}`);
        const p = n[2];
        if (!p || typeof p !== "object" || Array.isArray(p)
            || Object.values(p).some((v) => typeof v !== "string" && !Number.isFinite(v))) fail(i, "entry parameters malformed");
        const act = makeActivation(n[1], p);
        return { k: 7, fn: n[3] === 1 ? act.df : act.f, a: checkIndex(i, n[4]) };
      }
      default: return fail(i, `unknown node kind ${JSON.stringify(n[0])}`);
    }
  });
  return nodes;
}

function zeroWins(acc, nums, dens) {
  if (acc === acc) return acc;
  let zero = false;
  for (const v of nums) { if (v !== v) return acc; if (v === 0) zero = true; }
  for (const v of dens) { if (!Number.isFinite(v) || v === 0) return acc; }
  return zero ? 0 : acc;
}

function power(v, q) {
  if (q === 2) return v * v;
  if (q === 0.5) return Math.sqrt(v);
  if (q === -1) return 1.0 / v;
  if (q === -0.5) return 1.0 / Math.sqrt(v);
  return Math.pow(v, q);
}

function raw(nodes, vals, x, p) {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    let v;
    switch (n.k) {
      case 0: v = x; break;
      case 1: v = p[n.name]; break;
      case 2: v = n.v; break;
      case 3: v = vals[n.a[0]]; for (let j = 1; j < n.a.length; j++) v += vals[n.a[j]]; break;
      case 4: {
        const nums = n.num.length ? n.num.map((j) => vals[j]) : [1.0];
        const dens = n.den.map((j) => vals[j]);
        const first = Math.abs(n.c) < 1;
        v = first ? nums[0] * n.c : nums[0];
        for (let j = 1; j < nums.length; j++) v *= nums[j];
        for (const d of dens) v /= d;
        if (n.c !== 1 && !first) v *= n.c;
        v = zeroWins(v, nums, dens);
        break;
      }
      case 5: v = power(vals[n.a], n.q); break;
      case 6: v = n.a.length === 1 ? n.fn(vals[n.a[0]]) : n.fn(...n.a.map((j) => vals[j])); break;
      default: v = n.fn(vals[n.a]);
    }
    vals[i] = v;
  }
  return vals[nodes.length - 1];
}

/** (x, params) -> value: the tree at x, and at x = +-inf its limit found as program.py does. */
export function evaluator(nodes) {
  const vals = new Float64Array(nodes.length);
  return (x, p) => {
    if (x !== Infinity && x !== -Infinity) return raw(nodes, vals, x, p);
    const at = x < 0 ? -MAX : MAX;
    const a = raw(nodes, vals, at, p), b = raw(nodes, vals, at * 2 ** -100, p);
    let lim = Math.abs(a) > Math.abs(b) * (1 + 1e-6) ? copysign(Infinity, a) : a;
    if (Math.abs(a) < Math.abs(b) * (1 - 1e-6) && Math.abs(a) < 1e-30) lim = 0 * a;
    return a === b ? a : lim;
  };
}

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Register a catalogue entry's custom trees as a kernel; returns false (and says why on the
 * console) when the entry is malformed: the page goes on without it. */
export function registerCustom(entry) {
  try {
    const name = entry.name;
    if (typeof name !== "string" || !NAME.test(name) || name in Object.prototype
        || Object.prototype.hasOwnProperty.call(KERNELS, name)) throw new Error(`bad or taken name ${JSON.stringify(name)}`);
    const c = entry.custom;
    const pnames = (entry.params || []).map((q) => q.name);
    const f = evaluator(compileTree(c.f, pnames)), df = evaluator(compileTree(c.df, pnames));
    KERNELS[name] = { f, df, custom: String(c.text) };
    return true;
  } catch (e) {
    console.warn(`actlab lab: custom activation left out: ${e.message}`);
    return false;
  }
}
