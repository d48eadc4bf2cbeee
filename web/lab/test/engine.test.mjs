// node --test: the page's engine on its own (the cross-language checks live in tests/lab/*.py).
import test from "node:test";
import assert from "node:assert/strict";
import { erf, erfc, erfcx, ndtr } from "../src/special.js";
import { KERNELS, makeActivation } from "../src/activations.js";
import { createNetwork, forward, backward, lossValueAndGrad, parameters, gradients } from "../src/engine.js";
import { npyFloat64, npyUnicode, zipStored, readNpz, crc32 } from "../src/npz.js";
import { parseCsv, makeDataset, DATASETS } from "../src/data.js";
import { createSession, stepSession, toHash, fromHash, normalise, batchIndices, exportModelBytes, importModelBytes, MAX_LAYERS } from "../src/session.js";
import { createRng, permutation } from "../src/rng.js";

const rel = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

test("erf family: reference values (Abramowitz & Stegun / mpmath)", () => {
  assert.ok(rel(erf(0.5), 0.5204998778130465) < 4e-16);
  assert.ok(rel(erfc(3), 2.209049699858544e-05) < 4e-16);
  assert.ok(rel(erfc(10), 2.088487583762545e-45) < 4e-16);
  assert.ok(rel(erfcx(30), 0.01879588886141675) < 4e-16);
  assert.ok(rel(ndtr(-1), 0.15865525393145705) < 1e-15);
  assert.equal(erf(Infinity), 1);
  assert.equal(erfc(-Infinity), 2);
  assert.ok(Number.isNaN(erf(NaN)));
});

test("kink conventions match the catalogue", () => {
  assert.equal(makeActivation("relu").df(0), 0);
  assert.equal(makeActivation("leaky_relu", { alpha: 0.2 }).df(0), 0.2);
  assert.equal(makeActivation("relu6").df(0), 0);
  assert.equal(makeActivation("relu6").df(6), 0);
  assert.equal(makeActivation("hard_tanh").df(1), 0);
  assert.equal(makeActivation("elu", { alpha: 1.5 }).df(0), 1.5);
});

test("every kernel's derivative matches a central difference away from kinks", () => {
  const params = { leaky_relu: { alpha: 0.1 }, elu: { alpha: 1 }, celu: { alpha: 1 }, softplus: { beta: 1 }, silu: { beta: 1 }, gelu: { approximate: "none" } };
  for (const name of Object.keys(KERNELS)) {
    const a = makeActivation(name, params[name] || {});
    for (const x of [-4.3, -2.2, -0.7, 0.37, 1.9, 4.1]) {
      const h = 1e-6;
      const fd = (a.f(x + h) - a.f(x - h)) / (2 * h);
      assert.ok(Math.abs(fd - a.df(x)) < 1e-6 * (1 + Math.abs(fd)), `${name} at ${x}: ${fd} vs ${a.df(x)}`);
    }
  }
});

test("network gradients match finite differences for every loss", () => {
  for (const loss of ["sse", "binary_cross_entropy", "softmax_cross_entropy"]) {
    const k = loss === "softmax_cross_entropy" ? 3 : 2;
    const net = createNetwork([2, 5, 4, k], [{ name: "tanh", params: {} }, { name: "gelu", params: { approximate: "tanh" } }]);
    const rng = createRng(3);
    for (const p of parameters(net)) for (let i = 0; i < p.length; i++) p[i] = rng.normal() * 0.7;
    const n = 6;
    const x = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const y = loss === "softmax_cross_entropy" ? Int32Array.from({ length: n }, (_, i) => i % 3) : Float64Array.from({ length: n * k }, (_, i) => (i % 3) / 2);
    const value = () => lossValueAndGrad(loss, forward(net, x, n).out, y, n, k).value;
    const { out, trace } = forward(net, x, n);
    backward(net, trace, lossValueAndGrad(loss, out, y, n, k).grad, n);
    const grads = gradients(net).map((g) => Float64Array.from(g));
    parameters(net).forEach((p, j) => {
      for (let i = 0; i < p.length; i++) {
        const keep = p[i], h = 1e-6;
        p[i] = keep + h; const up = value();
        p[i] = keep - h; const down = value();
        p[i] = keep;
        const fd = (up - down) / (2 * h);
        assert.ok(Math.abs(fd - grads[j][i]) < 1e-7 * (1 + Math.abs(fd)), `${loss} param ${j}[${i}]: ${fd} vs ${grads[j][i]}`);
      }
    });
  }
});

