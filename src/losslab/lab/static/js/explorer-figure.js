// The explorer's figure helpers: the swatch of each loss in the readout (the figure's own colour, dash pattern
// and marker shape, so the table and the figure read together) and the marker layers of the current point.

import { el, svg, colour } from './util.js';
import { addLayers } from './chart.js';

const SHAPES = ['●', '■', '▲', '◆', '✚', '▼'];
const SHAPE_NAMES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];

/** The first encoding of `channel` with a field "series" anywhere in a spec. */
export function findEncoding(node, channel) {
  if (!node || typeof node !== 'object') return null;
  if (node.encoding && node.encoding[channel] && node.encoding[channel].field === 'series' && node.encoding[channel].scale) return node.encoding[channel];
  for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
    if (Array.isArray(node[key])) {
      for (const child of node[key]) {
        const found = findEncoding(child, channel);
        if (found) return found;
      }
    }
  }
  return null;
}

function rangeOf(spec, channel) {
  const found = spec && findEncoding(spec, channel);
  return found && found.scale && found.scale.range;
}

/** The legend labels of a spec, in the order of its losses. */
export function seriesLabels(spec) {
  const enc = findEncoding(spec, 'color');
  return (enc && enc.scale && enc.scale.domain) || [];
}

/** The swatch of the k-th loss: before the figure comes (spec null), the same palette (boot payload). */
export function swatchFor(spec, k) {
  const range = rangeOf(spec, 'color');
  const c = range && range.length ? range[k % range.length] : colour(k);
  const dashes = rangeOf(spec, 'strokeDash') || [];
  const dash = dashes[k];
  const dashed = dash && dash.length && !(dash.length === 2 && dash[1] === 0);
  const line = svg('svg', { width: 30, height: 12, viewBox: '0 0 30 12' },
    svg('line', { x1: 0, y1: 6, x2: 30, y2: 6, stroke: c, 'stroke-width': 2.5,
      'stroke-dasharray': dashed ? dash.join(' ') : null }));
  return el('span', { class: 'swatch-box', 'aria-hidden': 'true' }, line, el('span', { class: 'shape', style: { color: c } }, SHAPES[k % SHAPES.length]));
}

/** The current point's layers: a rule at x and one marker layer per loss, each with its own shape (a shape
 *  scale would take the legend away). `got` is the server's figure answer (x_field, panels). */
export function addMarkerLayers(spec, got, labels) {
  const xf = got.x_field;
  const lineColour = findEncoding(spec, 'color');
  addLayers(spec, (i) => {
    const y = (got.panels[i] || got.panels[0]).y;
    const markers = labels.map((label, k) => ({
      data: { name: 'marker' }, transform: [{ filter: { field: 'series', equal: label } }],
      mark: { type: 'point', filled: true, size: 110, stroke: '#111', strokeWidth: 1, opacity: 1, shape: SHAPE_NAMES[k % SHAPE_NAMES.length],
        color: ((lineColour && lineColour.scale && lineColour.scale.range) || [])[k] || colour(k) },
      encoding: {
        x: { field: xf, type: 'quantitative' }, y: { field: y, type: 'quantitative' },
        tooltip: [{ field: 'series', type: 'nominal' }, { field: y, type: 'quantitative', format: '.5g' }],
      },
    }));
    return [
      { data: { name: 'marker' }, mark: { type: 'rule', color: '#333', strokeDash: [2, 2] }, encoding: { x: { field: xf, type: 'quantitative' } } },
      ...markers,
    ];
  });
}
