// A figure on the page: a Vega-Lite spec from losslab.figures embedded with the vendored Vega-Embed, plus
// what every chart must have here: a data-table view (for screen readers and exact numbers), and export as
// PNG, SVG, CSV and JSON. Live numbers go into the spec's named datasets (setData), so nothing is rebuilt.
// Every chart fits the width of its container (chart-fit.js), and is fitted again when that width changes.

import { el, download, toCSV, fmt, debounce } from './util.js';
import { t, tr } from './i18n.js';
import { fitSpec } from './chart-fit.js';

const MAX_ROWS = 400;
const OVERHEAD = 70; // px beside a plot for its axis labels and titles, at first guess

export class Figure {
  /**
   * @param {object} o
   * @param {string} o.name   file name stem for exports
   * @param {string} o.label  text key: what the figure shows (the figure's accessible name)
   * @param {function} o.table  () => ({columns: [{key, label}], rows, caption?}) for the data table and CSV
   * @param {string} [o.renderer]  'svg' (default) or 'canvas'
   * @param {function} [o.options]  () => fitSpec's options now (e.g. {subtitle: false} in presentation mode)
   */
  constructor({ name, label, table, renderer = 'svg', key, options }) {
    this.name = name;
    this.options = options || (() => ({}));
    this.tableFn = table;
    this.renderer = renderer;
    this.view = null;
    this.spec = null;
    this.chart = el('div', { class: 'chart', role: 'img' });
    this.chart.dataset.tLabel = label;
    this.chart.setAttribute('aria-label', t(label));
    this.tableBox = el('div', { class: 'data-table', hidden: true, tabindex: '0', role: 'region' });
    this.tableBox.dataset.tLabel = label; // the figure's own name: two figures of a panel have two tables
    this.tableBox.setAttribute('aria-label', t(label));
    this.hooks = [];
    this.fitted = 0; // the width the view was fitted to
    this.extra = 0; // px a plot's axes took beyond OVERHEAD, learnt from the drawings
    this.refitSoon = debounce(() => { if (this.spec) this.render(true); }, 150);
    this.refit = debounce(() => { if (this.spec && Math.abs(this.room() - this.fitted) > 8) this.render(true); }, 150);
    this.learnSoon = debounce(() => this.afterData(), 300); // the last data of a burst is measured too
    if (window.ResizeObserver) new ResizeObserver(() => this.refit()).observe(this.chart);
    this.tableButton = el('button', { type: 'button', class: 'btn small', 'aria-pressed': 'false',
      onclick: () => this.toggleTable() }, tr(el('span'), 'common.data_table'));
    const tools = el('div', { class: 'figure-tools', role: 'group' },
      this.tableButton,
      el('button', { type: 'button', class: 'btn small', onclick: () => this.exportImage('png') }, tr(el('span'), 'export.png')),
      el('button', { type: 'button', class: 'btn small', onclick: () => this.exportImage('svg') }, tr(el('span'), 'export.svg')),
      el('button', { type: 'button', class: 'btn small', onclick: () => this.exportData('csv') }, tr(el('span'), 'export.csv')),
      el('button', { type: 'button', class: 'btn small', onclick: () => this.exportData('json') }, tr(el('span'), 'export.json')));
    tools.dataset.tLabel = 'common.figure_tools';
    tools.setAttribute('aria-label', t('common.figure_tools'));
    this.node = el('figure', { class: 'figure', 'data-key': key }, this.chart, tools, this.tableBox);
    this.chart.append(tr(el('p', { class: 'help loading' }), 'common.loading'));
    this.chart.setAttribute('aria-busy', 'true');
  }

  /** Embed a spec (replacing any previous view). */
  async show(spec) {
    this.spec = spec;
    return this.render(false);
  }

  /** Call fn(view) after every embedding (the first, and each one after a change of width). */
  onView(fn) { this.hooks.push(fn); if (this.view) fn(this.view); }

  room() { return this.chart.clientWidth; }

  /** Embed the spec fitted to the chart's width; `keep`: carry over the live data of the view drawn before. */
  async render(keep) {
    const room = this.room();
    const kept = {};
    if (keep && this.view) {
      for (const name of Object.keys(this.spec.datasets || {})) {
        try { kept[name] = this.view.data(name).map((row) => ({ ...row })); } catch { /* not a dataset of the view */ }
      }
    }
    await this.embed(this.fit(room, kept));
    this.fitted = room;
    // a panel's axes or legend took more room than thought: fit again with what they took
    if (this.learn()) await this.embed(this.fit(room, keep ? kept : null));
    return this.view;
  }

  /** Whether the view is wider than its chart; if so, the room its axes take beyond the guess is learnt: what the
   * drawing took beside the plots it was given (not added to the last guess, which only grew while a live chart's
   * labels widened, and left a phone's plots a third of their box). */
  learn() {
    const drawn = this.chart.querySelector('svg, canvas');
    const room = this.room();
    const width = drawn ? drawn.getBoundingClientRect().width : 0;
    if (!(room > 0) || width <= room + 1 || this.extra > 240) return false;
    const n = this.sideBySide || 1;
    const plots = this.plots || [];
    const plotted = n > 1 ? plots.reduce((a, b) => a + b, 0) + this.spacing * (n - 1) : Math.max(0, ...plots);
    const before = this.extra;
    if (plotted > 0) this.extra = Math.max(0, Math.ceil((width - plotted) / n) - OVERHEAD + 4);
    if (this.extra <= before) this.extra = before + Math.ceil((width - room) / n) + 4; // still too wide: grow
    return true;
  }

