// Panel 2, the dart board: click a board (or type x and y) to throw a dart at the bullseye (0, 0); each dart's
// loss under MSE, MAE and Huber, and the cost of the whole throw (their mean). The boards and their rings of
// equal loss are the figure losslab.figures.darts; the numbers come from the catalog. A dart's error is its
// distance from the bullseye: its MAE is that distance, its MSE the distance squared (the board says the same).

import { el, fmt, latest, debounce, snap } from './util.js';
import { t, tr, onLang, lang, lossText } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { slider, number, button, heading, para, scrollBox } from './controls.js';
import { Figure } from './chart.js';

const MAX_DARTS = 60;

function parseDarts(text, fallback) {
  if (text === null) return fallback;
  const out = [];
  for (const part of text.split(',')) {
    const [x, y] = part.split(':').map(Number);
    if (Number.isFinite(x) && Number.isFinite(y)) out.push([snap(Math.max(-9, Math.min(9, x)), 0.01), snap(Math.max(-9, Math.min(9, y)), 0.01)]);
  }
  return out.slice(0, MAX_DARTS);
}

export function mount(root, boot) {
  const LOSSES = boot.panels.darts.losses; // the board's losses, from the server
  const st = {
    darts: parseDarts(S.get('d.darts', null), boot.darts.map((d) => [d[0], d[1]])),
    delta: S.getNumber('d.delta', 1, 0.1, 3),
    seed: 1,
  };
  let result = null; // the server's numbers for the current darts
  let specInfo = null; // {lossSeries: {loss: series label}}

  const section = el('section', { class: 'panel', id: 'panel-darts', 'aria-labelledby': 'darts-h' });
  const figure = new Figure({ name: 'losslab-darts', label: 'darts.figure_label', key: 'd.figure', table: () => dartTable() });
  const deltaCtl = slider({ key: 'd.delta', label: 'darts.delta', min: 0.1, max: 3, step: 0.05, value: st.delta,
    onInput: (v) => { st.delta = v; save(); update(false); }, onChange: () => update(true) });
  const xCtl = number({ key: 'd.x', label: 'darts.x', value: 0.5, min: -9, max: 9, step: 0.1 });
  const yCtl = number({ key: 'd.y', label: 'darts.y', value: -0.5, min: -9, max: 9, step: 0.1 });
  const throwBtn = button({ label: 'darts.throw', kind: 'primary', key: 'd.throw', onClick: () => add(xCtl.value, yCtl.value) });
  const randomBtn = button({ label: 'darts.random', key: 'd.random', onClick: () => randomThrow() });
  const clearBtn = button({ label: 'darts.clear', key: 'd.clear', onClick: () => { st.darts = []; save(); update(true); } });
  const defaultBtn = button({ label: 'darts.defaults', key: 'd.defaults', onClick: () => { st.darts = boot.darts.map((d) => [d[0], d[1]]); save(); update(true); } });
  const table = el('table', { class: 'dart-table' });
  const live = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const verdict = el('p', { class: 'verdict' });

  section.append(
    heading(2, 'darts.title', { id: 'darts-h' }),
    para('darts.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'controls-row' },
      el('fieldset', { class: 'control', 'data-key': 'd.manual' }, tr(el('legend'), 'darts.manual'),
        el('div', { class: 'row' }, xCtl.node, yCtl.node, throwBtn, randomBtn)),
      el('div', { class: 'controls' }, deltaCtl.node, el('div', { class: 'row' }, clearBtn, defaultBtn))),
    el('div', { class: 'results' }, para('darts.click_hint', { class: 'board-hint' }), figure.node, verdict,
      scrollBox(table), live));
  root.append(section);

  function save() { S.set({ 'd.darts': st.darts.map(([x, y]) => `${x}:${y}`).join(','), 'd.delta': st.delta }); }

  function add(x, y) {
    if (st.darts.length >= MAX_DARTS) { live.textContent = t('darts.too_many', { max: MAX_DARTS }); return; }
    st.darts.push([snap(x, 0.01), snap(y, 0.01)]);
    save();
    update(true);
    live.textContent = t('darts.thrown', { n: st.darts.length, x: fmt(x, 3), y: fmt(y, 3) });
  }
  function randomThrow() {
    // a small seeded generator: the same sequence of throws on every visit
    st.seed = (st.seed * 16807) % 2147483647;
    const u1 = st.seed / 2147483647;
    st.seed = (st.seed * 16807) % 2147483647;
    const u2 = st.seed / 2147483647;
    const r = Math.sqrt(-2 * Math.log(Math.max(u1, 1e-9))) * 0.8;
    add(r * Math.cos(2 * Math.PI * u2), r * Math.sin(2 * Math.PI * u2));
  }
  function remove(i) {
    st.darts.splice(i, 1);
    save();
    update(true);
    live.textContent = t('darts.removed', { n: i + 1 });
  }

  const fetchNumbers = latest((req) => postJSON('/api/darts', req));
  const fetchFigure = latest((req) => postJSON('/api/darts', req));
  const figureSoon = debounce(() => drawFigure(), 250);

  async function update(withFigure) {
    const got = await fetchNumbers({ darts: st.darts, delta: st.delta, lang: lang() });
    if (!got) return;
    result = got;
    drawTable();
    if (figure.view && specInfo) await figure.setData('darts', dartRows());
    if (withFigure) figureSoon();
  }

  async function drawFigure() {
    const got = await fetchFigure({ darts: st.darts, delta: st.delta, lang: lang(), figure: true });
    if (!got) return;
    if (!got.figure) return; // the server draws the board even without darts (a click throws the first one)
    const spec = got.figure.spec;
    const lossSeries = {};
    for (const row of spec.datasets.darts || []) lossSeries[row.loss] = row.series;
    specInfo = { lossSeries };
    await figure.show(spec);
  }

  function dartRows() {
    const rows = [];
    for (const name of LOSSES) {
      result.darts.forEach((d, i) => rows.push({ loss: name, series: specInfo.lossSeries[name] || name, dart: i + 1, x: d.x, y: d.y,
        value: d[name], text: d[name].toFixed(2) }));
    }
    return rows;
  }

  figure.onView((view) => { // after every drawing (a new spec, or the same fitted to a new width)
    view.addEventListener('click', (event) => {
      const point = toData(view, event);
      if (point) add(point[0], point[1]);
    });
  });

  function drawTable() {
    const head = el('tr', {}, el('th', { scope: 'col' }, '#'), el('th', { scope: 'col' }, 'x'), el('th', { scope: 'col' }, 'y'),
      el('th', { scope: 'col' }, t('darts.distance')),
      ...LOSSES.map((name) => el('th', { scope: 'col' }, lossText(name) ? lossText(name).short : name)),
      el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('common.remove'))));
    const body = result.darts.map((d, i) => el('tr', {},
      el('th', { scope: 'row' }, String(i + 1)), el('td', { class: 'num' }, fmt(d.x, 3)), el('td', { class: 'num' }, fmt(d.y, 3)),
      el('td', { class: 'num' }, fmt(d.distance, 3)),
      ...LOSSES.map((name) => el('td', { class: 'num' }, fmt(d[name], 4))),
      el('td', {}, el('button', { type: 'button', class: 'btn small', 'aria-label': t('darts.remove_n', { n: i + 1 }), onclick: () => remove(i) }, '✕'))));
    const cost = el('tr', { class: 'cost-row' }, el('th', { scope: 'row', colspan: 4 }, t('darts.cost')),
      ...LOSSES.map((name) => el('td', { class: 'num' }, result.cost[name] === null ? '—' : fmt(result.cost[name], 4))), el('td'));
    table.replaceChildren(el('caption', {}, t('darts.table_caption', { n: result.darts.length, delta: fmt(st.delta, 3) })),
      el('thead', {}, head), el('tbody', {}, ...body), el('tfoot', {}, cost));
    // which dart owns the most of each cost: the words a learner should take away
    if (result.darts.length >= 2) {
      const worst = result.darts.reduce((a, b) => (b.mse > a.mse ? b : a));
      const shareMSE = worst.mse / result.darts.reduce((s, d) => s + d.mse, 0);
      const shareMAE = worst.mae / result.darts.reduce((s, d) => s + d.mae, 0);
      verdict.textContent = t('darts.verdict', { n: worst.index + 1, mse: (100 * shareMSE).toFixed(0), mae: (100 * shareMAE).toFixed(0) });
    } else verdict.textContent = result.darts.length ? '' : t('darts.empty');
  }

  function dartTable() {
    if (!result) return null;
    return {
      caption: t('darts.figure_label'),
      columns: [{ key: 'dart', label: '#' }, { key: 'x', label: 'x' }, { key: 'y', label: 'y' },
        ...LOSSES.map((name) => ({ key: name, label: t(`loss:${name}`) }))],
      rows: result.darts.map((d) => ({ dart: d.index + 1, x: d.x, y: d.y, ...Object.fromEntries(LOSSES.map((name) => [name, d[name]])) })),
    };
  }

  S.applyHide(section);
  onLang(() => { if (result) { drawTable(); drawFigure(); figure.relabel(); } });
  const ready = update(true);
  return { node: section, ready };
}

