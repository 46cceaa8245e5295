// The controls of the classification lab and the panel's layout: the play bar, the data (a generated set or the
// user's own CSV file), the model, the loss and its parameters, the optimizer, the outputs' places (map, numbers,
// diagnosis, curves) and the trace of one example (panel 5). Each control writes `st` (classify-state.js) and
// calls `page`: settings that change the problem start a new run, the learning rate, the regularization and the
// speed change the running one.

import { el, fmt, pct, download, reportError } from './util.js';
import { t, tr } from './i18n.js';
import * as S from './state.js';
import { uploadCSV } from './api.js';

// the column names the server takes for a class column (lab/_uploads.py TARGET_NAMES)
const TARGET_NAMES = ['target', 'label', 'labels', 'y', 'class', 'species', 'outcome', 'diagnosis', 'category'];
import { slider, select, radios, toggle, number, button, heading, para, scrollBox } from './controls.js';
import * as C from './catalog.js';
import { DATASETS, LRS, RATES, BATCHES, SPEEDS, lossOptions, defaultLoss } from './classify-state.js';

/**
 * Build the panel into `root`. `curves` is the live curves (classify-curves.js); `page` holds the page's actions:
 * togglePlay, command(cmd), reset, save, newRun, drawMap, drawMapTable, exportData, trace(index, split).
 */
