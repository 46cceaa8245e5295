// Live training of the next-token panel: an MLP trained by losslab.lm.train on the server (POST /api/lm/runs),
// its steps streamed over a WebSocket (at most Limits.frames_per_second messages a second) into the figure of
// losslab.figures.lm_curves, whose reference lines (ln V, unigram entropy, bigram, true entropy) come with it.
// The initialisation check (the first loss against ln V) is the library's sentence, shown as soon as step 1 is in.

import { el, fmt, metrics, newId } from './util.js';
import { t, tr, lang, onLang } from './i18n.js';
import { postJSON, getJSON, del, socketURL, socketFailure } from './api.js';
import { number, button, heading, para } from './controls.js';
import { Figure } from './chart.js';

export function trainBox({ settings, onDone, onUse }) {
  let run = null; // {id, socket, sent, series}
  let last = null;
  const steps = number({ key: 'l.steps', label: 'lm.steps', value: 1000, min: 1, max: 5000, step: 100 });
  const context = number({ key: 'l.ctx', label: 'lm.context', value: 6, min: 1, max: 8, step: 1 });
  const hidden = number({ key: 'l.hidden', label: 'lm.hidden', value: 64, min: 4, max: 256, step: 4 });
  const scaleId = newId('lm-scale');
  const scale = el('input', { type: 'number', id: scaleId, value: 0.01, min: 0.001, max: 10, step: 'any', inputmode: 'decimal',
    'data-key': 'l.init', 'aria-describedby': `${scaleId}-help` });
  const scaleBox = el('div', { class: 'control number' }, tr(el('label', { for: scaleId }), 'lm.init_scale'), scale,
    tr(el('p', { class: 'help', id: `${scaleId}-help` }), 'lm.init_help'));
  const start = button({ label: 'lm.start', kind: 'primary', key: 'l.train', onClick: () => begin() });
  start.classList.add('lm-start');
  const stop = button({ label: 'lm.stop', key: 'l.stop', onClick: () => end() });
  stop.disabled = true;
  const use = button({ label: 'lm.use_run', key: 'l.use', onClick: () => onUse() });
  use.hidden = true;
  const status = el('p', { class: 'lm-status', role: 'status' });
  const initBox = el('div', { class: 'lm-init', hidden: true }, tr(el('h4'), 'lm.init_title'), el('p', { class: 'lm-init-text' }));
  const figure = new Figure({ name: 'losslab-lm-curves', label: 'lm.curves', key: 'l.curves', table: () => table() });
  figure.node.hidden = true;
  const node = el('section', { class: 'lm-train', 'aria-labelledby': 'lm-train-h' },
    heading(3, 'lm.train_title', { id: 'lm-train-h' }), para('lm.train_help', { class: 'help' }),
    el('div', { class: 'row lm-train-controls' }, steps.node, context.node, hidden.node, scaleBox),
    el('div', { class: 'row' }, start, stop, use), status, initBox, figure.node);

  function table() {
    if (!last) return null;
    const rows = last.train.map((v, i) => ({ step: i, train: v, val: null }));
    const h = last.history;
    if (h) h.val_step.forEach((s, i) => { if (rows[s]) rows[s].val = h.val_loss[i]; else rows.push({ step: s, train: null, val: h.val_loss[i] }); });
    return { caption: t('lm.curves'), columns: [{ key: 'step', label: t('lm.col_step') },
      { key: 'train', label: t('lm.col_train') }, { key: 'val', label: t('lm.col_val') }], rows };
  }

  function say(view) {
    if (view.init_check) {
      initBox.hidden = false;
      initBox.dataset.ok = String(view.init_check.ok);
      initBox.querySelector('.lm-init-text').textContent = view.init_check.message;
    }
    const state = view.state;
    node.dataset.state = state;
    if (state === 'running') {
      const loss = last.train.length ? last.train[last.train.length - 1] : null;
      status.textContent = `${t('lm.state_running')} ${t('lm.progress', { done: view.done, steps: view.steps, loss: fmt(loss, 4) })}`;
    } else if (state === 'done') {
      status.textContent = t('lm.state_done', { loss: fmt(view.val.nats_per_token, 4), bpc: fmt(view.val.bits_per_char, 4),
        seconds: fmt(view.seconds, 3) });
    } else status.textContent = t(`lm.state_${state}`, { reason: view.reason || '' });
  }

  async function drawFigure(id) {
    const answer = await getJSON(`/api/lm/runs/${id}/figure?lang=${lang()}`);
    run.series = answer.series;
    figure.node.hidden = false;
    await figure.show(answer.spec);
  }

  async function frame(view) {
    const fresh = view.train;
    const from = last.train.length;
    last.train.push(...fresh);
    last.state = view.state;
    if (view.history) last.history = view.history;
    say(view);
    if (!run.series && view.references) {
      await drawFigure(run.id); // drawn with the validation points measured so far
      last.vals = (view.val_points || []).length;
    }
    else if (run.series && fresh.length) {
      // validation points measured since the last frame join the training curve as they come
      const vals = (view.val_points || []).slice(last.vals).map(([s, v]) => ({ step: s, kind: 'val', series: run.series.val, value: v }));
      last.vals += vals.length;
      await figure.append('curves', [...fresh.map((v, i) => ({ step: from + i, kind: 'train', series: run.series.train, value: v })), ...vals]);
    }
    if (view.state !== 'running') finish(view);
  }

  async function finish(view) {
    const id = run.id;
    start.disabled = false;
    stop.disabled = true;
    if (view.state === 'done') {
      await drawFigure(id); // the whole history: validation points included
      use.hidden = false;
      onDone(id);
    }
  }

  async function begin() {
    if (run && run.socket) end();
    const body = { ...settings(), steps: Math.round(steps.value), context: Math.round(context.value), hidden: Math.round(hidden.value),
      init_scale: Number(scale.value) || 0.01, lang: lang() };
    start.disabled = true;
    stop.disabled = false;
    use.hidden = true;
    initBox.hidden = true;
    let view;
    try { view = await postJSON('/api/lm/runs', body); } catch (err) { start.disabled = false; stop.disabled = true; throw err; }
    last = { train: [], history: null, state: view.state, vals: 0 };
    run = { id: view.id, socket: null, series: null };
    const socket = new WebSocket(socketURL(`/api/lm/runs/${view.id}/stream?lang=${lang()}`));
    run.socket = socket;
    const mine = run;
    metrics.lmFrames = [];
    // Frames that arrive while one is drawn are merged (their steps joined, the latest state kept), so a slow
    // redraw never makes the curve lag behind the stream.
    let pending = null;
    let drawing = false;
    let opened = false;
    let ended = false; // the run's last frame (or the server's error) came: the socket's close is expected
    async function pump() {
      if (drawing || !pending) return;
      drawing = true;
      const view = pending;
      pending = null;
      try { await frame(view); } finally { drawing = false; pump(); }
    }
    socket.onopen = () => { opened = true; };
    socket.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (run !== mine) return;
      if (msg.type === 'error' && msg.error) { ended = true; status.textContent = msg.error.message; node.dataset.state = 'failed'; }
      if (msg.type !== 'frame') return;
      if (msg.state !== 'running') ended = true;
      metrics.lmFrames.push(performance.now()); // updates received, for the lab's measurements
      pending = pending ? { ...msg, train: [...pending.train, ...msg.train] } : msg;
      pump();
    };
    socket.onclose = () => {
      if (run !== mine) return;
      start.disabled = false;
      stop.disabled = true;
      if (!ended) { status.textContent = socketFailure(opened).error.message; node.dataset.state = 'failed'; }
    };
  }

  function end() {
    if (!run) return;
    if (run.socket && run.socket.readyState === WebSocket.OPEN) run.socket.send(JSON.stringify({ action: 'stop' }));
    del(`/api/lm/runs/${run.id}`).catch(() => {});
  }

  onLang(() => { if (last && last.state === 'done' && run) drawFigure(run.id); });
  return {
    node,
    setBounds(b) {
      steps.input.max = b.run_steps[1];
      context.input.max = b.run_context[1];
      hidden.input.max = b.run_hidden[1];
    },
  };
}
