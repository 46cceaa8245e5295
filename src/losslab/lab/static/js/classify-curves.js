// The live loss and accuracy curves of the classification lab: the figure (losslab.figures' training curves, its
// spec from the server) is drawn once per run, then fed the epochs as they arrive; long runs are thinned to at
// most MAX_CHART_POINTS epochs per series (the data table and the exports have them all).

import { debounce, download, toCSV, latest, reportError } from './util.js';
import { t, lang } from './i18n.js';
import { getJSON } from './api.js';
import { Figure } from './chart.js';

const MAX_CHART_POINTS = 400; // epochs per series drawn; longer runs are thinned (the data table has them all)

/** The curves of `run` as settings `st` ask (log scale); `schedule` asks for the next frame to be drawn. */
export function liveCurves(run, st, schedule) {
  const figure = new Figure({ name: 'losslab-curves', label: 'classify.curves_label', key: 'c.curves', renderer: 'canvas', table: () => table(),
    options: () => ({ subtitle: !st.present }) }); // presentation mode: the diagnosis box says it, in larger type
  let curveNames = null; // series labels by kind, from the spec
  const fetchCurvesSpec = latest(({ id, log }) => getJSON(`/api/runs/${id}/figures/curves?lang=${lang()}&log=${log ? 'true' : 'false'}`));
  const specSoon = debounce(() => loadSpec(), 300);
  async function loadSpec() {
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
    await figure.show(spec);
    run.chartReset = true;
    schedule();
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
  async function draw() {
    if (!figure.view || !curveNames) return false;
    const all = [run.initial ? { ...run.initial, epoch: 0 } : null, ...run.records].filter(Boolean);
    if (run.chartReset || all.length / run.stride > MAX_CHART_POINTS) {
      run.chartReset = false;
      run.stride = 1;
      while (all.length / run.stride > MAX_CHART_POINTS / 2) run.stride *= 2;
      const { loss, metric } = rowsOf(all);
      const vega = window.vega;
      figure.view.change('curves', vega.changeset().remove(vega.truthy).insert(loss));
      figure.view.change('metric', vega.changeset().remove(vega.truthy).insert(metric));
      await figure.view.runAsync();
      figure.afterData();
      run.pending = [];
      return true;
    }
    if (!run.pending.length) return false;
    const { loss, metric } = rowsOf(run.pending);
    run.pending = [];
    const vega = window.vega;
    figure.view.change('curves', vega.changeset().insert(loss));
    figure.view.change('metric', vega.changeset().insert(metric));
    await figure.view.runAsync();
    figure.afterData();
    return true;
  }
  function table() {
    const cols = ['epoch', 'train_loss', 'val_loss', 'penalty', 'objective', 'train_accuracy', 'val_accuracy', 'lr'];
    const all = [run.initial ? { ...run.initial, epoch: 0 } : null, ...run.records].filter(Boolean);
    return { caption: t('classify.curves_label'), columns: cols.map((c) => ({ key: c, label: c === 'epoch' ? t('tr:ui.epoch') : t(`tr:ui.${c}`) })), rows: all };
  }
  function exportAs(kind) {
    const data = table();
    if (kind === 'csv') download('losslab-curves.csv', toCSV(data.rows, data.columns.map((c) => c.key)), 'text/csv');
    else download('losslab-curves.json', JSON.stringify({ settings: run.settings, records: data.rows }, null, 1), 'application/json');
  }
  return { figure, loadSpec, specSoon, draw, table, exportAs };
}

function freeEpochAxis(node) {
  // the figure is drawn for the epochs so far; live, the epoch axis grows with the data, and the lines carry
  // no point marks (hundreds of them would slow every frame down)
  if (!node || typeof node !== 'object') return;
  if (node.encoding && node.encoding.x && node.encoding.x.field === 'epoch' && node.encoding.x.scale) delete node.encoding.x.scale.domain;
  if (node.mark && typeof node.mark === 'object' && node.mark.point) delete node.mark.point;
  for (const key of ['layer', 'hconcat', 'vconcat']) if (Array.isArray(node[key])) node[key].forEach(freeEpochAxis);
}
