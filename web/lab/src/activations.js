// The catalogue's kernels in JS (float64), mirroring src/actlab/activations/*.py formula for
// formula: the same stable forms, the same kink conventions (relu'(0) = 0, leaky_relu'(0) = alpha,
// relu6'(0) = relu6'(6) = 0, hard_tanh'(+-1) = 0, elu'(0) = alpha) and the same limits at +-inf.
// Each entry: f(x, p) and df(x, p) on scalars (p: the parameter object); vjp(g, x, y, p) where
// the Python entry has its own (exact from the output y).
import { erfcx, ndtr } from "./special.js";

const LOG_TINY = Math.log(2.2250738585072014e-308);
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const GELU_TANH_C = 0.044715;
const GELU_SIGMOID_C = 1.702;
const SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
const INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
const SQRT_HALF = Math.sqrt(0.5);
const SQRT_HALF_PI = 1.2533141373155003;
const GELU_X0 = -0.7517915246935645;
const GELU_X0_LO = 1.4956759177009883e-17;
const MILLS_C2 = -2.25;
const MILLS_AT_C2 = 0.3851482907984346;
const K2U = 2 * SQRT_2_OVER_PI * GELU_TANH_C;
const K2 = 2 * SQRT_2_OVER_PI;
const K4U = 4 * SQRT_2_OVER_PI * GELU_TANH_C;

function millsSeries(c, m0, n = 28) {
  const m = [m0, 1.0 + c * m0];
  for (let k = 1; k < n - 1; k++) m.push((c * m[k] + m[k - 1]) / (k + 1));
  return m;
}
const MILLS_X0 = millsSeries(GELU_X0, -GELU_X0).slice(1);
const MILLS_C2_SERIES = millsSeries(MILLS_C2, MILLS_AT_C2);

function horner(coef, h) {
  let acc = coef[coef.length - 1];
  for (let i = coef.length - 2; i >= 0; i--) acc = acc * h + coef[i];
  return acc;
}

export function copysign(a, b) {
  const neg = b < 0 || Object.is(b, -0);
  return neg ? -Math.abs(a) : Math.abs(a);
}

// mult e^arg where e^arg is subnormal, as sign(mult) e^{arg + log|mult|}
function expTail(out, arg, mult) {
  return arg < LOG_TINY ? copysign(Math.exp(arg + Math.log(Math.abs(mult))), mult) : out;
}

function limits(out, x, atNeg, atPos) {
  if (x === -Infinity) return atNeg;
  if (x === Infinity) return atPos;
  return out;
}

function heaviside(x) { // 1 for x > 0, 0 for x <= 0, NaN for NaN (np.heaviside(x, 0))
  return x > 0 ? 1 : (x === x ? 0 : NaN);
}

export function sigmoid(x) {
  if (x < -40) return Math.exp(x);
  return 1 / (Math.exp(-x) + 1);
}

function sigmoidGrad(x) {
  const e = Math.exp(-Math.abs(x));
  const d = e + 1;
  return (e / d) / d;
}

// numpy's logaddexp(0, x)
function logaddexp0(x) {
  if (x === 0) return Math.LN2;
  const tmp = -x;
  if (tmp > 0) return Math.log1p(Math.exp(x));
  if (tmp <= 0) return x + Math.log1p(Math.exp(tmp));
  return NaN;
}

function clip(v, lo, hi) { return v !== v ? v : Math.min(Math.max(v, lo), hi); }

// sigma(v) + (v + w) sigma'(v): the derivative of x sigma(v) when x dv/dx = v + w
function gatedGrad(v, w) {
  const e = Math.exp(-Math.abs(v));
  let neg = (v + 1) + e;
  let out;
  if (w !== undefined) {
    neg += w;
    out = (v + w) * e;
  } else {
    out = v * e;
  }
  neg *= e;
  out = (out + 1) + e;
  if (v < 0) out = neg;
  const d = e + 1;
  out = (out / d) / d;
  return expTail(out, v, w !== undefined ? (v + w) + 1 : v + 1);
}

function silu(x, beta) {
  const bx = beta !== 1 ? x * beta : x;
  const out = sigmoid(bx) * x;
  return limits(expTail(out, bx, x), x, 0, Infinity);
}

function siluGrad(x, beta) {
  return gatedGrad(clip(beta !== 1 ? x * beta : x, -800, 800));
}

