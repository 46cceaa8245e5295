// Panel 9, next-token prediction (issue 13): a text read position by position. The server (POST /api/lm/tokens)
// answers, per position, −ln p of the actual next token, p, 1/p, bits, the entropy there, the top predictions and
// the gradient p − onehot; the page only draws those numbers. Training mode shows the loss; inference mode has
// no target, shows no loss and samples instead (lm-sample.js); a model is trained live in lm-train.js and the
// logits' memory is in lm-memory.js.

import { el, fmt, latest, newId } from './util.js';
import { t, tr, onLang, lang } from './i18n.js';
import * as S from './state.js';
import { getJSON, postJSON } from './api.js';
import { radios, select, heading, para, button } from './controls.js';
import { sampleBox, shown } from './lm-sample.js';
import { trainBox } from './lm-train.js';
import { memoryBox } from './lm-memory.js';

const SEED = '今日はいい天気'; // the seed example: 天気 has p = 0.6 (loss 0.51), H = 0.95 there
const CORPORA = [
  { value: 'ja-synthetic', label: 'lm.corpus_ja' }, { value: 'en-synthetic', label: 'lm.corpus_en' },
  { value: 'en-hamlet', label: 'lm.corpus_hamlet' }];
const TOKENIZERS = [{ value: 'char', label: 'lm.tok_char' }, { value: 'byte', label: 'lm.tok_byte' }, { value: 'bpe', label: 'lm.tok_bpe' }];
const MODELS = ['true', 'unigram', 'bigram', 'mlp'];

function styleSheet() {
  if (document.querySelector('link[data-lm-css]')) return Promise.resolve();
  const link = el('link', { rel: 'stylesheet', href: '/static/lm.css', 'data-lm-css': '' });
  const loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  return loaded;
}

