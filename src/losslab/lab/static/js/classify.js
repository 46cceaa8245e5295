// Panel 4, the classification lab (and panel 5, one example traced): a model learns a 2-D data set while you
// watch its decision map, its curves and the diagnosis. Training runs on the server (losslab.training.fit in a
// thread); its progress arrives over a WebSocket and is drawn at most once per animation frame.
//
// Settings that change the problem (data, model, loss, optimizer, batch size) start a new run; the learning rate,
// the regularization and the speed change the running one. Closing the page closes the socket, which cancels
// the run on the server.
//
// This module puts the panel together and draws each frame; its parts have modules by role: the settings and the
// URL (classify-state.js), the controls and the layout (classify-controls.js), the run's client and its WebSocket
// (classify-run.js), the decision map (classify-map.js) and the live curves (classify-curves.js).

import { el, fmt, pct, download, toCSV, metrics, latest, reportError } from './util.js';
import { t, tr, onLang } from './i18n.js';
import * as S from './state.js';
import { getJSON } from './api.js';
import { iconSvg } from './controls.js';
import { renderExplanation } from './explain.js';
import * as C from './catalog.js';
import { SPEEDS, readState, emptyRun, lossOptions, defaultLoss, saveState, runSettings } from './classify-state.js';
import { buildControls } from './classify-controls.js';
import { runClient } from './classify-run.js';
import { liveCurves } from './classify-curves.js';
import { drawMap, pointAt, nextPoint, className } from './classify-map.js';

const SEVERITY_MARK = { ok: '✓ ', info: 'ℹ ', warning: '⚠ ', error: '✖ ' };

