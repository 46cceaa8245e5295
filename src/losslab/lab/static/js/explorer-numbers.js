// The explorer's "your own numbers": type or paste a prediction and a target — one number per example or per
// class — and read the losses the server lists (SSE, MSE, MAE, the cross-entropy −Σ t·ln ŷ and KL(t ‖ ŷ)),
// each computed by the server's catalog (/api/compute), shown to full precision. A class picker turns the target into the one-hot row of the
// chosen class (the probability rows of "dog 70 %, cat 20 %, fish 10 %"); example buttons load the worked
// examples of the concepts (SSE 0.252 and 2.0651, cross-entropy 0.7874578600311867 and 2.6693103727862795, and
// the teacher and student of distillation). Nothing here computes a loss: the page parses, the server answers.

import { el, fmt, latest } from './util.js';
import { t, tr, onLang, lossText } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { heading, para, button, scrollBox } from './controls.js';

const GOOD = '0.01, 0.65, 0.13, 0.70, 0.15';
const POOR = '0.34, 0.21, 0.91, 0.33, 0.22';
const TARGET = '0, 1, 0, 1, 0';
/** "0.1, 0.2 0.3" → [0.1, 0.2, 0.3]; null with the first word that is no number. */
export function parseRow(text) {
  const parts = String(text).trim().split(/[\s,;、，]+/).filter(Boolean);
  const out = [];
  for (const p of parts) {
    const x = Number(p.replace('−', '-'));
    if (!Number.isFinite(x)) return { values: null, bad: p };
    out.push(x);
  }
  return { values: out, bad: null };
}

