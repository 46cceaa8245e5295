// Panel 3, the regression lab: points you add, drag and delete; the best line of each chosen loss, fitted by
// losslab's trainer on the server as you move them; each point's share of the chosen loss.
//
// The plot here is an editor (points are handles you can grab, or select and move with the arrow keys); the lines
// and shares it draws are the server's. The per-point shares also appear as losslab.figures.contributions.

import { el, svg, fmt, pct, latest, debounce, snap, clamp, download, toCSV, colour } from './util.js';
import { t, tr, onLang, lang, lossText } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { slider, checks, select, button, heading, para, toggle, scrollBox } from './controls.js';
import { Figure } from './chart.js';
import * as C from './catalog.js';

const DASHES = ['', '8 4', '2 3', '10 3 2 3', '4 4', '12 4 2 4'];
const X = [-4, 4];
const Y = [-3, 9];
const W = 600;
const H = 440;
const M = { l: 40, r: 90, t: 12, b: 34 };
const MAX_POINTS = 100;

function parsePoints(text, fallback) {
  if (text === null) return fallback;
  const out = [];
  for (const part of text.split(',')) {
    const [x, y] = part.split(':').map(Number);
    if (Number.isFinite(x) && Number.isFinite(y)) out.push([clamp(snap(x, 0.01), X[0], X[1]), clamp(snap(y, 0.01), Y[0], Y[1])]);
  }
  return out.slice(0, MAX_POINTS);
}

