// "The same number in each library" of the teacher-and-student panel: the exact call that gives the panel's number
// in PyTorch, Keras, optax and TRL, as text (from POST /api/distill: the server writes the call and computes the
// number with losslab.distill; nothing here is run). Who goes first, and which argument is a log, differs.

import { el, fmt } from './util.js';
import { t, tr } from './i18n.js';
import { heading, para } from './controls.js';

export function librariesBox() {
  const list = el('div', { class: 'distill-libs-list' });
  const node = el('section', { class: 'distill-libs', 'aria-labelledby': 'distill-libs-h' },
    heading(3, 'distill.same_title', { id: 'distill-libs-h' }), para('distill.same_help', { class: 'help' }), list);
  const cards = new Map();

  function card(name) {
    const code = el('code', {});
    const value = el('span', { class: 'distill-lib-value', 'data-distill-lib': name });
    const note = el('p', { class: 'help distill-lib-note' });
    const pre = el('pre', { class: 'distill-code', tabindex: '0', role: 'region', 'aria-label': name }, code);
    const box = el('article', { class: 'distill-lib', 'data-library': name },
      el('h4', {}, el('span', {}, name), ' ', tr(el('span', { class: 'distill-lib-gives' }), 'distill.gives'), ' ', value), note, pre);
    const entry = { box, code, value, note };
    cards.set(name, entry);
    list.append(box);
    return entry;
  }

  return {
    node,
    show(data) {
      for (const lib of data.libraries) {
        const c = cards.get(lib.library) || card(lib.library);
        if (c.code.textContent !== lib.code) c.code.textContent = lib.code;
        c.value.textContent = fmt(lib.value, 5);
        c.value.title = String(lib.value);
        if (c.note.textContent !== lib.note) c.note.textContent = lib.note;
      }
      node.dataset.t2 = fmt(data.t2, 4);
      if (!node.querySelector('.distill-lib-t2')) node.insertBefore(el('p', { class: 'help distill-lib-t2' }), list);
      node.querySelector('.distill-lib-t2').textContent = t('distill.same_t2', { t2: fmt(data.t2, 4), kl: fmt(data.kl_forward, 5) });
    },
  };
}