function geluExact(x, derivative) {
  let t = x;
  if (!(x < -0.25)) {
    const n = ndtr(x);
    return derivative ? n + (x * Math.exp((-0.5 * x) * x)) * INV_SQRT_2PI : n * x;
  }
  const phi = Math.exp((-0.5 * t) * t) * INV_SQRT_2PI;
  if (t >= -1.5) {
    let h = t - GELU_X0;
    h -= GELU_X0_LO;
    let s = horner(MILLS_X0, h);
    if (derivative) {
      s += 1;
      return (phi * h) * s;
    }
    return t * (phi * (h * s - GELU_X0));
  }
  const m = t >= -3 ? horner(MILLS_C2_SERIES, t - MILLS_C2) : SQRT_HALF_PI * erfcx(-t * SQRT_HALF);
  if (derivative) {
    return expTail(phi * (t + m), (-0.5 * t) * t, (t + m) * INV_SQRT_2PI);
  }
  return (t * m) * phi;
}

function gelu2u(x) { return ((x * x) * K2U + K2) * x; }

function gelu(x, approximate) {
  if (approximate === "sigmoid") return silu(x, GELU_SIGMOID_C);
  let out;
  if (approximate === "tanh") {
    const v = gelu2u(x);
    out = expTail(sigmoid(v) * x, v, x);
  } else {
    out = geluExact(x, false);
  }
  return limits(out, x, 0, Infinity);
}

function geluGrad(x, approximate) {
  if (approximate === "sigmoid") return siluGrad(x, GELU_SIGMOID_C);
  let out;
  if (approximate === "tanh") {
    const v = clip(gelu2u(x), -800, 800);
    let w = clip(x, -100, 100);
    w = (w * w) * w;
    w *= K4U;
    out = gatedGrad(v, w);
  } else {
    out = geluExact(x, true);
  }
  return limits(out, x, 0, 1);
}

function mish(x) {
  const out = Math.tanh(logaddexp0(x)) * x;
  return limits(expTail(out, x, x), x, 0, Infinity);
}

function mishGrad(x) {
  let out;
  if (x <= 0) {
    const w = Math.exp(Math.min(x, 0));
    let neg = w / 4;
    neg += 1;
    neg *= w;
    neg += x + 1.5;
    neg *= w;
    neg += x + 1;
    let d = w + 2;
    d *= w;
    d += 2;
    d *= 0.5;
    neg /= d;
    neg /= d;
    const tail = neg;
    out = expTail(neg * w, x, tail);
  } else {
    const sp = logaddexp0(x);
    let sech2 = 1 / Math.cosh(sp);
    sech2 = sech2 * sech2;
    sech2 *= x;
    sech2 *= sigmoid(x);
    out = Math.tanh(sp) + sech2;
  }
  return limits(out, x, 0, 1);
}

function elu(x, alpha, scale) {
  let out = x > 0 ? x : alpha * Math.expm1(Math.min(x, 0));
  if (x !== x) out = NaN;
  return scale !== 1 ? out * scale : out;
}

function eluGrad(x, alpha, scale) {
  let out = x > 0 ? 1 : Math.exp(Math.min(x, 0)) * alpha;
  return scale !== 1 ? out * scale : out;
}

function softplus(x, beta) {
  const bx = beta !== 1 ? x * beta : x;
  const big = bx > 30;
  let out = Math.log1p(Math.exp(big ? -bx : bx));
  if (beta !== 1) out /= beta;
  return big ? out + x : out;
}

function logSigmoid(x) {
  const small = x < -30;
  const out = -Math.log1p(Math.exp(small ? x : -x));
  return small ? out + x : out;
}

function boxGrad(x, lo, hi, slope) {
  let out = heaviside(x - lo) * heaviside(hi - x);
  return slope !== 1 ? out * slope : out;
}

function hardSigmoid(x) { return clip(x + 3, 0, 6) / 6; }

function softsign(x) {
  if (Math.abs(x) < 2 ** -60) return x;
  return copysign(1 / (1 / Math.abs(x) + 1), x);
}

function nanTo(out, ref) { return ref !== ref ? ref : out; }