export function mount(root, boot) {
  // the losses come from the server (the catalog), the sliders from their parameters' metadata: the shape
  // parameters with a slider, one per parameter name (r.delta, r.beta, r.q)
  const panel = boot.panels.regression;
  const OFFERED = panel.losses;
  const PARAMS = C.sliderSpecs('r', OFFERED, ['shape']);
  const st = {
    points: parsePoints(S.get('r.points', null), boot.points.map((p) => [clamp(p[0], X[0], X[1]), clamp(p[1], Y[0], Y[1])])),
    losses: S.getList('r.losses', panel.defaults).filter((x) => OFFERED.includes(x)),
    params: Object.fromEntries(PARAMS.map((p) => [p.key, S.getNumber(p.key, p.start, p.min, p.max)])),
    focus: S.get('r.focus', panel.defaults[0]),
    shares: S.getBool('r.shares', true),
    selected: null,
  };
  if (!st.losses.length) st.losses = panel.compare.slice();
  if (!st.losses.includes(st.focus)) st.focus = st.losses[0];
  let fit = null; // the server's answer
  let dragging = null;
  let lastDown = null;

  const sx = (x) => M.l + ((x - X[0]) / (X[1] - X[0])) * (W - M.l - M.r);
  const sy = (y) => H - M.b - ((y - Y[0]) / (Y[1] - Y[0])) * (H - M.t - M.b);
  const ix = (px) => X[0] + ((px - M.l) / (W - M.l - M.r)) * (X[1] - X[0]);
  const iy = (py) => Y[0] + ((H - M.b - py) / (H - M.t - M.b)) * (Y[1] - Y[0]);

  // ---------------------------------------------------------------------------------------------- layout
  const section = el('section', { class: 'panel', id: 'panel-regression', 'aria-labelledby': 'regression-h' });
  const lossCtl = checks({ key: 'r.losses', label: 'regression.losses', value: st.losses,
    options: OFFERED.map((name, k) => ({ value: name, label: `loss:${name}`,
      swatch: el('span', { class: 'swatch', 'aria-hidden': 'true', style: { borderTopColor: colour(k), borderTopStyle: DASHES[k % DASHES.length] ? 'dashed' : 'solid' } }) })),
    onChange: (v) => {
      if (!v.length) { lossCtl.value = st.losses; return; }
      st.losses = OFFERED.filter((x) => v.includes(x));
      if (!st.losses.includes(st.focus)) st.focus = st.losses[0];
      focusCtl.setOptions(st.losses.map((name) => ({ value: name, label: `loss:${name}` })), st.focus);
      syncParams(); save(); refit(true);
    } });
  const focusCtl = select({ key: 'r.focus', label: 'regression.focus', value: st.focus,
    options: st.losses.map((name) => ({ value: name, label: `loss:${name}` })),
    onChange: (v) => { st.focus = v; save(); refit(true); } });
  const paramCtls = PARAMS.map((p) => ({ def: p, ctl: slider({ key: p.key, label: C.sliderLabel('regression', p), min: p.min, max: p.max,
    step: p.step, value: st.params[p.key], onInput: (v) => { st.params[p.key] = v; save(); refit(false); }, onChange: () => refit(true) }) }));
  const sharesCtl = toggle({ key: 'r.shares', label: 'regression.show_shares', value: st.shares,
    onChange: (v) => { st.shares = v; save(); draw(); } });

  const plot = svg('svg', { class: 'plot-svg', viewBox: `0 0 ${W} ${H}`, role: 'group', 'aria-labelledby': 'regression-plot-label' });
  const plotLabel = tr(el('p', { id: 'regression-plot-label', class: 'board-hint' }), 'regression.plot_help');
  const live = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const linesTable = el('table', {});
  const pointsTable = el('table', {});
  const shareFigure = new Figure({ name: 'losslab-shares', label: 'regression.shares_label', key: 'r.figure', table: () => pointsData() });

  const addBtn = button({ label: 'regression.add_point', key: 'r.add', onClick: () => { addPoint(0, 1); } });
  const outlierBtn = button({ label: 'regression.add_outlier', key: 'r.outlier', onClick: () => { addPoint(2.5, 8); } });
  const resetBtn = button({ label: 'regression.example', key: 'r.example', onClick: () => { st.points = boot.points.map((p) => [p[0], p[1]]); st.selected = null; save(); refit(true); } });
  const clearBtn = button({ label: 'regression.clear', key: 'r.clear', onClick: () => { st.points = []; st.selected = null; save(); refit(true); } });
  const csvBtn = button({ label: 'export.dataset_csv', key: 'r.csv', onClick: () => download('losslab-points.csv', toCSV(st.points.map(([x, y]) => ({ x, y }))), 'text/csv') });

  section.append(
    heading(2, 'regression.title', { id: 'regression-h' }),
    para('regression.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'two-col' },
      el('div', { class: 'controls' }, lossCtl.node, focusCtl.node, ...paramCtls.map((c) => c.ctl.node), sharesCtl.node,
        el('div', { class: 'row' }, addBtn, outlierBtn), el('div', { class: 'row' }, resetBtn, clearBtn, csvBtn)),
      el('div', { class: 'results' }, plotLabel, plot, live,
        tr(el('h3'), 'regression.lines'), scrollBox(linesTable, { label: 'regression.lines' }),
        tr(el('h3'), 'regression.points'), scrollBox(pointsTable, { cls: 'table-wrap data-table', label: 'regression.points' }),
        shareFigure.node)));
  root.append(section);

  const used = (p) => p.losses.some((name) => st.losses.includes(name));
  function syncParams() {
    for (const { def, ctl } of paramCtls) ctl.node.hidden = !used(def);
    S.applyHide(section);
  }
  function save() {
    S.set({ 'r.points': st.points.map(([x, y]) => `${x}:${y}`).join(','), 'r.losses': st.losses,
      ...Object.fromEntries(PARAMS.map((p) => [p.key, used(p) ? st.params[p.key] : null])),
      'r.focus': st.focus, 'r.shares': st.shares });
  }
  const params = (name) => C.paramsOf(name, PARAMS, st.params);
  const colourOf = (name) => colour(OFFERED.indexOf(name)); // the palette of the figures, from the boot payload
  const dashOf = (name) => DASHES[OFFERED.indexOf(name) % DASHES.length];
  const short = (name) => (lossText(name) ? lossText(name).short : name);

  // ---------------------------------------------------------------------------------------------- fitting
  const fetchFit = latest((req) => postJSON('/api/fit', req));
  const figureSoon = debounce(() => drawShares(), 400);
  async function refit(precise) {
    const req = {
      points: st.points, losses: st.losses.map((name) => ({ name, params: params(name) })),
      focus: st.losses.indexOf(st.focus), precise, lang: lang(),
    };
    if (!precise && fit && fit.lines && fit.lines.length === st.losses.length && fit.lines.every(Boolean)) {
      req.start = fit.lines.map((l) => [l.slope, l.intercept]);
    }
    const got = await fetchFit(req);
    if (!got) return;
    fit = got;
    draw();
    drawTables();
    if (precise) figureSoon();
  }

  // ---------------------------------------------------------------------------------------------- drawing
  function draw() {
    const nodes = [];
    for (let x = Math.ceil(X[0]); x <= X[1]; x += 1) {
      nodes.push(svg('line', { x1: sx(x), x2: sx(x), y1: sy(Y[0]), y2: sy(Y[1]), stroke: x === 0 ? '#999' : '#eee' }));
      nodes.push(svg('text', { x: sx(x), y: H - M.b + 14, 'text-anchor': 'middle' }, document.createTextNode(String(x))));
    }
    for (let y = Math.ceil(Y[0]); y <= Y[1]; y += 1) {
      nodes.push(svg('line', { x1: sx(X[0]), x2: sx(X[1]), y1: sy(y), y2: sy(y), stroke: y === 0 ? '#999' : '#eee' }));
      nodes.push(svg('text', { x: M.l - 6, y: sy(y) + 4, 'text-anchor': 'end' }, document.createTextNode(String(y))));
    }
    nodes.push(svg('text', { x: (M.l + W - M.r) / 2, y: H - 4, 'text-anchor': 'middle' }, document.createTextNode('x')));
    nodes.push(svg('text', { x: 10, y: M.t + 8 }, document.createTextNode('y')));
    const hit = svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: 'transparent' });
    nodes.push(hit);
    const lines = fit ? fit.lines : [];
    const focusLine = fit && fit.lines[fit.focus];
    if (focusLine && fit.points.length === st.points.length) {
      st.points.forEach(([x, y]) => {
        const p = focusLine.slope * x + focusLine.intercept;
        nodes.push(svg('line', { x1: sx(x), x2: sx(x), y1: sy(y), y2: sy(clamp(p, Y[0], Y[1])), stroke: '#888', 'stroke-width': 1, 'stroke-dasharray': '1 2' }));
      });
    }
    const labelsY = [];
    lines.forEach((line) => {
      if (!line) return;
      const y0 = line.slope * X[0] + line.intercept;
      const y1 = line.slope * X[1] + line.intercept;
      nodes.push(svg('line', { x1: sx(X[0]), y1: sy(y0), x2: sx(X[1]), y2: sy(y1), stroke: colourOf(line.loss), 'stroke-width': line.loss === st.focus ? 3.5 : 2.5,
        'stroke-dasharray': dashOf(line.loss) || null, 'clip-path': 'url(#reg-clip)' }));
      let ly = clamp(sy(y1), M.t + 8, H - M.b - 4);
      while (labelsY.some((v) => Math.abs(v - ly) < 13)) ly += 13;
      labelsY.push(ly);
      nodes.push(svg('text', { x: W - M.r + 6, y: ly + 4, fill: colourOf(line.loss), 'font-weight': line.loss === st.focus ? 700 : 400 }, document.createTextNode(short(line.loss))));
    });
    st.points.forEach(([x, y], i) => {
      const info = fit && fit.points[i];
      const share = info && info.share !== null ? info.share : 0;
      const r = 5 + (st.shares ? 12 * Math.sqrt(share) : 0);
      const label = t('regression.point_label', { n: i + 1, x: fmt(x, 3), y: fmt(y, 3), share: info && info.share !== null ? pct(info.share) : '—' });
      const g = svg('g', { class: `pt${st.selected === i ? ' selected' : ''}`, tabindex: 0, role: 'button', 'aria-label': label, 'data-index': i },
        svg('circle', { cx: sx(x), cy: sy(y), r, fill: colour(0), 'fill-opacity': 0.25, stroke: '#0b3954', 'stroke-width': 1.5, class: 'ring' }),
        svg('circle', { cx: sx(x), cy: sy(y), r: 3, fill: '#0b3954' }));
      if (st.shares && info && info.share !== null && info.share >= 0.03) {
        g.append(svg('text', { x: sx(x) + r + 3, y: sy(y) - 3 }, document.createTextNode(pct(info.share))));
      }
      g.addEventListener('keydown', (e) => keyOnPoint(e, i));
      g.addEventListener('focus', () => { st.selected = i; });
      nodes.push(g);
    });
    const defs = svg('defs', {}, svg('clipPath', { id: 'reg-clip' }, svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b })));
    const focused = document.activeElement && plot.contains(document.activeElement) ? Number(document.activeElement.dataset.index) : null;
    plot.replaceChildren(defs, ...nodes);
    if (focused !== null && Number.isFinite(focused)) {
      const again = plot.querySelector(`.pt[data-index="${focused}"]`);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function drawTables() {
    linesTable.replaceChildren(el('caption', { class: 'sr-only' }, t('regression.lines')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('explorer.loss_col')), el('th', { scope: 'col' }, t('regression.slope')),
        el('th', { scope: 'col' }, t('regression.intercept')), el('th', { scope: 'col' }, t('regression.cost')))),
      el('tbody', {}, ...fit.lines.map((line, k) => el('tr', {},
        el('th', { scope: 'row' }, el('span', { class: 'swatch', 'aria-hidden': 'true', style: { borderTopColor: colourOf(st.losses[k]), borderTopStyle: dashOf(st.losses[k]) ? 'dashed' : 'solid' } }), ' ', t(`loss:${st.losses[k]}`)),
        el('td', { class: 'num' }, line ? fmt(line.slope, 4) : '—'), el('td', { class: 'num' }, line ? fmt(line.intercept, 4) : '—'),
        el('td', { class: 'num' }, line ? fmt(line.cost, 4) : '—')))));
    const data = pointsData();
    pointsTable.replaceChildren(el('caption', {}, data.caption),
      el('thead', {}, el('tr', {}, ...data.columns.map((c) => el('th', { scope: 'col' }, c.label)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('common.remove'))))),
      el('tbody', {}, ...data.rows.map((r, i) => el('tr', {},
        ...data.columns.map((c) => el('td', { class: 'num' }, c.key === 'share' ? pct(r.share) : fmt(r[c.key], 4))),
        el('td', {}, el('button', { type: 'button', class: 'btn small', 'aria-label': t('regression.remove_n', { n: i + 1 }), onclick: () => removePoint(i) }, '✕'))))));
  }

  function pointsData() {
    const rows = (fit ? fit.points : []).map((p, i) => ({ point: i + 1, x: p.x, y: p.y, pred: p.pred, loss: p.loss, share: p.share }));
    return {
      caption: t('regression.points_caption', { loss: t(`loss:${st.focus}`) }),
      columns: [{ key: 'point', label: '#' }, { key: 'x', label: 'x' }, { key: 'y', label: 'y' }, { key: 'pred', label: t('ui:pred') },
        { key: 'loss', label: t('ui:loss') }, { key: 'share', label: t('ui:share') }],
      rows,
    };
  }

  const fetchFigure = latest((req) => postJSON('/api/figures/contributions', req));
  async function drawShares() {
    if (!fit || !fit.points.length || fit.points.some((p) => p.pred === undefined)) { shareFigure.node.hidden = true; return; }
    shareFigure.node.hidden = false;
    const both = [st.focus, ...panel.compare.filter((x) => x !== st.focus)].slice(0, 2);
    const got = await fetchFigure({ args: { pred: fit.points.map((p) => p.pred), target: fit.points.map((p) => p.y), losses: both,
      params: Object.fromEntries(both.map((n) => [n, params(n)]).filter(([, v]) => Object.keys(v).length)),
      labels: fit.points.map((p, i) => `#${i + 1}`) }, lang: lang() });
    if (got) await shareFigure.show(got.spec);
  }

  // ---------------------------------------------------------------------------------------------- editing
  function addPoint(x, y) {
    if (st.points.length >= MAX_POINTS) { live.textContent = t('regression.too_many', { max: MAX_POINTS }); return; }
    st.points.push([clamp(snap(x, 0.01), X[0], X[1]), clamp(snap(y, 0.01), Y[0], Y[1])]);
    st.selected = st.points.length - 1;
    save();
    refit(true).then(() => focusPoint(st.selected));
    live.textContent = t('regression.added', { n: st.points.length, x: fmt(x, 3), y: fmt(y, 3) });
  }
  function removePoint(i) {
    st.points.splice(i, 1);
    st.selected = null;
    save();
    refit(true);
    live.textContent = t('regression.removed', { n: i + 1 });
  }
  function focusPoint(i) {
    const g = plot.querySelector(`.pt[data-index="${i}"]`);
    if (g) g.focus();
  }
  function keyOnPoint(e, i) {
    const step = e.shiftKey ? 0.5 : 0.1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) {
      e.preventDefault();
      const [dx, dy] = moves[e.key];
      st.points[i] = [clamp(snap(st.points[i][0] + dx, 0.01), X[0], X[1]), clamp(snap(st.points[i][1] + dy, 0.01), Y[0], Y[1])];
      save();
      draw();
      refit(false);
      keySettle();
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      removePoint(i);
      if (st.points.length) focusPoint(Math.min(i, st.points.length - 1));
    }
  }
  const keySettle = debounce(() => refit(true), 350);

  function toPlot(event) {
    const rect = plot.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * W, ((event.clientY - rect.top) / rect.height) * H];
  }
  plot.addEventListener('pointerdown', (event) => {
    const target = event.target.closest('.pt');
    if (target) {
      const i = Number(target.dataset.index);
      // a double click deletes (detected here: the plot is redrawn between the two clicks)
      const now = performance.now();
      if (lastDown && lastDown.i === i && now - lastDown.t < 450) {
        lastDown = null;
        event.preventDefault();
        removePoint(i);
        return;
      }
      lastDown = { i, t: now };
      dragging = { i, moved: false };
      st.selected = i;
      plot.setPointerCapture(event.pointerId);
      event.preventDefault();
      return;
    }
    const [px, py] = toPlot(event);
    if (px < M.l || px > W - M.r || py < M.t || py > H - M.b) return;
    addPoint(ix(px), iy(py));
  });
  plot.addEventListener('pointermove', (event) => {
    if (!dragging) return;
    const [px, py] = toPlot(event);
    st.points[dragging.i] = [clamp(snap(ix(px), 0.01), X[0], X[1]), clamp(snap(iy(py), 0.01), Y[0], Y[1])];
    dragging.moved = true;
    lastDown = null;
    draw();
    refit(false);
  });
  const endDrag = () => {
    if (!dragging) return;
    const { moved } = dragging;
    dragging = null;
    if (moved) { save(); refit(true); }
  };
  plot.addEventListener('pointerup', endDrag);
  plot.addEventListener('pointercancel', endDrag);

  syncParams();
  S.applyHide(section);
  onLang(() => { if (fit) { draw(); drawTables(); drawShares(); shareFigure.relabel(); } });
  draw();
  const ready = refit(true);
  return { node: section, ready };
}
