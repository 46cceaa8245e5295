// Small helpers shared by the panels: DOM building, number formatting, "latest request wins", downloads.

/** Create an element: el('button', {class: 'x', onclick: f, 'aria-label': '...'}, child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

let uid = 0;
/** A unique id for label/for pairs. */
export function newId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A number for people: up to 4 significant digits (6 with `precise`), no trailing zeros. The server sends a value
 * that is not a finite number (NaN, ±∞) as null (losslab._jsonable, JSON has neither): it reads '—'.
 */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return '—';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : (x > 0 ? '∞' : '−∞');
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-4) return x.toExponential(Math.max(0, digits - 1)).replace('e+', 'e');
  let s = x.toPrecision(digits);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s.replace('-', '−');
}

export function pct(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * Run async jobs so that only the latest matters: while one runs, newer calls replace the queued one.
 * Returns a function; calling it schedules job(arg) and resolves with its result (or null if superseded).
 */
export function latest(job) {
  let running = false;
  let queued = null;
  let generation = 0;
  async function pump() {
    if (running || !queued) return;
    running = true;
    const { arg, resolve, gen } = queued;
    queued = null;
    try {
      const result = await job(arg);
      resolve(gen === generation ? result : null);
    } catch (err) {
      resolve(null);
      if (gen === generation) reportError(err);
    } finally {
      running = false;
      pump();
    }
  }
  return (arg) => new Promise((resolve) => {
    generation += 1;
    if (queued) queued.resolve(null);
    queued = { arg, resolve, gen: generation };
    pump();
  });
}

let errorSink = (err) => console.error(err);
export function onError(fn) { errorSink = fn; }
export function reportError(err) { errorSink(err); }

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Save text or a data URL as a file. */
export function download(name, content, type = 'text/plain') {
  const url = typeof content === 'string' && content.startsWith('data:')
    ? content
    : URL.createObjectURL(new Blob([content], { type }));
  const a = el('a', { href: url, download: name, style: { display: 'none' } });
  document.body.append(a);
  a.click();
  a.remove();
  if (!url.startsWith('data:')) setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Rows of objects as CSV (header from the first row's keys, or `columns`). */
export function toCSV(rows, columns) {
  const cols = columns || (rows.length ? Object.keys(rows[0]) : []);
  const cell = (v) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------------- colours
// The figures' palette (Okabe–Ito, losslab._palette.PALETTE), from the page's boot payload: main.js hands it here
// before any panel draws, and it also becomes the CSS custom properties --palette-0, --palette-1, ... (lab.css).
let PALETTE = [];

/** Take the palette of the boot payload, for colour(k) and for the stylesheet. */
export function setPalette(colours, root = document.documentElement) {
  PALETTE = Array.isArray(colours) ? colours.slice() : [];
  PALETTE.forEach((c, k) => root.style.setProperty(`--palette-${k}`, c));
}

/** The colour of the k-th series, as the figures give it (the palette in order, then again from the start). */
export function colour(k) {
  return PALETTE.length ? PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length] : 'currentColor';
}

export const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** Round to a step (avoids 0.30000000000000004 in the URL and on screen). */
export function snap(x, step) {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) + 1e-9));
  return Number((Math.round(x / step) * step).toFixed(decimals));
}

/** Wait for the next painted frame. */
export function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

export const metrics = (window.__labMetrics = window.__labMetrics || {
  slider: [], frames: [], ready: null, figure: null,
});
