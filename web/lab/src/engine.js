// The page's training engine: a dense network in float64 that computes what actlab.nn computes
// (Sequential of Dense + Activation layers, losses.py, optim.py, fit()'s step order), operation
// for operation, so that a Python test can replay a page run and compare every loss.
//
// Step order (as actlab.nn.fit): forward on the batch -> loss value and gradient -> backward ->
// penalties (L1 then L2, weights only) -> clip by value -> clip by global norm -> optimizer step.
import { makeActivation, sigmoid } from "./activations.js";

export const LOSSES = ["softmax_cross_entropy", "binary_cross_entropy", "sse"];
export const OPTIMIZERS = ["sgd", "momentum", "adam"];

/** A network: sizes [in, h1, ..., out], one activation {name, params} per hidden layer. */
export function createNetwork(sizes, activations) {
  if (activations.length !== sizes.length - 2) {
    throw new Error(`${sizes.length - 2} hidden layers but ${activations.length} activations`);
  }
  const layers = [];
  for (let l = 0; l < sizes.length - 1; l++) {
    const nin = sizes[l], nout = sizes[l + 1];
    layers.push({
      nin, nout,
      W: new Float64Array(nin * nout), // row-major (in, out), as Dense.W
      b: new Float64Array(nout),
      gW: new Float64Array(nin * nout),
      gb: new Float64Array(nout),
      act: l < sizes.length - 2 ? makeActivation(activations[l].name, activations[l].params) : null,
    });
  }
  return { sizes: sizes.slice(), activations: activations.map((a) => ({ ...a })), layers };
}

/** Parameters in actlab's order: W0, b0, W1, b1, ... and whether each is decayed (weights). */
export function parameters(net) {
  const out = [];
  for (const L of net.layers) { out.push(L.W, L.b); }
  return out;
}
export function gradients(net) {
  const out = [];
  for (const L of net.layers) { out.push(L.gW, L.gb); }
  return out;
}
export function decayMask(net) { return net.layers.flatMap(() => [true, false]); }

/** x: Float64Array n*nin -> z = x @ W + b (n*nout). */
function affine(x, n, L, z) {
  const { nin, nout, W, b } = L;
  for (let i = 0; i < n; i++) {
    const zo = i * nout;
    for (let j = 0; j < nout; j++) z[zo + j] = 0;
    for (let k = 0; k < nin; k++) {
      const xv = x[i * nin + k];
      const wo = k * nout;
      for (let j = 0; j < nout; j++) z[zo + j] += xv * W[wo + j];
    }
    for (let j = 0; j < nout; j++) z[zo + j] += b[j];
  }
  return z;
}

/** Forward pass keeping every layer's input, pre-activation and output. */
export function forward(net, x, n) {
  const trace = [];
  let h = x;
  for (const L of net.layers) {
    const z = affine(h, n, L, new Float64Array(n * L.nout));
    let a = z;
    if (L.act) {
      a = new Float64Array(z.length);
      const f = L.act.f;
      for (let i = 0; i < z.length; i++) a[i] = f(z[i]);
    }
    trace.push({ input: h, z, a });
    h = a;
  }
  return { out: h, trace };
}

/** Model output (logits) for n points. */
export function predict(net, x, n) { return forward(net, x, n).out; }

// ------------------------------------------------------------------------------------ losses
// value and gradient, averaged as in actlab.nn.losses; y: labels (Int32Array) for softmax CE,
// Float64Array of the output's shape otherwise.
function logaddexp0(x) {
  if (x === 0) return Math.LN2;
  const tmp = -x;
  if (tmp > 0) return Math.log1p(Math.exp(x));
  if (tmp <= 0) return x + Math.log1p(Math.exp(tmp));
  return NaN;
}

function stableSigmoid(z) { // losses._sigmoid
  const e = Math.exp(-Math.abs(z));
  return (z >= 0 ? 1.0 : e) / (1.0 + e);
}

export function lossValueAndGrad(loss, out, y, n, k) {
  const g = new Float64Array(out.length);
  let value;
  if (loss === "sse") {
    let s = 0;
    for (let i = 0; i < out.length; i++) { const d = out[i] - y[i]; g[i] = d; s += d * d; }
    value = 0.5 * s / n;
    const r = 1.0 / n;
    for (let i = 0; i < g.length; i++) g[i] *= r;
  } else if (loss === "binary_cross_entropy") {
    const m = Math.max(out.length, 1);
    let s = 0, yz = 0;
    for (let i = 0; i < out.length; i++) { s += logaddexp0(out[i]); yz += y[i] * out[i]; }
    value = (s - yz) / m;
    const r = 1.0 / m;
    for (let i = 0; i < out.length; i++) g[i] = (stableSigmoid(out[i]) - y[i]) * r;
  } else if (loss === "softmax_cross_entropy") {
    let lseSum = 0, pick = 0;
    const r = 1.0 / Math.max(n, 1);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let j = 0; j < k; j++) mx = Math.max(mx, out[i * k + j]);
      let s = 0;
      for (let j = 0; j < k; j++) { const p = Math.exp(out[i * k + j] - mx); g[i * k + j] = p; s += p; }
      lseSum += Math.log(s);
      pick += out[i * k + y[i]] - mx;
      for (let j = 0; j < k; j++) g[i * k + j] /= s;
      g[i * k + y[i]] -= 1;
      for (let j = 0; j < k; j++) g[i * k + j] *= r;
    }
    value = (lseSum - pick) / Math.max(n, 1);
  } else {
    throw new Error(`unknown loss ${loss}`);
  }
  return { value, grad: g };
}

