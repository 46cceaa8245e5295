// The prelude of every losslab widget module (Python puts it before the widget's own file): building DOM nodes
// with text only (never markup from data), formatting numbers, and one small SVG line chart. The widgets draw
// numbers that Python computed; nothing here computes a loss.
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = String(v);
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children || []) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  return node;
}

function fmt(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return "—";
  if (typeof x !== "number") return String(x);
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits || 4)));
}

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

function ticks(lo, hi, n) {
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

// plot({x, series: [{y, colour, label, dash}], marker: {x, y, colour}, xlabel, ylabel, width, height, ylim})
function plot(o) {
  const W = o.width || 420, H = o.height || 240, L = 52, R = 22, T = 10, B = 38;
  const root = svg("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "ll-plot", role: "img"});
  const [x0, x1] = extent(o.x);
  const [y0, y1] = o.ylim || extent(o.series.flatMap((s) => s.y).concat(o.marker ? [o.marker.y] : []));
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y) => H - B - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * (H - T - B);
  for (const t of ticks(x0, x1, 6)) {
    root.append(svg("line", {x1: sx(t), x2: sx(t), y1: T, y2: H - B, class: "ll-grid"}));
    root.append(svg("text", {x: sx(t), y: H - B + 14, "text-anchor": "middle", text: fmt(t)}));
  }
  for (const t of ticks(y0, y1, 4)) {
    root.append(svg("line", {x1: L, x2: W - R, y1: sy(t), y2: sy(t), class: "ll-grid"}));
    root.append(svg("text", {x: L - 6, y: sy(t) + 4, "text-anchor": "end", text: fmt(t)}));
  }
  root.append(svg("rect", {x: L, y: T, width: W - L - R, height: H - T - B, class: "ll-frame"}));
  root.append(svg("text", {x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", text: o.xlabel || ""}));
  root.append(svg("text", {x: 12, y: (T + H - B) / 2, "text-anchor": "middle",
                           transform: `rotate(-90 12 ${(T + H - B) / 2})`, text: o.ylabel || ""}));
  for (const s of o.series) {
    let d = "", pen = false;
    s.y.forEach((y, i) => {
      const x = o.x[i];
      if (y === null || !Number.isFinite(y) || x === null) { pen = false; return; }
      d += `${pen ? "L" : "M"}${sx(x).toFixed(1)} ${sy(y).toFixed(1)}`;
      pen = true;
    });
    const path = svg("path", {d, stroke: s.colour, class: "ll-line"});
    if (s.dash) path.setAttribute("stroke-dasharray", "5 4");
    root.append(path);
  }
  if (o.marker && o.marker.y !== null && o.marker.x !== null) {
    root.append(svg("circle", {cx: sx(o.marker.x), cy: sy(o.marker.y), r: 5, fill: o.marker.colour,
                               class: "ll-marker"}));
  }
  return root;
}

function legend(items) {
  return el("div", {class: "ll-legend"}, items.map((it) =>
    el("span", {}, [el("i", {style: `background:${it.colour}`}), it.label])));
}

function errorLine(model) {
  const line = el("div", {class: "ll-error", role: "alert"});
  const show = () => { line.textContent = model.get("error") || ""; line.hidden = !model.get("error"); };
  model.on("change:error", show);
  show();
  return line;
}
