// Form controls with their labels: each is keyboard-operable, labelled for screen readers, carries the URL
// key it writes (data-key, so a link can hide it) and speaks the page's language (data-t).

import { el, newId, fmt } from './util.js';
import { t, tr, onLang } from './i18n.js';

/** A labelled range slider with its value shown beside it (an <output> tied to the input). `label` is a text key,
 *  or a function giving the words (called again when the language changes). */
export function slider({ key, label, min, max, step, value, format = fmt, onInput, onChange, help }) {
  const id = newId('slider');
  const input = el('input', {
    type: 'range', id, min, max, step, value, 'data-key': key,
    'aria-describedby': help ? `${id}-help` : null,
  });
  const out = el('output', { for: id, class: 'value', 'aria-hidden': 'true' }, format(Number(value)));
  const name = typeof label === 'function' ? el('span', {}, label()) : tr(el('span'), label);
  if (typeof label === 'function') onLang(() => { name.textContent = label(); });
  const lab = el('label', { for: id }, name);
  const wrap = el('div', { class: 'control slider', 'data-key': key },
    el('div', { class: 'control-head' }, lab, out), input,
    help ? tr(el('p', { class: 'help', id: `${id}-help` }), help) : null);
  const update = () => {
    const v = Number(input.value);
    out.textContent = format(v);
    input.setAttribute('aria-valuetext', format(v));
  };
  update();
  input.addEventListener('input', (event) => { update(); if (onInput) onInput(Number(input.value), event); });
  input.addEventListener('change', (event) => { if (onChange) onChange(Number(input.value), event); });
  return {
    node: wrap, input,
    get value() { return Number(input.value); },
    set value(v) { input.value = v; update(); },
    refresh: update,
  };
}

/** A labelled <select>; options: [{value, label (text key) | text}]. */
export function select({ key, label, options, value, onChange }) {
  const id = newId('select');
  const input = el('select', { id, 'data-key': key });
  const fill = (opts) => {
    input.replaceChildren(...opts.map((o) => {
      const opt = el('option', { value: o.value });
      if (o.label) tr(opt, o.label, o.vars); else opt.textContent = o.text;
      return opt;
    }));
  };
  fill(options);
  input.value = value;
  input.addEventListener('change', () => onChange && onChange(input.value));
  const wrap = el('div', { class: 'control select', 'data-key': key },
    tr(el('label', { for: id }), label), input);
  return {
    node: wrap, input,
    get value() { return input.value; },
    set value(v) { input.value = v; },
    setOptions(opts, v) { fill(opts); input.value = v; },
  };
}

/** A group of radio buttons in a fieldset with a legend (arrow keys move between them). */
export function radios({ key, label, options, value, onChange, inline = true }) {
  const name = newId('radio');
  const inputs = [];
  const fieldset = el('fieldset', { class: `control radios${inline ? ' inline' : ''}`, 'data-key': key },
    tr(el('legend'), label),
    ...options.map((o) => {
      const id = newId('opt');
      const input = el('input', { type: 'radio', name, id, value: o.value, checked: o.value === value });
      input.addEventListener('change', () => { if (input.checked && onChange) onChange(o.value); });
      inputs.push(input);
      const text = el('span');
      if (o.label) tr(text, o.label, o.vars); else text.textContent = o.text;
      return el('label', { for: id, class: 'choice' }, input, text);
    }));
  return {
    node: fieldset, inputs,
    get value() { const c = inputs.find((i) => i.checked); return c ? c.value : null; },
    set value(v) { for (const i of inputs) i.checked = i.value === v; },
  };
}