export function mount(root) {
  const st = {
    text: S.get('l.text', SEED).slice(0, 2000), corpus: S.get('l.corpus', 'ja-synthetic'), tokenizer: S.get('l.tok', 'char'),
    model: S.get('l.model', 'true'), mode: S.get('l.mode', 'train') === 'infer' ? 'infer' : 'train', run: null, data: null, pos: null,
  };
  if (!CORPORA.some((c) => c.value === st.corpus)) st.corpus = 'ja-synthetic';
  if (!MODELS.includes(st.model) || st.model === 'mlp') st.model = 'true';

  const section = el('section', { class: 'panel lm', id: 'panel-lm', 'aria-labelledby': 'lm-h' });
  const textId = newId('lm-text');
  const input = el('textarea', { id: textId, class: 'lm-text', rows: 3, maxlength: 2000, spellcheck: 'false', 'data-key': 'l.text',
    'aria-describedby': `${textId}-help` });
  input.value = st.text;
  const textBox = el('div', { class: 'control' }, tr(el('label', { for: textId }), 'lm.text'), input,
    tr(el('p', { class: 'help', id: `${textId}-help` }), 'lm.text_help'));
  const corpus = select({ key: 'l.corpus', label: 'lm.corpus', options: CORPORA, value: st.corpus, onChange: (v) => {
    st.corpus = v;
    if (v === 'en-hamlet' && st.model === 'true') { st.model = 'bigram'; model.value = 'bigram'; }
    if (v === 'en-synthetic' && st.text === SEED) { st.text = 'The weather today is sunny'; input.value = st.text; }
    changed();
  } });
  const tokenizer = select({ key: 'l.tok', label: 'lm.tokenizer', options: TOKENIZERS, value: st.tokenizer,
    onChange: (v) => { st.tokenizer = v; changed(); } });
  const model = select({ key: 'l.model', label: 'lm.model', value: st.model,
    options: MODELS.map((m) => ({ value: m, label: `lm.model_${m}` })), onChange: (v) => { st.model = v; changed(); } });
  model.input.querySelector('option[value=mlp]').disabled = true; // until a run has finished
  const readBtn = button({ label: 'lm.read', kind: 'primary', key: 'l.read', onClick: () => changed() });
  readBtn.classList.add('lm-read');
  const mode = radios({ key: 'l.mode', label: 'lm.mode', value: st.mode, inline: false,
    options: [{ value: 'train', label: 'lm.mode_train' }, { value: 'infer', label: 'lm.mode_infer' }],
    onChange: (v) => { st.mode = v; S.set({ 'l.mode': v === 'infer' ? v : null }); showMode(); } });

  // --- the training view: the headline numbers, the strip, the chosen position -------------------------------
  const lossHere = el('dd', { class: 'big', 'data-lm': 'loss' }, '—');
  const bestHere = el('dd', { class: 'big', 'data-lm': 'best' }, '—');
  const headline = el('dl', { class: 'lm-headline', 'aria-live': 'polite' },
    el('div', {}, tr(el('dt'), 'lm.loss_here'), lossHere, tr(el('dd', { class: 'unit' }), 'lm.nats')),
    el('div', {}, tr(el('dt'), 'lm.best_here'), bestHere, tr(el('dd', { class: 'unit' }), 'lm.nats'),
      tr(el('dd', { class: 'help' }), 'lm.best_help')));
  const strip = el('div', { class: 'lm-strip', role: 'group', 'data-t-label': 'lm.strip' });
  strip.setAttribute('aria-label', t('lm.strip'));
  const detail = el('div', { class: 'lm-detail', 'aria-live': 'polite' });
  const mean = el('p', { class: 'lm-mean' });
  const source = el('p', { class: 'help lm-source' });
  const trainView = el('div', { class: 'lm-train-view' }, headline, tr(el('h3'), 'lm.strip'), tr(el('p', { class: 'help' }), 'lm.strip_help'),
    strip, detail, mean, source);
  const inferNote = tr(el('p', { class: 'lm-infer-note', role: 'note' }), 'lm.infer_note');
  const sampler = sampleBox({ request: () => ({ corpus: st.corpus, tokenizer: st.tokenizer, model: st.model === 'true' ? 'bigram' : st.model,
    run: st.model === 'mlp' ? st.run : null }) });
  const inferView = el('div', { class: 'lm-infer-view' }, inferNote, sampler.node);
  const trainer = trainBox({ settings: () => ({ corpus: st.corpus, tokenizer: st.tokenizer }), onDone: (id) => {
    st.run = id;
    model.input.querySelector('option[value=mlp]').disabled = false;
  }, onUse: () => { st.model = 'mlp'; model.value = 'mlp'; changed(); } });
  const memory = memoryBox();

  const controls = el('div', { class: 'controls' }, textBox, corpus.node, tokenizer.node, model.node, readBtn, mode.node);
  section.append(heading(2, 'lm.title', { id: 'lm-h' }), para('lm.intro', { class: 'intro', 'data-group': 'intro' }),
    el('div', { class: 'two-col lm-cols' }, controls, el('div', { class: 'results' }, trainView, inferView)),
    trainer.node, memory.node);
  root.append(section);

  // --- drawing ----------------------------------------------------------------------------------------------
  /** Whether white text reads better than black on the cell's colour (lm.css: yellow #fde725 to purple #440154,
   *  mixed in sRGB): the better of the two always has a contrast of at least 4.5 : 1. */
  function whiteReads(heat) {
    const lin = (c) => { const v = c / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const mix = (a, b) => heat * a + (1 - heat) * b;
    const lum = 0.2126 * lin(mix(0x44, 0xfd)) + 0.7152 * lin(mix(0x01, 0xe7)) + 0.0722 * lin(mix(0x54, 0x25));
    return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05;
  }
  function cell(row) {
    const worst = Math.max(1, ...st.data.tokens.map((r) => (Number.isFinite(r.loss) ? r.loss : 0)));
    const heat = Math.min(1, (row.loss ?? worst) / worst); // the colour only: the number is the server's
    const b = el('button', { type: 'button', class: 'lm-tok', 'data-index': row.index, 'aria-pressed': 'false',
      'data-dark': whiteReads(heat) ? '1' : '0',
      'aria-label': `${shown(row.token)}: ${fmt(row.loss, 3)} ${t('lm.nats')}` }, shown(row.token));
    b.style.setProperty('--heat', heat.toFixed(3)); // a custom property: not settable by assignment
    b.addEventListener('click', () => choose(row.index, true));
    return b;
  }

  function drawStrip() {
    const d = st.data;
    const cells = d.tokens.map(cell);
    const first = d.prefix ? el('span', { class: 'lm-tok lm-prefix', title: t('lm.first_token') }, shown(d.prefix)) : null;
    strip.replaceChildren(...(first ? [first] : []), ...cells);
    mean.textContent = t('lm.mean', { loss: fmt(d.mean.loss, 4), bits: fmt(d.mean.bits, 4), ppl: fmt(d.mean.perplexity, 4),
      entropy: fmt(d.mean.entropy, 4) });
    source.textContent = `${t('lm.source')}: ${d.source_text}`;
  }

  function bars(row) {
    const items = [...row.top];
    if (!items.some((x) => x.token === row.token)) items.push({ token: row.token, p: row.p });
    return el('ul', { class: 'lm-bars' }, ...items.map((x) => el('li', { 'data-actual': x.token === row.token ? '1' : '0' },
      el('span', { class: 'lm-bar-token' }, shown(x.token)),
      el('span', { class: 'lm-bar', 'aria-hidden': 'true' }, el('span', { style: { width: `${(100 * x.p).toFixed(1)}%` } })),
      el('span', { class: 'lm-bar-value' }, fmt(x.p, 3)),
      x.token === row.token ? el('strong', { class: 'lm-actual' }, t('lm.actual')) : null)));
  }

  function choose(index, focus) {
    const row = st.data.tokens[index];
    if (!row) return;
    st.pos = index;
    for (const b of strip.querySelectorAll('button.lm-tok')) {
      const on = Number(b.dataset.index) === index;
      b.setAttribute('aria-pressed', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    lossHere.textContent = fmt(row.loss, 2);
    bestHere.textContent = fmt(row.entropy, 2);
    lossHere.title = fmt(row.loss, 6);
    bestHere.title = fmt(row.entropy, 6);
    const numbers = el('dl', { class: 'numbers lm-numbers' },
      ...[['lm.nats', row.loss], ['lm.bits', row.bits], ['lm.prob', row.p], ['lm.inv_p', row.inv_p]].map(([k, v]) =>
        el('div', {}, el('dt', {}, t(k)), el('dd', { 'data-lm': k.slice(3) }, fmt(v, 4)))));
    const grad = el('table', { class: 'lm-grad' }, el('caption', {}, t('lm.grad')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('lm.col_token')), el('th', { scope: 'col', class: 'num' }, t('lm.col_grad')))),
      el('tbody', {}, ...row.grad.map((g) => el('tr', { 'data-actual': g.token === row.token ? '1' : '0' },
        el('th', { scope: 'row' }, shown(g.token)), el('td', { class: 'num' }, (g.grad > 0 ? '+' : '') + fmt(g.grad, 4))))));
    detail.replaceChildren(el('p', { class: 'lm-position' }, t('lm.position', { context: row.context, token: shown(row.token) })),
      numbers, el('div', { class: 'lm-detail-cols' },
        el('div', {}, tr(el('h4'), 'lm.top'), bars(row)),
        el('div', {}, grad, tr(el('p', { class: 'help' }), 'lm.grad_help'))));
  }

  strip.addEventListener('keydown', (e) => { // arrow keys move along the strip, like a toolbar
    if (!st.data || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    const last = st.data.tokens.length - 1;
    const next = { ArrowLeft: st.pos - 1, ArrowRight: st.pos + 1, Home: 0, End: last }[e.key];
    choose(Math.max(0, Math.min(last, next)), true);
  });

  function showMode() {
    trainView.hidden = st.mode !== 'train';
    inferView.hidden = st.mode !== 'infer';
    section.dataset.mode = st.mode;
    if (st.mode === 'infer') sampler.refresh();
  }

  const read = latest(async () => postJSON('/api/lm/tokens', { text: st.text, corpus: st.corpus, tokenizer: st.tokenizer,
    model: st.model, run: st.model === 'mlp' ? st.run : null, lang: lang() }));

  async function changed(keep = false) {
    if (!keep) st.pos = null; // a new text or model: show its last position first (the seed's 天気)
    st.text = input.value;
    S.set({ 'l.text': st.text === SEED ? null : st.text, 'l.corpus': st.corpus === 'ja-synthetic' ? null : st.corpus,
      'l.tok': st.tokenizer === 'char' ? null : st.tokenizer, 'l.model': st.model === 'true' ? null : st.model });
    section.dataset.ready = 'busy';
    const data = await read();
    if (!data) { section.dataset.ready = 'error'; return; }
    st.data = data;
    drawStrip();
    choose(st.pos !== null && st.pos < data.tokens.length ? st.pos : data.focus, false);
    if (st.mode === 'infer') sampler.refresh();
    section.dataset.ready = 'true';
  }
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) changed(); });

  showMode();
  S.applyHide(section);
  onLang(() => { if (section.isConnected && st.data) changed(true); });
  const ready = styleSheet().then(() => getJSON(`/api/lm?lang=${lang()}`)).then((opts) => {
    memory.setPresets(opts.presets);
    trainer.setBounds(opts.bounds);
    return changed();
  });
  return { node: section, ready };
}
