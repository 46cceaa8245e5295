// The logits memory calculator of the next-token panel: N × V × bytes (losslab.lm.logits_memory, POST
// /api/lm/memory), and what one chunk of rows of chunked cross-entropy holds instead. Presets are the library's
// published vocabularies and context lengths (MEMORY_PRESETS, each with its source).

import { el, fmt, latest, debounce } from './util.js';
import { t, tr, lang, onLang } from './i18n.js';
import { postJSON } from './api.js';
import { number, select, heading, para } from './controls.js';

/** Bytes for people (binary units: the numbers the docs quote, 1000 MiB for 8192 × 32000 × 4). */
function size(bytes) {
  const units = [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]];
  // papers and blogs quote decimal GB: both, so a published 16.8 GB can be found in 15.62 GiB
  const gb = bytes >= 1e9 ? ` (${fmt(bytes / 1e9, 4)} GB)` : '';
  for (const [unit, scale] of units) if (bytes >= scale) return `${fmt(bytes / scale, 4)} ${unit}${gb}`;
  return `${bytes} B`;
}

export function memoryBox() {
  let presets = {};
  const preset = select({ key: 'l.preset', label: 'lm.memory_preset', value: '', options: [{ value: '', label: 'lm.preset_none' }],
    onChange: (v) => {
      const p = presets[v];
      if (p) { tokens.value = p.context; vocab.value = p.vocab; if (p.bytes) bytes.value = String(p.bytes); }
      source.textContent = p ? p.source : '';
      later();
    } });
  const tokens = number({ key: 'l.mtokens', label: 'lm.memory_tokens', value: 8192, min: 1, max: 1e9, step: 1, onChange: () => later() });
  const vocab = number({ key: 'l.mvocab', label: 'lm.memory_vocab', value: 32000, min: 1, max: 1e8, step: 1, onChange: () => later() });
  const bytes = select({ key: 'l.mbytes', label: 'lm.memory_dtype', value: '4', onChange: () => later(),
    options: [{ value: '4', text: '4 (float32)' }, { value: '2', text: '2 (bfloat16 / float16)' }, { value: '8', text: '8 (float64)' }] });
  const chunk = number({ key: 'l.mchunk', label: 'lm.memory_chunk', value: 1024, min: 1, max: 1e9, step: 1, onChange: () => later() });
  const source = el('p', { class: 'help lm-preset-source' });
  const out = el('div', { class: 'lm-memory-out', 'aria-live': 'polite' });
  const node = el('section', { class: 'lm-memory', 'aria-labelledby': 'lm-memory-h' },
    heading(3, 'lm.memory_title', { id: 'lm-memory-h' }), para('lm.memory_help', { class: 'help' }),
    el('div', { class: 'row lm-memory-controls' }, preset.node, tokens.node, vocab.node, bytes.node, chunk.node), source, out);

  const ask = latest(async (body) => postJSON('/api/lm/memory', body));
  const later = debounce(() => refresh(), 100);

  async function refresh() {
    const data = await ask({ tokens: Math.round(tokens.value), vocab: Math.round(vocab.value), bytes_per: Number(bytes.value),
      chunk: Math.round(chunk.value), lang: lang() });
    if (!data) return;
    out.replaceChildren(
      el('p', { class: 'lm-memory-line', 'data-bytes': data.bytes }, t('lm.memory_line', { tokens: data.tokens.toLocaleString(lang()),
        vocab: data.vocab.toLocaleString(lang()), bytes: data.bytes_per, size: size(data.bytes) })),
      el('p', {}, t('lm.memory_chunk_line', { chunk: data.chunk.toLocaleString(lang()), size: size(data.chunk_bytes), ratio: fmt(data.ratio, 4) })));
  }

  onLang(() => { if (node.isConnected) refresh(); });
  return {
    node,
    setPresets(p) {
      presets = p || {};
      preset.setOptions([{ value: '', label: 'lm.preset_none' },
        ...Object.entries(presets).map(([name, v]) => ({ value: name, text: `${name} (V = ${v.vocab}, ${v.context})` }))], '');
      refresh();
    },
  };
}