export function buildControls(root, { st, run, PARAMS, LOSSES, boot, curves, page }) {
  const section = el('section', { class: 'panel', id: 'panel-classify', 'aria-labelledby': 'classify-h' });

  const playBtn = button({ label: 'classify.play', kind: 'primary round', icon: 'play', key: 'c.playbtn', onClick: () => page.togglePlay() });
  const stepBtn = button({ label: 'classify.step', icon: 'step', key: 'c.stepbtn', onClick: () => page.command({ action: 'step' }) });
  const resetBtn = button({ label: 'classify.reset', icon: 'reset', key: 'c.resetbtn', onClick: () => page.reset() });
  const keepCtl = toggle({ key: 'c.keep', label: 'classify.keep_weights', value: st.keep, onChange: (v) => { st.keep = v; page.save(); } });
  const speedCtl = select({ key: 'c.speed', label: 'classify.speed', value: st.speed,
    options: Object.keys(SPEEDS).map((k) => ({ value: k, label: `classify.speed_${k}` })),
    onChange: (v) => { st.speed = v; page.save(); page.command({ action: 'set', speed: SPEEDS[v] }); } });
  // presentation mode (c.present): the map, the curves and the numbers fill a projector's screen, in larger text
  const presentBtn = button({ label: 'classify.present', key: 'c.present', onClick: () => page.present(!st.present) });
  presentBtn.setAttribute('aria-pressed', String(st.present));
  const epochOut = el('output', { class: 'epoch', 'aria-live': 'off' }, '0');
  const stateOut = el('span', { class: 'run-state', 'data-state': 'none' });
  const runLive = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  // why a run stopped and how to go on (issue 16): the epoch limit, or a diverged run
  const stopNote = el('p', { class: 'run-note', role: 'status', hidden: true, 'data-group': 'c.playbar' });
  const playbar = el('div', { class: 'playbar', role: 'group', 'data-group': 'c.playbar' },
    resetBtn, playBtn, stepBtn,
    el('div', {}, tr(el('span', { class: 'epoch-label', id: 'epoch-label' }), 'classify.epoch'), epochOut),
    stateOut, keepCtl.node, speedCtl.node, presentBtn, runLive);
  playbar.dataset.tLabel = 'classify.playbar';
  playbar.setAttribute('aria-label', t('classify.playbar'));
  epochOut.setAttribute('aria-labelledby', 'epoch-label');

  // data
  const dataCtl = radios({ key: 'c.data', label: 'classify.dataset', value: st.data,
    options: [...DATASETS, 'upload'].map((d) => ({ value: d, label: `classify.data_${d}` })),
    onChange: (v) => { st.data = v; syncData(); page.save(); if (v !== 'upload' || st.upload) page.newRun(); else fileInput.focus(); } });

  // the user's own file: upload it, pick the class column and the two features
  const fileInput = el('input', { type: 'file', id: 'classify-file', accept: '.csv,.tsv,.txt,text/csv,text/plain', 'aria-describedby': 'classify-file-help' });
  fileInput.addEventListener('change', () => { if (fileInput.files && fileInput.files[0]) sendFile(fileInput.files[0]); });
  const uploadTarget = select({ key: 'c.target', label: 'classify.upload_target', value: '', options: [],
    onChange: (v) => { st.target = v; st.features = st.features.filter((f) => f !== v); syncUpload(); syncData(); page.save(); page.newRun(); } });
  const uploadX1 = select({ key: 'c.features', label: 'classify.upload_x1', value: '', options: [],
    onChange: (v) => { st.features = [v, st.features[1] === v ? st.features[0] : st.features[1]]; syncUpload(); page.save(); page.newRun(); } });
  const uploadX2 = select({ key: 'c.features', label: 'classify.upload_x2', value: '', options: [],
    onChange: (v) => { st.features = [st.features[0] === v ? st.features[1] : st.features[0], v]; syncUpload(); page.save(); page.newRun(); } });
  const uploadInfo = el('p', { class: 'help', 'aria-live': 'polite' });
  const uploadBox = el('div', { class: 'upload-box', 'data-key': 'c.upload' },
    el('div', { class: 'control file' }, tr(el('label', { for: 'classify-file' }), 'classify.upload_file'), fileInput,
      tr(el('p', { class: 'help', id: 'classify-file-help' }), 'classify.upload_help', { rows: (boot.limits && boot.limits.max_samples) || 1000 })),
    uploadTarget.node, el('div', { class: 'row two' }, uploadX1.node, uploadX2.node), uploadInfo);
  const classesCtl = slider({ key: 'c.classes', label: 'classify.classes', min: 2, max: 5, step: 1, value: st.classes, format: (v) => String(v),
    onChange: (v) => { st.classes = v; syncData(); page.save(); page.newRun(); } });
  const ratioCtl = slider({ key: 'c.ratio', label: 'classify.ratio', min: 0.02, max: 0.5, step: 0.01, value: st.ratio, format: pct,
    onChange: (v) => { st.ratio = v; page.save(); page.newRun(); } });
  const noiseCtl = slider({ key: 'c.noise', label: 'classify.noise', min: 0, max: 0.6, step: 0.05, value: st.noise,
    onChange: (v) => { st.noise = v; page.save(); page.newRun(); } });
  const nCtl = slider({ key: 'c.n', label: 'classify.n', min: 40, max: 1000, step: 20, value: st.n, format: (v) => String(v),
    onChange: (v) => { st.n = v; page.save(); page.newRun(); } });
  const valCtl = slider({ key: 'c.val', label: 'classify.val_ratio', min: 0.1, max: 0.9, step: 0.05, value: st.val, format: pct,
    onChange: (v) => { st.val = v; page.save(); page.newRun(); } });
  const seedCtl = number({ key: 'c.seed', label: 'classify.seed', value: st.seed, min: 0, max: 1e9, step: 1,
    onChange: (v) => { st.seed = Math.round(v); page.save(); page.newRun(); } });
  const regenBtn = button({ label: 'classify.regenerate', key: 'c.regen', onClick: () => { st.seed += 1; seedCtl.value = st.seed; page.save(); page.newRun(); } });
  const batchCtl = select({ key: 'c.batch', label: 'classify.batch', value: st.batch,
    options: BATCHES.map((b) => (b === 'full' ? { value: b, label: 'classify.batch_full' } : { value: b, text: b })),
    onChange: (v) => { st.batch = v; page.save(); page.newRun(); } });
  const dataCsvBtn = button({ label: 'export.dataset_csv', key: 'c.datacsv', onClick: () => page.exportData() });

  // model
  const modelCtl = radios({ key: 'c.model', label: 'classify.model', value: st.model,
    options: [{ value: 'logistic', label: 'classify.model_linear' }, { value: 'mlp', label: 'classify.model_mlp' }],
    onChange: (v) => { st.model = v; if (v === 'mlp' && !st.hidden.length) st.hidden = [6, 4]; drawLayers(); page.save(); page.newRun(); } });
  const layersBox = el('div', { class: 'layers', 'data-key': 'c.hidden' });
  const actCtl = select({ key: 'c.act', label: 'classify.activation', value: st.act,
    options: ['tanh', 'relu', 'sigmoid', 'linear'].map((a) => ({ value: a, label: `classify.act_${a}` })),
    onChange: (v) => { st.act = v; page.save(); page.newRun(); } });

  // loss
  const lossCtl = select({ key: 'c.loss', label: 'classify.loss', value: st.loss,
    options: lossOptions(st, LOSSES).map((name) => ({ value: name, label: `loss:${name}` })),
    onChange: (v) => { st.loss = v; syncLossParams(); page.save(); page.newRun(); } });
  const paramCtls = PARAMS.map((p) => ({ def: p, ctl: slider({ key: p.key, label: C.sliderLabel('classify', p), min: p.min, max: p.max,
    step: p.step, value: st.params[p.key], format: p.role === 'weighting' ? (v) => `${fmt(v)}×` : fmt,
    onChange: (v) => { st.params[p.key] = v; page.save(); page.newRun(); } }) }));

  // optimizer
  const optCtl = select({ key: 'c.opt', label: 'classify.optimizer', value: st.opt,
    options: [{ value: 'sgd', label: 'classify.opt_sgd' }, { value: 'momentum', label: 'classify.opt_momentum' }, { value: 'adam', label: 'classify.opt_adam' }],
    onChange: (v) => { st.opt = v; page.save(); page.newRun(); } });
  const lrCtl = select({ key: 'c.lr', label: 'classify.lr', value: String(st.lr),
    options: withValue(LRS, st.lr).map((v) => ({ value: String(v), text: String(v) })),
    onChange: (v) => { st.lr = Number(v); page.save(); page.command({ action: 'set', lr: st.lr }); } });
  const regCtl = select({ key: 'c.reg', label: 'classify.regularization', value: st.reg,
    options: [{ value: 'none', label: 'classify.reg_none' }, { value: 'l1', label: 'classify.reg_l1' }, { value: 'l2', label: 'classify.reg_l2' }],
    onChange: (v) => { st.reg = v; page.save(); page.command({ action: 'set', regularization: v, reg_rate: st.rate }); curves.specSoon(); } });
  const rateCtl = select({ key: 'c.rate', label: 'classify.reg_rate', value: String(st.rate),
    options: withValue(RATES, st.rate).map((v) => ({ value: String(v), text: String(v) })),
    onChange: (v) => { st.rate = Number(v); page.save(); page.command({ action: 'set', regularization: st.reg, reg_rate: st.rate }); curves.specSoon(); } });

  // output
  // the map takes the focus: the arrow keys move a cursor over the examples, Enter traces one (classify.js)
  const canvas = el('canvas', { width: 400, height: 400, role: 'application', tabindex: '0' });
  const mapLabel = el('p', { class: 'sr-only', id: 'map-desc', 'aria-live': 'off' });
  const mapCursor = el('p', { class: 'help map-cursor', 'aria-live': 'polite' });
  canvas.setAttribute('aria-describedby', 'map-desc');
  canvas.dataset.tLabel = 'classify.map_aria';
  canvas.setAttribute('aria-label', t('classify.map_aria'));
  const mapLegend = el('p', { class: 'map-legend' });
  const showValCtl = toggle({ key: 'c.showval', label: 'classify.show_val', value: st.showVal, onChange: (v) => { st.showVal = v; page.save(); page.drawMap(); } });
  const mapTable = scrollBox(null, { cls: 'data-table', label: 'classify.map_label' });
  mapTable.hidden = true;
  const mapTableBtn = el('button', { type: 'button', class: 'btn small', 'aria-pressed': 'false', 'data-key': 'c.maptable',
    onclick: () => { const show = mapTable.hidden; mapTable.hidden = !show; mapTableBtn.setAttribute('aria-pressed', String(show)); if (show) page.drawMapTable(); } },
  tr(el('span'), 'common.data_table'));
  const mapPngBtn = button({ label: 'export.png', key: 'c.mappng', kind: 'small', onClick: () => download('losslab-decision-map.png', canvas.toDataURL('image/png')) });
  const numbers = el('dl', { class: 'numbers' });
  const diagBox = el('div', { class: 'diagnosis-box', 'aria-live': 'polite' });
  const logCtl = toggle({ key: 'c.log', label: 'classify.log_scale', value: st.log, onChange: (v) => { st.log = v; page.save(); curves.loadSpec(); } });
  const curvesJsonBtn = button({ label: 'export.curves_json', key: 'c.curvesjson', kind: 'small', onClick: () => curves.exportAs('json') });
  const curvesCsvBtn = button({ label: 'export.curves_csv', key: 'c.curvescsv', kind: 'small', onClick: () => curves.exportAs('csv') });

  // trace (panel 5)
  const traceIndex = number({ key: 'c.trace', label: 'trace.example', value: Math.round(S.getNumber('c.trace', 0, 0, 1e6)), min: 0, max: 1000, step: 1 });
  const traceSplit = select({ key: 'c.tracesplit', label: 'trace.split', value: S.get('c.tracesplit', 'train') === 'val' ? 'val' : 'train',
    options: [{ value: 'train', label: 'trace.train' }, { value: 'val', label: 'trace.val' }] });
  const traceBtn = button({ label: 'trace.go', kind: 'primary', key: 'c.tracebtn', onClick: () => page.trace(traceIndex.value, traceSplit.value) });
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
    el('div', { class: 'map-wrap' }, canvas), mapCursor, mapLegend, mapLabel, el('div', { class: 'row' }, showValCtl.node, mapTableBtn, mapPngBtn), mapTable,
    numbers, diagBox);
  section.append(
    heading(2, 'classify.title', { id: 'classify-h' }),
    para('classify.intro', { class: 'intro', 'data-group': 'intro' }),
    playbar, stopNote,
    el('div', { class: 'three-col' }, colData, colModel, colOut),
    el('div', { class: 'curves-wrap' }, tr(el('h3'), 'classify.curves'), el('div', { class: 'row' }, logCtl.node, curvesCsvBtn, curvesJsonBtn), curves.figure.node),
    traceSection);
  root.append(section);

  // ---------------------------------------------------------------------------------------------- helpers
  function withValue(list, v) { return list.includes(v) ? list : [...list, v].sort((a, b) => a - b); }
  function syncData() {
    classesCtl.node.hidden = !(st.data === 'spirals' || st.data === 'blobs');
    ratioCtl.node.hidden = st.data !== 'imbalanced';
    const own = st.data === 'upload';
    uploadBox.hidden = !own;
    noiseCtl.node.hidden = own;
    nCtl.node.hidden = own;
    regenBtn.hidden = own;
    const options = lossOptions(st, LOSSES);
    if (!options.includes(st.loss)) st.loss = defaultLoss(st, LOSSES);
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
    // the class column: the server's suggestion (text or few whole numbers, the last such column, never a row id)
    if (got.suggested_class) st.target = got.suggested_class;
    else if (!names.includes(st.target)) st.target = got.suggested_target;
    st.features = st.features.filter((f) => names.includes(f) && f !== st.target);
    st.data = 'upload';
    dataCtl.value = 'upload';
    syncUpload();
    syncData();
    page.save();
    await page.newRun();
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
      // by default a column that looks like a row id (named id, or every value different) is no feature
      const ids = new Set((up.id_like || []).map((d) => d.name));
      const plain = numeric.filter((n) => !ids.has(n));
      st.features = (plain.length >= 2 ? plain : numeric).slice(0, 2);
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
    const up = st.upload;
    if (up && up.suggested_class && p.target === up.suggested_class) {
      const col = up.columns.find((c) => c.name === p.target);
      const why = TARGET_NAMES.includes(p.target.trim().toLowerCase()) ? 'name' : col && col.kind === 'text' ? 'text' : 'integers';
      parts.push(t(`classify.upload_chosen_${why}`, { target: p.target, n: col ? col.distinct : '' }));
    }
    for (const d of (up && up.id_like) || []) {
      if (d.name !== p.target && !(p.features || []).includes(d.name)) parts.push(t(`classify.upload_left_out_${d.why}`, { name: d.name }));
    }
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
        onclick: () => { st.hidden[i] = w - 1; drawLayers(); page.save(); page.newRun(); } }, '−'),
      el('span', { class: 'num', 'aria-live': 'polite' }, t('classify.neurons', { n: w })),
      el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.more_neurons', { n: i + 1 }), disabled: w >= 16,
        onclick: () => { st.hidden[i] = w + 1; drawLayers(); page.save(); page.newRun(); } }, '+')));
    layersBox.replaceChildren(
      el('div', { class: 'layer-row' }, el('strong', {}, t('classify.hidden_layers', { n: st.hidden.length })),
        el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.remove_layer'), disabled: st.hidden.length <= 1,
          onclick: () => { st.hidden.pop(); drawLayers(); page.save(); page.newRun(); } }, '−'),
        el('button', { type: 'button', class: 'btn small', 'aria-label': t('classify.add_layer'), disabled: st.hidden.length >= 6,
          onclick: () => { st.hidden.push(4); drawLayers(); page.save(); page.newRun(); } }, '+')),
      ...rows);
  }

  return {
    section, playBtn, stepBtn, presentBtn, stateOut, stopNote, runLive, epochOut, speedCtl, uploadInfo, canvas, mapCursor, mapLegend, mapLabel,
    mapTable, numbers, diagBox, traceIndex, traceSplit, traceBox, traceSection,
    syncData, syncUpload, drawUploadInfo, drawLayers,
  };
}
