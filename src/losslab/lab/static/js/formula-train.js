// "Use in training" of the formula panel: register the formula as a catalog loss (POST /api/formula/register,
// named mine_N by the lab), then train it beside a built-in with the lab's own machinery — the regression lab's
// line fit (POST /api/fit) on its points, or two classification runs (POST /api/runs, same data and initial
// weights) streamed over their WebSockets — or open the regression / classification lab with it chosen.
// A link opens a fresh page, whose catalog (built by the server) then holds the new loss.

import { el, colour } from './util.js';
import { t, tr, lang } from './i18n.js';
import { postJSON, socketURL, socketFailure } from './api.js';
import { Figure } from './chart.js';

const EPOCHS = 150;
const MAX_LAB_LOSSES = 16; // the server's bound (lab/_formula.py): the oldest registered formula goes
const FINISHED = new Set(['done', 'diverged', 'closed']);

export function trainingBox({ boot, body }) {
  let registered = null;
  let sockets = [];
  let result = null; // what the comparison figure draws: {kind: 'lines'|'runs', ...}

  const button = el('button', { type: 'button', class: 'btn primary', disabled: true, onclick: () => register() },
    tr(el('span'), 'formula.train'));
  const help = el('p', { class: 'help' });
  const status = el('p', { class: 'train-status', role: 'status' });
  const progress = el('p', { class: 'help', role: 'status' });
  const actions = el('div', { class: 'row train-actions', hidden: true });
  const about = el('p', { class: 'help' });
  const figure = new Figure({ name: 'losslab-formula-compare', label: 'formula.compare_label', key: 'f.compare', table: () => table() });
  figure.node.hidden = true;
  const node = el('div', { class: 'formula-train', 'data-key': 'f.train' }, tr(el('h3'), 'formula.train'), help,
    el('div', { class: 'row' }, button), status, actions, about, progress, figure.node);
  const writeHelp = () => { help.textContent = t('formula.train_help', { max: MAX_LAB_LOSSES }); };
  writeHelp();

  function builtins(task) {
    return task === 'regression' ? boot.panels.regression.compare.slice() : [boot.panels.classify.defaults.binary];
  }
  const title = (name) => (name === registered.name ? t('formula.yours') : t(`loss:${name}`));

  async function register() {
    stop();
    registered = await postJSON('/api/formula/register', body());
    const words = [t(registered.reused ? 'formula.reused' : 'formula.registered', { name: registered.name })];
    if (registered.removed.length) words.push(t('formula.removed', { names: registered.removed.join(', ') }));
    status.textContent = words.join(' ');
    const others = builtins(registered.task);
    const compare = el('button', { type: 'button', class: 'btn', onclick: () => train(others) },
      t('formula.compare', { builtin: others.map((n) => t(`loss:${n}`)).join(lang() === 'ja' ? '、' : ', ') }));
    actions.replaceChildren(compare, el('a', { class: 'btn', href: labLink(others), 'data-name': registered.name },
      t(registered.task === 'regression' ? 'formula.open_regression' : 'formula.open_classify')));
    actions.hidden = false;
  }

  /** The address of the lab that trains the registered loss, with it chosen (and the built-ins beside it). */
  function labLink(others) {
    const q = new URLSearchParams();
    if (lang() !== 'en') q.set('lang', lang());
    if (registered.task === 'regression') {
      q.set('panel', 'regression');
      q.set('r.losses', [registered.name, ...others].join(','));
      q.set('r.focus', registered.name);
    } else {
      q.set('panel', 'classify');
      q.set('c.loss', registered.name);
    }
    return `?${q.toString().replace(/%2C/g, ',')}`;
  }

  async function train(others) {
    stop();
    const names = [registered.name, ...others];
    progress.textContent = t('formula.training');
    figure.node.hidden = false;
    if (registered.task === 'regression') {
      about.textContent = t('formula.compare_regression');
      const fit = await postJSON('/api/fit', { points: boot.points, losses: names.map((name) => ({ name })), focus: 0, lang: lang() });
      result = { kind: 'lines', names, lines: fit.lines };
    } else {
      about.textContent = t('formula.compare_binary');
      result = { kind: 'runs', names, records: names.map(() => []) };
      try {
        await Promise.all(names.map((name, k) => run(name, result.records[k])));
      } catch (err) { // a socket refused or lost: the other run stops too, and the page says why (main.js)
        stop();
        progress.textContent = '';
        figure.node.hidden = true;
        throw err;
      }
    }
    progress.textContent = '';
    await draw();
  }

  /** One classification run of the lab's default settings (moons, the same network and initial weights),
   *  played as fast as the server goes; its records arrive over the run's WebSocket. */
  async function run(name, records) {
    const snap = await postJSON('/api/runs', { loss: name, epochs: EPOCHS, init_seed: 0, lang: lang() });
    if (snap.initial) records.push(snap.initial);
    await new Promise((resolve, reject) => {
      const socket = new WebSocket(socketURL(`/api/runs/${snap.id}/stream`));
      sockets.push(socket);
      let opened = false;
      let failure = null; // what the page says if the socket closes before the run has finished
      socket.addEventListener('open', () => {
        opened = true;
        socket.send(JSON.stringify({ action: 'set', speed: 1000 }));
        socket.send(JSON.stringify({ action: 'play' }));
      });
      socket.addEventListener('message', (event) => {
        const msg = JSON.parse(event.data);
        if (msg.type === 'frame' && msg.records) records.push(...msg.records);
        if (msg.type === 'error') failure = { error: msg.error }; // the server's words, in the page's language
        if (FINISHED.has(msg.state) || msg.type === 'closed' || msg.type === 'error') {
          socket.finished = !failure;
          socket.close(); // closing ends the run
        }
      });
      socket.addEventListener('close', () => {
        // a socket this page stopped (a new comparison) or a run that finished: nothing to say
        if (socket.finished || !sockets.includes(socket)) resolve();
        else reject(failure || socketFailure(opened));
      });
    });
  }

  function stop() {
    for (const s of sockets) s.close();
    sockets = [];
  }

  function spec() {
    const width = Math.max(220, Math.min(640, (figure.node.clientWidth || 600) - 90));
    const range = result.names.map((n, k) => (k === 0 ? colour(6) : colour(k - 1)));
    const names = result.names.map(title);
    const color = { field: 'series', type: 'nominal', title: null, sort: names, scale: { domain: names, range },
      legend: { orient: 'bottom', direction: 'horizontal', symbolStrokeWidth: 3 } };
    // yours wide and see-through, the built-ins dashed: a loss equal to a built-in trains identically, and both
    // lines stay visible whichever is drawn last
    const style = {
      strokeDash: { field: 'w', type: 'nominal', legend: null, scale: { domain: [5, 2], range: [[1, 0], [6, 3]] } },
      strokeWidth: { field: 'w', type: 'quantitative', legend: null, scale: null },
      opacity: { field: 'w', type: 'quantitative', legend: null, scale: { domain: [2, 5], range: [1, 0.45] } },
    };
    const w = (k) => (k ? 2 : 5);
    if (result.kind === 'lines') {
      const xs = boot.points.map((p) => p[0]);
      const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
      const rows = result.lines.flatMap((line, k) => (line ? [x0, x1].map((x) => ({ x, y: line.slope * x + line.intercept, series: names[k], w: w(k) })) : []));
      return { width, height: 240, layer: [
        { data: { values: boot.points.map(([x, y]) => ({ x, y })) }, mark: { type: 'circle', size: 50, color: '#555' },
          encoding: { x: { field: 'x', type: 'quantitative', title: t('formula.x') }, y: { field: 'y', type: 'quantitative', title: t('formula.y') } } },
        { data: { values: rows }, mark: { type: 'line' },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color, ...style } }] };
    }
    const rows = result.records.flatMap((recs, k) => recs.filter((r) => r.val_accuracy !== null && r.val_accuracy !== undefined)
      .map((r) => ({ epoch: r.epoch, value: r.val_accuracy, series: names[k], w: w(k) })));
    return { width, height: 240, data: { values: rows },
      mark: { type: 'line' },
      encoding: { ...style, x: { field: 'epoch', type: 'quantitative', title: t('tr:ui.epoch') },
        y: { field: 'value', type: 'quantitative', title: t('tr:ui.val_accuracy'), scale: { domain: [0, 1] }, axis: { format: '.0%' } }, color } };
  }

  function table() {
    if (!result) return null;
    if (result.kind === 'lines') {
      return { caption: t('formula.compare_label'), columns: [{ key: 'loss', label: t('ui:loss') }, { key: 'slope', label: t('regression.slope') },
        { key: 'intercept', label: t('regression.intercept') }, { key: 'cost', label: t('regression.cost') }],
      rows: result.lines.map((l, k) => ({ loss: title(result.names[k]), slope: l && l.slope, intercept: l && l.intercept, cost: l && l.cost })) };
    }
    const rows = result.records.flatMap((recs, k) => recs.map((r) => ({ loss: title(result.names[k]), epoch: r.epoch, train_loss: r.train_loss, val_accuracy: r.val_accuracy })));
    return { caption: t('formula.compare_label'), rows, columns: [{ key: 'loss', label: t('ui:loss') }, { key: 'epoch', label: t('tr:ui.epoch') },
      { key: 'train_loss', label: t('tr:ui.train_loss') }, { key: 'val_accuracy', label: t('tr:ui.val_accuracy') }] };
  }

  async function draw() {
    if (result) await figure.show(spec());
  }

  /** The formula changed (null: an answer is on its way, or it was refused): what was registered is another loss. */
  function formulaChanged(answer) {
    button.disabled = !answer;
    if (answer) { writeHelp(); return; }
    stop();
    registered = null;
    result = null;
    status.textContent = '';
    progress.textContent = '';
    about.textContent = '';
    actions.hidden = true;
    figure.node.hidden = true;
  }
  window.addEventListener('pagehide', stop);
  return { node, formulaChanged };
}
