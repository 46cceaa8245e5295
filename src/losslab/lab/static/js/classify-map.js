// The decision map of the classification lab drawn on a canvas: the colours of the map, the p = 1/2 line, the points
// in the shape and colour of their class, and the legend. Everything here draws what the server computed (the
// grid of probabilities, the points); nothing is computed about the model.

import { colour, el } from './util.js';
import { t } from './i18n.js';

// the first six colours of the palette (boot payload): black and yellow are too weak for regions and points
const CLASS_COUNT = 6;
const classColour = (k) => colour(k % CLASS_COUNT);
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'];
let LUT = null; // built on first use: the palette arrives with the boot payload, after this module loads
const lut = () => LUT || (LUT = buildLut());

// What stays from one frame to the next while a run trains (issue 16: draw only what changed): the small canvas of
// the grid and its pixels, and the points drawn once on a layer of their own, per canvas.
const layers = new WeakMap();

function layerOf(canvas) {
  let layer = layers.get(canvas);
  if (!layer) { layer = { grid: document.createElement('canvas'), img: null, points: null, pointsKey: '', legendKey: '' }; layers.set(canvas, layer); }
  return layer;
}

function decode(data) {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The decision map: the server's grid of probabilities (one byte each), coloured here, with the points on top;
 *  `legend` and `label` say what it shows (in words, for everyone and for screen readers). */
export function drawMap({ canvas, legend, label }, run, showVal) {
  const m = run.map;
  const ds = run.dataset;
  if (!m || !ds) return;
  const dpr = window.devicePixelRatio || 1;
  const size = Math.round((canvas.clientWidth || 400) * dpr);
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext('2d');
  const layer = layerOf(canvas);
  const bytes = decode(m.data);
  if (!layer.img || layer.img.width !== m.n) {
    layer.img = new ImageData(m.n, m.n);
    layer.grid.width = m.n; layer.grid.height = m.n;
  }
  const img = layer.img;
  const px = img.data;
  const multiclass = m.kind === 'classes';
  const tints = multiclass ? classTints(m.classes) : null;
  const table = lut();
  for (let i = 0; i < m.n * m.n; i += 1) {
    const rgb = multiclass ? tints[bytes[2 * i] % CLASS_COUNT][bytes[2 * i + 1]] : table[bytes[i]];
    px[4 * i] = rgb[0]; px[4 * i + 1] = rgb[1]; px[4 * i + 2] = rgb[2]; px[4 * i + 3] = 255;
  }
  layer.grid.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(layer.grid, 0, 0, size, size);
  if (!multiclass) drawContour(ctx, bytes, m.n, size);
  const L = m.extent;
  const toPx = (x1, x2) => [((x1 + L) / (2 * L)) * size, ((L - x2) / (2 * L)) * size];
  const r = 4.2 * dpr;
  // the points move only with the data, the size or the choice of showing the validation part: one layer for them
  const pointsKey = `${size}:${showVal}:${ds.points.length}:${L}`;
  if (layer.pointsData !== ds.points || layer.pointsKey !== pointsKey) {
    layer.points = layer.points || document.createElement('canvas');
    layer.points.width = size; layer.points.height = size;
    const pctx = layer.points.getContext('2d');
    for (const p of ds.points) {
      if (p.split === 'val' && !showVal) continue;
      const [x, y] = toPx(p.x1, p.x2);
      shape(pctx, SHAPES[p.label % SHAPES.length], x, y, r, classColour(p.label), p.split === 'val');
    }
    layer.pointsKey = pointsKey;
    layer.pointsData = ds.points;
  }
  ctx.drawImage(layer.points, 0, 0);
  if (run.traced) {
    const p = ds.points.find((q) => q.split === run.traced.split && q.index === run.traced.index);
    if (p) {
      const [px, py] = toPx(p.x1, p.x2);
      ctx.strokeStyle = '#111'; ctx.lineWidth = 2 * dpr;
      ctx.beginPath(); ctx.arc(px, py, r * 2.6, 0, 2 * Math.PI); ctx.stroke();
    }
  }
  if (run.cursor) { // the keyboard's cursor: a square, dark outside and white inside, visible on any colour
    const p = ds.points.find((q) => q.split === run.cursor.split && q.index === run.cursor.index);
    if (p && (showVal || p.split !== 'val')) {
      const [px, py] = toPx(p.x1, p.x2);
      const h = r * 2.4;
      ctx.lineWidth = 3 * dpr; ctx.strokeStyle = '#111'; ctx.strokeRect(px - h, py - h, 2 * h, 2 * h);
      ctx.lineWidth = 1.2 * dpr; ctx.strokeStyle = '#fff'; ctx.strokeRect(px - h + 2 * dpr, py - h + 2 * dpr, 2 * h - 4 * dpr, 2 * h - 4 * dpr);
    }
  }
  const counts = {};
  for (const p of ds.points) counts[p.split] = (counts[p.split] || 0) + 1;
  const legendKey = `${document.documentElement.lang}:${m.kind}:${m.classes}:${((ds.info && ds.info.class_names) || []).join()}`;
  if (layer.legendKey !== legendKey || layer.legendData !== ds || !legend.childNodes.length) { // only when it changed
    legend.replaceChildren(...legendItems(ds, m));
    layer.legendKey = legendKey;
    layer.legendData = ds;
  }
  label.textContent = t('classify.map_desc', { train: counts.train || 0, val: counts.val || 0, epoch: run.epoch });
}

// multiclass: each class's colour, from white (unsure) to its full tint (sure), for each confidence byte
const TINTS = new Map();
function classTints(classes) {
  if (!TINTS.has(classes)) {
    TINTS.set(classes, Array.from({ length: CLASS_COUNT }, (_, k) => {
      const base = hex(classColour(k));
      return Array.from({ length: 256 }, (__, b) => {
        const w = Math.max(0, (b / 255 - 1 / classes) / (1 - 1 / classes)) * 0.55;
        return base.map((c) => Math.round(255 + (c - 255) * w));
      });
    }));
  }
  return TINTS.get(classes);
}

/** The point nearest to a click on the canvas, if the click is close enough to it (4% of the map's width). */
export function pointAt(canvas, run, showVal, event) {
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
    if (p.split === 'val' && !showVal) continue;
    const d = (p.x1 - x1) ** 2 + (p.x2 - x2) ** 2;
    if (d < bestD) { bestD = d; best = p; }
  }
  return best && Math.sqrt(bestD) < (2 * L) * 0.04 ? best : null;
}

