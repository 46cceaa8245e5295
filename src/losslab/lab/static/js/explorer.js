// Panel 1, the loss explorer: move the prediction and the target (or a score and a label), and the losses'
// parameters; the values, the gradients, the figure and the step-by-step explanation follow.
//
// Speed: the server sends each chosen loss's value and gradient on the whole grid the sliders can reach
// (errors or scores from -6 to 6 in steps of 0.05), computed by the catalog. Moving the prediction or target
// then only reads those tables and moves the markers in the figure; no request is needed to show the numbers.
// The explanation is asked for in the background (the latest position wins).

import { el, fmt, latest, snap, metrics, nextPaint, debounce } from './util.js';
import { t, tr, onLang, lang, lossText } from './i18n.js';
import * as S from './state.js';
import { postJSON } from './api.js';
import { slider, radios, checks, select, heading, para } from './controls.js';
import { Figure } from './chart.js';
import { swatchFor, addMarkerLayers, seriesLabels, findEncoding } from './explorer-figure.js';
import { renderExplanation } from './explain.js';
import * as C from './catalog.js';
import { exactInputs, exactValues, pointKey, sigmoid, logit } from './explorer-exact.js';
import { numbersBox } from './explorer-numbers.js';
import { wordsBox } from './explorer-words.js';
import { formula } from './tex.js';

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
    pred: S.getNumber('e.pred', 1.5, -1e6, 1e6),
    target: S.getNumber('e.target', 0, -1e6, 1e6),
    score: S.getNumber('e.score', 1, -30, 30),
    p: null, // the probability as typed (exact), else null: p is then sigmoid(score)
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
  const typedP = S.getNumber('e.p', NaN, 1e-9, 1 - 1e-9);
  if (Number.isFinite(typedP)) { st.p = typedP; st.score = logit(typedP); }
  const pOf = () => (st.p ?? sigmoid(st.score));
  const clamp = (x, lim) => Math.max(-lim, Math.min(lim, x));

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

  // the sliders drag in steps of 0.05; the number boxes under them (explorer-exact.js) take any value exactly.
  // Each slider shows the state's value, so that one number is shown everywhere.
  const predCtl = slider({ key: 'e.pred', label: 'explorer.prediction', min: -3, max: 3, step: 0.05, value: clamp(st.pred, 3), format: () => fmt(st.pred, 4),
    onInput: (v, ev) => { st.pred = v; S.set({ 'e.pred': v }); predCtl.refresh(); exact.sync(st); move(ev); } });
  const targetCtl = slider({ key: 'e.target', label: 'explorer.target', min: -3, max: 3, step: 0.05, value: clamp(st.target, 3), format: () => fmt(st.target, 4),
    onInput: (v, ev) => { st.target = v; S.set({ 'e.target': v }); targetCtl.refresh(); exact.sync(st); move(ev); } });
  const scoreCtl = slider({ key: 'e.score', label: 'explorer.score', min: -6, max: 6, step: 0.05, value: clamp(st.score, 6),
    format: () => `${fmt(st.score, 4)} (p = ${fmt(pOf(), 4)})`, help: 'explorer.score_help',
    onInput: (v, ev) => { st.score = v; st.p = null; S.set({ 'e.score': v, 'e.p': null }); scoreCtl.refresh(); exact.sync(st); move(ev); } });
  const exact = exactInputs((c) => setExact(c));
  function setExact(c) {
    if ('pred' in c) { st.pred = c.pred; S.set({ 'e.pred': c.pred }); }
    if ('target' in c) { st.target = c.target; S.set({ 'e.target': c.target }); }
    if ('score' in c) { st.score = c.score; st.p = null; S.set({ 'e.score': c.score, 'e.p': null }); }
    if ('p' in c) { st.p = c.p; st.score = logit(c.p); S.set({ 'e.p': c.p, 'e.score': null }); }
    predCtl.value = clamp(st.pred, 3);
    targetCtl.value = clamp(st.target, 3);
    scoreCtl.value = clamp(st.score, 6);
    exact.sync(st);
    move();
  }
  exact.sync(st);
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

  const numbers = numbersBox(boot); // your own numbers: vectors and probability rows (explorer-numbers.js)
  const readout = el('table', { class: 'readout' });
  const readoutLive = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const summary = el('p', { class: 'summary', 'aria-live': 'off' });
  const formulas = el('dl', { class: 'formulas' }); // each chosen loss's formula, typeset (tex.js)

  const figure = new Figure({ name: 'losslab-explorer', label: 'explorer.figure_label', key: 'e.figure', table: () => figureTable() });

  const explainSel = select({ key: 'e.explain', label: 'explorer.explain_which', options: [], value: '',
    onChange: (v) => { st.explain = v; S.set({ 'e.explain': v }); explainNow(); } });
  const explainBox = el('div', { class: 'explanation', 'aria-live': 'polite', 'aria-busy': 'false' });

  const controls = el('div', { class: 'controls' }, taskCtl.node, lossBox,
    el('div', { class: 'sliders' }, predCtl.node, targetCtl.node, exact.regression, scoreCtl.node, exact.classification, labelCtl.node), paramBox);
  const results = el('div', { class: 'results' },
    el('div', { class: 'readout-wrap' }, tr(el('h3'), 'explorer.values'), summary, readout, readoutLive), formulas, figure.node);
  const words = wordsBox(); // loss, cost, objective defined; links to the next-token and teacher-student panels
  section.append(title, intro, words.terms, el('div', { class: 'two-col' }, controls, results),
    el('div', { class: 'explain-wrap', 'data-group': 'explain' }, tr(el('h3'), 'explorer.explanation'), explainSel.node, explainBox),
    numbers.node, words.next);
  root.append(section);

  function announce(text) { readoutLive.textContent = text; }

  function syncTaskVisibility() {
    const reg = st.task === 'regression';
    predCtl.node.hidden = !reg;
    targetCtl.node.hidden = !reg;
    exact.regression.hidden = !reg;
    exact.classification.hidden = reg;
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
  // the point on the grid of the server's tables (i; onGrid when the point is one of its nodes) and its x
  function position() {
    const z = st.task === 'regression' ? st.pred - st.target : st.score;
    const i = idx(z);
    const onGrid = Math.abs(grid.low + i * grid.step - z) < 1e-9;
    return { i, onGrid, x: st.task === 'regression' ? z : (st.label === 1 ? st.score : -st.score) };
  }

  // the catalog's values at the exact point (/api/compute) once they come; before, the tables' when the point is
  // on their grid, else nothing ('—') rather than a neighbour's value
  let exactAt = null; // {key, vals}
  const askExact = exactValues();
  const exactKey = () => pointKey(st, st.losses.map((name) => ({ name, params: lossParams(name) })));
  async function exactNow() {
    const key = exactKey();
    if (exactAt && exactAt.key === key) return;
    const vals = await askExact(st, st.losses.map((name) => ({ name, params: lossParams(name) })));
    if (!vals || key !== exactKey()) return;
    exactAt = { key, vals };
    const now = values();
    drawReadout(now);
    if (figure.view && figureInfo) await figure.setData('marker', markerRows(now));
  }

  function values() {
    if (!curves) return [];
    const { i, onGrid } = position();
    const known = exactAt && exactAt.key === exactKey() && exactAt.vals.length === curves.series.length ? exactAt.vals : null;
    return curves.series.map((s, k) => {
      if (known || !onGrid) {
        const v = known ? known[k] : { value: null, grad: null };
        return { loss: s.loss, label: s.label, series: specSeries[k] || s.label, value: num(v.value), grad: num(v.grad) };
      }
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
      el('th', { scope: 'row' }, swatchFor(figureInfo && figureInfo.spec, k), ` ${v.label}`),
      el('td', { class: 'num' }, fmt(v.value, 5)), el('td', { class: 'num' }, fmt(v.grad, 5))));
    readout.replaceChildren(el('caption', { class: 'sr-only' }, t('explorer.values')), el('thead', {}, head), el('tbody', {}, ...body));
    if (reg) {
      summary.textContent = t('explorer.summary_regression', { pred: fmt(st.pred, 4), target: fmt(st.target, 4), error: fmt(st.pred - st.target, 4) });
    } else {
      const p = pOf();
      const pTrue = st.label === 1 ? p : 1 - p;
      summary.textContent = t('explorer.summary_classification', { score: fmt(st.score, 4), label: st.label, p: fmt(p, 4), ptrue: fmt(pTrue, 4) });
    }
  }

  async function move(event) {
    const vals = values();
    drawReadout(vals);
    exactNow();
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

  let formulasOf = '';
  function drawFormulas() {
    const key = `${lang()}:${st.losses.join()}`;
    if (key === formulasOf) return;
    formulasOf = key;
    formulas.replaceChildren(...st.losses.flatMap((name) => {
      const entry = C.entry(name);
      const f = entry && entry.formula;
      if (!f) return [];
      const text = lossText(name);
      return [el('dt', {}, text ? text.title : name), el('dd', {}, formula(f.latex, f.plain))];
    }));
  }

  async function refresh(withFigure) {
    drawFormulas();
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
    spec.datasets.marker = [];
    const labels = seriesLabels(spec);
    addMarkerLayers(spec, got, labels.slice(0, req.losses.length));
    figureInfo = { ...got, losses: req.losses.map((l) => l.name), task: req.task };
    specSeries = labels.slice(0, st.losses.length);
    await figure.show(spec);
    if (!metrics.figure) metrics.figure = performance.now();
    move();
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
  const ready = Promise.all([refresh(true), numbers.ready]);
  return { node: section, ready, focus: () => predCtl.input.focus() };
}


void lossText;

export { findEncoding }; // for the pages and tests that read it from here
