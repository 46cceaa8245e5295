// The custom-loss editor: the text typed here goes to Python (losslab.notebook._editor), which parses it with
// losslab's own grammar and sends back how it reads, its derivative, its curve and the property report.
function render({ model, el: host }) {
  const root = el("div", {class: "losslab-widget ll-editor"});
  host.append(root);
  const w = () => model.get("words");
  const formula = el("input", {type: "text", "data-ll": "formula", value: model.get("formula"), spellcheck: "false"});
  const params = el("input", {type: "text", "data-ll": "params", value: model.get("params")});
  const push = () => { model.set({formula: formula.value, params: params.value}); model.save_changes(); };
  let timer = null;
  for (const box of [formula, params]) box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(push, 150); });
  const task = el("select", {"data-ll": "task", onchange: (e) => { model.set("task", e.target.value); model.save_changes(); }});
  const title = el("h4", {class: "ll-title"});
  const labels = [el("span"), el("span"), el("span")];
  const reads = el("div", {class: "ll-reads"});
  const figure = el("div", {class: "ll-figure"});
  const said = el("ul", {class: "ll-report", "data-ll": "report"});
  root.append(title, el("label", {class: "ll-wide"}, [labels[0], formula]), el("div", {class: "ll-row"}, [
    el("label", {}, [labels[1], params]), el("label", {}, [labels[2], task])]), errorLine(model), reads, figure, said);

  function draw() {
    title.textContent = w().title;
    labels[0].textContent = w().formula; labels[1].textContent = w().params; labels[2].textContent = w().task;
    task.replaceChildren(...["regression", "binary"].map((t) =>
      el("option", {value: t, text: w()[t], selected: t === model.get("task")})));
    const r = model.get("reads"), c = model.get("curve"), palette = model.get("palette");
    reads.replaceChildren(...(r.plain ? [
      el("div", {}, [`${w().reads}: `, el("code", {text: r.plain})]),
      el("div", {}, [`${w().derivative}: `, el("code", {text: r.derivative})]),
      ...(r.unused && r.unused.length ? [el("div", {class: "ll-note", text: `${w().unused}: ${r.unused.join(", ")}`})] : [])]
      : []));
    figure.replaceChildren(...(c.x ? [plot({x: c.x, series: [{y: c.value, colour: palette[0]},
      {y: c.slope, colour: palette[1], dash: true}], xlabel: c.axis, ylabel: w().curve}),
      legend([{colour: palette[0], label: w().value}, {colour: palette[1], label: w().slope}])] : []));
    said.replaceChildren(...model.get("report").map((p) => el("li", {
      class: p.ok === true ? "ll-ok" : p.ok === false ? "ll-bad" : "",
      text: `${p.ok === true ? "✓" : p.ok === false ? "✗" : "·"} ${p.sentence}`})));
    const pos = model.get("position");
    if (pos !== null && pos !== undefined && document.activeElement !== formula) formula.setSelectionRange(pos, pos + 1);
  }
  draw();
  for (const k of ["reads", "curve", "report", "words", "position", "task"]) model.on(`change:${k}`, draw);
  model.on("change:formula", () => { if (formula.value !== model.get("formula")) formula.value = model.get("formula"); });
}

export default { render };