/** The example the keyboard's cursor moves to from `run.cursor` in the direction `[dx, dy]` (x₂ up): the nearest one
 *  ahead, a step off the line counting double; the first move starts at the example nearest the map's centre. */
export function nextPoint(run, showVal, [dx, dy]) {
  const ds = run.dataset;
  if (!ds) return null;
  const points = ds.points.filter((p) => showVal || p.split !== 'val');
  const c = run.cursor;
  const from = c && points.find((p) => p.split === c.split && p.index === c.index);
  let best = null;
  let bestD = Infinity;
  for (const p of points) {
    let d;
    if (!from) d = p.x1 ** 2 + p.x2 ** 2;
    else {
      const ahead = (p.x1 - from.x1) * dx + (p.x2 - from.x2) * dy;
      if (ahead <= 1e-9) continue;
      d = ahead + 2 * Math.abs((p.x1 - from.x1) * dy - (p.x2 - from.x2) * dx);
    }
    if (d < bestD) { bestD = d; best = p; }
  }
  return best || from || null;
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
  return el('span', { style: { color: classColour(k) }, 'aria-hidden': 'true' }, symbols[k % symbols.length]);
}

/** The trainer names the classes of its synthetic sets in English ("upper", "arm 2"); the page says them in its language. */
export function className(name) {
  const m = /^(.*?) (\d+)$/.exec(name);
  const key = `classes.${(m ? m[1] : name).replace(/ /g, '_')}`;
  const text = t(key, m ? { n: m[2] } : undefined);
  return text === key ? name : text;
}

// ---------------------------------------------------------------------------------------------- drawing helpers
function hex(c) { return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)); }

/** Blue (class 0) → white (p = 1/2) → orange (class 1): light tints, so that the points stay readable. */
function buildLut() {
  const blue = hex(colour(0));
  const orange = hex(colour(1));
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
