// Live training curves: the Python model (losslab.notebook._live) trains in a thread and sends the trainer's
// epoch records; this file draws them, shows the progress and sends Pause / Resume / Stop as messages.
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
  root.append(title, el("div", {class: "ll-buttons"}, [bar, status, pause, stop]), figure, diagnosis,
              errorLine(model));

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
      figure.replaceChildren(plot({x: c.epoch, series, xlabel: w().epoch, ylabel: w().value, width: 480}),
                             legend(items));
    }
    root.dataset.updates = String(model.get("updates"));
    root.dataset.status = st;
  }
  function drawDiagnosis() {
    // the notebook's own HTML view of the diagnosis, escaped in Python (losslab.notebook._blocks.esc)
    diagnosis.innerHTML = model.get("diagnosis_html");
  }
  draw(); drawDiagnosis();
  for (const k of ["curves", "status", "epoch", "words", "title"]) model.on(`change:${k}`, draw);
  model.on("change:diagnosis_html", drawDiagnosis);
}

export default { render };
