// The page's words: every string comes from the server's text bundle (lab/texts/*.toml, the explanation
// catalog, the trainer's texts). Elements carry data-t="key" (text), data-t-label (aria-label),
// data-t-title (title) and data-t-placeholder; switching language rewrites them in place.

let bundle = null;
let known = {}; // title and short name of every loss of the catalog (boot payload), for those the bundle lacks
const listeners = new Set();

export function setBundle(b) {
  bundle = b;
  document.documentElement.lang = b.lang;
}

export function lang() { return bundle ? bundle.lang : 'en'; }

/** The catalog's losses (boot payload): a loss registered after the texts were built still has its title. */
export function setKnownLosses(entries) {
  known = Object.fromEntries(entries.map((e) => [e.name, { title: e.title || e.name, short: e.short || e.name }]));
}

/** Whether the lab's texts have `key` (a panel's own words for a parameter, say). */
export function has(key) { return Boolean(bundle && typeof bundle.lab[key] === 'string'); }

function lookup(path, root) {
  let node = root;
  for (const part of path.split('.')) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = node[part];
  }
  return node;
}

/**
 * t('explorer.title'), t('ui:loss') (the explanation catalog's labels), t('tr:ui.val_loss') (the trainer's),
 * t('loss:huber') (a loss's title), with {placeholders} filled from vars.
 */
export function t(key, vars) {
  if (!bundle) return key;
  let text;
  if (key.startsWith('ui:')) text = bundle.ui[key.slice(3)];
  else if (key.startsWith('tr:')) text = lookup(key.slice(3), bundle.training);
  else if (key.startsWith('loss:')) {
    const entry = lossText(key.slice(5));
    text = entry ? entry.title : key.slice(5);
  } else text = bundle.lab[key];
  if (text === undefined || text === null) {
    console.warn('missing text', key);
    return key;
  }
  if (typeof text !== 'string') return text;
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

export function lossText(name) { return (bundle && bundle.losses[name]) || known[name] || null; }

/** Give an element its words now and whenever the language changes. */
export function tr(node, key, vars) {
  node.dataset.t = key;
  if (vars) node.dataset.tVars = JSON.stringify(vars);
  node.textContent = t(key, vars);
  return node;
}

export function apply(root = document) {
  for (const node of root.querySelectorAll('[data-t]')) {
    const vars = node.dataset.tVars ? JSON.parse(node.dataset.tVars) : undefined;
    node.textContent = t(node.dataset.t, vars);
  }
  for (const node of root.querySelectorAll('[data-t-label]')) node.setAttribute('aria-label', t(node.dataset.tLabel));
  for (const node of root.querySelectorAll('[data-t-title]')) node.setAttribute('title', t(node.dataset.tTitle));
  for (const node of root.querySelectorAll('[data-t-placeholder]')) {
    node.setAttribute('placeholder', t(node.dataset.tPlaceholder));
  }
  for (const fn of listeners) fn(lang());
}

export function onLang(fn) { listeners.add(fn); return () => listeners.delete(fn); }
