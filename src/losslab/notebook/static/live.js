// Live training curves: the Python model (losslab.notebook._live) trains in a thread and sends the trainer's
// epoch records; this file draws them, shows the progress and sends Pause / Resume / Stop as messages. On 2-D
// classification data it also draws the decision map Python computed (training.decision_map: one byte per cell,
// base64) as a heat map in the package palette, with the training points over it.
const MAP_SIDE = 220;

function rgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

// The map's n × n cells as pixels: the class's colour mixed with white, stronger where the model is surer.
function mapPixels(d, palette, image) {
  const bytes = Uint8Array.from(atob(d.data), (c) => c.charCodeAt(0));
  const cols = palette.map(rgb), px = image.data, chance = 1 / Math.max(2, d.classes);
  for (let i = 0; i < d.n * d.n; i++) {
    let colour, sure;
    if (d.kind === "classes") {
      colour = cols[bytes[2 * i] % cols.length];
      sure = (bytes[2 * i + 1] / 255 - chance) / (1 - chance);
    } else {
      const p = bytes[i] / 255;
      colour = p >= 0.5 ? cols[1] : cols[0];
      sure = Math.abs(2 * p - 1);
    }
    const s = 0.1 + 0.6 * Math.min(1, Math.max(0, sure));
    for (let c = 0; c < 3; c++) px[4 * i + c] = Math.round(255 + (colour[c] - 255) * s);
    px[4 * i + 3] = 255;
  }
}
function render({ model, el: host }) {
  const root = el("div", {class: "losslab-widget ll-live"});
  host.append(root);
  const w = () => model.get("words");
  const title = el("h4", {class: "ll-title"});
  const bar = el("progress", {max: 1, value: 0});
  const status = el("span", {"data-ll": "status"});
  const pause = el("button", {"data-ll": "pause", onclick: () =>
    model.send({action: model.get("status") === "paused" ? "resume" : "pause"})});
  const stop = el("button", {"data-ll": "stop", onclick: () => model.send({action: "stop"})});
  const figure = el("div", {class: "ll-figure"});
  const diagnosis = el("div", {class: "ll-diagnosis"});
  const canvas = el("canvas", {width: MAP_SIDE, height: MAP_SIDE, "data-ll": "map-canvas"});
  const mapTitle = el("div", {class: "ll-map-title"});
  const mapLegend = el("div", {class: "ll-legend"});
  const mapWords = el("p", {class: "ll-note"});
  const mapBox = el("div", {class: "ll-map", "data-ll": "map", hidden: true}, [mapTitle, canvas, mapLegend, mapWords]);
  const note = el("p", {class: "ll-note", "data-ll": "map-note", hidden: true});
  const cells = document.createElement("canvas"), dots = document.createElement("canvas");
  let dotsFor = "";
  root.append(title, el("div", {class: "ll-buttons"}, [bar, status, pause, stop]),
              el("div", {class: "ll-live-row"}, [figure, mapBox]), note, diagnosis, errorLine(model));

  function draw() {
    const c = model.get("curves"), palette = model.get("palette"), st = model.get("status");
    title.textContent = model.get("title");
    const n = model.get("epoch"), total = model.get("epochs") || n || 1;
    bar.max = total; bar.value = n;
    const acc = c.val_accuracy && c.val_accuracy.length ? c.val_accuracy[c.val_accuracy.length - 1] : null;
    status.textContent = `${w()[st] || st} · ${w().progress.replace("{epoch}", n).replace("{epochs}", total)}` +
      (acc !== null ? ` · acc ${fmt(acc, 3)}` : "");
    pause.textContent = st === "paused" ? w().resume : w().pause;
    stop.textContent = w().stop;
    const live = st === "running" || st === "paused" || st === "starting";
    pause.disabled = !live; stop.disabled = !live;
    if (c.epoch && c.epoch.length) {
      const series = [{y: c.train_loss, colour: palette[0]}];
      const items = [{colour: palette[0], label: w().train_loss}];
      if (c.val_loss && c.val_loss.some((v) => v !== null)) {
        series.push({y: c.val_loss, colour: palette[1]});
        items.push({colour: palette[1], label: w().val_loss});
      }
      figure.replaceChildren(plot({x: c.epoch, series, xlabel: w().epoch, ylabel: w().value, width: 420}),
                             legend(items));
    }
    root.dataset.updates = String(model.get("updates"));
    root.dataset.status = st;
  }
  function drawMap() {
    const d = model.get("decision"), pts = model.get("points") || {}, palette = model.get("palette");
    note.textContent = model.get("map_note");
    note.hidden = !model.get("map_note");
    if (!d || !d.data) { mapBox.hidden = true; return; }
    mapBox.hidden = false;
    mapTitle.textContent = w().map_title.replace("{epoch}", d.epoch);
    mapWords.textContent = w()["map_" + d.kind] || "";
    const key = JSON.stringify([d.extent, palette, pts.names, (pts.x1 || []).length]);
    if (key !== dotsFor) drawDots(d, pts, palette);
    dotsFor = key;
    cells.width = d.n; cells.height = d.n;
    const small = cells.getContext("2d"), image = small.createImageData(d.n, d.n);
    mapPixels(d, palette, image);
    small.putImageData(image, 0, 0);
    // cell i is the grid point i of n (the edges included): its centre sits at i / (n − 1) of the side
    const ctx = canvas.getContext("2d"), cell = MAP_SIDE / (d.n - 1);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(cells, -cell / 2, -cell / 2, MAP_SIDE + cell, MAP_SIDE + cell);
    ctx.drawImage(dots, 0, 0);
    root.dataset.mapEpoch = String(d.epoch);
  }
  // The training points and the frame, drawn once per data set (they do not move while it trains).
  function drawDots(d, pts, palette) {
    mapLegend.replaceChildren(...(pts.names || []).map((name, k) =>
      el("span", {}, [el("i", {style: `background:${palette[k % palette.length]}`}), name])));
    dots.width = MAP_SIDE; dots.height = MAP_SIDE;
    const ctx = dots.getContext("2d");
    const at = (v, flip) => ((flip ? d.extent - v : v + d.extent) / (2 * d.extent)) * MAP_SIDE;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#fff";
    (pts.x1 || []).forEach((x1, i) => {
      ctx.beginPath();
      ctx.arc(at(x1, false), at(pts.x2[i], true), 3, 0, 2 * Math.PI);
      ctx.fillStyle = palette[pts.label[i] % palette.length];
      ctx.fill(); ctx.stroke();
    });
    ctx.strokeStyle = "#999";
    ctx.strokeRect(0.5, 0.5, MAP_SIDE - 1, MAP_SIDE - 1);
  }
  function drawDiagnosis() {
    // the notebook's own HTML view of the diagnosis, escaped in Python (losslab.notebook._blocks.esc)
    diagnosis.innerHTML = model.get("diagnosis_html");
  }
  // One update changes several traits at once: draw each part at most once per frame of the page.
  const due = new Set();
  const later = (fn) => () => {
    if (!due.size) requestAnimationFrame(() => { const fns = [...due]; due.clear(); fns.forEach((f) => f()); });
    due.add(fn);
  };
  draw(); drawMap(); drawDiagnosis();
  for (const k of ["curves", "status", "epoch", "words", "title"]) model.on(`change:${k}`, later(draw));
  for (const k of ["decision", "points", "map_note", "words"]) model.on(`change:${k}`, later(drawMap));
  model.on("change:diagnosis_html", drawDiagnosis);
}

export default { render };
