// Minimal .npz (a ZIP of .npy files, stored without compression, as numpy.savez writes it):
// write float64 arrays plus the 0-d unicode record actlab.nn.save puts under "__actlab__";
// read back the same (and any stored, uncompressed npz of '<f8'/'<f4'/'<U' arrays).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function ascii(s) { return Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 0xff); }

function npyHeader(descr, shape) {
  const sh = shape.length === 0 ? "()" : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${sh}, }`;
  const total = 10 + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new Uint8Array(10 + dict.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  head[8] = dict.length & 0xff;
  head[9] = dict.length >> 8;
  head.set(ascii(dict), 10);
  return head;
}

/** .npy bytes of a float64 array with the given shape (C order). */
export function npyFloat64(data, shape) {
  const head = npyHeader("<f8", shape);
  const body = new Uint8Array(new Float64Array(data).buffer);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** .npy bytes of a 0-d numpy unicode string (UTF-32LE code points). */
export function npyUnicode(text) {
  const cps = Array.from(text, (ch) => ch.codePointAt(0));
  const head = npyHeader(`<U${Math.max(cps.length, 1)}`, []);
  const body = new Uint8Array(new Uint32Array(cps.length ? cps : [0]).buffer);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A stored ZIP of {name: bytes} (fixed 1980-01-01 timestamps: the same input gives the same file). */
export function zipStored(files) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const nm = ascii(name);
    const crc = crc32(data);
    const lh = new DataView(new ArrayBuffer(30));
    lh.setUint32(0, 0x04034b50, true); lh.setUint16(4, 20, true); lh.setUint16(6, 0, true);
    lh.setUint16(8, 0, true); lh.setUint16(10, 0, true); lh.setUint16(12, 0x21, true);
    lh.setUint32(14, crc, true); lh.setUint32(18, data.length, true); lh.setUint32(22, data.length, true);
    lh.setUint16(26, nm.length, true); lh.setUint16(28, 0, true);
    const ch = new DataView(new ArrayBuffer(46));
    ch.setUint32(0, 0x02014b50, true); ch.setUint16(4, 20, true); ch.setUint16(6, 20, true);
    ch.setUint16(8, 0, true); ch.setUint16(10, 0, true); ch.setUint16(12, 0, true); ch.setUint16(14, 0x21, true);
    ch.setUint32(16, crc, true); ch.setUint32(20, data.length, true); ch.setUint32(24, data.length, true);
    ch.setUint16(28, nm.length, true); ch.setUint32(42, offset, true);
    locals.push(new Uint8Array(lh.buffer), nm, data);
    centrals.push(new Uint8Array(ch.buffer), nm);
    offset += 30 + nm.length + data.length;
  }
  const cdSize = centrals.reduce((s, a) => s + a.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  const count = Object.keys(files).length;
  end.setUint32(0, 0x06054b50, true); end.setUint16(8, count, true); end.setUint16(10, count, true);
  end.setUint32(12, cdSize, true); end.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, new Uint8Array(end.buffer)];
  const out = new Uint8Array(parts.reduce((s, a) => s + a.length, 0));
  let pos = 0;
  for (const p of parts) { out.set(p, pos); pos += p.length; }
  return out;
}

function parseNpy(bytes) {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.slice(1, 6)) !== "NUMPY") throw new Error("not a .npy array");
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = String.fromCharCode(...bytes.slice(start, start + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeTxt = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "";
  const shape = shapeTxt.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (!descr || fortran || shape.some((v) => !Number.isInteger(v) || v < 0)) throw new Error("unsupported .npy header");
  const size = shape.reduce((a, b) => a * b, 1);
  const body = bytes.slice(start + hlen);
  if (descr === "<f8" && body.length >= size * 8) return { shape, data: new Float64Array(body.buffer, body.byteOffset, size) };
  if (descr === "<f4" && body.length >= size * 4) return { shape, data: Float64Array.from(new Float32Array(body.buffer, body.byteOffset, size)) };
  const u = /^<U(\d+)$/.exec(descr);
  if (u && shape.length === 0) {
    const n = Number(u[1]);
    const cps = new Uint32Array(body.buffer.slice(body.byteOffset, body.byteOffset + 4 * n));
    let s = "";
    for (const c of cps) { if (c === 0) break; s += String.fromCodePoint(c); }
    return { shape, text: s };
  }
  throw new Error(`unsupported array dtype ${descr}`);
}

/** {name: {shape, data} | {shape, text}} from stored-ZIP npz bytes. */
export function readNpz(bytes, maxBytes = 64 * 1024 * 1024) {
  if (bytes.length > maxBytes) throw new Error("file too large");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = {};
  let pos = 0;
  while (pos + 30 <= bytes.length && dv.getUint32(pos, true) === 0x04034b50) {
    const method = dv.getUint16(pos + 8, true);
    const flags = dv.getUint16(pos + 6, true);
    let size = dv.getUint32(pos + 18, true);
    const nlen = dv.getUint16(pos + 26, true), xlen = dv.getUint16(pos + 28, true);
    const name = String.fromCharCode(...bytes.slice(pos + 30, pos + 30 + nlen));
    if (method !== 0 || flags & 8) throw new Error("compressed npz is not supported (save with numpy.savez)");
    const dataStart = pos + 30 + nlen + xlen;
    if (size === 0xffffffff) { // ZIP64 (numpy.savez forces it): the sizes live in extra field 0x0001
      let e = pos + 30 + nlen;
      size = -1;
      while (e + 4 <= dataStart) {
        const id = dv.getUint16(e, true), len = dv.getUint16(e + 2, true);
        if (id === 1 && len >= 16) { size = Number(dv.getBigUint64(e + 12, true)); break; }
        e += 4 + len;
      }
    }
    if (size < 0 || dataStart + size > bytes.length) throw new Error("truncated npz");
    out[name.replace(/\.npy$/, "")] = parseNpy(bytes.slice(dataStart, dataStart + size));
    pos = dataStart + size;
  }
  if (!Object.keys(out).length) throw new Error("not an npz file");
  return out;
}

export function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
