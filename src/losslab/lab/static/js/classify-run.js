// The run's client in the classification lab: it asks the server for a run (POST /api/runs), streams it over the
// run's WebSocket, sends the page's commands (play, pause, step, reset, set) and keeps `run` (classify-state.js)
// up to date with what arrives. It draws nothing: `ui` is told what changed and draws at the next frame.
//
// Settings that change the problem start a new run (the old one is deleted at once, so that the new one fits the
// server's bounds); closing the socket cancels the run on the server.

import { metrics, reportError, latest } from './util.js';
import { postJSON, socketURL, socketFailure } from './api.js';

/**
 * @param {object} run  the run as the page knows it (classify-state.js emptyRun)
 * @param {object} ui   settings(): the body of POST /api/runs; speed(): epochs per second; setState(state);
 *   datasetChanged(); settingsChanged(settings); schedule(): draw at the next frame; loadCurves(); curvesSoon()
 */
export function runClient(run, ui) {
  // A run exists only once Play or Step has been pressed (a page that only shows the lab holds nothing on the
  // server): before, the page shows the data set alone.
  let started = false;
  const showData = latest((settings) => postJSON('/api/datasets', settings.data));
  async function preview() {
    let data;
    try { data = await showData(ui.settings()); } catch (err) { reportError(err); return; }
    if (!data || started) return;
    run.dataset = data;
    // a neutral map (probability 1/2 everywhere) until a model exists
    run.map = { n: 1, kind: 'probability', data: btoa(String.fromCharCode(128)), extent: data.extent, classes: 2 };
    ui.datasetChanged();
    ui.setState('none');
    run.mapDirty = true;
    ui.schedule();
  }

  async function newRun() {
    if (!started && !run.wantPlay) return preview();
    started = true;
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
      snap = await postJSON('/api/runs', ui.settings());
    } catch (err) {
      reportError(err); // a busy server says in the page's language what to do (issue 16)
      started = false;
      run.wantPlay = false;
      ui.setState('none');
      return;
    }
    if (generation !== run.generation) { fetch(`/api/runs/${snap.id}`, { method: 'DELETE' }); return; }
    applySnapshot(snap);
    openSocket(snap.id, wasPlaying);
    await ui.loadCurves();
  }

  function openSocket(id, autoplay) {
    const socket = new WebSocket(socketURL(`/api/runs/${id}/stream`));
    run.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      socket.send(JSON.stringify({ action: 'set', speed: ui.speed() }));
      if (autoplay) socket.send(JSON.stringify({ action: 'play' }));
    });
    socket.addEventListener('message', (event) => {
      if (socket !== run.socket) return;
      const msg = JSON.parse(event.data);
      metrics.received = (metrics.received || 0) + 1;
      if (msg.type === 'state') applySnapshot(msg);
      else if (msg.type === 'frame') applyFrame(msg);
      else if (msg.type === 'error') reportError({ error: msg.error });
      else if (msg.type === 'closed') ui.setState('closed');
    });
    socket.addEventListener('close', () => {
      if (socket !== run.socket) return; // closed by this page (a new run, a reset)
      run.socket = null;
      // refused (never opened): say why and what to do; lost later: the stop note of the 'closed' state says it
      if (!opened) reportError(socketFailure(false));
      if (run.state !== 'closed') ui.setState('closed');
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
    else if (cmd.action === 'play' || cmd.action === 'step') { started = true; newRun().then(() => command(cmd)); }
  }
  function togglePlay() {
    if (run.state === 'closed' || run.state === 'none') { run.wantPlay = true; newRun(); return; }
    command({ action: run.state === 'playing' ? 'pause' : 'play' });
  }

  // the run's epochs so far allowed, and the server's most: Play on a finished run adds another block up to it
  function limits(msg) {
    if (msg.max_epochs === undefined) return;
    if (!run.epochBlock || msg.version !== run.blockVersion) { run.epochBlock = msg.max_epochs; run.blockVersion = msg.version; }
    run.maxEpochs = msg.max_epochs;
    run.epochLimit = msg.epoch_limit;
  }
  function applySnapshot(snap) {
    run.id = snap.id;
    run.version = snap.version;
    run.records = snap.records || [];
    run.initial = snap.initial;
    run.epoch = snap.epoch;
    limits(snap);
    if (snap.dataset) { run.dataset = snap.dataset; ui.datasetChanged(); }
    if (snap.settings) { run.settings = snap.settings; ui.settingsChanged(snap.settings); }
    run.map = snap.map;
    run.diagnosis = snap.diagnosis || null;
    run.pending = [];
    ui.setState(snap.state);
    run.mapDirty = true;
    run.diagDirty = true;
    run.chartReset = true;
    ui.schedule();
  }
  function applyFrame(frame) {
    if (frame.version !== run.version) return;
    if (frame.records.length) { run.records.push(...frame.records); run.pending.push(...frame.records); }
    run.epoch = frame.epoch;
    limits(frame);
    if (frame.map) { run.map = frame.map; run.mapDirty = true; }
    if ('diagnosis' in frame && JSON.stringify(frame.diagnosis) !== JSON.stringify(run.diagnosis)) {
      const before = run.diagnosis && run.diagnosis.primary;
      run.diagnosis = frame.diagnosis;
      run.diagDirty = true;
      if (run.diagnosis && run.diagnosis.primary !== before) ui.curvesSoon();
    }
    if (frame.state !== run.state) {
      ui.setState(frame.state);
      if (frame.state !== 'playing') ui.curvesSoon();
    }
    ui.schedule();
  }
  return { newRun, closeSocket, command, togglePlay };
}