export function mount(root, boot) {
  // the losses of each kind of data come from the server (the catalog, by task); their sliders are the shape and
  // weighting parameters with a slider, from the catalog's metadata, one per parameter name (c.gamma, c.ls, c.pw)
  const LOSSES = boot.panels.classify;
  const PARAMS = C.sliderSpecs('c', [...LOSSES.binary, ...LOSSES.multiclass], ['shape', 'weighting']);
  const st = readState(PARAMS);
  const run = emptyRun(); // the run as the page knows it
  if (!lossOptions(st, LOSSES).includes(st.loss)) st.loss = defaultLoss(st, LOSSES);

  // the parts; the controls call the page's actions only on an event, once everything here is defined
  const curves = liveCurves(run, st, schedule);
  const ui = buildControls(root, { st, run, PARAMS, LOSSES, boot, curves, page: {
    togglePlay: () => client.togglePlay(), command: (cmd) => client.command(cmd), newRun: () => client.newRun(),
    reset, save, drawMap: redrawMap, drawMapTable, exportData, trace, present,
  } });
  const { section, playBtn, stepBtn, stateOut, stopNote, runLive, epochOut, speedCtl, uploadInfo, canvas, mapCursor, mapLegend, mapLabel,
    mapTable, numbers, diagBox, traceIndex, traceSplit, traceBox, traceSection } = ui;
  const client = runClient(run, {
    settings: () => runSettings(st, PARAMS), speed: () => SPEEDS[st.speed], setState, schedule,
    datasetChanged: () => ui.drawUploadInfo(), settingsChanged: (settings) => { st.init = settings.init_seed; },
    loadCurves: () => curves.loadSpec(), curvesSoon: () => curves.specSoon(),
  });
  const { newRun, command } = client;

  function save() { saveState(st, PARAMS); }
  function present(on) {
    st.present = on;
    ui.section.classList.toggle('present', on);
    ui.presentBtn.setAttribute('aria-pressed', String(on));
    save();
    requestAnimationFrame(() => redrawMap()); // the map's canvas is drawn at its new size
    curves.figure.refitSoon(); // the curves without (or with again) their subtitle, at their new width
  }
  function reset() {
    if (!st.keep) { st.init += 1; save(); }
    run.wantPlay = false;
    command({ action: 'reset', keep_weights: st.keep, lr: st.lr });
  }

  function setState(state) {
    run.state = state;
    stateOut.dataset.state = state;
    stateOut.textContent = t(`classify.state_${state}`);
    const playing = state === 'playing';
    playBtn.querySelector('.icon').replaceChildren(iconSvg(playing ? 'pause' : 'play'));
    const label = playBtn.querySelector('.label');
    label.dataset.t = playing ? 'classify.pause' : 'classify.play';
    label.textContent = t(label.dataset.t);
    playBtn.setAttribute('aria-label', t(label.dataset.t));
    const more = state === 'done' && run.maxEpochs < run.epochLimit; // Play goes on for another block
    stepBtn.disabled = playing || state === 'diverged' || (state === 'done' && !more);
    drawStopNote(state, more);
    if (state === 'none' && !run.id) { // no run yet: say how to start one where the curves will be
      curves.figure.chart.replaceChildren(tr(el('p', { class: 'help' }), 'classify.press_play'));
      curves.figure.chart.setAttribute('aria-busy', 'false');
    }
    if (!playing && state !== 'none') {
      const last = run.records[run.records.length - 1];
      runLive.textContent = t('classify.status', { state: t(`classify.state_${state}`), epoch: run.epoch,
        loss: last ? fmt(last.train_loss, 4) : '—', acc: last ? pct(last.val_accuracy ?? last.train_accuracy) : '—' });
    }
  }

  function drawStopNote(state, more) {
    const block = Math.min(run.epochBlock || run.maxEpochs, run.epochLimit - run.maxEpochs);
    const key = state === 'diverged' ? 'classify.stopped_diverged' : state === 'closed' ? 'classify.stopped_closed'
      : state !== 'done' ? null : more ? 'classify.stopped_limit_more' : 'classify.stopped_limit_final';
    stopNote.hidden = !key;
    if (key) tr(stopNote, key, { epochs: (run.maxEpochs || 0).toLocaleString('en-US'), more: block.toLocaleString('en-US'),
      limit: (run.epochLimit || 0).toLocaleString('en-US') });
  }

  // ---------------------------------------------------------------------------------------------- drawing
  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(async () => {
      scheduled = false;
      await draw();
    });
  }
  // Each animation frame draws what changed since the last one: the numbers, the map (the server sends one per
  // frame while training), the diagnosis; the curves (Vega) are fed in the background and never hold the map back.
  let curvesBusy = false;
  function drawCurves() {
    if (curvesBusy) return;
    curvesBusy = true;
    let drew = false;
    curves.draw().then((done) => {
      drew = done;
      if (done) stamp('curveDraws');
    }).catch(reportError).finally(() => {
      curvesBusy = false;
      if (drew && run.pending.length) schedule(); // epochs that arrived while Vega drew
    });
  }
  function draw() {
    epochOut.textContent = run.epoch.toLocaleString('en-US', { useGrouping: true }); // no leading zeros
    drawNumbers();
    if (run.mapDirty) {
      run.mapDirty = false;
      redrawMap();
      stamp('mapDraws'); // benchmarks/bench_lab.py: the map's redraws per second and the gaps between them
      if (!mapTable.hidden && (run.state !== 'playing' || performance.now() - mapTableAt > 2000)) drawMapTable();
    }
    if (run.diagDirty) { run.diagDirty = false; drawDiagnosis(); }
    drawCurves();
    metrics.frames.push(performance.now());
    if (metrics.frames.length > 2000) metrics.frames.splice(0, 1000);
  }

  function stamp(key) {
    const list = (metrics[key] = metrics[key] || []);
    list.push(performance.now());
    if (list.length > 4000) list.splice(0, 2000);
  }

  function drawNumbers() {
    const r = run.records.length ? run.records[run.records.length - 1] : run.initial;
    if (!r) return;
    const item = (key, value) => el('div', {}, el('dt', {}, t(key)), el('dd', {}, value));
    const acc = (v) => (v === null || v === undefined ? '—' : pct(v));
    numbers.replaceChildren(
      item('tr:ui.train_loss', fmt(r.train_loss, 4)), item('tr:ui.val_loss', fmt(r.val_loss, 4)),
      item('tr:ui.train_accuracy', acc(r.train_accuracy)), item('tr:ui.val_accuracy', acc(r.val_accuracy)),
      item('classify.data_loss', fmt(r.train_loss, 4)), item('tr:ui.penalty', fmt(r.penalty ?? 0, 4)),
      item('tr:ui.objective', fmt(r.objective ?? r.train_loss, 4)), item('tr:ui.lr', fmt(r.lr ?? st.lr, 3)));
  }

  function redrawMap() { drawMap({ canvas, legend: mapLegend, label: mapLabel }, run, st.showVal); }

  const fetchPredictions = latest((id) => getJSON(`/api/runs/${id}/predictions`));
  let mapTableAt = 0;
  async function drawMapTable() {
    if (mapTable.hidden || !run.id) return;
    mapTableAt = performance.now();
    let got;
    try { got = await fetchPredictions(run.id); } catch (err) { if (err.status !== 404) reportError(err); return; }
    if (!got) return;
    const rows = got.points;
    const wrong = rows.filter((r) => !r.right).length;
    const cols = [['split', t('trace.split')], ['index', '#'], ['x1', 'x₁'], ['x2', 'x₂'], ['label', t('classify.true_class')],
      ['predicted', t('classify.predicted')], ['p_true', t('classify.p_true')], ['right', t('classify.right')]];
    mapTable.replaceChildren(el('table', {},
      el('caption', {}, t('classify.map_table', { epoch: got.epoch, wrong, n: rows.length })),
      el('thead', {}, el('tr', {}, ...cols.map(([, label]) => el('th', { scope: 'col' }, label)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...cols.map(([key]) => {
        let v = r[key];
        if (key === 'split') v = t(`trace.${v}`);
        else if (key === 'right') v = v ? '✓' : '✗';
        else if (key === 'p_true') v = v === null ? (r.score === null ? '—' : fmt(r.score, 3)) : fmt(v, 3);
        else if (typeof v === 'number' && !Number.isInteger(v)) v = fmt(v, 3);
        return el('td', { class: typeof r[key] === 'number' ? 'num' : '' }, String(v));
      }))))));
  }

  function drawDiagnosis() {
    const d = run.diagnosis;
    if (!d || !d.findings || !d.findings.length) {
      diagBox.replaceChildren(tr(el('p', { class: 'help' }), 'classify.no_diagnosis'));
      return;
    }
    const finding = (f) => el('div', { class: 'diagnosis', 'data-severity': f.severity },
      el('h4', {}, el('span', { class: 'sev-mark', 'aria-hidden': 'true' }, SEVERITY_MARK[f.severity] || ''), f.title,
        el('span', { class: 'sev' }, f.epoch ? t('tr:ui.from_epoch', { epoch: f.epoch }) : '')),
      el('p', {}, f.message),
      f.advice && f.advice.length ? el('details', {}, el('summary', {}, t('tr:ui.advice')), el('ul', {}, ...f.advice.map((a) => el('li', {}, a)))) : null);
    const [first, ...rest] = d.findings;
    diagBox.replaceChildren(...[tr(el('h3', { class: 'group-title' }), 'tr:ui.diagnosis'), finding(first),
      rest.length ? el('details', { class: 'more' }, el('summary', {}, t('classify.more_findings', { n: rest.length })), ...rest.map(finding)) : null].filter(Boolean));
  }

  function exportData() {
    if (!run.dataset) return;
    download(`losslab-${st.data}.csv`, toCSV(run.dataset.points.map((p) => ({ x1: p.x1, x2: p.x2, label: p.label, class: p.class, split: p.split }))), 'text/csv');
  }

  // ---------------------------------------------------------------------------------------------- trace
  const fetchTrace = latest(({ id, index, split }) => getJSON(`/api/runs/${id}/trace?index=${index}&split=${split}`));
  async function trace(index, split) {
    if (!run.id || run.state === 'closed') return;
    S.set({ 'c.trace': index, 'c.tracesplit': split });
    let got;
    try { got = await fetchTrace({ id: run.id, index, split }); } catch (err) { reportError(err); return; }
    if (!got) return;
    run.traced = { index, split };
    run.mapDirty = true;
    schedule();
    traceBox.replaceChildren(renderTrace(got));
  }
  function tracePoint(p) {
    traceIndex.value = p.index;
    traceSplit.value = p.split;
    trace(p.index, p.split);
  }
  canvas.addEventListener('click', (event) => {
    const best = pointAt(canvas, run, st.showVal, event);
    if (best) { run.cursor = { index: best.index, split: best.split }; tracePoint(best); }
  });
  // the map by keyboard: an arrow key moves the cursor to the nearest example that way, Enter traces it (as a
  // click does), Escape takes the cursor away; each move is said in words (mapCursor, a polite live region)
  const ARROWS = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  canvas.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (ARROWS[event.key]) {
      event.preventDefault();
      const p = nextPoint(run, st.showVal, ARROWS[event.key]);
      if (!p) return;
      run.cursor = { index: p.index, split: p.split };
      run.mapDirty = true;
      schedule();
      mapCursor.textContent = t('classify.map_cursor', { n: p.index, split: t(`trace.${p.split}`), k: p.label,
        cls: className(p.class), x1: fmt(p.x1, 3), x2: fmt(p.x2, 3) });
    } else if (event.key === 'Enter' || event.key === ' ') {
      const c = run.cursor;
      const p = c && run.dataset && run.dataset.points.find((q) => q.split === c.split && q.index === c.index);
      if (!p) return;
      event.preventDefault();
      if (!run.id) { mapCursor.textContent = t('classify.map_cursor_norun'); return; }
      tracePoint(p);
    } else if (event.key === 'Escape' && run.cursor) {
      run.cursor = null;
      mapCursor.textContent = '';
      run.mapDirty = true;
      schedule();
    }
  });

  function renderTrace(x) {
    const n = (v) => (Array.isArray(v) ? (v.length === 1 ? fmt(v[0], 5) : `(${v.map((a) => fmt(a, 4)).join(', ')})`) : fmt(v, 5));
    const steps = [
      ['trace.step_input', { x: n(x.x), cls: `${x.label} (${className(x.class)})` }],
      ['trace.step_score', { z: n(x.score) }],
      [x.head === 'identity' ? 'trace.step_pred_identity' : `trace.step_pred_${x.head}`, { pred: n(x.pred), target: n(x.target) }],
      x.p_true !== null ? ['trace.step_ptrue', { p: fmt(x.p_true, 4), error: x.error !== null ? n(x.error) : '—' }]
        : x.margin !== null ? ['trace.step_margin', { m: fmt(x.margin, 4) }] : ['trace.step_scores', {}],
      ['trace.step_loss', { loss: t(`loss:${x.loss}`), value: fmt(x.value, 5) }],
      ['trace.step_grad', { dpred: n(x.dloss_dpred), dz: n(x.dloss_dscore) }],
      ['trace.step_update', { norm: fmt(x.grad_norm, 4), lr: fmt(x.lr, 3), step: fmt(x.update_norm, 4) }],
      ['trace.step_after', { z: n(x.score_after), value: fmt(x.value_after, 5), change: fmt(x.value_after - x.value, 4),
        p: x.p_true_after !== null ? fmt(x.p_true_after, 4) : '—' }],
    ];
    return el('div', {},
      el('p', {}, el('strong', {}, t('trace.heading', { n: x.index, split: t(`trace.${x.split}`), epoch: run.epoch }))),
      el('ol', { class: 'trace-steps' }, ...steps.map(([key, vars]) => el('li', {}, t(key, vars)))),
      x.explanation ? el('details', { class: 'more' }, el('summary', {}, t('trace.explanation')), renderExplanation(x.explanation)) : null);
  }

  // ---------------------------------------------------------------------------------------------- start
  if (S.get('c.data') === 'upload') {
    // a link cannot carry the user's file: show the upload box, train on moons until a file is chosen
    st.data = 'upload';
    uploadInfo.textContent = t('classify.upload_link');
  }
  ui.syncUpload();
  ui.syncData();
  ui.drawLayers();
  section.classList.toggle('present', st.present);
  S.applyHide(section);
  onLang((code) => {
    ui.drawLayers();
    mapCursor.textContent = ''; // said again in the new language on the next move
    setState(run.state);
    run.mapDirty = true;
    schedule();
    command({ action: 'set', lang: code });
    curves.loadSpec();
    speedCtl.setOptions(Object.keys(SPEEDS).map((k) => ({ value: k, label: `classify.speed_${k}` })), st.speed);
  });
  window.addEventListener('pagehide', () => client.closeSocket());
  run.wantPlay = st.play;
  const ready = newRun();
  return {
    node: section, ready,
    showTrace: () => { traceSection.scrollIntoView({ block: 'start' }); },
    run,
  };
}
