// The end-to-end distillation run of the teacher-and-student panel (POST /api/distill/experiment,
// losslab.distill.distill_experiment on digits): a teacher MLP, the small student alone, the same student
// distilled. It takes 1 to 5 s on the server (in a worker thread); the lab runs one at a time (429 otherwise).

import { el, fmt, pct } from './util.js';
import { t, lang } from './i18n.js';
import { postJSON } from './api.js';
import { number, button, heading, para } from './controls.js';

const ROLES = ['teacher', 'student', 'distilled'];

export function experimentBox() {
  let last = null;
  const temp = number({ key: 'ds.xt', label: 'distill.run_t', value: 4, min: 0.5, max: 10, step: 0.5 });
  const alpha = number({ key: 'ds.xalpha', label: 'distill.run_alpha', value: 0.5, min: 0, max: 1, step: 0.1 });
  const seed = number({ key: 'ds.xseed', label: 'distill.run_seed', value: 0, min: 0, max: 99, step: 1 });
  const status = el('p', { class: 'distill-run-status', role: 'status', 'aria-live': 'polite' });
  const out = el('div', { class: 'distill-run-out' });
  const go = button({ label: 'distill.run', kind: 'primary', key: 'ds.run', onClick: () => run() });
  go.classList.add('distill-run-go');
  const node = el('section', { class: 'distill-run', 'aria-labelledby': 'distill-run-h' },
    heading(3, 'distill.run_h', { id: 'distill-run-h' }), para('distill.run_help', { class: 'help' }),
    el('div', { class: 'row distill-run-controls' }, temp.node, alpha.node, seed.node, go), status, out);

  function draw() {
    if (!last) return;
    const cols = ['distill.col_model', 'distill.col_params', 'distill.col_train', 'distill.col_val', 'distill.col_acc', 'distill.col_kl_teacher'];
    const rows = ROLES.map((role) => {
      const r = last.rows.find((x) => x.role === role);
      return el('tr', { 'data-role': role }, el('th', { scope: 'row' }, t(`distill.role_${role}`)),
        el('td', { class: 'num' }, String(r.n_params)), ...[r.train_loss, r.val_loss].map((v) => el('td', { class: 'num' }, fmt(v, 4))),
        el('td', { class: 'num' }, pct(r.val_accuracy)), el('td', { class: 'num' }, fmt(r.val_kl_to_teacher, 4)));
    });
    const s = last.settings;
    out.replaceChildren(el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'distill-run-cap' },
      el('table', { class: 'distill-run-table' },
        el('caption', { id: 'distill-run-cap' }, t('distill.run_caption', { t: fmt(s.temperature, 3), alpha: fmt(s.alpha, 3), seed: s.seed,
          n: s.n_train, v: s.n_val })),
        el('thead', {}, el('tr', {}, ...cols.map((k) => el('th', { scope: 'col' }, t(k))))), el('tbody', {}, ...rows))),
    el('p', { class: 'distill-verdict', 'data-wins': String(last.distilled_wins) },
      t(last.distilled_wins ? 'distill.run_wins' : 'distill.run_loses', { s: fmt(last.seconds, 2) })));
  }

  async function run() {
    go.disabled = true;
    node.dataset.state = 'running';
    status.textContent = t('distill.run_running');
    try {
      last = await postJSON('/api/distill/experiment', { temperature: temp.value, alpha: alpha.value, seed: Math.round(seed.value), lang: lang() });
      status.textContent = t('distill.run_done');
      draw();
      node.dataset.state = 'done';
    } catch (err) {
      status.textContent = err && err.error && err.error.message ? err.error.message : String(err);
      node.dataset.state = 'error';
    } finally {
      go.disabled = false;
    }
  }

  return { node, relabel() { if (last) draw(); if (node.dataset.state === 'done') status.textContent = t('distill.run_done'); } };
}
