// A small seeded generator (mulberry32) for data, initial weights and the batch order.
// Documented so a run can be replayed: the page never uses Math.random.

/** A generator: next() in [0, 1), normal() standard normal (Box-Muller, cached pair). */
export function createRng(seed) {
  let a = (seed >>> 0) || 0x9e3779b9;
  let spare = null;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { next, normal };
}

/** Fisher-Yates permutation of 0..n-1 (i from n-1 down to 1, j = floor(next() * (i + 1))). */
export function permutation(rng, n) {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}
