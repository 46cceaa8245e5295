// The explorer's words and its ways on (issue 16): what "loss", "cost" and "objective" mean, defined where the
// explorer uses them, and links to the panels where the same loss is met again — the next token of a language
// model (lm) and the teacher and the student of distillation (distill). A link opens its panel in place (through
// the header's own link, so that the panel loads as from the header); without scripts it is an ordinary link.

import { el } from './util.js';
import { t, tr } from './i18n.js';
import * as S from './state.js';

const TERMS = ['loss', 'cost', 'objective'];
const NEXT = ['lm', 'distill'];

export function wordsBox() {
  const list = el('dl', { class: 'terms-list' });
  for (const term of TERMS) {
    list.append(tr(el('dt', { id: `term-${term}` }), `explorer.term_${term}`),
      tr(el('dd', {}), `explorer.term_${term}_def`));
  }
  const terms = el('details', { class: 'terms', 'data-group': 'intro' },
    tr(el('summary'), 'explorer.terms_title'), list);
  const links = NEXT.map((id) => {
    const lang = S.get('lang', null);
    const a = el('a', { href: `?panel=${id}${lang ? `&lang=${lang}` : ''}`, 'data-goto': id });
    tr(a, `explorer.next_${id}`);
    a.addEventListener('click', (e) => {
      const nav = document.querySelector(`#nav a[data-panel="${id}"]`);
      if (!nav || e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      nav.click();
    });
    return el('li', {}, a);
  });
  const next = el('nav', { class: 'next-panels', 'data-group': 'intro' },
    tr(el('p', { class: 'help' }), 'explorer.next_title'), el('ul', {}, ...links));
  next.dataset.tLabel = 'explorer.next_title';
  next.setAttribute('aria-label', t('explorer.next_title'));
  return { terms, next };
}
