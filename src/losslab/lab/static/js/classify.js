// Panel 4, the classification lab (and panel 5, one example traced): a model learns a 2-D data set while you
// watch its decision map, its curves and the diagnosis. Training runs on the server (losslab.training.fit in a
// thread); its progress arrives over a WebSocket and is drawn at most once per animation frame.
//
// Settings that change the problem (data, model, loss, optimizer, batch size) start a new run; the learning rate,
// the regularization and the speed change the running one. Closing the page closes the socket, which cancels
// the run on the server.

import { el, fmt, pct, debounce, download, toCSV, metrics, latest } from './util.js';
import { t, tr, onLang, lang } from './i18n.js';
import * as S from './state.js';
import { postJSON, getJSON, socketURL, uploadCSV } from './api.js';
import { slider, select, radios, toggle, number, button, heading, para, iconSvg } from './controls.js';
import { Figure } from './chart.js';
import { renderExplanation } from './explain.js';
import { reportError } from './util.js';
import * as C from './catalog.js';

const DATASETS = ['moons', 'circles', 'xor', 'spirals', 'blobs', 'imbalanced'];
const GENERATED = new Set(DATASETS);
const LRS = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
const RATES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const BATCHES = ['1', '2', '5', '10', '20', '50', '100', 'full'];
const SPEEDS = { slow: 5, normal: 30, fast: 120, max: 1000 };
const CLASS_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'];
const MAX_CHART_POINTS = 400;
const SEVERITY_MARK = { ok: '✓ ', info: 'ℹ ', warning: '⚠ ', error: '✖ ' }; // epochs per series drawn; longer runs are thinned (the data table has them all)