export function numbersBox(boot) {
  // the losses shown, from the server (a default selection), each with whether it reads whole rows
  const ROWS = boot.panels.numbers.losses;
  const st = {
    pred: S.get('e.vpred', GOOD),
    target: S.get('e.vtarget', TARGET),
    names: S.get('e.vnames', ''),
  };
  const field = (key, label, value, onInput) => {
    const input = el('input', { type: 'text', id: `num-${key.replace('.', '-')}`, value, 'data-key': key,
      inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false' });
    input.addEventListener('input', () => onInput(input.value));
    const wrap = el('div', { class: 'control text', 'data-key': key }, tr(el('label', { for: input.id }), label), input);
    return { node: wrap, input };
  };
  const predCtl = field('e.vpred', 'explorer.vec_pred', st.pred, (v) => { st.pred = v; changed(); });
  const targetCtl = field('e.vtarget', 'explorer.vec_target', st.target, (v) => { st.target = v; syncClass(); changed(); });
  const namesCtl = field('e.vnames', 'explorer.vec_names', st.names, (v) => { st.names = v; fillClasses(); S.set({ 'e.vnames': v || null }); });
  const classSel = el('select', { id: 'num-e-vclass', 'data-key': 'e.vclass' });
  classSel.addEventListener('change', () => {
    const k = Number(classSel.value);
    if (classSel.value === '' || !Number.isInteger(k)) return;
    const n = (parseRow(st.pred).values || []).length;
    st.target = Array.from({ length: n }, (_, i) => (i === k ? '1' : '0')).join(', ');
    targetCtl.input.value = st.target;
    changed();
  });
  const classCtl = el('div', { class: 'control select', 'data-key': 'e.vclass' }, tr(el('label', { for: classSel.id }), 'explorer.vec_class'), classSel);

  const example = (label, pred, target, names = '') => button({ label, kind: 'small', onClick: () => {
    st.pred = pred; st.target = target; st.names = typeof names === 'function' ? names() : names;
    predCtl.input.value = st.pred; targetCtl.input.value = st.target; namesCtl.input.value = st.names;
    fillClasses(); changed();
  } });
  const examples = el('div', { class: 'row examples', role: 'group' },
    example('explorer.vec_ex_good', GOOD, TARGET), example('explorer.vec_ex_poor', POOR, TARGET),
    example('explorer.vec_ex_pets', '0.7, 0.2, 0.1', '1, 0, 0', () => t('explorer.vec_pets_names')),
    example('explorer.vec_ex_kl', '0.5, 0.3, 0.2', '0.6, 0.2, 0.2'));
  examples.dataset.tLabel = 'explorer.vec_examples';
  examples.setAttribute('aria-label', t('explorer.vec_examples'));

  const note = el('p', { class: 'help vec-note', 'aria-live': 'polite' });
  const table = el('table', { class: 'vec-table' });
  const node = el('div', { class: 'vec-box', 'data-group': 'e.numbers' },
    heading(3, 'explorer.vec_title'), para('explorer.vec_intro', { class: 'help' }),
    examples, el('div', { class: 'vec-fields' }, predCtl.node, targetCtl.node, namesCtl.node, classCtl), note, scrollBox(table));

  function names(n) {
    const given = st.names.split(/[,、，]/).map((s) => s.trim()).filter(Boolean);
    return Array.from({ length: n }, (_, i) => given[i] || t('explorer.vec_class_n', { n: i + 1 }));
  }
  function fillClasses() {
    const n = (parseRow(st.pred).values || []).length;
    const opts = [el('option', { value: '' }, t('explorer.vec_class_typed'))];
    names(n).forEach((name, i) => opts.push(el('option', { value: String(i) }, name)));
    classSel.replaceChildren(...opts);
    syncClass();
  }
  function syncClass() { // the picker shows the class when the target is one-hot, "as typed" otherwise
    const tv = parseRow(st.target).values || [];
    const ones = tv.filter((x) => x === 1).length;
    const k = tv.findIndex((x) => x === 1);
    classSel.value = ones === 1 && tv.every((x) => x === 0 || x === 1) && k < classSel.options.length - 1 ? String(k) : '';
  }

  const ask = latest((reqs) => Promise.all(reqs.map((r) => postJSON('/api/compute', r).catch((err) => ({ failed: err })))));
  async function changed() {
    S.set({ 'e.vpred': st.pred === GOOD ? null : st.pred, 'e.vtarget': st.target === TARGET ? null : st.target });
    const p = parseRow(st.pred);
    const q = parseRow(st.target);
    const bad = p.bad ?? q.bad;
    if (bad !== null && bad !== undefined) { note.textContent = t('explorer.vec_not_number', { word: bad }); return draw(null); }
    if (!p.values.length || p.values.length !== q.values.length) {
      note.textContent = t('explorer.vec_lengths', { n: p.values.length, m: q.values.length });
      return draw(null);
    }
    const sums = [['ŷ', p.values], ['t', q.values]].map(([w, v]) => [w, v.reduce((a, b) => a + b, 0)])
      .filter(([, s]) => Math.abs(s - 1) > 1e-9);
    note.textContent = sums.map(([w, s]) => t('explorer.vec_sum', { row: w, sum: fmt(s, 6) })).join(' ');
    const reqs = ROWS.map((r) => ({ loss: r.loss, params: {}, pred: r.rows ? [p.values] : p.values,
      target: r.rows ? [q.values] : q.values, grad: false }));
    const got = await ask(reqs);
    if (got) draw(got);
  }

  let last = null;
  function draw(got) {
    last = got;
    const head = el('tr', {}, el('th', { scope: 'col' }, t('explorer.loss_col')), el('th', { scope: 'col' }, t('explorer.value')));
    const body = ROWS.map((r, i) => {
      const a = got && got[i];
      const cell = !a ? '—' : a.failed ? t('explorer.vec_refused', { why: a.failed.message || '' })
        : a.value === null ? '—' : String(a.value).replace('-', '−');
      const words = lossText(r.loss);
      return el('tr', { 'data-loss': r.loss }, el('th', { scope: 'row' }, words ? `${words.title} (${words.short})` : r.loss),
        el('td', { class: 'num vec-value' }, cell));
    });
    table.replaceChildren(el('caption', {}, t('explorer.vec_caption')), el('thead', {}, head), el('tbody', {}, ...body));
  }

  fillClasses();
  onLang(() => { fillClasses(); draw(last); });
  const ready = changed();
  return { node, ready };
}
