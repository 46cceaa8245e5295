// The classification lab's settings and its run, as plain data: the settings are read from the URL (each under its
// c.* key, checked and clamped, so that a link reproduces the view), written back to it, and turned into the body
// of POST /api/runs. No DOM here: the controls (classify-controls.js) show these values and change them.

import * as S from './state.js';
import { lang } from './i18n.js';
import * as C from './catalog.js';

export const DATASETS = ['moons', 'circles', 'xor', 'spirals', 'blobs', 'imbalanced'];
const GENERATED = new Set(DATASETS);
export const LRS = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
export const RATES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
export const BATCHES = ['1', '2', '5', '10', '20', '50', '100', 'full'];
export const SPEEDS = { slow: 5, normal: 30, fast: 120, max: 1000 };

/** The settings in the URL, or their defaults; `PARAMS` are the loss parameters' sliders (catalog.sliderSpecs). */
export function readState(PARAMS) {
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
    epochs: Math.round(S.getNumber('c.epochs', 1000, 1, 10000)), // epochs per Play, until the run says it stopped
    init: Math.round(S.getNumber('c.init', 0, 0, 1e9)),
    keep: S.getBool('c.keep', true),
    speed: Object.keys(SPEEDS).includes(S.get('c.speed')) ? S.get('c.speed') : 'normal',
    log: S.getBool('c.log', false),
    showVal: S.getBool('c.showval', true),
    play: S.getBool('c.play', false),
    present: S.getBool('c.present', false), // presentation mode: map, curves and numbers on one projector screen
  };
  if (st.model === 'mlp' && !st.hidden.length) st.hidden = [6, 4];
  return st;
}

/** The run as the page knows it: what the server sent (records, map, diagnosis) and what is still to be drawn. */
export function emptyRun() {
  return {
    id: null, socket: null, version: 0, state: 'none', epoch: 0, records: [], initial: null, dataset: null,
    map: null, mapDirty: false, diagnosis: null, diagDirty: false, pending: [], settings: null, chartRows: 0,
    stride: 1, wantPlay: false, generation: 0,
  };
}

// the losses of each kind of data come from the server (the catalog, by task, in `LOSSES`)
function uploadClasses(st) {
  const col = st.upload && st.upload.columns.find((c) => c.name === st.target);
  return col ? col.distinct : 2;
}
function multi(st) {
  return st.data === 'upload' ? uploadClasses(st) > 2 : (st.data === 'spirals' || st.data === 'blobs') && st.classes > 2;
}
export const lossOptions = (st, LOSSES) => (multi(st) ? LOSSES.multiclass : LOSSES.binary);
export const defaultLoss = (st, LOSSES) => (multi(st) ? LOSSES.defaults.multiclass : LOSSES.defaults.binary);

/** Write the settings into the URL; a value at its default, or one the current data or model ignores, is left out. */
export function saveState(st, PARAMS) {
  S.set({
    'c.data': st.data, 'c.target': st.data === 'upload' ? st.target : null,
    'c.features': st.data === 'upload' && st.features.length === 2 ? st.features : null, 'c.noise': st.noise, 'c.val': st.val, 'c.n': st.n, 'c.seed': st.seed,
    'c.classes': st.data === 'spirals' || st.data === 'blobs' ? st.classes : null, 'c.ratio': st.data === 'imbalanced' ? st.ratio : null,
    'c.batch': st.batch, 'c.model': st.model, 'c.hidden': st.model === 'mlp' ? st.hidden.join(',') : null, 'c.act': st.model === 'mlp' ? st.act : null,
    'c.loss': st.loss,
    ...Object.fromEntries(PARAMS.map((p) => [p.key, p.losses.includes(st.loss) && st.params[p.key] !== p.start ? st.params[p.key] : null])),
    'c.opt': st.opt, 'c.lr': st.lr, 'c.reg': st.reg, 'c.rate': st.rate, 'c.init': st.init, 'c.keep': st.keep,
    'c.speed': st.speed, 'c.log': st.log, 'c.showval': st.showVal, 'c.present': st.present ? true : null,
  });
}

/** The body of POST /api/runs (the server's RunRequest). */
export function runSettings(st, PARAMS) {
  const params = C.paramsOf(st.loss, PARAMS, st.params, { onlyChanged: true }); // a slider at its start: the default
  return {
    data: st.data === 'upload' && st.upload
      ? { name: 'upload', upload: st.upload.id, target: st.target, features: st.features.length === 2 ? st.features : null, val_split: st.val, seed: st.seed }
      : { name: GENERATED.has(st.data) ? st.data : 'moons', n_samples: st.n, noise: st.noise, val_split: st.val, seed: st.seed, n_classes: st.data === 'spirals' || st.data === 'blobs' ? st.classes : 2, ratio: st.ratio },
    model: { kind: st.model, hidden: st.model === 'mlp' ? st.hidden : [], activation: st.act },
    loss: st.loss, loss_params: params, optimizer: st.opt, lr: st.lr, batch_size: st.batch === 'full' ? 100000 : Number(st.batch),
    regularization: st.reg, reg_rate: st.rate, init_seed: st.init, epochs: st.epochs, lang: lang(),
  };
}
