// Panel 8, make your own loss: type a formula, name its parameters; the server reads it with losslab's grammar
// (POST /api/formula) and answers everything shown: how it reads, its derivatives, its curves beside built-in
// losses, the property report and the exports. The page sends the text and the numbers only; it never parses
// or runs the formula. A refused formula comes back 422 with the character to mark.

import { el, latest, debounce, newId, snap } from './util.js';
import { t, tr, onLang, lang } from './i18n.js';
import * as S from './state.js';
import { postJSON, ApiError } from './api.js';
import { radios, heading, para } from './controls.js';
import { resultsView } from './formula-view.js';
import { trainingBox } from './formula-train.js';

// Example formulas (data for the buttons). Their parameters are the user's own names inside a formula.
const EXAMPLES = [
  { label: 'formula.ex_logcosh', formula: 'log(cosh(r))', params: {}, task: 'regression' },
  { label: 'formula.ex_huber', formula: 'where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))', params: { delta: 1 }, task: 'regression' },
  { label: 'formula.ex_pseudo', formula: 'delta^2*(sqrt(1 + (r/delta)^2) - 1)', params: { delta: 1 }, task: 'regression' },
  { label: 'formula.ex_quantile', formula: 'max(q*(y - yhat), (q - 1)*(y - yhat))', params: { q: 0.9 }, task: 'regression' },
  { label: 'formula.ex_bce_logits', formula: 'softplus(yhat) - y*yhat', params: {}, task: 'binary' },
  { label: 'formula.ex_bce_p', formula: '-(y*log(p) + (1 - y)*log(1 - p))', params: {}, task: 'binary' },
];
const MAX_PARAMS = 8; // the server's bound (it refuses more in words); the page stops adding before
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** f.params=delta:1,q:0.9 → [{name, value}] (bad entries are dropped). */
function parseParams(text) {
  const out = [];
  for (const part of (text || '').split(',')) {
    const [name, value] = part.split(':');
    const v = Number(value);
    if (NAME.test(name || '') && Number.isFinite(v) && !out.some((p) => p.name === name)) out.push({ name, value: v });
  }
  return out.slice(0, MAX_PARAMS);
}

/** A slider's range around a value, fixed when the parameter is added (0 to 3×, or ±3 around 0). */
function rangeOf(v) {
  const span = v === 0 ? 3 : 3 * Math.abs(v);
  return { min: v > 0 ? 0 : -span, max: v >= 0 ? span : 0, step: snap(span / 100, 1e-6) || 0.01 };
}