/** Checkboxes in a fieldset; value is the list of checked values. */
export function checks({ key, label, options, value, onChange }) {
  const inputs = [];
  const fieldset = el('fieldset', { class: 'control checks', 'data-key': key },
    tr(el('legend'), label),
    ...options.map((o) => {
      const id = newId('chk');
      const input = el('input', { type: 'checkbox', id, value: o.value, checked: value.includes(o.value) });
      input.addEventListener('change', () => onChange && onChange(inputs.filter((i) => i.checked).map((i) => i.value)));
      inputs.push(input);
      const text = el('span');
      if (o.label) tr(text, o.label, o.vars); else text.textContent = o.text;
      return el('label', { for: id, class: 'choice' }, input, o.swatch || null, text);
    }));
  return {
    node: fieldset, inputs,
    get value() { return inputs.filter((i) => i.checked).map((i) => i.value); },
    set value(v) { for (const i of inputs) i.checked = v.includes(i.value); },
  };
}

/** One checkbox with its label. */
export function toggle({ key, label, value, onChange }) {
  const id = newId('tog');
  const input = el('input', { type: 'checkbox', id, checked: !!value, 'data-key': key });
  input.addEventListener('change', () => onChange && onChange(input.checked));
  const wrap = el('div', { class: 'control toggle', 'data-key': key }, input, tr(el('label', { for: id }), label));
  return { node: wrap, input, get value() { return input.checked; }, set value(v) { input.checked = !!v; } };
}

/** A labelled number input. */
export function number({ key, label, value, min, max, step = 1, onChange }) {
  const id = newId('num');
  const input = el('input', { type: 'number', id, value, min, max, step, 'data-key': key, inputmode: 'decimal' });
  input.addEventListener('change', () => {
    let v = Number(input.value);
    if (!Number.isFinite(v)) v = Number(value);
    if (min !== undefined) v = Math.max(min, v);
    if (max !== undefined) v = Math.min(max, v);
    input.value = v;
    if (onChange) onChange(v);
  });
  const wrap = el('div', { class: 'control number', 'data-key': key }, tr(el('label', { for: id }), label), input);
  return { node: wrap, input, get value() { return Number(input.value); }, set value(v) { input.value = v; } };
}

/** A button with translated text (and optional aria-label key). */
export function button({ label, onClick, key, kind = '', ariaLabel, icon }) {
  const b = el('button', { type: 'button', class: `btn ${kind}`.trim(), 'data-key': key });
  if (icon) b.append(el('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[icon] ? iconSvg(icon) : icon));
  b.append(tr(el('span', { class: 'label' }), label));
  if (ariaLabel) { b.dataset.tLabel = ariaLabel; b.setAttribute('aria-label', t(ariaLabel)); }
  b.addEventListener('click', onClick);
  return b;
}

const ICONS = {
  play: 'M5 3 L13 8 L5 13 Z',
  pause: 'M4 3 H7 V13 H4 Z M9 3 H12 V13 H9 Z',
  step: 'M3 3 L10 8 L3 13 Z M11 3 H13 V13 H11 Z',
  reset: 'M8 2 A6 6 0 1 1 2.5 5.5 L1 4 L1 8.5 L5.5 8.5 L4 7 A4.2 4.2 0 1 0 8 3.8 Z',
};

/** A small inline icon (drawn here, so that no font is needed for it). */
export function iconSvg(name) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  node.setAttribute('viewBox', '0 0 16 16');
  node.setAttribute('width', '1em');
  node.setAttribute('height', '1em');
  node.setAttribute('focusable', 'false');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  node.append(path);
  return node;
}

/** A heading with translated text. */
export function heading(level, key, attrs = {}) {
  return tr(el(`h${level}`, attrs), key);
}

export function para(key, attrs = {}, vars) {
  return tr(el('p', attrs), key, vars);
}

/** A box that scrolls sideways when its table is wider than the screen: focusable and named, so that keyboard and
 *  screen-reader users can scroll it too (WCAG 2.1.1). */
export function scrollBox(child, { cls = 'table-wrap', label = 'common.table_region' } = {}) {
  const box = el('div', { class: cls, tabindex: '0', role: 'region' }, child);
  box.dataset.tLabel = label;
  box.setAttribute('aria-label', t(label));
  return box;
}
