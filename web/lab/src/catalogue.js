// The catalogue the Python side injects (one entry per registry entry, in registry order):
// {name, display_name, params: [{name, default, lower, upper, choices, doc}], info: {...sheet},
//  vector, samples?}. Entries without JS kernels carry sampled curves instead (samples).
// Custom entries (actlab.define) carry {custom: {text, f, df}}: expression trees, registered
// as kernels by expr.js (checked node by node; a malformed one is left out).
import { hasKernel } from "./activations.js";
import { registerCustom } from "./expr.js";

export function registryFromCatalogue(cat) {
  const entries = (cat.entries || []).filter((e) => !e.custom || registerCustom(e));
  const defaults = {}, init = {};
  for (const e of entries) {
    defaults[e.name] = Object.fromEntries((e.params || []).map((p) => [p.name, p.default]));
    init[e.name] = e.info?.init || "glorot_uniform";
  }
  const hidden = entries.filter((e) => hasKernel(e.name) && !e.vector).map((e) => e.name);
  return { entries, defaults, init, hidden };
}
