// Panel 10, teacher and student (issue 14): KL divergence and distillation. The server (POST /api/distill, from
// losslab.distill) answers forward and reverse KL, JSD(β), TV, the gradient on the student's logits with and
// without T², the rows softened at T and the same call in each library; the page only draws those numbers.
// The forward-vs-reverse figure is in distill-modes.js, the end-to-end experiment in distill-run.js.

import { el, fmt, latest, newId } from './util.js';
import { t, tr, onLang, lang } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { slider, select, toggle, heading, para } from './controls.js';
import { librariesBox } from './distill-libs.js';
import { modesBox } from './distill-modes.js';
import { experimentBox } from './distill-run.js';

const SEED = { teacher: '0.6, 0.2, 0.2', student: '0.5, 0.3, 0.2' }; // KL = 0.02830 at T = 1
const NUMBERS = [['kl_forward', 'distill.kl_forward'], ['kl_reverse', 'distill.kl_reverse'], ['jsd', 'distill.jsd'], ['tv', 'distill.tv']];

function styleSheet() {
  if (document.querySelector('link[data-distill-css]')) return Promise.resolve();
  const link = el('link', { rel: 'stylesheet', href: '/static/distill.css', 'data-distill-css': '' });
  const loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  return loaded;
}

/** "0.6, 0.2 0.2" → [0.6, 0.2, 0.2]: reading the numbers typed, nothing more (the server checks them). */
function parseRow(text) {
  const parts = String(text).split(/[\s,、，;]+/).filter(Boolean);
  return parts.map((p) => Number(p.replace('−', '-')));
}

function rowInput(key, label, value) {
  const id = newId('distill-row');
  const input = el('input', { id, type: 'text', class: 'distill-row', 'data-key': key, inputmode: 'decimal', spellcheck: 'false',
    autocomplete: 'off', 'aria-describedby': 'distill-rows-help' });
  input.value = value;
  return { input, node: el('div', { class: 'control' }, tr(el('label', { for: id }), label), input) };
}