test("npz round trip, CRC-32 and the unicode record", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const bytes = zipStored({ "a.npy": npyFloat64([1.5, -2, 3], [3]), "__actlab__.npy": npyUnicode("héllo") });
  const back = readNpz(bytes);
  assert.deepEqual(Array.from(back.a.data), [1.5, -2, 3]);
  assert.equal(back.__actlab__.text, "héllo");
  assert.throws(() => readNpz(new Uint8Array([1, 2, 3])), /not an npz/);
});

test("CSV drop-in: header, classes, regression and clear errors", () => {
  const c = parseCsv("x1,x2,label\n0,0,3\n1,0,5\n0,1,5\n1,1,3\n");
  assert.equal(c.classes, 2);
  assert.deepEqual(c.y, [0, 1, 1, 0]);
  assert.equal(parseCsv("0,0,0.5\n1,0,1.5\n0,1,2\n1,1,3\n").classes, 0);
  assert.throws(() => parseCsv("0,0,1\n1,x,0\n"), /line 2/);
  assert.throws(() => parseCsv("0,0,1\n"), /at least 4/);
});

const REG = {
  hidden: Object.keys(KERNELS).filter((n) => !KERNELS[n].vector),
  defaults: { leaky_relu: { alpha: 0.01 }, silu: { beta: 1 }, gelu: { approximate: "none" }, elu: { alpha: 1 }, celu: { alpha: 1 }, softplus: { beta: 1 } },
  init: { relu: "he_normal", tanh: "glorot_uniform" },
};

test("data sets: every one generates, classes as declared, deterministic by seed", () => {
  for (const [name, d] of Object.entries(DATASETS)) {
    const a = makeDataset(name, { seed: 4 }), b = makeDataset(name, { seed: 4 });
    assert.deepEqual(a, b);
    if (d.classes) assert.equal(new Set([...a.ytr, ...a.yte]).size, d.classes, name);
  }
});

test("sessions are reproducible and the hash round-trips the config", () => {
  const cfg = { data: "moons", layers: [6, 5], acts: ["relu", "gelu"], opt: "adam", lr: 0.01, seed: 9 };
  const a = createSession(cfg, REG), b = createSession(cfg, REG);
  assert.deepEqual(stepSession(a, 25), stepSession(b, 25));
  const c = normalise(cfg, REG.hidden);
  assert.deepEqual(normalise(fromHash("#" + toHash(c)), REG.hidden), c);
  const perm = permutation(createRng(1), 10);
  assert.deepEqual([...perm].sort((x, y) => x - y), [...Array(10).keys()]);
  assert.equal(batchIndices(a, 0).length, 10);
  const bytes = exportModelBytes(a);
  const fresh = createSession(cfg, REG);
  importModelBytes(fresh, bytes);
  assert.deepEqual(Array.from(fresh.net.layers[1].W), Array.from(a.net.layers[1].W));
  const other = createSession({ ...cfg, acts: ["tanh", "gelu"] }, REG);
  assert.throws(() => importModelBytes(other, bytes), /architecture differs/);
});

test("normalise clamps and drops what it does not know", () => {
  const c = normalise({ layers: Array(80).fill(99), acts: ["nope"], lr: -1, evil: "<script>" }, REG.hidden);
  assert.equal(c.layers.length, MAX_LAYERS);
  assert.ok(c.layers.every((u) => u === 32));
  assert.ok(c.acts.every((a) => a === "tanh"));
  assert.equal(c.lr, 1e-5);
  assert.equal("evil" in c, false);
});

test("presets show the claims they are named after", async () => {
  const { PRESETS } = await import("../src/presets.js");
  const run = (name, steps) => {
    const s = createSession({ ...PRESETS[name].config }, REG);
    return stepSession(s, steps);
  };
  const van = run("vanishing", 20);
  assert.ok(van.grad_norms[0] < 1e-3 * van.grad_norms.at(-1));
  const dying = run("dying", 1000), leaky = run("leaky", 1000);
  assert.ok(dying.dead.reduce((a, b) => a + b) > 10);
  assert.equal(leaky.dead.reduce((a, b) => a + b), 0);
  assert.ok(leaky.train_loss < dying.train_loss);
  const xavier = run("xavier", 1000), he = run("he", 1000);
  assert.ok(xavier.train_loss > 0.69 && he.train_loss < 0.1, `${xavier.train_loss} ${he.train_loss}`);
  const exploding = run("exploding", 200), clipping = run("clipping", 200);
  assert.ok(exploding.diverged && !clipping.diverged && clipping.train_loss < 0.1);
});