export function mount(root, boot) {
  const first = EXAMPLES[1];
  const st = {
    text: S.get('f.text', first.formula).slice(0, 1024),
    task: S.get('f.task', S.get('f.text', null) === null ? first.task : 'regression') === 'binary' ? 'binary' : 'regression',
    params: parseParams(S.get('f.params', S.get('f.text', null) === null ? 'delta:1' : '')),
  };
  for (const p of st.params) p.range = rangeOf(p.value);

  // ---------------------------------------------------------------------------------------------- layout
  const section = el('section', { class: 'panel', id: 'panel-formula', 'aria-labelledby': 'formula-h' });
  const inputId = newId('formula');
  // a text area, so that a long formula is seen whole (the grammar takes line breaks as spaces)
  const input = el('textarea', { id: inputId, class: 'formula-input', rows: 2, spellcheck: 'false',
    autocomplete: 'off', autocapitalize: 'off', maxlength: 1024, 'data-key': 'f.text',
    'aria-describedby': `${inputId}-error ${inputId}-help` });
  input.value = st.text;
  const mirror = el('div', { class: 'formula-mirror', 'aria-hidden': 'true', hidden: true });
  // polite, not assertive: a half-typed formula is refused too, and the reader should not be interrupted by it
  const errorBox = el('div', { class: 'formula-error', id: `${inputId}-error`, 'aria-live': 'polite' });
  const help = tr(el('p', { class: 'help', id: `${inputId}-help` }), 'formula.input_help');
  const inputBox = el('div', { class: 'control formula-box' }, tr(el('label', { for: inputId }), 'formula.input'), input, mirror,
    errorBox, help);

  const examples = el('div', { class: 'row examples', role: 'group' },
    ...EXAMPLES.map((ex) => el('button', { type: 'button', class: 'btn small', onclick: () => useExample(ex) }, tr(el('span'), ex.label))));
  const exampleBox = el('div', { class: 'control', 'data-key': 'f.examples' }, tr(el('p', { class: 'group-title' }), 'formula.examples'), examples);
  examples.dataset.tLabel = 'formula.examples';
  examples.setAttribute('aria-label', t('formula.examples'));

  const taskCtl = radios({ key: 'f.task', label: 'formula.task', value: st.task,
    options: [{ value: 'regression', label: 'formula.task_regression' }, { value: 'binary', label: 'formula.task_binary' }],
    onChange: (v) => { st.task = v; changed(); } });

  const paramList = el('div', { class: 'params formula-params' });
  const newName = el('input', { type: 'text', id: newId('pname'), size: 8, spellcheck: 'false', autocomplete: 'off', maxlength: 32 });
  const newValue = el('input', { type: 'number', id: newId('pvalue'), value: 1, step: 'any', inputmode: 'decimal' });
  const paramNote = el('p', { class: 'help', role: 'status' });
  const addRow = el('div', { class: 'row add-param' },
    el('div', { class: 'control number' }, tr(el('label', { for: newName.id }), 'formula.param_name'), newName),
    el('div', { class: 'control number' }, tr(el('label', { for: newValue.id }), 'formula.param_value'), newValue),
    el('button', { type: 'button', class: 'btn', onclick: () => addParam(newName.value.trim(), Number(newValue.value)) },
      tr(el('span'), 'formula.add_param')));
  const paramBox = el('fieldset', { class: 'control', 'data-key': 'f.params' }, tr(el('legend'), 'formula.params'),
    paramList, addRow, paramNote);

  const view = resultsView();
  const training = trainingBox({ boot, body: () => body() });
  const controls = el('div', { class: 'controls' }, inputBox, exampleBox, taskCtl.node, paramBox);
  section.append(heading(2, 'formula.title', { id: 'formula-h' }), para('formula.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'two-col formula-cols' }, controls, el('div', { class: 'results' }, view.node, training.node)));
  root.append(section);

  // ---------------------------------------------------------------------------------------------- parameters
  function drawParams() {
    if (!st.params.length) { paramList.replaceChildren(tr(el('p', { class: 'help' }), 'formula.no_params')); return; }
    paramList.replaceChildren(...st.params.map((p) => {
      const id = newId('param');
      const range = el('input', { type: 'range', id, min: p.range.min, max: p.range.max, step: p.range.step, value: p.value,
        'data-key': `f.param.${p.name}` });
      const box = el('input', { type: 'number', value: p.value, step: 'any', inputmode: 'decimal', class: 'param-number' });
      box.setAttribute('aria-label', `${p.name} (${t('formula.param_value')})`);
      range.addEventListener('input', () => { p.value = Number(range.value); box.value = range.value; changed(); });
      box.addEventListener('change', () => {
        const v = Number(box.value);
        if (!Number.isFinite(v)) { box.value = p.value; return; }
        p.value = v;
        if (v < p.range.min || v > p.range.max) { p.range = rangeOf(v); drawParams(); }
        else range.value = v;
        changed();
      });
      const remove = el('button', { type: 'button', class: 'btn small', onclick: () => removeParam(p.name) }, '×');
      remove.setAttribute('aria-label', t('formula.remove_param', { name: p.name }));
      return el('div', { class: 'control slider param-row' },
        el('div', { class: 'control-head' }, el('label', { for: id }, el('code', {}, p.name)), box, remove), range);
    }));
  }
  function addParam(name, value) {
    if (!NAME.test(name)) { paramNote.textContent = t('formula.bad_param_name'); newName.focus(); return; }
    if (st.params.length >= MAX_PARAMS) { paramNote.textContent = t('formula.too_many_params', { max: MAX_PARAMS }); return; }
    const v = Number.isFinite(value) ? value : 1;
    const known = st.params.find((p) => p.name === name);
    if (known) known.value = v; else st.params.push({ name, value: v, range: rangeOf(v) });
    paramNote.textContent = '';
    newName.value = '';
    drawParams();
    changed();
  }
  function removeParam(name) {
    st.params = st.params.filter((p) => p.name !== name);
    drawParams();
    changed();
  }

  function useExample(ex) {
    st.text = ex.formula;
    input.value = ex.formula;
    st.task = ex.task;
    taskCtl.value = ex.task;
    st.params = Object.entries(ex.params).map(([name, value]) => ({ name, value, range: rangeOf(value) }));
    drawParams();
    changed(true);
  }

  // ---------------------------------------------------------------------------------------------- the server
  function body() {
    return { formula: st.text, params: Object.fromEntries(st.params.map((p) => [p.name, p.value])), task: st.task, lang: lang() };
  }
  const ask = latest(async (b) => {
    try {
      return { ok: await postJSON('/api/formula', b) };
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) return { error: err.error };
      throw err; // anything else is the page's usual error bar
    }
  });

  async function refresh() {
    const answer = await ask(body());
    if (!answer) return; // a newer request is on its way
    if (answer.error) { showError(answer.error); return; }
    clearError();
    training.formulaChanged(answer.ok);
    await view.show(answer.ok);
    section.dataset.ready = 'true';
  }
  const refreshSoon = debounce(refresh, 150);

  function changed(now = false) {
    section.dataset.ready = 'false';
    S.set({ 'f.text': st.text, 'f.task': st.task === 'regression' ? null : st.task,
      'f.params': st.params.map((p) => `${p.name}:${p.value}`).join(',') || null });
    training.formulaChanged(null);
    if (now) refresh(); else refreshSoon();
  }
  input.addEventListener('input', () => { st.text = input.value; changed(); });

  // ---------------------------------------------------------------------------------------------- errors
  function showError(error) {
    const pos = Number.isInteger(error.position) ? error.position : null;
    const line = el('p', { class: 'error-line' }, error.got && error.expected
      ? t('formula.error_line', { got: error.got, expected: error.expected }) : (error.message || ''));
    const hint = error.hint ? el('p', { class: 'help' }, error.hint) : null;
    const fix = error.name && NAME.test(error.name) && !st.params.some((p) => p.name === error.name)
      ? el('button', { type: 'button', class: 'btn small', onclick: () => addParam(error.name, 1) }, t('formula.add_named', { name: error.name }))
      : null;
    errorBox.replaceChildren(...[line, hint, fix].filter(Boolean));
    help.hidden = Boolean(hint); // the error's hint says the same as the help, for this place
    errorBox.dataset.code = error.code || '';
    input.setAttribute('aria-invalid', 'true');
    const chars = Array.from(st.text); // positions count characters (code points), as the server does
    if (pos !== null && pos <= chars.length) {
      mirror.replaceChildren(chars.slice(0, pos).join(''), el('mark', {}, chars[pos] || ' '), chars.slice(pos + 1).join(''));
      mirror.dataset.position = String(pos);
      mirror.hidden = false;
      line.prepend(el('span', { class: 'sr-only' }, `${t('formula.error_at', { pos: pos + 1 })}: `));
    } else {
      mirror.hidden = true;
    }
    section.dataset.ready = 'error';
  }
  function clearError() {
    errorBox.replaceChildren();
    help.hidden = false;
    delete errorBox.dataset.code;
    input.removeAttribute('aria-invalid');
    mirror.hidden = true;
  }

  drawParams();
  S.applyHide(section);
  onLang(() => { if (section.isConnected) { drawParams(); refresh(); } });
  return { node: section, ready: refresh(), body };
}
