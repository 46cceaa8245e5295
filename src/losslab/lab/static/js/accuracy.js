// Panel 6, loss vs. accuracy: the trainer's two classifiers that are right on exactly the same examples (same
// accuracy) but give the truth very different probabilities (different log loss), side by side.

import { el, fmt, pct } from './util.js';
import { t, tr, onLang, lang } from './i18n.js';
import * as S from './state.js';
import { getJSON } from './api.js';
import { heading, para } from './controls.js';
import { Figure } from './chart.js';

export function mount(root) {
  const section = el('section', { class: 'panel', id: 'panel-accuracy', 'aria-labelledby': 'accuracy-h' });
  const pair = el('div', { class: 'pair' });
  const text = el('p', { class: 'lesson' });
  const groups = el('table', {});
  let data = null;
  const figure = new Figure({ name: 'losslab-loss-vs-accuracy', label: 'accuracy.figure_label', key: 'a.figure', table: () => examples() });
  section.append(heading(2, 'accuracy.title', { id: 'accuracy-h' }), para('accuracy.intro', { class: 'intro', 'data-group': 'intro' }),
    pair, text, tr(el('h3'), 'accuracy.groups'), groups, figure.node);
  root.append(section);

  function card(which) {
    const d = data.demo;
    return el('div', { class: 'card' },
      el('h3', {}, t(`accuracy.${which}`)),
      el('p', {}, d.text[which]),
      el('dl', { class: 'numbers' },
        el('div', {}, el('dt', {}, t('tr:ui.accuracy')), el('dd', { class: 'big' }, pct(d[`accuracy_${which}`]))),
        el('div', {}, el('dt', {}, t('tr:ui.log_loss')), el('dd', { class: 'big' }, fmt(d[`log_loss_${which}`], 4)))));
  }

  function examples() {
    if (!data) return null;
    const d = data.demo;
    return {
      caption: t('accuracy.figure_label'),
      columns: [{ key: 'i', label: '#' }, { key: 'y', label: t('ui:target') }, { key: 'a', label: t('accuracy.p_a') },
        { key: 'b', label: t('accuracy.p_b') }, { key: 'right', label: t('accuracy.right') }],
      rows: d.y.map((y, i) => ({ i, y, a: d.proba_a[i], b: d.proba_b[i], right: d.correct[i] ? t('common.yes') : t('common.no') })),
    };
  }

  async function load() {
    data = await getJSON(`/api/loss-vs-accuracy?lang=${lang()}`);
    const d = data.demo;
    pair.replaceChildren(card('a'), card('b'));
    text.textContent = d.text.explanation;
    const g = d.groups;
    groups.replaceChildren(el('caption', { class: 'sr-only' }, t('accuracy.groups')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('accuracy.classifier'))), el('th', { scope: 'col' }, t('accuracy.right_examples')),
        el('th', { scope: 'col' }, t('accuracy.wrong_examples')))),
      el('tbody', {}, ...['a', 'b'].map((w) => el('tr', {}, el('th', { scope: 'row' }, t(`accuracy.${w}`)),
        el('td', {}, t('accuracy.group_cell', { p: fmt(g[`${w}_right`].p_true, 3), loss: fmt(g[`${w}_right`].loss, 3), n: g[`${w}_right`].n })),
        el('td', {}, t('accuracy.group_cell', { p: fmt(g[`${w}_wrong`].p_true, 3), loss: fmt(g[`${w}_wrong`].loss, 3), n: g[`${w}_wrong`].n }))))));
    if (data.figure) { figure.node.hidden = false; await figure.show(data.figure.spec); } else { figure.node.hidden = false; figure.chart.replaceChildren(); figure.toggleTable(true); }
  }

  S.applyHide(section);
  onLang(() => { if (section.isConnected) load(); });
  return { node: section, ready: load() };
}
