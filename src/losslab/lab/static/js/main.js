// The lab page: header (panels, language, share link), one panel at a time, errors in words.

import { el, onError, metrics, setPalette } from './util.js';
import { setBundle, apply, t, tr, lang } from './i18n.js';
import * as S from './state.js';
import { getJSON } from './api.js';
import { setCatalog } from './catalog.js';

const boot = JSON.parse(document.getElementById('boot').textContent);
// The first language: the address's (lang=), else the browser's first one the lab speaks (the server read it from
// Accept-Language; should navigator.languages say otherwise, the page asks again with it).
const BROWSER_LANG = (navigator.languages || [navigator.language || 'en'])
  .map((code) => String(code).toLowerCase().split('-')[0]).find((code) => code === 'en' || code === 'ja') || 'en';
const asked = new URLSearchParams(location.search).get('lang');
if (!asked && boot.texts.lang !== BROWSER_LANG) {
  const url = new URL(location.href);
  url.searchParams.set('lang', BROWSER_LANG);
  location.replace(url.href);
}
setPalette(boot.palette); // the figures' colours, for every panel and for lab.css (--palette-k)
setBundle(boot.texts);
setCatalog(boot);

const PANELS = [
  { id: 'explorer', label: 'nav.explorer', load: () => import('./explorer.js') },
  { id: 'darts', label: 'nav.darts', load: () => import('./darts.js') },
  { id: 'regression', label: 'nav.regression', load: () => import('./regression.js') },
  { id: 'classify', label: 'nav.classify', load: () => import('./classify.js') },
  { id: 'trace', label: 'nav.trace', load: () => import('./classify.js'), host: 'classify' },
  { id: 'accuracy', label: 'nav.accuracy', load: () => import('./accuracy.js') },
  { id: 'choose', label: 'nav.choose', load: () => import('./choose.js') },
  { id: 'formula', label: 'nav.formula', load: () => import('./formula.js') },
  { id: 'lm', label: 'lm.nav', load: () => import('./lm.js') },
  { id: 'distill', label: 'distill.nav', load: () => import('./distill.js') },
];

const main = document.getElementById('main');
const status = document.getElementById('status');
const mounted = new Map();

// ---------------------------------------------------------------------------------------------------- errors
onError((err) => {
  const message = err && err.error && err.error.message ? err.error.message : String(err && err.message ? err.message : err);
  status.replaceChildren(el('strong', {}, `${t('common.error')}: `), message,
    el('button', { type: 'button', class: 'btn small', onclick: () => { status.hidden = true; } }, t('common.dismiss')));
  status.hidden = false;
  console.error(err);
});
window.addEventListener('unhandledrejection', (e) => { e.preventDefault(); import('./util.js').then((u) => u.reportError(e.reason)); });

// ---------------------------------------------------------------------------------------------------- header
const nav = document.getElementById('nav');
nav.dataset.tLabel = 'nav.label';
nav.setAttribute('aria-label', t('nav.label'));
const list = el('ul', {});
for (const [i, p] of PANELS.entries()) {
  const a = el('a', { href: `?panel=${p.id}`, 'data-panel': p.id },
    el('span', { class: 'num', 'aria-hidden': 'true' }, `${i + 1}`), tr(el('span'), p.label));
  a.addEventListener('click', (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    show(p.id, true);
  });
  list.append(el('li', {}, a));
}
nav.append(list);

const langBox = document.getElementById('lang');
langBox.dataset.tLabel = 'common.language';
langBox.setAttribute('aria-label', t('common.language'));
for (const code of ['en', 'ja']) {
  const b = el('button', { type: 'button', class: 'btn lang-btn', lang: code, 'aria-pressed': String(code === lang()), 'data-lang': code },
    code === 'en' ? 'English' : '日本語');
  b.addEventListener('click', () => switchLang(code));
  langBox.append(b);
}

const share = document.getElementById('share');
share.append(tr(el('span'), 'common.copy_link'));
share.addEventListener('click', async () => {
  const url = S.link();
  let ok = false;
  try { await navigator.clipboard.writeText(url); ok = true; } catch { ok = false; }
  const note = document.getElementById('share-note');
  note.textContent = ok ? t('common.link_copied') : url;
  note.hidden = false;
  setTimeout(() => { note.hidden = true; }, 4000);
});
document.getElementById('brand-sub').dataset.t = 'page.subtitle';

async function switchLang(code) {
  if (code === lang()) return;
  const bundle = await getJSON(`/api/texts?lang=${code}`);
  setBundle(bundle);
  S.set({ lang: code === BROWSER_LANG ? null : code }); // a link keeps a choice that differs from the browser's
  for (const b of langBox.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.lang === code));
  document.title = t('page.title');
  apply(document);
}

// ---------------------------------------------------------------------------------------------------- panels
async function show(id, userAction) {
  const panel = PANELS.find((p) => p.id === id) || PANELS[0];
  const hostId = panel.host || panel.id;
  S.set({ panel: panel.id === 'explorer' ? null : panel.id });
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.panel === panel.id) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  let entry = mounted.get(hostId);
  if (!entry) {
    const host = el('div', { class: 'panel-host', 'data-host': hostId });
    main.append(host);
    const module = await panel.load();
    entry = { host, api: module.mount(host, boot) };
    mounted.set(hostId, entry);
    apply(host);
  }
  for (const [key, m] of mounted) m.host.hidden = key !== hostId;
  if (panel.id === 'trace' && entry.api.showTrace) entry.api.showTrace();
  if (userAction) {
    const h = entry.host.querySelector(panel.id === 'trace' ? '#trace-h' : 'h2');
    if (h) { h.setAttribute('tabindex', '-1'); h.focus({ preventScroll: false }); }
  }
  return entry;
}

S.applyHide(document);
document.title = t('page.title');
apply(document);
const first = await show(S.get('panel', 'explorer'), false);
metrics.ready = performance.now();
document.body.dataset.ready = 'controls';
await first.api.ready;
metrics.drawn = performance.now();
document.body.dataset.ready = 'true';
window.__lab = { show, switchLang, state: S, boot, panels: mounted };
