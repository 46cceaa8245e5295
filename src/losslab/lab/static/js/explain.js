// The step-by-step explanation of a loss on the current numbers (loss.explain(...).to_dict()), as HTML.

import { el, fmt } from './util.js';
import { t } from './i18n.js';
import { scrollBox } from './controls.js';
import { formula } from './tex.js';

export function renderExplanation(x) {
  const label = (key) => (x.column_labels && x.column_labels[key]) || key;
  const cell = (key, v) => {
    if (key === 'branch' && typeof v === 'string') return t(`ui:${v}`) || v;
    return typeof v === 'number' ? fmt(v, 6) : (v ?? '');
  };
  const table = x.rows && x.rows.length ? el('table', { class: 'steps-table' },
    el('caption', {}, t('ui:step')),
    el('thead', {}, el('tr', {}, ...x.columns.map((c) => el('th', { scope: 'col' }, label(c))))),
    el('tbody', {}, ...x.rows.map((r) => el('tr', {}, ...x.columns.map((c) => el('td', { class: typeof r[c] === 'number' ? 'num' : '' }, cell(c, r[c]))))))) : null;
  const classTable = x.class_rows && x.class_rows.length ? el('table', { class: 'steps-table' },
    el('caption', {}, `${t('ui:class')} / ${t('ui:term')}`),
    el('thead', {}, el('tr', {}, ...x.class_columns.map((c) => el('th', { scope: 'col' }, label(c))))),
    el('tbody', {}, ...x.class_rows.map((r) => el('tr', {}, ...x.class_columns.map((c) => el('td', { class: 'num' }, cell(c, r[c]))))))) : null;
  const steps = el('ol', { class: 'steps' }, ...(x.steps || []).map((s) => el('li', {},
    el('span', { class: 'step-name' }, t(`ui:${s.key}`)), ': ', el('code', {}, s.expression), ' = ', el('strong', {}, fmt(s.value, 6)))));
  const value = Array.isArray(x.value) ? `[${x.value.map((v) => fmt(v, 6)).join(', ')}]` : fmt(x.value, 8);
  const more = el('details', { class: 'more' }, el('summary', {}, t('explain.more')),
    el('dl', {}, ...['how', 'when_to_use', 'avoid_when', 'outliers', 'gradient', 'pitfall'].filter((k) => x.text && x.text[k]).flatMap((k) => [
      el('dt', {}, t(`ui:${k}`)), el('dd', {}, x.text[k]),
    ])));
  return el('article', { class: 'explained', lang: x.lang },
    el('h4', {}, x.title || x.loss, ' ', el('code', {}, x.loss)),
    el('p', {}, x.text ? x.text.idea : ''),
    el('p', { class: 'formula' }, el('span', { class: 'k' }, `${t('ui:formula')}: `), formula(x.formula.latex, x.formula.plain)),
    table ? scrollBox(table, { label: 'ui:step' }) : null, classTable ? scrollBox(classTable, { label: 'ui:class' }) : null, steps,
    el('p', { class: 'final' }, el('strong', {}, `${t('ui:final_value')}: ${value}`)),
    (x.warnings || []).map((w) => el('p', { class: 'warning', role: 'note' }, w)),
    more);
}
