// The catalog as the page knows it: every loss (losslab.catalog(), in the boot payload) with its parameters and
// their metadata — role ("shape", "input", "weighting", "numerics"), slider (min, max, step), default, type.
// The panels build their sliders and the parameters they send from this, so no script holds a list of losses or
// parameters, and a loss the user registered appears like a built-in.

import { t, has, lang, lossText, setKnownLosses } from './i18n.js';

let byName = new Map();
let symbols = {};

export function setCatalog(boot) {
  byName = new Map((boot.catalog || []).map((entry) => [entry.name, entry]));
  symbols = boot.symbols || {};
  setKnownLosses(boot.catalog || []);
}

/** The catalog entry of a loss (name, task, params, title, short), or null. */
export function entry(name) { return byName.get(name) || null; }

/** The parameters of a loss that a panel offers as sliders: those with a slider and one of `roles`. */
export function sliderParams(name, roles = ['shape']) {
  const e = entry(name);
  return e ? e.params.filter((p) => Array.isArray(p.slider) && roles.includes(p.role)) : [];
}

/** The parameter that makes a loss read raw scores (from_logits), as the catalog entry names it; null if none. */
export function scoreSwitch(name) {
  const e = entry(name);
  return (e && e.score_switch) || null;
}

/** The URL key of a parameter's slider: the panel's prefix and the parameter's name, a name of several words by
 *  their initials (label_smoothing: ls, pos_weight: pw), as the page's links have always written them. */
export function paramKey(prefix, param) {
  const words = param.split('_').filter(Boolean);
  return `${prefix}.${words.length > 1 ? words.map((w) => w[0]).join('') : param}`;
}

/** Where a slider starts: the parameter's default; for one that defaults to None, the neutral weight 1
 *  (role "weighting") or the slider's lowest value; always inside the slider's range. */
export function startValue(p) {
  const [lo, hi] = p.slider;
  const v = typeof p.default === 'number' ? p.default : (p.role === 'weighting' ? 1 : lo);
  return Math.min(hi, Math.max(lo, v));
}

/**
 * The sliders of a panel over `losses`: one per parameter name (a name shared by several losses, such as delta,
 * is one slider), each {param, key, losses, min, max, step, start, role}.
 */
export function sliderSpecs(prefix, losses, roles = ['shape']) {
  const specs = new Map();
  for (const name of losses) {
    for (const p of sliderParams(name, roles)) {
      const known = specs.get(p.name);
      if (known) { known.losses.push(name); continue; }
      const [min, max, step] = p.slider;
      const short = paramKey(prefix, p.name); // two names with the same initials: the second by its whole name
      const key = [...specs.values()].some((s) => s.key === short) ? `${prefix}.${p.name}` : short;
      specs.set(p.name, { param: p.name, key, losses: [name], min, max, step, start: startValue(p), role: p.role });
    }
  }
  return [...specs.values()];
}

/** The words of a slider: the panel's own text for the parameter ("explorer.delta") when it has one, else the
 *  parameter's symbol with the short names of its losses ("β (Smooth L1)"). A function: it follows the language. */
export function sliderLabel(panel, spec) {
  const key = `${panel}.${spec.param}`;
  return () => {
    if (has(key)) return t(key);
    const symbol = (symbols[lang()] || symbols.en || {})[spec.param] || spec.param;
    return `${symbol} (${spec.losses.map(shortName).join(', ')})`;
  };
}

/** The parameters a panel sends for `name`: each of its sliders' values, from `values` (keyed by slider key). */
export function paramsOf(name, specs, values, { onlyChanged = false } = {}) {
  const out = {};
  for (const s of specs) {
    if (!s.losses.includes(name)) continue;
    if (onlyChanged && values[s.key] === s.start) continue;
    out[s.param] = values[s.key];
  }
  return out;
}

function shortName(name) {
  const text = lossText(name);
  return text && text.short ? text.short : name;
}
