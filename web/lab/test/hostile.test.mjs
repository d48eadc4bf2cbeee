// node --test: hostile files and URLs given to the page are refused with an Error (shown as
// text by the page), never a hang, a huge allocation or a half-loaded network.
import test from "node:test";
import assert from "node:assert/strict";
import { npyFloat64, npyUnicode, zipStored, readNpz } from "../src/npz.js";
import { parseCsv } from "../src/data.js";
import { KERNELS } from "../src/activations.js";
import { createSession, exportModelBytes, importModelBytes, fromHash, normalise } from "../src/session.js";

const REG = { hidden: Object.keys(KERNELS).filter((n) => !KERNELS[n].vector), defaults: {}, init: {} };

function npyWithHeader(header, body = new Uint8Array(0)) {
  const text = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = text.length & 0xff; out[9] = text.length >> 8;
  out.set(Uint8Array.from(text, (c) => c.charCodeAt(0)), 10);
  out.set(body, 10 + text.length);
  return out;
}

test("hostile npz members are refused with an Error", () => {
  const cases = {
    terabytes: npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"),
    fortran: npyWithHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", new Uint8Array(16)),
    pickled: npyWithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16)),
    negative: npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }"),
    huge_unicode: npyWithHeader("{'descr': '<U999999999', 'fortran_order': False, 'shape': (), }", new Uint8Array(6)),
    not_npy: Uint8Array.from("import os", (c) => c.charCodeAt(0)),
  };
  for (const [name, member] of Object.entries(cases)) {
    assert.throws(() => readNpz(zipStored({ "a.npy": member })), Error, name);
  }
  const good = zipStored({ "a.npy": npyFloat64([1, 2], [2]) });
  assert.throws(() => readNpz(good.slice(0, 60)), /truncated|not an npz/);
  assert.throws(() => readNpz(new Uint8Array(65 * 2 ** 20)), /too large/);
});

test("hostile model files do not half-load a network", () => {
  const s = createSession({ data: "moons", layers: [4], acts: ["relu"] }, REG);
  const before = Array.from(s.net.layers[0].W);
  const record = (model) => npyUnicode(JSON.stringify({ format: "actlab.nn.Sequential/1", model }));
  const bad = [
    zipStored({ "__actlab__.npy": npyUnicode("{nope") }),
    zipStored({ "__actlab__.npy": npyUnicode("[".repeat(100000)) }),
    zipStored({ "__actlab__.npy": record({ layers: "Dense" }) }),
    zipStored({ "__actlab__.npy": npyUnicode(JSON.stringify({ format: "pickle/1" })) }),
    zipStored({ "0.params.W.npy": npyFloat64([1], [1]) }),
  ];
  const good = readNpz(exportModelBytes(s));
  assert.ok(good.__actlab__.text.includes("Dense"));
  for (const bytes of bad) assert.throws(() => importModelBytes(s, bytes), Error);
  assert.deepEqual(Array.from(s.net.layers[0].W), before);
});

test("hostile CSV and URL hashes", () => {
  assert.throws(() => parseCsv("0,0,1\n".repeat(20002)), /more than/);
  assert.throws(() => parseCsv("0,0,1\n1,1,1e400\n0,1,0\n1,0,1\n"), /line 2/);
  assert.throws(() => parseCsv("<script>alert(1)</script>\n0,0,NaN\n"), /line 2/);
  const c = normalise(fromHash("#layers=1e9,1e9&lr=Infinity&acts=%3Cscript%3E&seed=-1&data=__proto__&n=1e308"), REG.hidden);
  assert.ok(c.layers.every((u) => u <= 32) && c.acts.every((a) => REG.hidden.includes(a)));
  assert.ok(Number.isFinite(c.lr) && c.seed >= 0 && c.n <= 2000 && c.data !== "__proto__");
  assert.doesNotThrow(() => fromHash("#%E0%A4%A=1&&=&x"));
});