export function mount(root) {
  const st = {
    teacher: S.get('ds.teacher', SEED.teacher), student: S.get('ds.student', SEED.student),
    T: S.getNumber('ds.t', 1, 0.5, 10), beta: S.getNumber('ds.beta', 0.5, 0, 1), direction: S.get('ds.dir', 'forward') === 'reverse' ? 'reverse' : 'forward',
    t2: S.getBool('ds.t2', false), logits: S.getBool('ds.logits', false), data: null,
  };
  const section = el('section', { class: 'panel distill', id: 'panel-distill', 'aria-labelledby': 'distill-h' });
  const teacher = rowInput('ds.teacher', 'distill.teacher', st.teacher);
  const student = rowInput('ds.student', 'distill.student', st.student);
  const rowsHelp = tr(el('p', { class: 'help', id: 'distill-rows-help' }), 'distill.rows_help');
  const logits = toggle({ key: 'ds.logits', label: 'distill.from_logits', value: st.logits, onChange: (v) => { st.logits = v; changed(); } });
  const temp = slider({ key: 'ds.t', label: 'distill.temperature', min: 0.5, max: 10, step: 0.1, value: st.T, help: 'distill.temperature_help',
    onInput: (v) => { st.T = v; changed(); } });
  const beta = slider({ key: 'ds.beta', label: 'distill.beta', min: 0, max: 1, step: 0.05, value: st.beta, help: 'distill.beta_help',
    onInput: (v) => { st.beta = v; changed(); } });
  const direction = select({ key: 'ds.dir', label: 'distill.direction', value: st.direction,
    options: [{ value: 'forward', label: 'distill.dir_forward' }, { value: 'reverse', label: 'distill.dir_reverse' }],
    onChange: (v) => { st.direction = v; changed(); } });
  const t2 = toggle({ key: 'ds.t2', label: 'distill.t2', value: st.t2, onChange: (v) => { st.t2 = v; S.set({ 'ds.t2': v ? '1' : null }); draw(); } });
  const problem = el('p', { class: 'distill-problem', role: 'alert', hidden: true });
  for (const box of [teacher.input, student.input]) {
    box.addEventListener('input', () => { st.teacher = teacher.input.value; st.student = student.input.value; changed(); });
  }

  // --- the numbers: created once, then only their text changes (a slider move must answer quickly) -------------
  const values = {};
  const names = {};
  const headline = el('dl', { class: 'distill-numbers', 'aria-live': 'polite' }, ...NUMBERS.map(([k, label]) => {
    values[k] = el('dd', { 'data-distill': k }, '—');
    names[k] = el('dt', {}, t(label, { beta: fmt(st.beta, 3) }));
    return el('div', {}, names[k], values[k]);
  }));
  const gradBig = el('dd', { class: 'big', 'data-distill': 'grad-l1' }, '—');
  const gradPlain = el('span', { 'data-distill': 'grad-l1-plain' }, '—');
  const gradT2 = el('span', { 'data-distill': 'grad-l1-t2' }, '—');
  const klT2 = el('span', { 'data-distill': 'kl-t2' }, '—');
  const gradWhich = el('dt', {});
  const gradBox = el('div', { class: 'distill-grad', 'aria-live': 'polite' },
    el('dl', {}, el('div', {}, gradWhich, gradBig)),
    el('p', { class: 'distill-grad-both' }, tr(el('span'), 'distill.grad_plain'), ' ', gradPlain, ' · ',
      tr(el('span'), 'distill.grad_t2'), ' ', gradT2, ' · ', tr(el('span'), 'distill.kl_t2'), ' ', klT2),
    tr(el('p', { class: 'help' }), 'distill.grad_help'));
  const barsTitle = el('h3', { id: 'distill-bars-h' });
  const bars = el('div', { class: 'distill-bars', role: 'list', 'aria-labelledby': 'distill-bars-h' });
  const legend = el('p', { class: 'distill-legend', 'aria-hidden': 'true' },
    el('span', { class: 'swatch teacher' }), tr(el('span'), 'distill.teacher_short'), ' ',
    el('span', { class: 'swatch student' }), tr(el('span'), 'distill.student_short'));
  const libs = librariesBox();
  const modes = modesBox();
  const runs = experimentBox();

  const controls = el('div', { class: 'controls' }, teacher.node, student.node, rowsHelp, logits.node, temp.node, beta.node,
    direction.node, t2.node);
  section.append(heading(2, 'distill.title', { id: 'distill-h' }), para('distill.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'two-col distill-cols' }, controls,
      el('div', { class: 'results' }, problem, headline, gradBox, barsTitle, legend, bars)),
    libs.node, modes.node, runs.node);
  root.append(section);

  function barRow(k, p, q, gradValue) {
    const bar = (cls, v) => el('span', { class: `distill-bar ${cls}`, 'aria-hidden': 'true' },
      el('span', { style: { width: `${Math.max(0, Math.min(100, 100 * v)).toFixed(1)}%` } }));
    return el('div', { class: 'distill-bar-row', role: 'listitem',
      'aria-label': t('distill.bar_label', { k, p: fmt(p, 4), q: fmt(q, 4), g: fmt(gradValue, 3) }) },
      el('span', { class: 'distill-class' }, t('distill.class', { k })),
      el('span', { class: 'distill-pair' }, bar('teacher', p), bar('student', q)),
      el('span', { class: 'distill-vals' }, `${fmt(p, 3)} / ${fmt(q, 3)}`),
      el('span', { class: 'distill-g', title: t('distill.col_grad') }, `∇ ${(gradValue > 0 ? '+' : '') + fmt(gradValue, 3)}`));
  }

  function draw() {
    const d = st.data;
    if (!d) return;
    for (const [k, label] of NUMBERS) {
      values[k].textContent = fmt(d[k], 4);
      values[k].title = fmt(d[k], 8);
      names[k].textContent = t(label, { beta: fmt(d.settings.beta, 3) });
    }
    gradWhich.textContent = t(st.t2 ? 'distill.grad_l1_t2' : 'distill.grad_l1', { dir: t(`distill.dir_${d.grad.direction}`) });
    gradBig.textContent = fmt(st.t2 ? d.grad.l1_t2 : d.grad.l1, 3);
    gradPlain.textContent = fmt(d.grad.l1, 3);
    gradT2.textContent = fmt(d.grad.l1_t2, 3);
    klT2.textContent = fmt(d.kl_t2, 4);
    section.dataset.t2 = st.t2 ? '1' : '0';
    barsTitle.textContent = t('distill.bars_title', { t: fmt(d.settings.temperature, 3) });
    const g = st.t2 ? d.grad.t2 : d.grad.plain;
    bars.replaceChildren(...d.soft.teacher.map((p, k) => barRow(k, p, d.soft.student[k], g[k])));
    libs.show(d);
  }

  const ask = latest(async (body) => {
    try { return await postJSON('/api/distill', body); } catch (err) {
      if (err && err.status === 422) return { refused: err.error }; // the library's words, in the page's language
      throw err;
    }
  });

  async function changed() {
    S.set({ 'ds.teacher': st.teacher === SEED.teacher ? null : st.teacher, 'ds.student': st.student === SEED.student ? null : st.student,
      'ds.t': st.T === 1 ? null : st.T, 'ds.beta': st.beta === 0.5 ? null : st.beta, 'ds.dir': st.direction === 'forward' ? null : st.direction,
      'ds.logits': st.logits ? '1' : null });
    section.dataset.ready = 'busy';
    const data = await ask({ teacher: parseRow(st.teacher), student: parseRow(st.student), temperature: st.T, beta: st.beta,
      direction: st.direction, from_logits: st.logits, lang: lang() });
    if (!data) return; // a newer request replaced this one
    if (data.refused) {
      problem.textContent = data.refused.message;
      problem.hidden = false;
      section.dataset.ready = 'error';
      return;
    }
    problem.hidden = true;
    st.data = data;
    draw();
    section.dataset.shownT = String(data.settings.temperature);
    section.dataset.ready = 'true';
  }

  S.applyHide(section);
  onLang(() => { if (section.isConnected) { changed(); modes.refresh(); runs.relabel(); } });
  const ready = styleSheet().then(() => Promise.all([changed(), modes.refresh()]));
  return { node: section, ready };
}