  /** After new data: axis labels may have widened the view past its chart (then it is fitted again). Looked at
   * 4 times a second at most: measuring forces the browser to lay the page out in the middle of a live frame. */
  afterData() {
    const now = performance.now();
    if (now - (this.learnedAt || 0) < 250) { this.learnSoon(); return; }
    this.learnedAt = now;
    if (this.learn()) this.refitSoon();
  }

  fit(room, kept) {
    const spec = fitSpec(this.spec, room, OVERHEAD + this.extra, this.options());
    this.sideBySide = spec.hconcat ? spec.hconcat.length : 1;
    // the plots' widths as fitted, for learn(): what the view takes beyond them is its axes' room
    this.plots = (spec.hconcat || spec.vconcat || [spec]).map((p) => (typeof p.width === 'number' ? p.width : 0));
    this.spacing = typeof spec.spacing === 'number' ? spec.spacing : 20;
    // Vega keeps (and marks) the rows it is given: each embedding gets rows of its own
    if (kept) for (const [name, rows] of Object.entries(kept)) if (spec.datasets) spec.datasets[name] = rows.map((r) => ({ ...r }));
    // live charts grow: let Vega lay the view out again when the data change (axis labels widen, etc.)
    spec.autosize = { type: 'pad', resize: true };
    return spec;
  }

  async embed(spec) {
    if (this.view) { this.view.finalize(); this.view = null; }
    const result = await window.vegaEmbed(this.chart, spec, {
      renderer: this.renderer, actions: false, tooltip: { theme: 'light' }, downloadFileName: this.name,
    });
    this.view = result.view;
    this.chart.setAttribute('aria-busy', 'false');
    if (!this.tableBox.hidden) this.renderTable();
    for (const fn of this.hooks) fn(this.view);
    return this.view;
  }

  /** Replace the rows of a named dataset and redraw. */
  async setData(name, rows) {
    if (!this.view) return;
    const vega = window.vega;
    this.view.change(name, vega.changeset().remove(vega.truthy).insert(rows));
    await this.view.runAsync();
    this.afterData();
    if (!this.tableBox.hidden) this.renderTable();
  }

  /** Add rows to a named dataset (training curves grow this way). */
  async append(name, rows) {
    if (!this.view || !rows.length) return;
    this.view.change(name, window.vega.changeset().insert(rows));
    await this.view.runAsync();
    this.afterData();
    if (!this.tableBox.hidden) this.renderTable();
  }

  toggleTable(force) {
    const show = force === undefined ? this.tableBox.hidden : force;
    this.tableBox.hidden = !show;
    this.tableButton.setAttribute('aria-pressed', String(show));
    if (show) this.renderTable();
  }

  renderTable() {
    const data = this.tableFn ? this.tableFn() : null;
    if (!data) { this.tableBox.replaceChildren(); return; }
    const rows = data.rows.slice(0, MAX_ROWS);
    const table = el('table', {},
      el('caption', {}, data.caption || t('common.data_table'),
        data.rows.length > MAX_ROWS ? ` (${t('common.rows_shown', { shown: MAX_ROWS, total: data.rows.length })})` : ''),
      el('thead', {}, el('tr', {}, ...data.columns.map((c) => el('th', { scope: 'col' }, c.label)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...data.columns.map((c) => {
        const v = r[c.key];
        return el('td', {}, typeof v === 'number' ? fmt(v, 6) : (v ?? '—'));
      })))));
    this.tableBox.replaceChildren(table);
  }

  async exportImage(kind) {
    if (!this.view) return;
    if (kind === 'svg') download(`${this.name}.svg`, await this.view.toSVG(), 'image/svg+xml');
    else download(`${this.name}.png`, await this.view.toImageURL('png', 2));
  }

  exportData(kind) {
    const data = this.tableFn ? this.tableFn() : { columns: [], rows: [] };
    if (kind === 'csv') download(`${this.name}.csv`, toCSV(data.rows, data.columns.map((c) => c.key)), 'text/csv');
    else download(`${this.name}.json`, JSON.stringify(data.rows, null, 1), 'application/json');
  }

  relabel() {
    this.chart.setAttribute('aria-label', t(this.chart.dataset.tLabel));
    if (!this.tableBox.hidden) this.renderTable();
  }
}

/** Add layers to a spec: into each panel of an hconcat (or the single layer chart), as built by figures. */
export function addLayers(spec, makeLayers) {
  const panels = spec.hconcat || spec.vconcat || [spec];
  panels.forEach((panel, i) => {
    const extra = makeLayers(i, panel);
    if (!extra || !extra.length) return;
    if (panel.layer) panel.layer.push(...extra);
    else {
      const { $schema, config, datasets, usermeta, title, width, height, ...rest } = panel;
      void $schema; void config; void datasets; void usermeta;
      const inner = { ...rest };
      for (const k of Object.keys(rest)) delete panel[k];
      panel.layer = [inner, ...extra];
      if (title) panel.title = title;
      if (width) panel.width = width;
      if (height) panel.height = height;
    }
  });
  return spec;
}
