// A figure's spec fitted to the width its chart has on this screen: side-by-side panels that do not fit are stacked,
// a panel wider than the room left is narrowed (its height follows, so a board stays square), long titles and axis
// titles are broken into lines, and a narrow screen gets its legend in rows. The spec from losslab.figures is never
// changed: each fit works on a copy, so the chart can be fitted again when its container changes size.

const CJK = /[\u2E80-\u9FFF\uF900-\uFAFF\uFF00-\uFFEF]/;
const MIN_WIDTH = 140;

/** About how wide `text` is drawn at `size` px (a CJK character is square, a Latin one about half as wide). */
export function textWidth(text, size) {
  let w = 0;
  for (const ch of String(text)) w += CJK.test(ch) ? size : 0.56 * size;
  return w;
}

/** `text` (a string or lines) broken into lines of at most `width` px; one line stays a string. */
export function wrap(text, width, size) {
  if (Array.isArray(text)) return text.flatMap((line) => [].concat(wrap(line, width, size)));
  if (typeof text !== 'string' || textWidth(text, size) <= width) return text;
  const words = text.split(/(?<=\s)|(?=[\u3000-\u9FFF])/u); // spaces end a word; every CJK character is one
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line && textWidth(line + word, size) > width) { lines.push(line.trimEnd()); line = word.trimStart(); } else line += word;
  }
  if (line) lines.push(line.trimEnd());
  return lines.length === 1 ? lines[0] : lines;
}

function wrapTitle(owner, width, size, subSize) {
  if (!owner || owner.title === undefined || owner.title === null) return;
  if (typeof owner.title === 'string' || Array.isArray(owner.title)) owner.title = wrap(owner.title, width, size);
  else if (typeof owner.title === 'object') {
    if (owner.title.text !== undefined) owner.title.text = wrap(owner.title.text, width, size);
    if (owner.title.subtitle !== undefined) owner.title.subtitle = wrap(owner.title.subtitle, width, subSize);
  }
}

/** Break the x-axis titles of a view (and of its layers) to its width, the y-axis titles to its height. */
function wrapAxes(view, width, height, size) {
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    if (node.encoding) {
      for (const [channel, room] of [['x', width], ['y', height]]) {
        const enc = node.encoding[channel];
        if (!enc || typeof enc !== 'object' || typeof room !== 'number') continue;
        if (typeof enc.title === 'string') enc.title = wrap(enc.title, room, size);
        if (enc.axis && typeof enc.axis.title === 'string') enc.axis.title = wrap(enc.axis.title, room, size);
      }
    }
    for (const child of node.layer || []) walk(child);
  };
  walk(view);
}

/**
 * A copy of `base` that fits in `avail` px. `overhead`: the px a panel needs beside its plot (axis labels and
 * titles), learnt from the last drawing. `options.subtitle` false: the figure's subtitle is left out (a projector
 * shows the same words in larger type beside it, and its lines would push the plot below the screen).
 */
export function fitSpec(base, avail, overhead = 70, options = {}) {
  const spec = structuredClone(base);
  if (options.subtitle === false && spec.title && typeof spec.title === 'object') delete spec.title.subtitle;
  if (!(avail > 0)) return spec;
  const config = spec.config || {};
  const titleSize = (config.title && config.title.fontSize) || 13;
  const subSize = (config.title && config.title.subtitleFontSize) || 11;
  const axisSize = (config.axis && config.axis.titleFontSize) || 11;
  const spacing = typeof spec.spacing === 'number' ? spec.spacing : 20;
  if (spec.hconcat) {
    const need = spec.hconcat.reduce((sum, p) => sum + (typeof p.width === 'number' ? p.width : 300) + overhead, 0)
      + spacing * (spec.hconcat.length - 1);
    if (need > avail) { spec.vconcat = spec.hconcat; delete spec.hconcat; }
  }
  const panels = spec.hconcat || spec.vconcat || [spec];
  const room = Math.max(MIN_WIDTH, avail - overhead);
  for (const p of panels) {
    const tall = typeof p.height === 'number' ? p.height : undefined; // y titles keep their lines: more would widen it
    if (!spec.hconcat && typeof p.width === 'number' && p.width > room) {
      const f = room / p.width;
      p.width = Math.round(room);
      if (typeof p.height === 'number') p.height = Math.max(100, Math.round(p.height * f));
    }
    const width = typeof p.width === 'number' ? p.width : room;
    if (p !== spec) wrapTitle(p, width, titleSize, subSize);
    wrapAxes(p, width, tall, axisSize);
  }
  // the width of a line is a guess (per-character widths): 40 px spare, or the title alone widens the view past its
  // box and every refit narrows the plots instead
  wrapTitle(spec, Math.max(MIN_WIDTH, avail - 40), titleSize, subSize);
  if (avail < 640) {
    spec.config = { ...config, legend: { ...(config.legend || {}), columns: Math.max(1, Math.floor(avail / 160)),
      labelLimit: Math.max(80, avail - 60) } };
  }
  return spec;
}
