// Forward KL covers, reverse KL seeks a mode (POST /api/distill/modes, losslab.distill.fit_modes): a student that
// can make one peak, fitted to a teacher with two, once by each direction. The figure is the server's Vega-Lite
// spec; the table beside it gives μ, σ, both KLs and the mass near each peak.

import { el, fmt, latest } from './util.js';
import { t, tr, lang } from './i18n.js';
import { postJSON } from './api.js';
import { heading, para, scrollBox } from './controls.js';
import { Figure } from './chart.js';

export function modesBox() {
  let last = null;
  const figure = new Figure({ name: 'losslab-distill-modes', label: 'distill.modes_label', key: 'ds.modes', table: () => table() });
  const summary = el('div', { class: 'distill-modes-table' });
  const node = el('section', { class: 'distill-modes', 'aria-labelledby': 'distill-modes-h' },
    heading(3, 'distill.modes_h', { id: 'distill-modes-h' }), para('distill.modes_help', { class: 'help' }), figure.node, summary);

  function table() {
    if (!last) return null;
    return { columns: [{ key: 'token', label: t('distill.modes_axis_token') }, { key: 'series', label: t('distill.col_series') },
      { key: 'prob', label: t('distill.modes_axis_p') }], rows: last.spec.datasets.modes };
  }

  function drawSummary(d) {
    const head = ['distill.col_fitted', 'distill.col_mu', 'distill.col_sigma', 'distill.col_kl_fwd', 'distill.col_kl_rev', 'distill.col_mass'];
    const row = (key) => {
      const f = d[key];
      return el('tr', { 'data-direction': key }, el('th', { scope: 'row' }, t(`distill.row_${key}`)),
        ...[f.mu, f.sigma, f.kl_forward, f.kl_reverse].map((v) => el('td', { class: 'num' }, fmt(v, 4))),
        el('td', { class: 'num' }, f.peak_mass.map((m) => m.toFixed(3)).join(' / ')));
    };
    // a named, focusable scroll box (controls.scrollBox), as every wide table of the lab
    summary.replaceChildren(scrollBox(
      el('table', {}, tr(el('caption', { id: 'distill-modes-cap' }), 'distill.modes_caption'),
        el('thead', {}, el('tr', {}, ...head.map((k) => el('th', { scope: 'col' }, t(k))))),
        el('tbody', {}, row('forward'), row('reverse'))), { label: 'distill.modes_caption' }));
  }

  const ask = latest(async () => postJSON('/api/distill/modes', { lang: lang() }));
  return {
    node,
    async refresh() {
      const d = await ask();
      if (!d) return;
      last = d;
      drawSummary(d);
      await figure.show(d.spec);
      node.dataset.ready = 'true';
    },
  };
}