/** A click on a Vega view in data coordinates of the panel under the pointer (hconcat boards, one per loss). */
export function toData(view, event) {
  const [ox, oy] = view.origin();
  const rect = view.container().querySelector('svg, canvas').getBoundingClientRect();
  // the chart may be drawn smaller than its natural size (phone width): undo that scale first
  const natural = view.container().querySelector('svg, canvas');
  const scale = natural.width && natural.width.baseVal ? natural.width.baseVal.value / rect.width : (natural.width / (window.devicePixelRatio || 1)) / rect.width;
  const px = (event.clientX - rect.left) * (Number.isFinite(scale) && scale > 0 ? scale : 1) - ox;
  const py = (event.clientY - rect.top) * (Number.isFinite(scale) && scale > 0 ? scale : 1) - oy;
  const root = view.scenegraph().root;
  const groups = [];
  const walk = (item, dx, dy) => {
    for (const mark of item.items || []) {
      if (mark.marktype !== 'group') continue;
      for (const g of mark.items || []) {
        const gx = dx + (g.x || 0);
        const gy = dy + (g.y || 0);
        if (/^concat_\d+_group$/.test(mark.name || '') || mark.name === 'cell') groups.push({ name: mark.name, x: gx, y: gy, w: g.width, h: g.height });
        walk(g, gx, gy);
      }
    }
  };
  walk(root.items ? root.items[0] || root : root, 0, 0);
  for (const g of groups) {
    if (px >= g.x && px <= g.x + g.w && py >= g.y && py <= g.y + g.h) {
      const m = /^concat_(\d+)_group$/.exec(g.name);
      const prefix = m ? `concat_${m[1]}_` : '';
      let sx;
      let sy;
      try { sx = view.scale(`${prefix}x`); sy = view.scale(`${prefix}y`); } catch { return null; }
      if (!sx || !sy) return null;
      return [sx.invert(px - g.x), sy.invert(py - g.y)];
    }
  }
  return null;
}
