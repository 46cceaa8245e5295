// The explorer's exact point: number boxes for the prediction, the target, the score (logit) and the probability
// p, so that any value is reachable exactly (p = 0.8 is the score ln 4; p = 0.99 is beyond the slider's ±6
// grid no more than 4.6), and the catalog's values at that exact point (/api/compute), so that the readout,
// the summary, the markers and the explanation all show one and the same number. The sliders stay for dragging.

import { el, latest } from './util.js';
import { tr } from './i18n.js';
import { postJSON } from './api.js';
import * as C from './catalog.js';

export const sigmoid = (z) => 1 / (1 + Math.exp(-z));
export const logit = (p) => Math.log(p / (1 - p));
/** A number as typed back into a box: at most 12 significant digits (0.8, not 0.8000000000000002). */
export const plain = (x) => (Number.isFinite(x) ? String(Number(x.toPrecision(12))) : '');

function box(key, label, { min, max }, onChange) {
  const id = `exact-${key.replace('.', '-')}`;
  const input = el('input', { type: 'number', id, step: 'any', min, max, 'data-key': key, inputmode: 'decimal' });
  input.addEventListener('change', () => {
    const v = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(v) || v < min || v > max) { onChange(null); return; }
    onChange(v);
  });
  const node = el('div', { class: 'control number exact', 'data-key': key }, tr(el('label', { for: id }), label), input);
  return { node, input };
}

/**
 * The number boxes. `set` receives {pred} / {target} / {score} / {p} with the exact value typed (a value out of
 * range puts the box back). `sync(st)` writes the state back into the boxes.
 */
export function exactInputs(set) {
  const pred = box('e.pred_exact', 'explorer.pred_exact', { min: -1e6, max: 1e6 }, (v) => (v === null ? sync() : set({ pred: v })));
  const target = box('e.target_exact', 'explorer.target_exact', { min: -1e6, max: 1e6 }, (v) => (v === null ? sync() : set({ target: v })));
  const score = box('e.score_exact', 'explorer.score_exact', { min: -30, max: 30 }, (v) => (v === null ? sync() : set({ score: v })));
  const prob = box('e.p', 'explorer.p_exact', { min: 1e-9, max: 1 - 1e-9 }, (v) => (v === null ? sync() : set({ p: v })));
  prob.input.min = '0';
  prob.input.max = '1';
  let last = null;
  function sync(st = last) {
    if (!st) return;
    last = st;
    for (const [b, v] of [[pred, st.pred], [target, st.target], [score, st.score], [prob, st.p ?? sigmoid(st.score)]]) {
      if (document.activeElement !== b.input) b.input.value = plain(v);
    }
  }
  const regression = el('div', { class: 'row exact-row' }, pred.node, target.node);
  const classification = el('div', { class: 'row exact-row' }, score.node, prob.node);
  return { regression, classification, sync };
}

/** The catalog's value and gradient of each loss at the exact point; null when a newer point was asked for. */
export function exactValues() {
  const ask = latest((reqs) => Promise.all(reqs.map((r) => postJSON('/api/compute', r).catch(() => null))));
  return async (st, losses) => {
    const reqs = losses.map(({ name, params }) => {
      const p = { ...params };
      if (st.task === 'classification') {
        const scores = C.scoreSwitch(name); // from_logits: the score is a raw score
        if (scores) p[scores] = true;
        return { loss: name, params: p, pred: [st.score], target: [st.label], grad: true };
      }
      return { loss: name, params: p, pred: [st.pred], target: [st.target], grad: true };
    });
    const got = await ask(reqs);
    if (!got) return null;
    return got.map((a) => (a ? { value: a.value, grad: Array.isArray(a.grad) ? a.grad[0] : a.grad } : { value: null, grad: null }));
  };
}

/** The key of a point: the exact values are used only while the point and the losses are the same. */
export const pointKey = (st, losses) => JSON.stringify([st.task, st.task === 'regression' ? [st.pred, st.target] : [st.score, st.label], losses]);
