// Every setting of the page lives in the URL (query string), so a link reproduces the view.
// Keys are short and grouped by panel: e.* explorer, d.* darts, r.* regression, c.* classification.
// `hide=` lists controls (keys or groups such as "nav", "lang", "c.loss") that a teacher hides from the page.

const params = new URLSearchParams(window.location.search);
const listeners = new Set();
let pending = null;

export function get(key, fallback) {
  const v = params.get(key);
  return v === null ? fallback : v;
}

export function getNumber(key, fallback, lo = -Infinity, hi = Infinity) {
  const v = params.get(key);
  if (v === null || v === '') return fallback;
  const x = Number(v);
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : fallback;
}

export function getBool(key, fallback) {
  const v = params.get(key);
  if (v === null) return fallback;
  return v === '1' || v === 'true' || v === 'yes';
}

export function getList(key, fallback) {
  const v = params.get(key);
  if (v === null) return fallback;
  return v === '' ? [] : v.split(',');
}

/** Set keys (null removes); the URL is rewritten at most every 150 ms (no history entries). */
export function set(values) {
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) params.delete(key);
    else params.set(key, Array.isArray(value) ? value.join(',') : typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  if (!pending) {
    pending = setTimeout(() => {
      pending = null;
      flush();
    }, 150);
  }
}

export function flush() {
  const query = params.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
  const url = `${window.location.pathname}${query ? `?${query}` : ''}${window.location.hash}`;
  window.history.replaceState(null, '', url);
  for (const fn of listeners) fn();
}

export function onChange(fn) { listeners.add(fn); }

/** The shareable address of the current view. */
export function link() {
  if (pending) { clearTimeout(pending); pending = null; flush(); }
  return window.location.href;
}

export function hidden() {
  return new Set(getList('hide', []).map((s) => s.trim()).filter(Boolean));
}

/** Hide every element whose data-key (or data-group) is listed in hide=. */
export function applyHide(root = document) {
  const hide = hidden();
  if (!hide.size) return;
  for (const node of root.querySelectorAll('[data-key],[data-group]')) {
    const key = node.dataset.key;
    const group = node.dataset.group;
    if ((key && hide.has(key)) || (group && hide.has(group))) node.hidden = true;
  }
}
