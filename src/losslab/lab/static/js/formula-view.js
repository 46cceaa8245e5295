// What the formula panel shows of the server's answer (POST /api/formula): the formula and its derivatives as
// text, the curves beside the built-in losses (every number from the server), the property report with its
// marks and sentences, and the export code with a Copy button. Nothing here computes a loss.

import { el, colour } from './util.js';
import { t, tr, onLang } from './i18n.js';
import * as S from './state.js';
import { radios, select, para } from './controls.js';
import { Figure } from './chart.js';

const YOURS = 'yours';
const BUILTIN = 'builtin';
const MARKS = { true: ['✓', 'formula.mark_ok'], false: ['✗', 'formula.mark_bad'], null: ['ℹ', 'formula.mark_info'] };

export function resultsView() {
  const st = { show: S.get('f.show', 'value'), label: S.get('f.label', '1') === '0' ? 0 : 1, target: S.get('f.export', 'torch') };
  if (!['value', 'd1', 'd2'].includes(st.show)) st.show = 'value';
  let data = null;

  // ---------------------------------------------------------------------------------------------- how it reads
  const reads = el('table', { class: 'formula-reads' });
  const latex = el('pre', { class: 'latex', tabindex: '0' });
  const latexBox = el('details', { class: 'more' }, tr(el('summary'), 'formula.latex'), latex);

  // ---------------------------------------------------------------------------------------------- the curves
  const showCtl = radios({ key: 'f.show', label: 'formula.show', value: st.show,
    options: [{ value: 'value', label: 'formula.show_value' }, { value: 'd1', label: 'formula.show_d1' }, { value: 'd2', label: 'formula.show_d2' }],
    onChange: (v) => { st.show = v; S.set({ 'f.show': v === 'value' ? null : v }); draw(); } });
  const labelCtl = radios({ key: 'f.label', label: 'formula.label', value: String(st.label),
    options: [{ value: '1', label: 'formula.label_1' }, { value: '0', label: 'formula.label_0' }],
    onChange: (v) => { st.label = Number(v); S.set({ 'f.label': v === '1' ? null : v }); draw(); } });
  const d2Note = para('formula.d2_note', { class: 'help' });
  const figure = new Figure({ name: 'losslab-formula', label: 'formula.figure_label', key: 'f.figure', table: () => table() });

  // ---------------------------------------------------------------------------------------------- report
  const report = el('ul', { class: 'formula-report' });
  const rewrites = el('p', { class: 'help' });
  const reportBox = el('div', { 'aria-live': 'polite', class: 'report-box' }, report, rewrites);

  // ---------------------------------------------------------------------------------------------- export
  const exportSel = select({ key: 'f.export', label: 'formula.export_to', options: [], value: st.target,
    onChange: (v) => { st.target = v; S.set({ 'f.export': v === 'torch' ? null : v }); drawExport(); } });
  const code = el('code', {});
  const pre = el('pre', { class: 'export-code', tabindex: '0' }, code);
  const copyNote = el('span', { class: 'note', role: 'status' });
  const copy = el('button', { type: 'button', class: 'btn', onclick: () => copyCode() }, tr(el('span'), 'formula.copy'));

  const node = el('div', { class: 'formula-results' },
    tr(el('h3'), 'formula.reads'), reads, latexBox,
    el('div', { class: 'row chart-choices' }, showCtl.node, labelCtl.node), d2Note, figure.node,
    tr(el('h3'), 'formula.report'), reportBox,
    tr(el('h3'), 'formula.export'), el('div', { class: 'row export-row' }, exportSel.node, copy, copyNote), pre);

  // ---------------------------------------------------------------------------------------------- drawing
  function drawReads() {
    const rows = [['formula.loss_row', data.plain], ['formula.d1', data.derivatives.plain[0]], ['formula.d2', data.derivatives.plain[1]]];
    reads.replaceChildren(el('tbody', {}, ...rows.map(([key, text]) => el('tr', {}, tr(el('th', { scope: 'row' }), key), el('td', {}, el('code', {}, text))))));
    latex.textContent = [data.latex, ...data.derivatives.latex].join('\n\n');
  }

  function shown() {
    const c = data.curves;
    const target = c.targets.length > 1 ? st.label : c.targets[0];
    return c.series.filter((s) => s.target === target && s[st.show]);
  }
  const nameOf = (s) => (s.id === 'formula' ? t('formula.yours') : s.title);

  function spec(width) {
    const c = data.curves;
    const series = shown();
    const rows = [];
    for (const s of series) {
      const kind = s.id === 'formula' ? YOURS : BUILTIN;
      s[st.show].forEach((y, i) => { if (y !== null) rows.push({ x: c.x[i], y, series: nameOf(s), kind, w: kind === YOURS ? 5 : 1.8 }); });
    }
    // the y range follows your formula (a built-in that leaves it is clipped), padded a little
    const own = rows.filter((r) => r.kind === YOURS).map((r) => r.y);
    const ys = own.length ? own : rows.map((r) => r.y);
    let lo = Math.min(0, ...ys);
    let hi = Math.max(...ys, lo + 1e-9);
    if (hi - lo < 1e-6) { lo -= 1; hi += 1; }
    const pad = 0.06 * (hi - lo);
    const names = series.map(nameOf);
    return {
      width, height: 260,
      data: { values: rows },
      mark: { type: 'line', clip: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: t(`formula.axis_${c.axis}`) },
        y: { field: 'y', type: 'quantitative', title: t(`formula.show_${st.show}`), scale: { domain: [lo - pad, hi + pad], nice: false, zero: false } },
        color: { field: 'series', type: 'nominal', title: null, sort: names,
          scale: { domain: names, range: series.map((s, k) => (s.id === 'formula' ? colour(6) : colour(k - 1))) },
          legend: { orient: 'bottom', direction: 'horizontal', columns: Math.max(1, Math.min(4, Math.floor(width / 150))) } },
        strokeDash: { field: 'kind', type: 'nominal', legend: null, scale: { domain: [YOURS, BUILTIN], range: [[1, 0], [6, 3]] } },
        strokeWidth: { field: 'w', type: 'quantitative', legend: null, scale: null },
        // yours wide and see-through: a built-in with the same curve still shows through it
        opacity: { field: 'w', type: 'quantitative', legend: null, scale: { domain: [1.8, 5], range: [1, 0.45] } },
        tooltip: [{ field: 'series', title: ' ' }, { field: 'x', format: '.3~g', title: t(`formula.axis_${c.axis}`) },
          { field: 'y', format: '.4~g', title: t(`formula.show_${st.show}`) }],
      },
      config: { axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 12, symbolStrokeWidth: 3 } },
    };
  }

  function table() {
    if (!data) return null;
    const series = shown();
    const columns = [{ key: 'x', label: t(`formula.axis_${data.curves.axis}`) }, ...series.map((s, k) => ({ key: `s${k}`, label: nameOf(s) }))];
    const rows = data.curves.x.map((x, i) => Object.fromEntries([['x', x], ...series.map((s, k) => [`s${k}`, s[st.show][i]])]));
    return { caption: t('formula.figure_label'), columns, rows };
  }

  async function draw() {
    if (!data) return;
    labelCtl.node.hidden = data.curves.targets.length < 2;
    d2Note.hidden = st.show !== 'd2';
    const width = Math.max(220, Math.min(720, (figure.node.clientWidth || 640) - 90));
    await figure.show(spec(width));
  }

  function drawReport() {
    report.replaceChildren(...data.report.items.map((item) => {
      const [mark, words] = MARKS[String(item.ok)];
      return el('li', { 'data-ok': String(item.ok), 'data-key': item.key },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, mark), el('span', { class: 'sr-only' }, `${t(words)}: `), item.sentence);
    }));
    rewrites.textContent = data.rewrites.length ? t('formula.rewrites', { names: data.rewrites.join(', ') }) : '';
  }

  function drawExport() {
    const targets = Object.keys(data.exports);
    if (!targets.includes(st.target)) st.target = targets[0];
    exportSel.setOptions(targets.map((k) => ({ value: k, text: k })), st.target);
    const item = data.exports[st.target];
    code.textContent = item.code || t('formula.export_none', { reason: item.error || '' });
    copy.disabled = !item.code;
    copyNote.textContent = '';
  }

  async function copyCode() {
    let ok = false;
    try { await navigator.clipboard.writeText(code.textContent); ok = true; } catch { ok = false; }
    if (!ok) { // select it, so that Ctrl+C copies
      const range = document.createRange();
      range.selectNodeContents(code);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    copyNote.textContent = t(ok ? 'formula.copied' : 'formula.copy_failed');
  }

  async function show(answer) {
    data = answer;
    drawReads();
    drawReport();
    drawExport();
    await draw();
  }

  onLang(() => figure.relabel());
  return { node, show };
}