/** Mean loss over a whole set (evaluation: no gradients kept). */
export function evaluate(net, loss, x, y, n) {
  if (n === 0) return NaN;
  const k = net.sizes[net.sizes.length - 1];
  const out = predict(net, x, n);
  return lossValueAndGrad(loss, out, y, n, k).value;
}

/** Back-propagate dout; fills gW, gb (overwriting) and returns per-layer dz for diagnostics. */
export function backward(net, trace, dout, n) {
  let dy = dout;
  for (let l = net.layers.length - 1; l >= 0; l--) {
    const L = net.layers[l];
    const { input, z, a } = trace[l];
    let dz = dy;
    if (L.act) {
      dz = new Float64Array(dy.length);
      const bw = L.act.backward;
      for (let i = 0; i < dy.length; i++) dz[i] = bw(dy[i], z[i], a[i]);
    }
    const { nin, nout, W, gW, gb } = L;
    gW.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < nin; k++) {
        const xv = input[i * nin + k];
        const wo = k * nout;
        for (let j = 0; j < nout; j++) gW[wo + j] += xv * dz[i * nout + j];
      }
      for (let j = 0; j < nout; j++) gb[j] += dz[i * nout + j];
    }
    if (l > 0) {
      const dx = new Float64Array(n * nin);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < nin; k++) {
          let s = 0;
          const wo = k * nout;
          for (let j = 0; j < nout; j++) s += dz[i * nout + j] * W[wo + j];
          dx[i * nin + k] = s;
        }
      }
      dy = dx;
    }
  }
}

// ------------------------------------------------------------------------ optimizers, clipping
export function createOptimizer(kind, opts, params) {
  const st = { kind, lr: opts.lr, t: 0 };
  if (kind === "momentum") {
    st.momentum = opts.momentum ?? 0.9;
    st.v = params.map((p) => new Float64Array(p.length));
  } else if (kind === "adam") {
    st.b1 = opts.beta1 ?? 0.9;
    st.b2 = opts.beta2 ?? 0.999;
    st.eps = opts.eps ?? 1e-8;
    st.mu = params.map((p) => new Float64Array(p.length));
    st.nu = params.map((p) => new Float64Array(p.length));
  } else if (kind !== "sgd") {
    throw new Error(`unknown optimizer ${kind}`);
  }
  return st;
}

/** One update in place (optim.SGD / optim.Adam arithmetic). */
export function optimizerStep(st, params, grads) {
  st.t += 1;
  const lr = st.lr;
  if (st.kind === "sgd") {
    for (let i = 0; i < params.length; i++) {
      const p = params[i], g = grads[i];
      for (let j = 0; j < p.length; j++) p[j] -= g[j] * lr;
    }
  } else if (st.kind === "momentum") {
    for (let i = 0; i < params.length; i++) {
      const p = params[i], g = grads[i], v = st.v[i];
      for (let j = 0; j < p.length; j++) {
        v[j] = v[j] * st.momentum + g[j];
        p[j] -= v[j] * lr;
      }
    }
  } else {
    const { b1, b2 } = st;
    const bc1 = 1.0 - b1 ** st.t;
    const bc2 = 1.0 - b2 ** st.t;
    const c = Math.sqrt((1.0 - b2) / bc2);
    const k = (lr * (1.0 - b1)) / (bc1 * c);
    const epsC = st.eps / c;
    for (let i = 0; i < params.length; i++) {
      const p = params[i], g = grads[i], mu = st.mu[i], nu = st.nu[i];
      for (let j = 0; j < p.length; j++) {
        mu[j] = mu[j] * b1 + g[j];
        nu[j] = nu[j] * b2 + g[j] * g[j];
        p[j] -= (mu[j] / (Math.sqrt(nu[j]) + epsC)) * k;
      }
    }
  }
}

function dot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * a[i]; return s; }

/** Global L2 norm of a list of arrays (optim.global_norm). */
export function globalNorm(arrays) {
  let total = 0;
  for (const a of arrays) total += dot(a);
  return Math.sqrt(total);
}

export function clipGradValue(grads, value) {
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = Math.min(Math.max(g[i], -value), value);
}

export function clipGradNorm(grads, maxNorm) {
  const norm = globalNorm(grads);
  if (Number.isFinite(norm) && norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale;
  }
  return norm;
}

function addPenalties(net, l1, l2) {
  for (const L of net.layers) {
    const { W, gW } = L;
    if (l1) for (let i = 0; i < W.length; i++) gW[i] += l1 * Math.sign(W[i]);
    if (l2) { const c = 2.0 * l2; for (let i = 0; i < W.length; i++) gW[i] += c * W[i]; }
  }
}

/**
 * One training step on the batch (x: n*in, y): returns {loss, trace, gradNorms}.
 * cfg: {loss, l1, l2, clipValue, clipNorm}; opt from createOptimizer.
 */
export function trainStep(net, opt, cfg, x, y, n) {
  const k = net.sizes[net.sizes.length - 1];
  const { out, trace } = forward(net, x, n);
  const { value, grad } = lossValueAndGrad(cfg.loss, out, y, n, k);
  if (!Number.isFinite(value)) return { loss: value, trace, gradNorms: null, diverged: true };
  backward(net, trace, grad, n);
  // per-layer gradient norms of the data loss (before penalties and clipping): what vanishes
  const gradNorms = net.layers.map((L) => Math.sqrt(dot(L.gW)));
  if (cfg.l1 || cfg.l2) addPenalties(net, cfg.l1 || 0, cfg.l2 || 0);
  const grads = gradients(net);
  if (cfg.clipValue) clipGradValue(grads, cfg.clipValue);
  if (cfg.clipNorm) clipGradNorm(grads, cfg.clipNorm);
  optimizerStep(opt, parameters(net), grads);
  return { loss: value, trace, gradNorms, diverged: false };
}

export { sigmoid };
