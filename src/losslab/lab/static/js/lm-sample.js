// Inference mode of the next-token panel: no target, so no loss. Temperature, top-k and top-p change how the next
// token is drawn (POST /api/lm/sample); the server also quotes the model's training loss, taken at T = 1 on every
// token, which the read-out shows unchanged whatever the settings.

import { el, fmt, latest, debounce, newId } from './util.js';
import { t, tr, lang } from './i18n.js';
import { postJSON } from './api.js';
import { slider, number, button, scrollBox } from './controls.js';

/** How a token reads on the page: a line break and a space made visible. */
export function shown(token) { return token.replace(/\n/g, '↵').replace(/ /g, '␣'); }

const PROMPTS = { 'ja-synthetic': '今日は', 'en-synthetic': 'The ', 'en-hamlet': 'To be' };

export function sampleBox({ request }) {
  let lastCorpus = null;
  const promptId = newId('lm-prompt');
  const prompt = el('input', { type: 'text', id: promptId, class: 'lm-prompt', maxlength: 200, 'data-key': 'l.prompt', spellcheck: 'false' });
  prompt.value = PROMPTS['ja-synthetic'];
  const temperature = slider({ key: 'l.temp', label: 'lm.temperature', min: 0.1, max: 3, step: 0.05, value: 1,
    onInput: () => later() });
  const topK = number({ key: 'l.topk', label: 'lm.top_k', value: 0, min: 0, max: 4096, step: 1, onChange: () => later() });
  const topP = slider({ key: 'l.topp', label: 'lm.top_p', min: 0.05, max: 1, step: 0.05, value: 1, onInput: () => later() });
  const length = number({ key: 'l.len', label: 'lm.length', value: 60, min: 1, max: 400, step: 1, onChange: () => later() });
  const generate = button({ label: 'lm.generate', kind: 'primary', key: 'l.generate', onClick: () => refresh() });
  generate.classList.add('lm-generate');
  const output = el('pre', { class: 'lm-output', 'aria-live': 'polite' });
  const lossLine = el('p', { class: 'lm-training-loss', 'aria-live': 'polite' });
  const table = scrollBox(null);
  const node = el('div', { class: 'lm-sample', 'data-ready': 'false' },
    el('div', { class: 'control' }, tr(el('label', { for: promptId }), 'lm.prompt'), prompt),
    el('div', { class: 'lm-sample-controls' }, temperature.node, topK.node, topP.node, length.node), generate,
    tr(el('h4'), 'lm.generated'), output, lossLine, table);

  const draw = latest(async (body) => postJSON('/api/lm/sample', body));
  const later = debounce(() => refresh(), 120);

  async function refresh() {
    const base = request();
    if (base.corpus !== lastCorpus) { // a new corpus: its own example prompt, unless the user wrote one
      if (lastCorpus === null || prompt.value === PROMPTS[lastCorpus]) prompt.value = PROMPTS[base.corpus] || '';
      lastCorpus = base.corpus;
    }
    node.dataset.ready = 'busy';
    const k = Math.round(topK.value);
    const data = await draw({ ...base, prompt: prompt.value, temperature: temperature.value, top_k: k > 0 ? k : null,
      top_p: topP.value < 1 ? topP.value : null, length: Math.round(length.value), seed: 0, lang: lang() });
    if (!data) { node.dataset.ready = 'error'; return; }
    output.replaceChildren(el('span', { class: 'lm-prompt-echo' }, data.prompt), data.text);
    lossLine.dataset.loss = String(data.training_loss);
    lossLine.textContent = t('lm.training_loss', { loss: fmt(data.training_loss, 4) });
    const row = (x) => el('tr', {}, el('th', { scope: 'row' }, shown(x.token)),
      ...[x.model, x.sampled].map((v) => el('td', { class: 'num' },
        el('span', { class: 'lm-bar small', 'aria-hidden': 'true' }, el('span', { style: { width: `${(100 * v).toFixed(1)}%` } })),
        ` ${fmt(v, 3)}`)));
    table.replaceChildren(el('table', { class: 'lm-next' }, el('caption', {}, t('lm.next_dist')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('lm.col_token')), el('th', { scope: 'col' }, t('lm.col_model')),
        el('th', { scope: 'col' }, t('lm.col_sampled')))),
      el('tbody', {}, ...data.next.map(row))));
    node.dataset.ready = 'true';
  }

  return { node, refresh };
}
