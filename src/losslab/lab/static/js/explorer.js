// Panel 1, the loss explorer: move the prediction and the target (or a score and a label), and the losses'
// parameters; the values, the gradients, the figure and the step-by-step explanation follow.
//
// Speed: the server sends each chosen loss's value and gradient on the whole grid the sliders can reach
// (errors or scores from -6 to 6 in steps of 0.05), computed by the catalog. Moving the prediction or target
// then only reads those tables and moves the markers in the figure; no request is needed to show the numbers.
// The explanation is asked for in the background (the latest position wins).

import { el, svg, fmt, latest, snap, metrics, nextPaint, debounce, colour } from './util.js';
import { t, tr, onLang, lang, lossText } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { slider, radios, checks, select, heading, para } from './controls.js';
import { Figure, addLayers } from './chart.js';
import { renderExplanation } from './explain.js';
import * as C from './catalog.js';

export function mount(root, boot) {
  const grid = boot.grid;
  const n = Math.round((grid.high - grid.low) / grid.step) + 1;
  const idx = (x) => Math.max(0, Math.min(n - 1, Math.round((x - grid.low) / grid.step)));
  // the losses of each task and the ones shown first come from the server (the catalog); the sliders are the
  // shape parameters with a slider of those losses, from the catalog's metadata, one per parameter name
  const offered = Object.fromEntries(Object.entries(boot.panels.explorer).map(([task, p]) => [task, p.losses]));
  const DEFAULT_LOSSES = Object.fromEntries(Object.entries(boot.panels.explorer).map(([task, p]) => [task, p.defaults]));
  const PARAMS = Object.fromEntries(Object.entries(offered).map(([task, losses]) => [task, C.sliderSpecs('e', losses, ['shape'])]));

  const st = {
    task: S.get('e.task', 'regression') === 'classification' ? 'classification' : 'regression',
    pred: S.getNumber('e.pred', 1.5, -3, 3),
    target: S.getNumber('e.target', 0, -3, 3),
    score: S.getNumber('e.score', 1, -3, 3),
    label: S.get('e.label', '1') === '0' ? 0 : 1,
    params: {},
    losses: null,
    explain: S.get('e.explain', null),
  };
  for (const list of Object.values(PARAMS)) for (const p of list) st.params[p.key] = S.getNumber(p.key, p.start, p.min, p.max);
  const pickLosses = () => {
    const wanted = S.getList('e.losses', DEFAULT_LOSSES[st.task]).filter((x) => offered[st.task].includes(x));
    return wanted.length ? wanted : DEFAULT_LOSSES[st.task].slice();
  };
  st.losses = pickLosses();

  let curves = null; // the server's tables for the current losses and parameters
  let figureInfo = null; // {spec, x_field}
  let specSeries = []; // legend labels of the embedded spec, in the order of st.losses

  // ---------------------------------------------------------------------------------------------- layout
  const section = el('section', { class: 'panel', id: 'panel-explorer', 'aria-labelledby': 'explorer-h' });
  const title = heading(2, 'explorer.title', { id: 'explorer-h' });
  const intro = para('explorer.intro', { class: 'intro', 'data-group': 'intro' });

  const taskCtl = radios({
    key: 'e.task', label: 'explorer.task',
    options: [{ value: 'regression', label: 'explorer.task_regression' }, { value: 'classification', label: 'explorer.task_classification' }],
    value: st.task, onChange: (v) => switchTask(v),
  });

  const lossBox = el('div', { class: 'loss-box' });
  let lossCtl = null;
  const buildLossChecks = () => {
    lossCtl = checks({
      key: 'e.losses', label: 'explorer.losses',
      options: offered[st.task].map((name) => ({ value: name, label: `loss:${name}` })),
      value: st.losses,
      onChange: (v) => {
        if (!v.length) { lossCtl.value = st.losses; announce(t('explorer.need_one')); return; }
        st.losses = offered[st.task].filter((x) => v.includes(x));
        S.set({ 'e.losses': st.losses });
        syncParamVisibility();
        refreshExplainChoices();
        refresh(true);
      },
    });
    lossBox.replaceChildren(lossCtl.node);
  };

  const fmtSigned = (x) => fmt(x, 3);
  const predCtl = slider({ key: 'e.pred', label: 'explorer.prediction', min: -3, max: 3, step: 0.05, value: st.pred, format: fmtSigned,
    onInput: (v, ev) => { st.pred = v; S.set({ 'e.pred': v }); move(ev); } });
  const targetCtl = slider({ key: 'e.target', label: 'explorer.target', min: -3, max: 3, step: 0.05, value: st.target, format: fmtSigned,
    onInput: (v, ev) => { st.target = v; S.set({ 'e.target': v }); move(ev); } });
  const scoreCtl = slider({ key: 'e.score', label: 'explorer.score', min: -3, max: 3, step: 0.05, value: st.score,
    format: (z) => `${fmt(z, 3)} (p = ${fmt(1 / (1 + Math.exp(-z)), 3)})`, help: 'explorer.score_help',
    onInput: (v, ev) => { st.score = v; S.set({ 'e.score': v }); move(ev); } });
  const labelCtl = radios({ key: 'e.label', label: 'explorer.label',
    options: [{ value: '1', label: 'explorer.label_1' }, { value: '0', label: 'explorer.label_0' }],
    value: String(st.label), onChange: (v) => { st.label = Number(v); S.set({ 'e.label': v }); move(); } });

  const paramCtls = {};
  for (const [task, list] of Object.entries(PARAMS)) {
    for (const p of list) {
      paramCtls[`${task}:${p.key}`] = { task, def: p, ctl: slider({
        key: p.key, label: C.sliderLabel('explorer', p), min: p.min, max: p.max, step: p.step, value: st.params[p.key],
        onInput: (v) => { st.params[p.key] = snap(v, p.step); S.set({ [p.key]: st.params[p.key] }); refresh(false); },
        onChange: () => refreshFigureSoon(),
      }) };
    }
  }
  const paramBox = el('div', { class: 'params' }, ...Object.values(paramCtls).map((x) => x.ctl.node));

  const readout = el('table', { class: 'readout' });
  const readoutLive = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const summary = el('p', { class: 'summary', 'aria-live': 'off' });

  const figure = new Figure({ name: 'losslab-explorer', label: 'explorer.figure_label', key: 'e.figure', table: () => figureTable() });

  const explainSel = select({ key: 'e.explain', label: 'explorer.explain_which', options: [], value: '',
    onChange: (v) => { st.explain = v; S.set({ 'e.explain': v }); explainNow(); } });
  const explainBox = el('div', { class: 'explanation', 'aria-live': 'polite', 'aria-busy': 'false' });

  const controls = el('div', { class: 'controls' }, taskCtl.node, lossBox,
    el('div', { class: 'sliders' }, predCtl.node, targetCtl.node, scoreCtl.node, labelCtl.node), paramBox);
  const results = el('div', { class: 'results' },
    el('div', { class: 'readout-wrap' }, tr(el('h3'), 'explorer.values'), summary, readout, readoutLive), figure.node);
  section.append(title, intro, el('div', { class: 'two-col' }, controls, results),
    el('div', { class: 'explain-wrap', 'data-group': 'explain' }, tr(el('h3'), 'explorer.explanation'), explainSel.node, explainBox));
  root.append(section);

  function announce(text) { readoutLive.textContent = text; }

  function syncTaskVisibility() {
    const reg = st.task === 'regression';
    predCtl.node.hidden = !reg;
    targetCtl.node.hidden = !reg;
    scoreCtl.node.hidden = reg;
    labelCtl.node.hidden = reg;
    S.applyHide(section);
  }
  function syncParamVisibility() {
    for (const { task, def, ctl } of Object.values(paramCtls)) ctl.node.hidden = !(task === st.task && def.losses.some((name) => st.losses.includes(name)));
    S.applyHide(section);
  }
  function refreshExplainChoices() {
    if (!st.explain || !st.losses.includes(st.explain)) st.explain = st.losses[0];
    explainSel.setOptions(st.losses.map((name) => ({ value: name, label: `loss:${name}` })), st.explain);
  }

  function lossParams(name) {
    return C.paramsOf(name, PARAMS[st.task], st.params);
  }
  const request = () => ({ task: st.task, losses: st.losses.map((name) => ({ name, params: lossParams(name) })), lang: lang() });

  // ------------------------------------------------------------------------------------------- numbers
  function position() {
    if (st.task === 'regression') {
      const error = snap(st.pred - st.target, grid.step);
      return { i: idx(error), x: error };
    }
    const i = idx(st.score);
    const margin = st.label === 1 ? st.score : -st.score;
    return { i, x: margin };
  }

  function values() {
    if (!curves) return [];
    const { i } = position();
    return curves.series.map((s, k) => {
      const value = st.task === 'regression' ? s.value[i] : s.value[String(st.label)][i];
      const grad = st.task === 'regression' ? s.grad[i] : s.grad[String(st.label)][i];
      return { loss: s.loss, label: s.label, series: specSeries[k] || s.label, value: num(value), grad: num(grad) };
    });
  }
  // a value that is not a finite number (NaN, ±∞) comes as null (losslab._jsonable): shown as '—', left out of the figure
  const num = (v) => (typeof v === 'number' ? v : null);

  function drawReadout(vals) {
    const reg = st.task === 'regression';
    const head = el('tr', {}, el('th', { scope: 'col' }, t('explorer.loss_col')), el('th', { scope: 'col' }, t('explorer.value')),
      el('th', { scope: 'col' }, t(reg ? 'explorer.grad_pred' : 'explorer.grad_score')));
    const body = vals.map((v, k) => el('tr', {},
      el('th', { scope: 'row' }, swatch(k), ` ${v.label}`),
      el('td', { class: 'num' }, fmt(v.value, 5)), el('td', { class: 'num' }, fmt(v.grad, 5))));
    readout.replaceChildren(el('caption', { class: 'sr-only' }, t('explorer.values')), el('thead', {}, head), el('tbody', {}, ...body));
    if (reg) {
      summary.textContent = t('explorer.summary_regression', { pred: fmt(st.pred, 3), target: fmt(st.target, 3), error: fmt(snap(st.pred - st.target, grid.step), 3) });
    } else {
      const p = 1 / (1 + Math.exp(-st.score));
      const pTrue = st.label === 1 ? p : 1 - p;
      summary.textContent = t('explorer.summary_classification', { score: fmt(st.score, 3), label: st.label, p: fmt(p, 3), ptrue: fmt(pTrue, 3) });
    }
  }

  // the same colour, dash pattern and marker shape as the figure, so the table and the figure read together
  const SHAPES = ['●', '■', '▲', '◆', '✚', '▼'];
  function swatch(k) {
    const spec = figureInfo && figureInfo.spec;
    const range = rangeOf(spec, 'color'); // the figure's colours; before it comes, the same palette (boot payload)
    const c = range && range.length ? range[k % range.length] : colour(k);
    const dashes = rangeOf(spec, 'strokeDash') || [];
    const dash = dashes[k];
    const dashed = dash && dash.length && !(dash.length === 2 && dash[1] === 0);
    const line = svg('svg', { width: 30, height: 12, viewBox: '0 0 30 12' },
      svg('line', { x1: 0, y1: 6, x2: 30, y2: 6, stroke: c, 'stroke-width': 2.5,
        'stroke-dasharray': dashed ? dash.join(' ') : null }));
    return el('span', { class: 'swatch-box', 'aria-hidden': 'true' }, line, el('span', { class: 'shape', style: { color: c } }, SHAPES[k % SHAPES.length]));
  }
  function rangeOf(spec, channel) {
    const found = spec && findEncoding(spec, channel);
    return found && found.scale && found.scale.range;
  }

  async function move(event) {
    const vals = values();
    drawReadout(vals);
    const started = event && event.timeStamp ? event.timeStamp : performance.now();
    if (figure.view && figureInfo) await figure.setData('marker', markerRows(vals));
    if (event) {
      await nextPaint();
      metrics.slider.push(performance.now() - started);
    }
    explainSoon();
  }

  function markerRows(vals) {
    const { x } = position();
    const xf = figureInfo.x_field;
    return vals.map((v) => ({ series: v.series, [xf]: x, value: v.value, grad: v.grad, marker: true }));
  }

  // -------------------------------------------------------------------------------------- from the server
  const fetchCurves = latest((req) => postJSON('/api/explorer/curves', req));
  const fetchFigure = latest((req) => postJSON('/api/explorer/figure', req));

  async function refresh(withFigure) {
    const req = request();
    const got = await fetchCurves(req);
    if (!got) return;
    curves = got;
    if (withFigure) refreshFigure();
    else if (figure.view && figureInfo && sameLosses()) await figure.setData('curves', curveRows());
    move();
  }
  const refreshFigureSoon = debounce(() => refreshFigure(), 120);

  function sameLosses() {
    return figureInfo && figureInfo.losses && figureInfo.losses.join() === st.losses.join() && figureInfo.task === st.task;
  }

  async function refreshFigure() {
    const req = request();
    const got = await fetchFigure(req);
    if (!got) return;
    const spec = got.spec;
    const xf = got.x_field;
    spec.datasets.marker = [];
    const labels = seriesLabels(spec);
    const lineColour = findEncoding(spec, 'color');
    const SHAPE_NAMES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];
    addLayers(spec, (i) => {
      const y = (got.panels[i] || got.panels[0]).y;
      // one marker layer per loss, each with its own shape (a shape scale would take the legend away)
      const markers = labels.slice(0, req.losses.length).map((label, k) => ({
        data: { name: 'marker' }, transform: [{ filter: { field: 'series', equal: label } }],
        mark: { type: 'point', filled: true, size: 110, stroke: '#111', strokeWidth: 1, opacity: 1, shape: SHAPE_NAMES[k % SHAPE_NAMES.length],
          color: ((lineColour && lineColour.scale && lineColour.scale.range) || [])[k] || colour(k) },
        encoding: {
          x: { field: xf, type: 'quantitative' }, y: { field: y, type: 'quantitative' },
          tooltip: [{ field: 'series', type: 'nominal' }, { field: y, type: 'quantitative', format: '.5g' }],
        },
      }));
      return [
        { data: { name: 'marker' }, mark: { type: 'rule', color: '#333', strokeDash: [2, 2] }, encoding: { x: { field: xf, type: 'quantitative' } } },
        ...markers,
      ];
    });
    figureInfo = { ...got, losses: req.losses.map((l) => l.name), task: req.task };
    specSeries = labels.slice(0, st.losses.length);
    await figure.show(spec);
    if (!metrics.figure) metrics.figure = performance.now();
    move();
  }

  function seriesLabels(spec) {
    const enc = findEncoding(spec, 'color');
    return (enc && enc.scale && enc.scale.domain) || [];
  }

  function curveRows() {
    // the figure's own dataset, with the lines of the current parameters (the legend follows on release)
    const old = (figureInfo.spec.datasets.curves || []).filter((r) => !curves.series.some((s) => s.loss === r.loss));
    const rows = [...old];
    const xs = Array.from({ length: n }, (_, i) => snap(grid.low + i * grid.step, grid.step));
    curves.series.forEach((s, k) => {
      const series = specSeries[k] || s.label;
      xs.forEach((x, i) => {
        if (st.task === 'regression') rows.push({ loss: s.loss, series, error: x, prediction: x, target: 0, value: num(s.value[i]), grad: num(s.grad[i]) });
        else rows.push({ loss: s.loss, series, x, margin: x, probability: 1 / (1 + Math.exp(-x)), value: num(s.value['1'][i]) });
      });
    });
    return rows;
  }

  function figureTable() {
    if (!curves) return null;
    const reg = st.task === 'regression';
    const rows = [];
    const xs = Array.from({ length: n }, (_, i) => snap(grid.low + i * grid.step, grid.step));
    curves.series.forEach((s) => xs.forEach((x, i) => {
      if (i % 5 !== 0 && !(reg && Math.abs(x) <= 3)) return;
      rows.push(reg ? { loss: s.label, x, value: num(s.value[i]), grad: num(s.grad[i]) }
        : { loss: s.label, x, value: num(s.value[String(st.label)][i]), grad: num(s.grad[String(st.label)][i]) });
    }));
    return {
      caption: t('explorer.figure_label'),
      columns: [{ key: 'loss', label: t('ui:loss') }, { key: 'x', label: t(reg ? 'ui:error' : 'explorer.score_short') },
        { key: 'value', label: t('explorer.value') }, { key: 'grad', label: t(reg ? 'explorer.grad_pred' : 'explorer.grad_score') }],
      rows,
    };
  }

  // -------------------------------------------------------------------------------------- explanation
  const fetchExplain = latest((req) => postJSON('/api/explain', req));
  let explainTimer = null;
  function explainSoon() {
    if (explainTimer) return;
    explainTimer = setTimeout(() => { explainTimer = null; explainNow(); }, 30);
  }
  async function explainNow() {
    const name = st.explain || st.losses[0];
    const params = { ...lossParams(name) };
    let pred;
    let target;
    if (st.task === 'regression') { pred = [st.pred]; target = [st.target]; } else {
      pred = [st.score];
      target = [st.label];
      const scores = C.scoreSwitch(name); // from_logits: the score is a raw score (hinge losses read one anyway)
      if (scores) params[scores] = true;
    }
    explainBox.setAttribute('aria-busy', 'true');
    const got = await fetchExplain({ loss: name, params, pred, target, lang: lang() });
    explainBox.setAttribute('aria-busy', 'false');
    if (got) explainBox.replaceChildren(renderExplanation(got));
  }

  // -------------------------------------------------------------------------------------------- task
  function switchTask(task) {
    st.task = task;
    S.set({ 'e.task': task, 'e.losses': null });
    st.losses = DEFAULT_LOSSES[task].slice();
    buildLossChecks();
    syncTaskVisibility();
    syncParamVisibility();
    refreshExplainChoices();
    curves = null;
    refresh(true);
  }

  buildLossChecks();
  syncTaskVisibility();
  syncParamVisibility();
  refreshExplainChoices();
  S.applyHide(section);
  onLang(() => { if (section.isConnected) { refresh(true); figure.relabel(); } });
  const ready = refresh(true);
  return { node: section, ready, focus: () => predCtl.input.focus() };
}

/** The first encoding of `channel` with a field "series" anywhere in a spec. */
export function findEncoding(node, channel) {
  if (!node || typeof node !== 'object') return null;
  if (node.encoding && node.encoding[channel] && node.encoding[channel].field === 'series' && node.encoding[channel].scale) return node.encoding[channel];
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
    if (Array.isArray(node[key])) {
      for (const child of node[key]) {
        const found = findEncoding(child, channel);
        if (found) return found;
      }
    }
  }
  return null;
}

void lossText;