/** name -> {f, df, vjp?}; every kernel takes (x, params) with params filled from defaults. */
export const KERNELS = {
  identity: { f: (x) => x, df: (x) => (x !== x ? x : 1), vjp: (g, x, y) => nanTo(g, y) },
  sigmoid: { f: sigmoid, df: sigmoidGrad },
  tanh: {
    f: Math.tanh,
    df: (x) => {
      if (Math.abs(x) < 0.5) { const t = Math.tanh(x); return 1 - t * t; }
      const ax2 = Math.abs(x) * -2;
      const e = Math.exp(ax2);
      const d = e + 1;
      return expTail(((e * 4) / d) / d, ax2, 4);
    },
  },
  relu: {
    f: (x) => (x > 0 ? x : (x !== x ? x : 0)),
    df: heaviside,
    vjp: (g, x, y) => nanTo(g * (y > 0 ? 1 : 0), y),
  },
  leaky_relu: {
    f: (x, p) => (p.alpha === 0 ? (x > 0 ? x : (x !== x ? x : 0)) : Math.max(x, x * p.alpha)),
    df: (x, p) => heaviside(x) * (1.0 - p.alpha) + p.alpha,
    vjp: (g, x, y, p) => nanTo(g * (y > 0 ? 1 : p.alpha), y),
  },
  relu6: {
    f: (x) => clip(x, 0, 6),
    df: (x) => boxGrad(x, 0, 6, 1),
    vjp: (g, x, y) => nanTo(g * (y > 0 && y < 6 ? 1 : 0), y),
  },
  elu: { f: (x, p) => elu(x, p.alpha, 1), df: (x, p) => eluGrad(x, p.alpha, 1) },
  selu: { f: (x) => elu(x, SELU_ALPHA, SELU_SCALE), df: (x) => eluGrad(x, SELU_ALPHA, SELU_SCALE) },
  celu: {
    f: (x, p) => (x > 0 ? x : (x !== x ? x : Math.expm1(Math.min(x, 0) / p.alpha) * p.alpha)),
    df: (x, p) => (x > 0 ? 1 : Math.exp(Math.min(x, 0) / p.alpha)),
  },
  softplus: { f: (x, p) => softplus(x, p.beta), df: (x, p) => sigmoid(p.beta !== 1 ? x * p.beta : x) },
  log_sigmoid: { f: logSigmoid, df: (x) => sigmoid(-x) },
  hard_sigmoid: { f: hardSigmoid, df: (x) => boxGrad(x, -3, 3, 1.0 / 6.0) },
  hard_swish: {
    f: (x) => (x === -Infinity ? -0 : hardSigmoid(x) * x),
    df: (x) => (x <= -3 ? 0 : (x >= 3 ? 1 : (x + 1.5) / 3)),
  },
  hard_tanh: {
    f: (x) => clip(x, -1, 1),
    df: (x) => boxGrad(x, -1, 1, 1),
    vjp: (g, x, y) => nanTo(g * (y > -1 && y < 1 ? 1 : 0), y),
  },
  softsign: {
    f: softsign,
    df: (x) => { const r = 1 / (Math.abs(x) + 1); return r * r; },
  },
  silu: { f: (x, p) => silu(x, p.beta), df: (x, p) => siluGrad(x, p.beta) },
  gelu: { f: (x, p) => gelu(x, p.approximate), df: (x, p) => geluGrad(x, p.approximate) },
  mish: { f: mish, df: mishGrad },
  // Vector-valued entries, shown on the row [x, 0] (component 0): softmax([x, 0])_0 = sigma(x)
  // with J_00 = sigma(x) sigma(-x); log_softmax([x, 0])_0 = log_sigmoid(x) with J_00 = sigma(-x).
  softmax: { f: sigmoid, df: sigmoidGrad, vector: true },
  log_softmax: { f: logSigmoid, df: (x) => sigmoid(-x), vector: true },
};

/** Whether the JS engine has the kernels of `name`. */
export function hasKernel(name) { return Object.prototype.hasOwnProperty.call(KERNELS, name); }

/** An activation with concrete parameters: {name, params, f(x), df(x), backward(g, x, y)}. */
export function makeActivation(name, params = {}) {
  const k = KERNELS[name];
  if (!k) throw new Error(`unknown activation ${JSON.stringify(name)}`);
  const p = { ...params };
  const f = (x) => k.f(x, p);
  const df = (x) => k.df(x, p);
  const backward = k.vjp ? (g, x, y) => k.vjp(g, x, y, p) : (g, x) => g * k.df(x, p);
  const out = { name, params: p, f, df, backward, vector: !!k.vector };
  if (k.custom !== undefined) out.expr = k.custom; // a custom formula: saved with the model
  return out;
}
