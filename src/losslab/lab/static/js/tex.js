// Formulas typeset with KaTeX (issue 16), vendored under /static/vendor/katex: nothing is asked of any server but
// the lab's own (the page's CSP allows no other). The script and its stylesheet are loaded with the first formula
// shown; until then, and should loading fail, the formula's plain text stands in its place.

import { el } from './util.js';

const BASE = '/static/vendor/katex';
let loading = null;

function load() {
  if (window.katex) return Promise.resolve(window.katex);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      document.head.append(el('link', { rel: 'stylesheet', href: `${BASE}/katex.min.css` }));
      const script = el('script', { src: `${BASE}/katex.min.js` });
      script.addEventListener('load', () => resolve(window.katex));
      script.addEventListener('error', () => { loading = null; reject(new Error('KaTeX did not load')); });
      document.head.append(script);
    });
  }
  return loading;
}

/** A formula: `latex` typeset (with MathML for screen readers), `plain` shown until then or instead. */
export function formula(latex, plain, { display = false } = {}) {
  const node = el('span', { class: display ? 'tex tex-display' : 'tex' }, el('code', {}, plain || latex || ''));
  if (!latex) return node;
  load().then((katex) => {
    katex.render(latex, node, { throwOnError: false, displayMode: display, output: 'htmlAndMathml', strict: 'ignore' });
    node.classList.add('typeset');
  }).catch(() => { /* the plain text stays */ });
  return node;
}
