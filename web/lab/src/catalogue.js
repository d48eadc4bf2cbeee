// The catalogue the Python side injects (one entry per registry entry, in registry order):
// {name, display_name, params: [{name, default, lower, upper, choices, doc}], info: {...sheet},
//  vector, samples?}. Entries without JS kernels carry sampled curves instead (samples).
import { hasKernel } from "./activations.js";

export function registryFromCatalogue(cat) {
  const entries = cat.entries || [];
  const defaults = {}, init = {};
  for (const e of entries) {
    defaults[e.name] = Object.fromEntries((e.params || []).map((p) => [p.name, p.default]));
    init[e.name] = e.info?.init || "glorot_uniform";
  }
  const hidden = entries.filter((e) => hasKernel(e.name) && !e.vector).map((e) => e.name);
  return { entries, defaults, init, hidden };
}