export function mount(root, boot) {
  // the losses of each kind of data come from the server (the catalog, by task); their sliders are the shape and
  // weighting parameters with a slider, from the catalog's metadata, one per parameter name (c.gamma, c.ls, c.pw)
  const LOSSES = boot.panels.classify;
  const PARAMS = C.sliderSpecs('c', [...LOSSES.binary, ...LOSSES.multiclass], ['shape', 'weighting']);
  const st = {
    data: DATASETS.includes(S.get('c.data')) ? S.get('c.data') : 'moons',
    // the user's own CSV file: its summary from POST /api/uploads, the class column and the two features
    upload: null,
    target: S.get('c.target', null),
    features: S.getList('c.features', []).slice(0, 2),
    noise: S.getNumber('c.noise', 0.2, 0, 0.6),
    val: S.getNumber('c.val', 0.3, 0.1, 0.9),
    n: S.getNumber('c.n', 200, 40, 1000),
    seed: Math.round(S.getNumber('c.seed', 0, 0, 1e9)),
    classes: Math.round(S.getNumber('c.classes', 3, 2, 5)),
    ratio: S.getNumber('c.ratio', 0.1, 0.02, 0.5),
    batch: BATCHES.includes(S.get('c.batch')) ? S.get('c.batch') : '10',
    model: S.get('c.model', 'mlp') === 'logistic' ? 'logistic' : 'mlp',
    hidden: S.getList('c.hidden', ['6', '4']).map(Number).filter((v) => Number.isInteger(v) && v >= 1 && v <= 16).slice(0, 6),
    act: ['relu', 'tanh', 'sigmoid', 'linear'].includes(S.get('c.act')) ? S.get('c.act') : 'tanh',
    loss: S.get('c.loss', null),
    params: Object.fromEntries(PARAMS.map((p) => [p.key, S.getNumber(p.key, p.start, p.min, p.max)])),
    opt: ['sgd', 'momentum', 'adam'].includes(S.get('c.opt')) ? S.get('c.opt') : 'adam',
    lr: S.getNumber('c.lr', 0.01, 0.0001, 3),
    reg: ['none', 'l1', 'l2'].includes(S.get('c.reg')) ? S.get('c.reg') : 'none',
    rate: S.getNumber('c.rate', 0, 0, 1),
    init: Math.round(S.getNumber('c.init', 0, 0, 1e9)),
    keep: S.getBool('c.keep', true),
    speed: Object.keys(SPEEDS).includes(S.get('c.speed')) ? S.get('c.speed') : 'normal',
    log: S.getBool('c.log', false),
    showVal: S.getBool('c.showval', true),
    play: S.getBool('c.play', false),
  };
  if (st.model === 'mlp' && !st.hidden.length) st.hidden = [6, 4];

  // the run as the page knows it
  const run = {
    id: null, socket: null, version: 0, state: 'none', epoch: 0, records: [], initial: null, dataset: null,
    map: null, mapDirty: false, diagnosis: null, diagDirty: false, pending: [], settings: null, chartRows: 0,
    stride: 1, wantPlay: false, generation: 0,
  };

  const uploadClasses = () => {
    const col = st.upload && st.upload.columns.find((c) => c.name === st.target);
    return col ? col.distinct : 2;
  };
  const multi = () => (st.data === 'upload' ? uploadClasses() > 2 : (st.data === 'spirals' || st.data === 'blobs') && st.classes > 2);
  const lossOptions = () => (multi() ? LOSSES.multiclass : LOSSES.binary);
  const defaultLoss = () => (multi() ? LOSSES.defaults.multiclass : LOSSES.defaults.binary);
  if (!lossOptions().includes(st.loss)) st.loss = defaultLoss();

  // ---------------------------------------------------------------------------------------------- controls
  const section = el('section', { class: 'panel', id: 'panel-classify', 'aria-labelledby': 'classify-h' });

  const playBtn = button({ label: 'classify.play', kind: 'primary round', icon: 'play', key: 'c.playbtn', onClick: () => togglePlay() });
  const stepBtn = button({ label: 'classify.step', icon: 'step', key: 'c.stepbtn', onClick: () => command({ action: 'step' }) });
  const resetBtn = button({ label: 'classify.reset', icon: 'reset', key: 'c.resetbtn', onClick: () => reset() });
  const keepCtl = toggle({ key: 'c.keep', label: 'classify.keep_weights', value: st.keep, onChange: (v) => { st.keep = v; save(); } });
  const speedCtl = select({ key: 'c.speed', label: 'classify.speed', value: st.speed,
    options: Object.keys(SPEEDS).map((k) => ({ value: k, label: `classify.speed_${k}` })),
    onChange: (v) => { st.speed = v; save(); command({ action: 'set', speed: SPEEDS[v] }); } });
  const epochOut = el('output', { class: 'epoch', 'aria-live': 'off' }, '0');
  const stateOut = el('span', { class: 'run-state', 'data-state': 'none' });
  const runLive = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const playbar = el('div', { class: 'playbar', role: 'group', 'data-group': 'c.playbar' },
    resetBtn, playBtn, stepBtn,
    el('div', {}, tr(el('span', { class: 'epoch-label', id: 'epoch-label' }), 'classify.epoch'), epochOut),
    stateOut, keepCtl.node, speedCtl.node, runLive);
  playbar.dataset.tLabel = 'classify.playbar';
  playbar.setAttribute('aria-label', t('classify.playbar'));
  epochOut.setAttribute('aria-labelledby', 'epoch-label');

  // data
  const dataCtl = radios({ key: 'c.data', label: 'classify.dataset', value: st.data,
    options: [...DATASETS, 'upload'].map((d) => ({ value: d, label: `classify.data_${d}` })),
    onChange: (v) => { st.data = v; syncData(); save(); if (v !== 'upload' || st.upload) newRun(); else fileInput.focus(); } });

  // the user's own file: upload it, pick the class column and the two features
  const fileInput = el('input', { type: 'file', id: 'classify-file', accept: '.csv,.tsv,.txt,text/csv,text/plain', 'aria-describedby': 'classify-file-help' });
  fileInput.addEventListener('change', () => { if (fileInput.files && fileInput.files[0]) sendFile(fileInput.files[0]); });
  const uploadTarget = select({ key: 'c.target', label: 'classify.upload_target', value: '', options: [],
    onChange: (v) => { st.target = v; st.features = st.features.filter((f) => f !== v); syncUpload(); syncData(); save(); newRun(); } });
  const uploadX1 = select({ key: 'c.features', label: 'classify.upload_x1', value: '', options: [],
    onChange: (v) => { st.features = [v, st.features[1] === v ? st.features[0] : st.features[1]]; syncUpload(); save(); newRun(); } });
  const uploadX2 = select({ key: 'c.features', label: 'classify.upload_x2', value: '', options: [],
    onChange: (v) => { st.features = [st.features[0] === v ? st.features[1] : st.features[0], v]; syncUpload(); save(); newRun(); } });
  const uploadInfo = el('p', { class: 'help', 'aria-live': 'polite' });
  const uploadBox = el('div', { class: 'upload-box', 'data-key': 'c.upload' },
    el('div', { class: 'control file' }, tr(el('label', { for: 'classify-file' }), 'classify.upload_file'), fileInput,
      tr(el('p', { class: 'help', id: 'classify-file-help' }), 'classify.upload_help', { rows: (boot.limits && boot.limits.max_samples) || 1000 })),
    uploadTarget.node, el('div', { class: 'row two' }, uploadX1.node, uploadX2.node), uploadInfo);
  const classesCtl = slider({ key: 'c.classes', label: 'classify.classes', min: 2, max: 5, step: 1, value: st.classes, format: (v) => String(v),
    onChange: (v) => { st.classes = v; syncData(); save(); newRun(); } });
  const ratioCtl = slider({ key: 'c.ratio', label: 'classify.ratio', min: 0.02, max: 0.5, step: 0.01, value: st.ratio, format: pct,
    onChange: (v) => { st.ratio = v; save(); newRun(); } });
  const noiseCtl = slider({ key: 'c.noise', label: 'classify.noise', min: 0, max: 0.6, step: 0.05, value: st.noise,
    onChange: (v) => { st.noise = v; save(); newRun(); } });
  const nCtl = slider({ key: 'c.n', label: 'classify.n', min: 40, max: 1000, step: 20, value: st.n, format: (v) => String(v),
    onChange: (v) => { st.n = v; save(); newRun(); } });
  const valCtl = slider({ key: 'c.val', label: 'classify.val_ratio', min: 0.1, max: 0.9, step: 0.05, value: st.val, format: pct,
    onChange: (v) => { st.val = v; save(); newRun(); } });
  const seedCtl = number({ key: 'c.seed', label: 'classify.seed', value: st.seed, min: 0, max: 1e9, step: 1,
    onChange: (v) => { st.seed = Math.round(v); save(); newRun(); } });
  const regenBtn = button({ label: 'classify.regenerate', key: 'c.regen', onClick: () => { st.seed += 1; seedCtl.value = st.seed; save(); newRun(); } });
  const batchCtl = select({ key: 'c.batch', label: 'classify.batch', value: st.batch,
    options: BATCHES.map((b) => (b === 'full' ? { value: b, label: 'classify.batch_full' } : { value: b, text: b })),
    onChange: (v) => { st.batch = v; save(); newRun(); } });
  const dataCsvBtn = button({ label: 'export.dataset_csv', key: 'c.datacsv', onClick: () => exportData() });

  // model
  const modelCtl = radios({ key: 'c.model', label: 'classify.model', value: st.model,
    options: [{ value: 'logistic', label: 'classify.model_linear' }, { value: 'mlp', label: 'classify.model_mlp' }],
    onChange: (v) => { st.model = v; if (v === 'mlp' && !st.hidden.length) st.hidden = [6, 4]; drawLayers(); save(); newRun(); } });
  const layersBox = el('div', { class: 'layers', 'data-key': 'c.hidden' });
  const actCtl = select({ key: 'c.act', label: 'classify.activation', value: st.act,
    options: ['tanh', 'relu', 'sigmoid', 'linear'].map((a) => ({ value: a, label: `classify.act_${a}` })),
    onChange: (v) => { st.act = v; save(); newRun(); } });

  // loss
  const lossCtl = select({ key: 'c.loss', label: 'classify.loss', value: st.loss,
    options: lossOptions().map((name) => ({ value: name, label: `loss:${name}` })),
    onChange: (v) => { st.loss = v; syncLossParams(); save(); newRun(); } });
  const paramCtls = PARAMS.map((p) => ({ def: p, ctl: slider({ key: p.key, label: C.sliderLabel('classify', p), min: p.min, max: p.max,
    step: p.step, value: st.params[p.key], format: p.role === 'weighting' ? (v) => `${fmt(v)}×` : fmt,
    onChange: (v) => { st.params[p.key] = v; save(); newRun(); } }) }));

  // optimizer
  const optCtl = select({ key: 'c.opt', label: 'classify.optimizer', value: st.opt,
    options: [{ value: 'sgd', label: 'classify.opt_sgd' }, { value: 'momentum', label: 'classify.opt_momentum' }, { value: 'adam', label: 'classify.opt_adam' }],
    onChange: (v) => { st.opt = v; save(); newRun(); } });
  const lrCtl = select({ key: 'c.lr', label: 'classify.lr', value: String(st.lr),
    options: withValue(LRS, st.lr).map((v) => ({ value: String(v), text: String(v) })),
    onChange: (v) => { st.lr = Number(v); save(); command({ action: 'set', lr: st.lr }); } });
  const regCtl = select({ key: 'c.reg', label: 'classify.regularization', value: st.reg,
    options: [{ value: 'none', label: 'classify.reg_none' }, { value: 'l1', label: 'classify.reg_l1' }, { value: 'l2', label: 'classify.reg_l2' }],
    onChange: (v) => { st.reg = v; save(); command({ action: 'set', regularization: v, reg_rate: st.rate }); curvesSpecSoon(); } });
  const rateCtl = select({ key: 'c.rate', label: 'classify.reg_rate', value: String(st.rate),
    options: withValue(RATES, st.rate).map((v) => ({ value: String(v), text: String(v) })),
    onChange: (v) => { st.rate = Number(v); save(); command({ action: 'set', regularization: st.reg, reg_rate: st.rate }); curvesSpecSoon(); } });

  // output
  const canvas = el('canvas', { width: 400, height: 400, role: 'img', tabindex: '-1' });
  const mapLabel = el('p', { class: 'sr-only', id: 'map-desc', 'aria-live': 'off' });
  canvas.setAttribute('aria-describedby', 'map-desc');
  canvas.dataset.tLabel = 'classify.map_label';
  canvas.setAttribute('aria-label', t('classify.map_label'));
  const mapLegend = el('p', { class: 'map-legend' });
  const showValCtl = toggle({ key: 'c.showval', label: 'classify.show_val', value: st.showVal, onChange: (v) => { st.showVal = v; save(); drawMap(); } });
  const mapTable = el('div', { class: 'data-table', hidden: true });
  const mapTableBtn = el('button', { type: 'button', class: 'btn small', 'aria-pressed': 'false', 'data-key': 'c.maptable',
    onclick: () => { const show = mapTable.hidden; mapTable.hidden = !show; mapTableBtn.setAttribute('aria-pressed', String(show)); if (show) drawMapTable(); } },
  tr(el('span'), 'common.data_table'));
  const mapPngBtn = button({ label: 'export.png', key: 'c.mappng', kind: 'small', onClick: () => download('losslab-decision-map.png', canvas.toDataURL('image/png')) });
  const numbers = el('dl', { class: 'numbers' });
  const diagBox = el('div', { class: 'diagnosis-box', 'aria-live': 'polite' });
  const logCtl = toggle({ key: 'c.log', label: 'classify.log_scale', value: st.log, onChange: (v) => { st.log = v; save(); loadCurvesSpec(); } });
  const curves = new Figure({ name: 'losslab-curves', label: 'classify.curves_label', key: 'c.curves', renderer: 'canvas', table: () => curvesTable() });
  const curvesJsonBtn = button({ label: 'export.curves_json', key: 'c.curvesjson', kind: 'small', onClick: () => exportCurves('json') });
  const curvesCsvBtn = button({ label: 'export.curves_csv', key: 'c.curvescsv', kind: 'small', onClick: () => exportCurves('csv') });

  // trace (panel 5)
  const traceIndex = number({ key: 'c.trace', label: 'trace.example', value: Math.round(S.getNumber('c.trace', 0, 0, 1e6)), min: 0, max: 1000, step: 1 });
  const traceSplit = select({ key: 'c.tracesplit', label: 'trace.split', value: S.get('c.tracesplit', 'train') === 'val' ? 'val' : 'train',
    options: [{ value: 'train', label: 'trace.train' }, { value: 'val', label: 'trace.val' }] });
  const traceBtn = button({ label: 'trace.go', kind: 'primary', key: 'c.tracebtn', onClick: () => trace(traceIndex.value, traceSplit.value) });
  const traceBox = el('div', { class: 'trace-result', 'aria-live': 'polite' });
  const traceSection = el('section', { class: 'trace', id: 'trace', 'aria-labelledby': 'trace-h', 'data-group': 'trace' },
    heading(3, 'trace.title', { id: 'trace-h' }), para('trace.intro', { class: 'intro' }),
    el('div', { class: 'row' }, traceIndex.node, traceSplit.node, traceBtn), traceBox);

  const colData = el('div', { class: 'controls', 'data-group': 'c.datacol' },
    tr(el('h3', { class: 'group-title' }), 'classify.group_data'), dataCtl.node, uploadBox, classesCtl.node, ratioCtl.node, noiseCtl.node,
    nCtl.node, valCtl.node, el('div', { class: 'row' }, seedCtl.node, regenBtn), batchCtl.node, dataCsvBtn);
  const colModel = el('div', { class: 'controls', 'data-group': 'c.modelcol' },
    tr(el('h3', { class: 'group-title' }), 'classify.group_model'), modelCtl.node, layersBox, actCtl.node,
    tr(el('h3', { class: 'group-title' }), 'classify.group_training'), lossCtl.node, ...paramCtls.map((c) => c.ctl.node),
    optCtl.node, lrCtl.node, regCtl.node, rateCtl.node);
  const colOut = el('div', { class: 'results' },
    tr(el('h3', { class: 'group-title' }), 'classify.group_output'),
    el('div', { class: 'map-wrap' }, canvas), mapLegend, mapLabel, el('div', { class: 'row' }, showValCtl.node, mapTableBtn, mapPngBtn), mapTable,
    numbers, diagBox);
  section.append(
    heading(2, 'classify.title', { id: 'classify-h' }),
    para('classify.intro', { class: 'intro', 'data-group': 'intro' }),
    playbar,
    el('div', { class: 'three-col' }, colData, colModel, colOut),
    el('div', { class: 'curves-wrap' }, tr(el('h3'), 'classify.curves'), el('div', { class: 'row' }, logCtl.node, curvesCsvBtn, curvesJsonBtn), curves.node),
    traceSection);
  root.append(section);

  // ---------------------------------------------------------------------------------------------- helpers
  function withValue(list, v) { return list.includes(v) ? list : [...list, v].sort((a, b) => a - b); }
  function save() {
    S.set({
      'c.data': st.data, 'c.target': st.data === 'upload' ? st.target : null,
      'c.features': st.data === 'upload' && st.features.length === 2 ? st.features : null, 'c.noise': st.noise, 'c.val': st.val, 'c.n': st.n, 'c.seed': st.seed,
      'c.classes': st.data === 'spirals' || st.data === 'blobs' ? st.classes : null, 'c.ratio': st.data === 'imbalanced' ? st.ratio : null,
      'c.batch': st.batch, 'c.model': st.model, 'c.hidden': st.model === 'mlp' ? st.hidden.join(',') : null, 'c.act': st.model === 'mlp' ? st.act : null,
      'c.loss': st.loss,
      ...Object.fromEntries(PARAMS.map((p) => [p.key, p.losses.includes(st.loss) && st.params[p.key] !== p.start ? st.params[p.key] : null])),
      'c.opt': st.opt, 'c.lr': st.lr, 'c.reg': st.reg, 'c.rate': st.rate, 'c.init': st.init, 'c.keep': st.keep,
      'c.speed': st.speed, 'c.log': st.log, 'c.showval': st.showVal,
    });
  }
  function syncData() {
    classesCtl.node.hidden = !(st.data === 'spirals' || st.data === 'blobs');
    ratioCtl.node.hidden = st.data !== 'imbalanced';
    const own = st.data === 'upload';
    uploadBox.hidden = !own;
    noiseCtl.node.hidden = own;
    nCtl.node.hidden = own;
    regenBtn.hidden = own;
    const options = lossOptions();
    if (!options.includes(st.loss)) st.loss = defaultLoss();
    lossCtl.setOptions(options.map((name) => ({ value: name, label: `loss:${name}` })), st.loss);
    syncLossParams();
  }
  // ---------------------------------------------------------------------------------------------- own file
  async function sendFile(file) {
    let got;
    try {
      got = await uploadCSV(file);
    } catch (err) {
      reportError(err);
      return;
    }
    st.upload = got;
    const names = got.columns.map((c) => c.name);
    if (!names.includes(st.target)) {
      // the class column: the file's suggested target when it holds few values, else the first such column
      const few = got.columns.filter((c) => c.distinct >= 2 && c.distinct <= 6);
      const suggested = few.find((c) => c.name === got.suggested_target);
      st.target = suggested ? suggested.name : (few.length ? few[few.length - 1].name : got.suggested_target);
    }
    st.features = st.features.filter((f) => names.includes(f) && f !== st.target);
    st.data = 'upload';
    dataCtl.value = 'upload';
    syncUpload();
    syncData();
    save();
    await newRun();
  }
  function syncUpload() {
    const up = st.upload;
    if (!up) {
      uploadTarget.setOptions([], ''); uploadX1.setOptions([], ''); uploadX2.setOptions([], '');
      for (const c of [uploadTarget, uploadX1, uploadX2]) c.node.hidden = true;
      return;
    }
    for (const c of [uploadTarget, uploadX1, uploadX2]) c.node.hidden = false;
    const numeric = up.columns.filter((c) => c.kind === 'number' && c.name !== st.target).map((c) => c.name);
    if (st.features.length !== 2 || !st.features.every((f) => numeric.includes(f)) || st.features[0] === st.features[1]) {
      st.features = numeric.slice(0, 2);
    }
    uploadTarget.setOptions(up.columns.map((c) => ({ value: c.name, text: t('classify.upload_column', { name: c.name, n: c.distinct }) })), st.target);
    const opts = numeric.map((n) => ({ value: n, text: n }));
    uploadX1.setOptions(opts, st.features[0] || '');
    uploadX2.setOptions(opts, st.features[1] || '');
  }
  function drawUploadInfo() {
    const p = run.dataset && run.dataset.info && run.dataset.info.params;
    if (st.data !== 'upload' || !p || !p.file) { uploadInfo.textContent = st.upload ? '' : t('classify.upload_choose'); return; }
    const parts = [t('classify.upload_info', { file: p.file, used: p.used, target: p.target })];
    if (p.dropped) parts.push(t('classify.upload_dropped', { n: p.dropped }));
    if (p.sampled) parts.push(t('classify.upload_sampled', { used: p.used, total: p.complete }));
    uploadInfo.textContent = parts.join(' ');
  }

  function syncLossParams() {
    for (const { def, ctl } of paramCtls) ctl.node.hidden = !def.losses.includes(st.loss);
    S.applyHide(section);
  }
  function drawLayers() {
    actCtl.node.hidden = st.model !== 'mlp';
    if (st.model !== 'mlp') { layersBox.replaceChildren(); return; }
    const rows = st.hidden.map((w, i) => el('div', { class: 'layer-row' },
      el('span', {}, t('classify.layer_n', { n: i + 1 })),
      el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.fewer_neurons', { n: i + 1 }), disabled: w <= 1,
        onclick: () => { st.hidden[i] = w - 1; drawLayers(); save(); newRun(); } }, '−'),
      el('span', { class: 'num', 'aria-live': 'polite' }, t('classify.neurons', { n: w })),
      el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.more_neurons', { n: i + 1 }), disabled: w >= 16,
        onclick: () => { st.hidden[i] = w + 1; drawLayers(); save(); newRun(); } }, '+')));
    layersBox.replaceChildren(
      el('div', { class: 'layer-row' }, el('strong', {}, t('classify.hidden_layers', { n: st.hidden.length })),
        el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.remove_layer'), disabled: st.hidden.length <= 1,
          onclick: () => { st.hidden.pop(); drawLayers(); save(); newRun(); } }, '−'),
        el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.add_layer'), disabled: st.hidden.length >= 6,
          onclick: () => { st.hidden.push(4); drawLayers(); save(); newRun(); } }, '+')),
      ...rows);
  }
  function settings() {
    const params = C.paramsOf(st.loss, PARAMS, st.params, { onlyChanged: true }); // a slider at its start: the default
    return {
      data: st.data === 'upload' && st.upload
        ? { name: 'upload', upload: st.upload.id, target: st.target, features: st.features.length === 2 ? st.features : null, val_split: st.val, seed: st.seed }
        : { name: GENERATED.has(st.data) ? st.data : 'moons', n_samples: st.n, noise: st.noise, val_split: st.val, seed: st.seed, n_classes: st.data === 'spirals' || st.data === 'blobs' ? st.classes : 2, ratio: st.ratio },
      model: { kind: st.model, hidden: st.model === 'mlp' ? st.hidden : [], activation: st.act },
      loss: st.loss, loss_params: params, optimizer: st.opt, lr: st.lr, batch_size: st.batch === 'full' ? 100000 : Number(st.batch),
      regularization: st.reg, reg_rate: st.rate, init_seed: st.init, lang: lang(),
    };
  }

  // ---------------------------------------------------------------------------------------------- the run
  async function newRun() {
    const generation = ++run.generation;
    const wasPlaying = run.state === 'playing' || run.wantPlay;
    closeSocket();
    if (run.id) {
      // the server cancels a run whose page went away; say so at once, so that this page's new run fits the bounds
      const old = run.id;
      run.id = null;
      await fetch(`/api/runs/${old}`, { method: 'DELETE' }).catch(() => null);
    }
    let snap;
    try {
      snap = await postJSON('/api/runs', settings());
    } catch (err) {
      reportError(err);
      return;
    }
    if (generation !== run.generation) { fetch(`/api/runs/${snap.id}`, { method: 'DELETE' }); return; }
    applySnapshot(snap);
    openSocket(snap.id, wasPlaying);
    await loadCurvesSpec();
  }

  function openSocket(id, autoplay) {
    const socket = new WebSocket(socketURL(`/api/runs/${id}/stream`));
    run.socket = socket;
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ action: 'set', speed: SPEEDS[st.speed] }));
      if (autoplay) socket.send(JSON.stringify({ action: 'play' }));
    });
    socket.addEventListener('message', (event) => {
      if (socket !== run.socket) return;
      const msg = JSON.parse(event.data);
      metrics.received = (metrics.received || 0) + 1;
      if (msg.type === 'state') applySnapshot(msg);
      else if (msg.type === 'frame') applyFrame(msg);
      else if (msg.type === 'error') reportError({ error: msg.error });
      else if (msg.type === 'closed') setState('closed');
    });
    socket.addEventListener('close', () => {
      if (socket === run.socket) { run.socket = null; if (run.state !== 'closed') setState('closed'); }
    });
  }
  function closeSocket() {
    if (run.socket) { const s = run.socket; run.socket = null; s.close(); }
  }
  function command(cmd) {
    if (cmd.action === 'play') run.wantPlay = true;
    if (cmd.action === 'pause') run.wantPlay = false;
    if (run.socket && run.socket.readyState === WebSocket.OPEN) { run.socket.send(JSON.stringify(cmd)); return; }
    if (run.id && run.state !== 'closed') postJSON(`/api/runs/${run.id}/control`, cmd).catch(reportError);
    else if (cmd.action === 'play' || cmd.action === 'step') newRun().then(() => command(cmd));
  }
  function togglePlay() {
    if (run.state === 'closed' || run.state === 'none') { run.wantPlay = true; newRun(); return; }
    command({ action: run.state === 'playing' ? 'pause' : 'play' });
  }
  function reset() {
    if (!st.keep) { st.init += 1; save(); }
    run.wantPlay = false;
    command({ action: 'reset', keep_weights: st.keep, lr: st.lr });
  }

  function applySnapshot(snap) {
    run.id = snap.id;
    run.version = snap.version;
    run.records = snap.records || [];
    run.initial = snap.initial;
    run.epoch = snap.epoch;
    if (snap.dataset) { run.dataset = snap.dataset; drawUploadInfo(); }
    if (snap.settings) { run.settings = snap.settings; st.init = snap.settings.init_seed; }
    run.map = snap.map;
    run.diagnosis = snap.diagnosis || null;
    run.pending = [];
    setState(snap.state);
    run.mapDirty = true;
    run.diagDirty = true;
    run.chartReset = true;
    schedule();
  }
  function applyFrame(frame) {
    if (frame.version !== run.version) return;
    if (frame.records.length) { run.records.push(...frame.records); run.pending.push(...frame.records); }
    run.epoch = frame.epoch;
    if (frame.map) { run.map = frame.map; run.mapDirty = true; }
    if ('diagnosis' in frame && JSON.stringify(frame.diagnosis) !== JSON.stringify(run.diagnosis)) {
      const before = run.diagnosis && run.diagnosis.primary;
      run.diagnosis = frame.diagnosis;
      run.diagDirty = true;
      if (run.diagnosis && run.diagnosis.primary !== before) curvesSpecSoon();
    }
    if (frame.state !== run.state) {
      setState(frame.state);
      if (frame.state !== 'playing') curvesSpecSoon();
    }
    schedule();
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
    stepBtn.disabled = playing || state === 'done' || state === 'diverged';
    if (!playing && state !== 'none') {
      const last = run.records[run.records.length - 1];
      runLive.textContent = t('classify.status', { state: t(`classify.state_${state}`), epoch: run.epoch,
        loss: last ? fmt(last.train_loss, 4) : '—', acc: last ? pct(last.val_accuracy ?? last.train_accuracy) : '—' });
    }
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
  let drawing = false;
  async function draw() {
    if (drawing) { schedule(); return; }
    drawing = true;
    const started = performance.now();
    try {
      epochOut.textContent = run.epoch.toLocaleString('en-US', { minimumIntegerDigits: 4, useGrouping: true });
      drawNumbers();
      if (run.mapDirty) {
        run.mapDirty = false;
        drawMap();
        if (!mapTable.hidden && (run.state !== 'playing' || performance.now() - mapTableAt > 2000)) drawMapTable();
      }
      if (run.diagDirty) { run.diagDirty = false; drawDiagnosis(); }
      const t1 = performance.now();
      await drawCurves();
      metrics.frames.push(performance.now());
      (metrics.drawMs = metrics.drawMs || []).push([t1 - started, performance.now() - t1]);
      if (metrics.drawMs.length > 2000) metrics.drawMs.splice(0, 1000);
      if (metrics.frames.length > 2000) metrics.frames.splice(0, 1000);
    } finally {
      drawing = false;
    }
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

  // the decision map: the server's grid of probabilities (one byte each), coloured here, with the points on top
  const LUT = buildLut();
  function drawMap() {
    const m = run.map;
    const ds = run.dataset;
    if (!m || !ds) return;
    const dpr = window.devicePixelRatio || 1;
    const size = Math.round((canvas.clientWidth || 400) * dpr);
    if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
    const ctx = canvas.getContext('2d');
    const bytes = Uint8Array.from(atob(m.data), (c) => c.charCodeAt(0));
    const img = new ImageData(m.n, m.n);
    const multiclass = m.kind === 'classes';
    for (let i = 0; i < m.n * m.n; i += 1) {
      let rgb;
      if (multiclass) {
        const base = hex(CLASS_COLOURS[bytes[2 * i] % CLASS_COLOURS.length]);
        const conf = bytes[2 * i + 1] / 255;
        const k = Math.max(0, (conf - 1 / m.classes) / (1 - 1 / m.classes)) * 0.55;
        rgb = base.map((c) => Math.round(255 + (c - 255) * k));
      } else rgb = LUT[bytes[i]];
      img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2]; img.data[4 * i + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = m.n; off.height = m.n;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, size, size);
    if (!multiclass) drawContour(ctx, bytes, m.n, size);
    const L = m.extent;
    const toPx = (x1, x2) => [((x1 + L) / (2 * L)) * size, ((L - x2) / (2 * L)) * size];
    const r = 4.2 * dpr;
    for (const p of ds.points) {
      if (p.split === 'val' && !st.showVal) continue;
      const [px, py] = toPx(p.x1, p.x2);
      shape(ctx, SHAPES[p.label % SHAPES.length], px, py, r, CLASS_COLOURS[p.label % CLASS_COLOURS.length], p.split === 'val');
    }
    if (run.traced) {
      const p = ds.points.find((q) => q.split === run.traced.split && q.index === run.traced.index);
      if (p) {
        const [px, py] = toPx(p.x1, p.x2);
        ctx.strokeStyle = '#111'; ctx.lineWidth = 2 * dpr;
        ctx.beginPath(); ctx.arc(px, py, r * 2.6, 0, 2 * Math.PI); ctx.stroke();
      }
    }
    const counts = {};
    for (const p of ds.points) counts[p.split] = (counts[p.split] || 0) + 1;
    mapLegend.replaceChildren(...legendItems(ds, m));
    mapLabel.textContent = t('classify.map_desc', { train: counts.train || 0, val: counts.val || 0, epoch: run.epoch });
  }

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

  function legendItems(ds, m) {
    const names = ds.info.class_names || [];
    const items = names.map((name, k) => el('span', { class: 'legend-item' },
      shapeSymbol(k), ` ${t('classify.class_n', { n: k })} (${className(name)})  `));
    const kind = m.kind === 'probability' ? 'classify.map_probability' : m.kind === 'score' ? 'classify.map_score' : 'classify.map_classes';
    return [...items, el('br'), t(kind), ' ', t('classify.map_points')];
  }
  function shapeSymbol(k) {
    const symbols = ['●', '■', '▲', '◆', '✚', '★'];
    return el('span', { style: { color: CLASS_COLOURS[k % CLASS_COLOURS.length] }, 'aria-hidden': 'true' }, symbols[k % symbols.length]);
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

  // ---------------------------------------------------------------------------------------------- curves
  let curveNames = null; // series labels by kind, from the spec
  const fetchCurvesSpec = latest(({ id, log }) => getJSON(`/api/runs/${id}/figures/curves?lang=${lang()}&log=${log ? 'true' : 'false'}`));
  const curvesSpecSoon = debounce(() => loadCurvesSpec(), 300);
  async function loadCurvesSpec() {
    if (!run.id) return;
    let got;
    try { got = await fetchCurvesSpec({ id: run.id, log: st.log }); } catch (err) { if (err.status !== 404) reportError(err); return; }
    if (!got) return;
    const spec = got.spec;
    freeEpochAxis(spec);
    curveNames = {};
    for (const row of [...(spec.datasets.curves || []), ...(spec.datasets.metric || [])]) curveNames[row.kind] = row.series;
    curveNames.hasPenalty = (spec.datasets.curves || []).some((r) => r.kind === 'penalty');
    curveNames.metric = spec.usermeta && spec.usermeta.losslab ? spec.usermeta.losslab.metric : 'accuracy';
    spec.datasets.curves = [];
    spec.datasets.metric = [];
    await curves.show(spec);
    run.chartReset = true;
    schedule();
  }
  function freeEpochAxis(node) {
    // the figure is drawn for the epochs so far; live, the epoch axis grows with the data, and the lines carry
    // no point marks (hundreds of them would slow every frame down)
    if (!node || typeof node !== 'object') return;
    if (node.encoding && node.encoding.x && node.encoding.x.field === 'epoch' && node.encoding.x.scale) delete node.encoding.x.scale.domain;
    if (node.mark && typeof node.mark === 'object' && node.mark.point) delete node.mark.point;
    for (const key of ['layer', 'hconcat', 'vconcat']) if (Array.isArray(node[key])) node[key].forEach(freeEpochAxis);
  }
  function rowsOf(records) {
    const loss = [];
    const metric = [];
    const names = curveNames;
    for (const r of records) {
      if (r.epoch % run.stride !== 0 && r !== run.records[run.records.length - 1]) continue;
      const add = (kind, value) => { if (value !== null && value !== undefined && names[kind] && (!st.log || value > 0)) loss.push({ epoch: r.epoch, kind, series: names[kind], value }); };
      add('train', r.train_loss);
      add('val', r.val_loss);
      if (names.hasPenalty) { add('penalty', r.penalty); add('objective', r.objective); }
      if (names.metric === 'accuracy') {
        if (r.train_accuracy !== null && r.train_accuracy !== undefined) metric.push({ epoch: r.epoch, kind: 'train', series: names.train, value: 100 * r.train_accuracy });
        if (r.val_accuracy !== null && r.val_accuracy !== undefined) metric.push({ epoch: r.epoch, kind: 'val', series: names.val, value: 100 * r.val_accuracy });
      }
    }
    return { loss, metric };
  }
  async function drawCurves() {
    if (!curves.view || !curveNames) return;
    const all = [run.initial ? { ...run.initial, epoch: 0 } : null, ...run.records].filter(Boolean);
    if (run.chartReset || all.length / run.stride > MAX_CHART_POINTS) {
      run.chartReset = false;
      run.stride = 1;
      while (all.length / run.stride > MAX_CHART_POINTS / 2) run.stride *= 2;
      const { loss, metric } = rowsOf(all);
      const vega = window.vega;
      curves.view.change('curves', vega.changeset().remove(vega.truthy).insert(loss));
      curves.view.change('metric', vega.changeset().remove(vega.truthy).insert(metric));
      await curves.view.runAsync();
      run.pending = [];
      return;
    }
    if (!run.pending.length) return;
    const { loss, metric } = rowsOf(run.pending);
    run.pending = [];
    const vega = window.vega;
    curves.view.change('curves', vega.changeset().insert(loss));
    curves.view.change('metric', vega.changeset().insert(metric));
    await curves.view.runAsync();
  }
  function curvesTable() {
    const cols = ['epoch', 'train_loss', 'val_loss', 'penalty', 'objective', 'train_accuracy', 'val_accuracy', 'lr'];
    const all = [run.initial ? { ...run.initial, epoch: 0 } : null, ...run.records].filter(Boolean);
    return { caption: t('classify.curves_label'), columns: cols.map((c) => ({ key: c, label: c === 'epoch' ? t('tr:ui.epoch') : t(`tr:ui.${c}`) })), rows: all };
  }
  function exportCurves(kind) {
    const data = curvesTable();
    if (kind === 'csv') download('losslab-curves.csv', toCSV(data.rows, data.columns.map((c) => c.key)), 'text/csv');
    else download('losslab-curves.json', JSON.stringify({ settings: run.settings, records: data.rows }, null, 1), 'application/json');
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
  canvas.addEventListener('click', (event) => {
    const ds = run.dataset;
    const m = run.map;
    if (!ds || !m) return;
    const rect = canvas.getBoundingClientRect();
    const L = m.extent;
    const x1 = ((event.clientX - rect.left) / rect.width) * 2 * L - L;
    const x2 = L - ((event.clientY - rect.top) / rect.height) * 2 * L;
    let best = null;
    let bestD = Infinity;
    for (const p of ds.points) {
      if (p.split === 'val' && !st.showVal) continue;
      const d = (p.x1 - x1) ** 2 + (p.x2 - x2) ** 2;
      if (d < bestD) { bestD = d; best = p; }
    }
    if (best && Math.sqrt(bestD) < (2 * L) * 0.04) {
      traceIndex.value = best.index;
      traceSplit.value = best.split;
      trace(best.index, best.split);
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
  syncUpload();
  syncData();
  drawLayers();
  S.applyHide(section);
  onLang((code) => {
    drawLayers();
    setState(run.state);
    run.mapDirty = true;
    schedule();
    command({ action: 'set', lang: code });
    loadCurvesSpec();
    speedCtl.setOptions(Object.keys(SPEEDS).map((k) => ({ value: k, label: `classify.speed_${k}` })), st.speed);
  });
  window.addEventListener('pagehide', () => closeSocket());
  run.wantPlay = st.play;
  const ready = newRun();
  return {
    node: section, ready,
    showTrace: () => { traceSection.scrollIntoView({ block: 'start' }); },
    run,
  };
}

/** The trainer names the classes of its synthetic sets in English ("upper", "arm 2"); the page says them in its language. */
function className(name) {
  const m = /^(.*?) (\d+)$/.exec(name);
  const key = `classes.${(m ? m[1] : name).replace(/ /g, '_')}`;
  const text = t(key, m ? { n: m[2] } : undefined);
  return text === key ? name : text;
}

// ---------------------------------------------------------------------------------------------- drawing helpers
function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }

/** Blue (class 0) → white (p = 1/2) → orange (class 1): light tints, so that the points stay readable. */
function buildLut() {
  const blue = hex('#0072B2');
  const orange = hex('#D55E00');
  const lut = [];
  for (let b = 0; b < 256; b += 1) {
    const p = b / 255;
    const towards = p < 0.5 ? blue : orange;
    const k = Math.min(1, Math.abs(p - 0.5) * 2) * 0.6;
    lut.push(towards.map((c) => Math.round(255 + (c - 255) * k)));
  }
  return lut;
}

/** The p = 1/2 line (marching squares on the grid): the decision boundary as a line, not only as a colour. */
function drawContour(ctx, bytes, n, size) {
  const level = 127.5;
  const cell = size / (n - 1);
  const v = (i, j) => bytes[j * n + i];
  ctx.strokeStyle = 'rgba(20,20,20,0.85)';
  ctx.lineWidth = Math.max(1.5, size / 260);
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  const lerp = (a, b) => (level - a) / (b - a);
  for (let j = 0; j < n - 1; j += 1) {
    for (let i = 0; i < n - 1; i += 1) {
      const a = v(i, j); const b = v(i + 1, j); const c = v(i + 1, j + 1); const d = v(i, j + 1);
      const pts = [];
      if ((a > level) !== (b > level)) pts.push([i + lerp(a, b), j]);
      if ((b > level) !== (c > level)) pts.push([i + 1, j + lerp(b, c)]);
      if ((d > level) !== (c > level)) pts.push([i + lerp(d, c), j + 1]);
      if ((a > level) !== (d > level)) pts.push([i, j + lerp(a, d)]);
      for (let k = 0; k + 1 < pts.length; k += 2) {
        ctx.moveTo(pts[k][0] * cell, pts[k][1] * cell);
        ctx.lineTo(pts[k + 1][0] * cell, pts[k + 1][1] * cell);
      }
    }
  }
  ctx.stroke();
  ctx.setLineDash([]);
}

function shape(ctx, kind, x, y, r, colour, hollow) {
  ctx.beginPath();
  if (kind === 'circle') ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (kind === 'square') ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
  else if (kind === 'triangle') { ctx.moveTo(x, y - r * 1.15); ctx.lineTo(x + r, y + r * 0.75); ctx.lineTo(x - r, y + r * 0.75); ctx.closePath(); }
  else if (kind === 'diamond') { ctx.moveTo(x, y - r * 1.2); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r * 1.2); ctx.lineTo(x - r, y); ctx.closePath(); }
  else { ctx.rect(x - r * 1.1, y - r * 0.35, r * 2.2, r * 0.7); ctx.rect(x - r * 0.35, y - r * 1.1, r * 0.7, r * 2.2); }
  ctx.lineWidth = hollow ? 2 : 1.2;
  if (hollow) { ctx.fillStyle = '#fff'; ctx.fill(); ctx.strokeStyle = colour; ctx.stroke(); } else { ctx.fillStyle = colour; ctx.fill(); ctx.strokeStyle = '#fff'; ctx.stroke(); }
}
