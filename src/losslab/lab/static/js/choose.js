// Panel 7, choose a loss: a table (an example, or the user's CSV file), its target column and what the user knows
// (what the model outputs, what matters most, the task); the server's losslab.advice.recommend answers with the
// analysis, the ranked losses with their reasons, derived parameters and pitfalls. On request, the evidence (every
// candidate trained under k-fold cross-validation) runs on the server in the background: the page polls its
// progress, may cancel it, and shows its table, its verdict and its figure.

import { el, fmt, download, latest, reportError } from './util.js';
import { t, tr, onLang, lang, lossText } from './i18n.js';
import * as S from './state.js';
import { getJSON, postJSON, uploadCSV } from './api.js';
import { select, checks, button, heading, para, scrollBox } from './controls.js';
import { Figure } from './chart.js';

const EXAMPLES = ['line', 'outliers', 'counts', 'imbalanced', 'iris', 'diabetes'];
const TASKS = ['regression', 'counts', 'classification', 'binary', 'multiclass', 'multilabel'];
const FOLDS = ['2', '3', '5', '10'];
const EPOCHS = ['auto', '5', '10', '20', '50', '100', '200'];
const POLL_MS = 400;

export function mount(root, boot) {
  const limits = boot.limits || {};
  const st = {
    data: S.get('ch.data', 'outliers'),
    target: S.get('ch.target', null),
    drop: S.getList('ch.drop', []),
    task: TASKS.includes(S.get('ch.task')) ? S.get('ch.task') : '',
    output: ['logits', 'probabilities'].includes(S.get('ch.output')) ? S.get('ch.output') : '',
    priority: ['recall', 'precision', 'balanced'].includes(S.get('ch.priority')) ? S.get('ch.priority') : '',
    errors: ['absolute', 'relative'].includes(S.get('ch.errors')) ? S.get('ch.errors') : '',
    positive: S.get('ch.positive', ''),
    folds: FOLDS.includes(S.get('ch.folds')) ? S.get('ch.folds') : '5',
    epochs: EPOCHS.includes(S.get('ch.epochs')) ? S.get('ch.epochs') : 'auto',
    model: S.get('ch.model', 'linear') === 'mlp' ? 'mlp' : 'linear',
    evidence: S.getBool('ch.evidence', false),
  };
  if (st.data !== 'upload' && !EXAMPLES.includes(st.data)) st.data = 'outliers';
  let examples = null; // name -> {title, description, target, data}
  let upload = null; // the uploaded file's summary (with its id)
  let table = null; // the summary of the table in use
  let advice = null; // the latest answer of /api/advice
  let job = null; // the evidence run: {id, state, done, total, result, ...}
  let pollTimer = null;
  let autoEvidence = st.evidence; // a link with ch.evidence=1 runs the evidence once the advice is there

  // ---------------------------------------------------------------------------------------------- controls
  const section = el('section', { class: 'panel', id: 'panel-choose', 'aria-labelledby': 'choose-h' });
  const dataCtl = select({ key: 'ch.data', label: 'choose.data', value: st.data,
    options: [...EXAMPLES.map((name) => ({ value: name, label: `choose.example_${name}` })), { value: 'upload', label: 'choose.your_file' }],
    onChange: (v) => { st.data = v; st.target = null; st.drop = []; st.positive = ''; save(); loadTable(); } });
  const about = el('p', { class: 'help', 'aria-live': 'polite' });

  const fileId = 'choose-file';
  const fileInput = el('input', { type: 'file', id: fileId, accept: '.csv,.tsv,.txt,text/csv,text/plain', 'data-key': 'ch.file',
    'aria-describedby': `${fileId}-help` });
  const fileBox = el('div', { class: 'control file', 'data-key': 'ch.file' },
    tr(el('label', { for: fileId }), 'choose.upload'), fileInput,
    tr(el('p', { class: 'help', id: `${fileId}-help` }), 'choose.upload_help',
      { mb: fmt((limits.max_upload_bytes || 2097152) / 1048576, 3), rows: (limits.max_upload_rows || 20000).toLocaleString('en-US') }));
  fileInput.addEventListener('change', () => { if (fileInput.files && fileInput.files[0]) sendFile(fileInput.files[0]); });
  const fileNote = el('p', { class: 'note-box', role: 'status', hidden: true });

  const dataInfo = el('p', { class: 'data-info', 'aria-live': 'polite' });
  const preview = el('details', { class: 'more preview' });

  const targetCtl = select({ key: 'ch.target', label: 'choose.target', value: '', options: [],
    onChange: (v) => { st.target = v; st.drop = st.drop.filter((c) => c !== v); st.positive = ''; save(); drawFeatures(); ask(); } });
  const featureBox = el('div', { class: 'feature-box' });
  let featureCtl = null;

  const hintOptions = (values, prefix, none) => [{ value: '', label: none }, ...values.map((v) => ({ value: v, label: `${prefix}${v}` }))];
  const taskCtl = select({ key: 'ch.task', label: 'choose.task', value: st.task,
    options: hintOptions(TASKS, 'choose.task_', 'choose.task_auto'),
    onChange: (v) => { st.task = v; save(); ask(); } });
  const outputCtl = select({ key: 'ch.output', label: 'choose.output', value: st.output,
    options: hintOptions(['logits', 'probabilities'], 'choose.output_', 'choose.not_said'),
    onChange: (v) => { st.output = v; save(); ask(); } });
  const priorityCtl = select({ key: 'ch.priority', label: 'choose.priority', value: st.priority,
    options: hintOptions(['recall', 'precision', 'balanced'], 'choose.priority_', 'choose.not_said'),
    onChange: (v) => { st.priority = v; save(); ask(); } });
  const errorsCtl = select({ key: 'ch.errors', label: 'choose.errors', value: st.errors,
    options: hintOptions(['absolute', 'relative'], 'choose.errors_', 'choose.not_said'),
    onChange: (v) => { st.errors = v; save(); ask(); } });
  const positiveCtl = select({ key: 'ch.positive', label: 'choose.positive', value: st.positive,
    options: [{ value: '', label: 'choose.not_said' }],
    onChange: (v) => { st.positive = v; save(); ask(); } });

  // results
  const busy = el('p', { class: 'sr-only', 'aria-live': 'polite' });
  const questionsBox = el('div', { class: 'questions', hidden: true });
  const findingsBox = el('div', { class: 'findings' });
  const recBox = el('div', { class: 'recommendation', 'aria-live': 'polite' });
  const textBtn = button({ label: 'choose.download_text', kind: 'small', key: 'ch.text', onClick: () => exportAdvice('text') });
  const jsonBtn = button({ label: 'choose.download_json', kind: 'small', key: 'ch.json', onClick: () => exportAdvice('json') });
  const exportRow = el('div', { class: 'row' }, textBtn, jsonBtn);

  // evidence
  const foldsCtl = select({ key: 'ch.folds', label: 'choose.folds', value: st.folds,
    options: FOLDS.map((f) => ({ value: f, text: f })), onChange: (v) => { st.folds = v; save(); staleEvidence(); } });
  const epochsCtl = select({ key: 'ch.epochs', label: 'choose.epochs', value: st.epochs,
    options: EPOCHS.map((e) => (e === 'auto' ? { value: e, label: 'choose.epochs_auto' } : { value: e, text: e })),
    onChange: (v) => { st.epochs = v; save(); staleEvidence(); } });
  const modelCtl = select({ key: 'ch.model', label: 'choose.model', value: st.model,
    options: [{ value: 'linear', label: 'choose.model_linear' }, { value: 'mlp', label: 'choose.model_mlp' }],
    onChange: (v) => { st.model = v; save(); staleEvidence(); } });
  const runBtn = button({ label: 'choose.run_evidence', kind: 'primary', key: 'ch.run', onClick: () => startEvidence() });
  const cancelBtn = button({ label: 'choose.cancel', key: 'ch.cancel', onClick: () => cancelEvidence() });
  cancelBtn.hidden = true;
  const progress = el('progress', { max: 1, value: 0, hidden: true, 'aria-labelledby': 'choose-progress-text' });
  const progressText = el('p', { class: 'progress-text', id: 'choose-progress-text', role: 'status', 'aria-live': 'polite' });
  const evidenceBox = el('div', { class: 'evidence-result' });
  const figure = new Figure({ name: 'losslab-evidence', label: 'choose.figure_label', key: 'ch.figure', table: () => figureTable() });
  figure.node.hidden = true;

  const colIn = el('div', { class: 'controls' },
    tr(el('h3', { class: 'group-title' }), 'choose.group_data'), dataCtl.node, about, fileBox, fileNote, dataInfo, preview,
    tr(el('h3', { class: 'group-title' }), 'choose.group_target'), targetCtl.node, featureBox,
    tr(el('h3', { class: 'group-title' }), 'choose.group_hints'), para('choose.hints_help', { class: 'help' }),
    taskCtl.node, outputCtl.node, priorityCtl.node, errorsCtl.node, positiveCtl.node);
  const evidenceSection = el('section', { class: 'evidence', 'aria-labelledby': 'choose-evidence-h', 'data-group': 'ch.evidence' },
    heading(3, 'choose.evidence', { id: 'choose-evidence-h' }), para('choose.evidence_intro', { class: 'intro' }),
    el('div', { class: 'row evidence-controls' }, foldsCtl.node, epochsCtl.node, modelCtl.node),
    el('div', { class: 'row run-row' }, runBtn, cancelBtn, progress), progressText, evidenceBox, figure.node);
  const colOut = el('div', { class: 'results' }, busy, questionsBox,
    heading(3, 'choose.analysis'), findingsBox,
    heading(3, 'choose.recommendation'), recBox, exportRow,
    evidenceSection);
  section.append(heading(2, 'choose.title', { id: 'choose-h' }), para('choose.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'two-col choose-cols' }, colIn, colOut));
  root.append(section);

  // ---------------------------------------------------------------------------------------------- state
  function save() {
    S.set({
      'ch.data': st.data === 'outliers' ? null : st.data, 'ch.target': st.target || null,
      'ch.drop': st.drop.length ? st.drop : null, 'ch.task': st.task || null, 'ch.output': st.output || null,
      'ch.priority': st.priority || null, 'ch.errors': st.errors || null, 'ch.positive': st.positive || null,
      'ch.folds': st.folds === '5' ? null : st.folds, 'ch.epochs': st.epochs === 'auto' ? null : st.epochs,
      'ch.model': st.model === 'linear' ? null : st.model, 'ch.evidence': st.evidence ? true : null,
    });
  }

  function request() {
    const body = { lang: lang() };
    if (st.data === 'upload') body.upload = upload ? upload.id : null; else body.example = st.data;
    if (st.target) body.target = st.target;
    if (st.drop.length && table) body.features = table.columns.map((c) => c.name).filter((c) => c !== st.target && !st.drop.includes(c));
    for (const key of ['task', 'output', 'priority', 'errors', 'positive']) if (st[key]) body[key] = st[key];
    return body;
  }

  // ---------------------------------------------------------------------------------------------- the table
  async function loadExamples() {
    const list = await getJSON(`/api/advice/examples?lang=${lang()}`);
    examples = Object.fromEntries(list.map((e) => [e.name, e]));
  }

  async function loadTable() {
    cancelEvidence(true);
    fileBox.hidden = st.data !== 'upload';
    if (st.data === 'upload') {
      about.textContent = t('choose.about_upload');
      if (!upload) {
        table = null;
        showTable();
        clearAdvice(t('choose.choose_file'));
        return;
      }
      table = upload;
    } else {
      if (!examples) await loadExamples();
      const ex = examples[st.data];
      about.textContent = ex.description;
      table = ex.data;
    }
    showTable();
    await ask();
  }

  async function sendFile(file) {
    fileNote.hidden = true;
    const most = limits.max_upload_bytes || 2097152;
    if (file.size > most) {
      reportError({ error: { message: t('choose.too_large', { name: file.name, mb: fmt(file.size / 1048576, 3), most: fmt(most / 1048576, 3) }) } });
      return;
    }
    busy.textContent = t('choose.uploading', { name: file.name });
    let got;
    try {
      got = await uploadCSV(file);
    } catch (err) {
      reportError(err);
      busy.textContent = '';
      return;
    }
    upload = got;
    st.data = 'upload';
    dataCtl.value = 'upload';
    // a target from the link (or the previous file) is kept when the new file has that column
    const names = got.columns.map((c) => c.name);
    if (!st.target || !names.includes(st.target)) st.target = null;
    st.drop = st.drop.filter((c) => names.includes(c));
    save();
    busy.textContent = t('choose.uploaded', { name: got.name, rows: got.rows, columns: got.columns.length });
    await loadTable();
  }

  function columnLabel(c) {
    if (c.kind === 'text') return t('choose.col_text', { name: c.name, n: c.distinct });
    if (c.integer) return t('choose.col_integer', { name: c.name, n: c.distinct, low: fmt(c.min), high: fmt(c.max) });
    return t('choose.col_number', { name: c.name, low: fmt(c.min), high: fmt(c.max) });
  }

  function showTable() {
    if (!table) {
      dataInfo.textContent = '';
      preview.replaceChildren();
      preview.hidden = true;
      targetCtl.setOptions([], '');
      targetCtl.input.disabled = true;
      featureBox.replaceChildren();
      return;
    }
    targetCtl.input.disabled = false;
    const names = table.columns.map((c) => c.name);
    if (!st.target || !names.includes(st.target)) st.target = table.suggested_target || names[names.length - 1];
    targetCtl.setOptions(table.columns.map((c) => ({ value: c.name, text: columnLabel(c) })), st.target);
    dataInfo.replaceChildren(el('strong', {}, table.name), ' — ',
      t('choose.table_size', { rows: table.rows.toLocaleString('en-US'), columns: table.columns.length }));
    preview.hidden = false;
    preview.replaceChildren(el('summary', {}, t('choose.preview', { n: table.head.length })),
      scrollBox(el('table', {},
        el('caption', { class: 'sr-only' }, t('choose.preview', { n: table.head.length })),
        el('thead', {}, el('tr', {}, ...names.map((n) => el('th', { scope: 'col' }, n)))),
        el('tbody', {}, ...table.head.map((row) => el('tr', {}, ...row.map((v) => el('td', { class: typeof v === 'number' ? 'num' : '' },
          v === null ? '—' : typeof v === 'number' ? fmt(v, 6) : String(v))))))), { label: 'choose.preview_region' }));
    drawFeatures();
  }

  function drawFeatures() {
    if (!table) { featureBox.replaceChildren(); return; }
    const others = table.columns.map((c) => c.name).filter((c) => c !== st.target);
    featureCtl = checks({ key: 'ch.drop', label: 'choose.features',
      options: others.map((c) => ({ value: c, text: c })), value: others.filter((c) => !st.drop.includes(c)),
      onChange: (v) => { st.drop = others.filter((c) => !v.includes(c)); save(); ask(); } });
    const box = el('details', { class: 'more features' }, el('summary', {},
      t('choose.features_summary', { used: others.length - st.drop.length, total: others.length })), featureCtl.node,
    para('choose.features_help', { class: 'help' }));
    featureBox.replaceChildren(box);
  }

  // ---------------------------------------------------------------------------------------------- the advice
  const fetchAdvice = latest(async (body) => {
    try {
      return await postJSON('/api/advice', body);
    } catch (err) {
      // the advice shown would be for other settings: say why there is none instead
      clearAdvice(err && err.error && err.error.message ? err.error.message : String(err));
      throw err;
    }
  });
  async function ask() {
    if (!table) return;
    staleEvidence();
    section.setAttribute('aria-busy', 'true');
    let got;
    try {
      got = await fetchAdvice(request());
    } finally {
      section.setAttribute('aria-busy', 'false');
    }
    if (!got) return;
    advice = got;
    renderAdvice();
    if (autoEvidence) { autoEvidence = false; startEvidence(); }
  }

  function clearAdvice(message) {
    advice = null;
    questionsBox.hidden = true;
    findingsBox.replaceChildren(el('p', { class: 'help' }, message));
    recBox.replaceChildren();
    runBtn.disabled = true;
    exportRow.hidden = true;
  }

  function sentences(list, cls = '') {
    return el('ul', { class: `sentences ${cls}`.trim() }, ...(list || []).map((s) => el('li', {}, s.text)));
  }

  function title(loss) {
    const text = lossText(loss);
    return text ? text.title : loss;
  }

  function candidate(c, rank, kind) {
    const badge = kind === 'first' ? t('choose.first_choice') : kind === 'avoid' ? t('choose.avoid_badge') : t('choose.alternative');
    const mark = kind === 'first' ? '★' : kind === 'avoid' ? '✖' : `${rank}.`;
    const head = el('h4', {}, el('span', { class: 'rank-mark', 'aria-hidden': 'true' }, mark), ' ', title(c.loss), ' ',
      el('span', { class: 'badge', 'data-kind': kind }, badge));
    const code = el('div', { class: 'code-row' }, el('code', {}, c.code),
      el('button', { type: 'button', class: 'btn small', 'aria-label': t('choose.copy_code_of', { loss: title(c.loss) }),
        onclick: async (e) => {
          try { await navigator.clipboard.writeText(c.code); e.target.closest('button').textContent = t('choose.copied'); } catch { /* no clipboard */ }
        } }, t('choose.copy_code')));
    const parts = [
      c.reasons && c.reasons.length ? [el('p', { class: 'k' }, t('choose.why')), sentences(c.reasons)] : null,
      c.derived && c.derived.length ? [el('p', { class: 'k' }, t('choose.derived')), sentences(c.derived)] : null,
      c.pitfalls && c.pitfalls.length ? [el('p', { class: 'k' }, kind === 'avoid' ? t('choose.why_not') : t('choose.pitfalls')), sentences(c.pitfalls, 'pitfalls')] : null,
      c.assumed && c.assumed.length ? el('p', { class: 'help' }, t('choose.assumed', { names: c.assumed.join(', ') })) : null,
    ];
    return el('article', { class: `candidate ${kind}`, 'data-loss': c.loss }, head, code, ...parts.flat().filter(Boolean));
  }

  function renderAdvice() {
    const r = advice.recommendation;
    const a = r.analysis;
    runBtn.disabled = false;
    exportRow.hidden = false;
    // questions the data could not settle: each with the control that answers it
    const qs = r.questions || [];
    questionsBox.hidden = !qs.length;
    questionsBox.replaceChildren(...(qs.length ? [el('h3', {}, el('span', { 'aria-hidden': 'true' }, '? '), t('choose.questions')),
      el('ul', {}, ...qs.map((q) => el('li', {}, q.text, q.assumed !== null && q.assumed !== undefined
        ? ` ${t('choose.assumed_value', { value: q.assumed })}` : '',
      ' ', hintControl(q.key) ? el('a', { href: '#', class: 'answer', onclick: (e) => { e.preventDefault(); hintControl(q.key).input.focus(); } }, t('choose.answer_here')) : null)))] : []));
    // the hints that only some data need
    const binary = a.task === 'binary';
    errorsCtl.node.hidden = !(st.errors || qs.some((q) => q.key === 'errors'));
    positiveCtl.node.hidden = !(binary || st.positive);
    if (binary && a.classes) {
      positiveCtl.setOptions([{ value: '', label: 'choose.not_said' }, ...a.classes.map((c) => ({ value: String(c.label), text: String(c.label) }))], st.positive);
    }
    S.applyHide(section);
    findingsBox.replaceChildren(...[sentences(a.findings), (r.notes || []).length ? sentences(r.notes, 'notes') : null].filter(Boolean));
    const rec = r.recommendation;
    const items = [];
    if (rec.first) items.push(candidate(rec.first, 1, 'first'));
    else items.push(el('p', { class: 'note-box' }, t('choose.no_first')));
    if (rec.alternatives.length) {
      items.push(el('h4', { class: 'sub' }, t('choose.alternatives')),
        el('div', { class: 'alternatives' }, ...rec.alternatives.map((c, i) => candidate(c, i + 2, 'alternative'))));
    }
    if (rec.avoid.length) {
      items.push(el('h4', { class: 'sub' }, t('choose.avoid')), el('div', { class: 'avoid' }, ...rec.avoid.map((c) => candidate(c, 0, 'avoid'))));
    }
    recBox.replaceChildren(...items);
    busy.textContent = rec.first ? t('choose.announce', { loss: title(rec.first.loss), label: rec.first.label }) : t('choose.no_first');
  }

  function hintControl(key) {
    return { task: taskCtl, output: outputCtl, priority: priorityCtl, errors: errorsCtl, positive: positiveCtl }[key] || null;
  }

  function exportAdvice(kind) {
    const data = job && job.state === 'done' && job.result ? job.result : advice;
    if (!data) return;
    const stem = `losslab-advice-${(table && table.name ? table.name : 'data').replace(/\.[a-z]+$/i, '')}`;
    if (kind === 'json') download(`${stem}.json`, JSON.stringify(data.recommendation, null, 1), 'application/json');
    else download(`${stem}.txt`, data.text, 'text/plain');
  }

  // ---------------------------------------------------------------------------------------------- evidence
  function evidenceBody() {
    const body = request();
    body.folds = Number(st.folds);
    if (st.epochs !== 'auto') body.epochs = Number(st.epochs);
    body.model = st.model;
    return body;
  }

  async function startEvidence() {
    if (!advice) return;
    await cancelEvidence(true);
    let got;
    try {
      got = await postJSON('/api/advice/evidence', evidenceBody());
    } catch (err) {
      reportError(err);
      return;
    }
    st.evidence = true;
    save();
    job = got;
    showJob();
    poll();
  }

  function poll() {
    clearTimeout(pollTimer);
    if (!job || job.state !== 'running') return;
    const id = job.id;
    pollTimer = setTimeout(async () => {
      let got;
      try { got = await getJSON(`/api/advice/evidence/${id}?lang=${lang()}`); } catch (err) {
        if (job && job.id === id) { job = null; showJob(); if (err.status !== 404) reportError(err); }
        return;
      }
      if (!job || job.id !== id) return;
      job = got;
      showJob();
      if (job.state === 'running') poll();
    }, POLL_MS);
  }

  async function cancelEvidence(quiet = false) {
    clearTimeout(pollTimer);
    if (!job) return;
    const old = job;
    job = null;
    let view = null;
    if (old.state === 'running') {
      view = await fetch(`/api/advice/evidence/${old.id}?lang=${lang()}`, { method: 'DELETE' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    }
    if (!quiet && !job) job = view || { ...old, state: 'cancelled', error: null };
    showJob();
  }

  /** The settings changed: the evidence shown (or running) is for other settings. */
  function staleEvidence() {
    if (job) cancelEvidence(true);
    if (st.evidence) { st.evidence = false; save(); }
  }

  function showJob() {
    const running = job && job.state === 'running';
    runBtn.hidden = !!running;
    cancelBtn.hidden = !running;
    progress.hidden = !running;
    if (!job) {
      progressText.textContent = '';
      evidenceBox.replaceChildren();
      figure.node.hidden = true;
      return;
    }
    if (running) {
      if (job.total) { progress.max = job.total; progress.value = Math.min(job.done, job.total); } else progress.removeAttribute('value');
      progressText.textContent = t('choose.running', { done: job.done, total: job.total || '?', seconds: Math.round(job.elapsed) });
      return;
    }
    if (job.state === 'done') {
      progressText.textContent = t('choose.finished', { seconds: fmt(job.elapsed, 3) });
      renderEvidence();
    } else {
      progressText.textContent = t(`choose.state_${job.state}`);
      evidenceBox.replaceChildren(job.error ? el('p', { class: 'note-box bad' }, job.error.message) : '');
      figure.node.hidden = true;
    }
  }

  function cell(result, key) {
    const v = result.metrics ? result.metrics[key] : null;
    if (result.error) return '—';
    if (v === null || v === undefined) return ['log_loss', 'ece'].includes(key) ? t('choose.no_probabilities') : '—';
    const s = result.std ? result.std[key] : null;
    return s !== null && s !== undefined ? `${fmt(v, 4)} ± ${fmt(s, 2)}` : fmt(v, 4);
  }

  function metricName(ev, key) {
    return (ev.column_names && ev.column_names[key]) || (key === ev.primary ? ev.primary_name : key);
  }

  function renderEvidence() {
    const r = job.result.recommendation;
    const ev = r.evidence;
    if (!ev) { evidenceBox.replaceChildren(); return; }
    const parts = [];
    if (ev.results && ev.results.length) {
      parts.push(el('p', { class: 'setup' }, t('choose.evidence_setup', { folds: ev.folds, model: t(`choose.model_${ev.model}`),
        epochs: ev.epochs, batch: ev.batch_size, rows: ev.rows.toLocaleString('en-US') })));
      if (ev.verdict) parts.push(el('p', { class: `verdict${ev.overturned ? ' overturned' : ''}` }, el('strong', {}, ev.overturned ? '⚠ ' : '✓ '), ev.verdict.text));
      const cols = ev.columns;
      const caption = t('choose.evidence_caption', { metric: metricName(ev, ev.primary), better: t(ev.higher_is_better ? 'choose.higher' : 'choose.lower') });
      parts.push(el('p', { class: 'caption', 'aria-hidden': 'true' }, caption), scrollBox(el('table', { class: 'evidence-table' },
        el('caption', { class: 'sr-only' }, caption),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('choose.candidate')),
          ...cols.map((c) => el('th', { scope: 'col', class: 'num' }, c === ev.primary ? `${metricName(ev, c)} ◆` : metricName(ev, c))))),
        el('tbody', {}, ...ev.results.map((res) => el('tr', { class: res.label === ev.recommended ? 'recommended' : '' },
          el('th', { scope: 'row' }, el('span', {}, title(res.loss)), el('br'), el('code', {}, res.label),
            res.label === ev.recommended ? el('span', { class: 'badge', 'data-kind': 'first' }, `★ ${t('choose.recommended')}`) : null,
            res.label === ev.first && ev.first !== ev.recommended ? el('span', { class: 'badge', 'data-kind': 'alternative' }, t('choose.rules_first')) : null,
            !res.ranked ? el('span', { class: 'badge', 'data-kind': 'avoid' }, t('choose.avoid_badge')) : null),
          ...cols.map((c) => el('td', { class: 'num' }, cell(res, c))))))), { label: 'choose.evidence' }));
      parts.push(el('p', { class: 'help' }, t('choose.evidence_legend')));
      const perClass = ev.results.filter((res) => res.per_class && res.per_class.length);
      if (perClass.length) {
        const labels = perClass[0].per_class.map((p) => p.label);
        parts.push(el('details', { class: 'more' }, el('summary', {}, t('choose.per_class')), scrollBox(el('table', {},
          el('caption', { class: 'sr-only' }, t('choose.per_class')),
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('choose.candidate')),
            ...labels.flatMap((l) => [el('th', { scope: 'col', class: 'num' }, t('choose.recall_of', { label: l })), el('th', { scope: 'col', class: 'num' }, t('choose.precision_of', { label: l }))]))),
          el('tbody', {}, ...perClass.map((res) => el('tr', {}, el('th', { scope: 'row' }, res.label),
            ...res.per_class.flatMap((p) => [el('td', { class: 'num' }, fmt(p.recall, 3)), el('td', { class: 'num' }, fmt(p.precision, 3))]))))), { label: 'choose.per_class' })));
      }
      for (const res of ev.results) if (res.error) parts.push(el('p', { class: 'warning' }, `${res.label}: ${res.error}`));
    }
    if (ev.notes && ev.notes.length) parts.push(sentences(ev.notes, 'notes'));
    if (r.choice) {
      parts.push(el('p', { class: 'choice' }, el('strong', {}, t(r.choice.by === 'evidence' ? 'choose.use_evidence' : 'choose.use_rules')), ' ',
        el('code', {}, r.choice.code)));
    }
    evidenceBox.replaceChildren(...parts);
    loadFigure(ev);
  }

  const fetchFigure = latest(({ id, code }) => getJSON(`/api/advice/evidence/${id}/figure?lang=${code}`));
  async function loadFigure(ev) {
    if (!ev.results || !ev.results.some((res) => res.metrics && Object.keys(res.metrics).length)) { figure.node.hidden = true; return; }
    figure.node.hidden = false;
    const id = job.id;
    let got;
    try { got = await fetchFigure({ id, code: lang() }); } catch (err) { if (err.status !== 404) reportError(err); return; }
    if (!got || !job || job.id !== id) return;
    await figure.show(got.spec);
  }

  function figureTable() {
    if (!job || !job.result) return null;
    const ev = job.result.recommendation.evidence;
    if (!ev) return null;
    const rows = [];
    for (const res of ev.results) {
      if (res.error) continue;
      for (const key of ev.columns) {
        const v = res.metrics[key];
        if (v === null || v === undefined) continue;
        rows.push({ candidate: res.label, metric: metricName(ev, key), mean: v, std: res.std ? res.std[key] : null,
          recommended: res.label === ev.recommended ? t('common.yes') : t('common.no') });
      }
    }
    return { caption: t('choose.figure_label'), rows,
      columns: [{ key: 'candidate', label: t('choose.candidate') }, { key: 'metric', label: t('choose.metric') },
        { key: 'mean', label: t('choose.mean') }, { key: 'std', label: t('choose.std') }, { key: 'recommended', label: t('choose.recommended') }] };
  }

  // ---------------------------------------------------------------------------------------------- start
  S.applyHide(section);
  errorsCtl.node.hidden = !st.errors;
  positiveCtl.node.hidden = !st.positive;
  onLang(async () => {
    if (!section.isConnected) return;
    examples = null;
    await loadExamples();
    if (st.data !== 'upload' && examples[st.data]) about.textContent = examples[st.data].description;
    else if (st.data === 'upload') about.textContent = t('choose.about_upload');
    if (table) showTable();
    if (advice) {
      const got = await fetchAdvice(request());
      if (got) { advice = got; renderAdvice(); }
    } else if (st.data === 'upload' && !upload) clearAdvice(t('choose.choose_file'));
    if (job && job.state !== 'running') {
      try { job = await getJSON(`/api/advice/evidence/${job.id}?lang=${lang()}`); } catch { job = null; }
      showJob();
    }
    figure.relabel();
  });
  window.addEventListener('pagehide', () => {
    if (job && job.state === 'running') fetch(`/api/advice/evidence/${job.id}`, { method: 'DELETE', keepalive: true }).catch(() => null);
  });
  if (st.data === 'upload') {
    fileNote.hidden = false;
    fileNote.textContent = t('choose.link_no_file');
  }
  const ready = loadTable().catch((err) => reportError(err));
  return { node: section, ready, state: () => ({ st, advice, job }) };
}
