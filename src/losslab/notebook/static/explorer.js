// The loss explorer: the Python model (losslab.notebook._explorer) sends the choices, the sliders (from the
// definitions' Param.slider), the curve and the catalog's value and gradient; this file only draws them.
function render({ model, el: host }) {
  const root = el("div", {class: "losslab-widget ll-explorer"});
  host.append(root);
  let seq = model.get("seq");
  const w = () => model.get("words");
  const send = (changes) => { model.set(changes); model.save_changes(); };

  const head = el("div", {class: "ll-row"});
  const sliderBox = el("div", {class: "ll-sliders"});
  const numbers = el("div", {class: "ll-numbers"});
  const figure = el("div", {class: "ll-figure"});
  const warnings = el("div", {class: "ll-warn"});
  root.append(el("h4", {class: "ll-title"}), head, sliderBox, numbers, figure, warnings, errorLine(model));

  function select(label, options, current, onchange, name) {
    const s = el("select", {"data-ll": name, onchange: (e) => onchange(e.target.value)},
      options.map((o) => el("option", {value: o.id, text: o.label, selected: o.id === current})));
    return el("label", {}, [el("span", {text: label}), s]);
  }

  function range(name, label, lo, hi, step, value, onmove) {
    const input = el("input", {type: "range", min: lo, max: hi, step, value, "data-ll": name});
    const out = el("output", {text: fmt(value)});
    input.addEventListener("input", () => { out.textContent = fmt(Number(input.value)); onmove(Number(input.value)); });
    return el("label", {class: "ll-slider"}, [el("span", {text: label}), input, out]);
  }

  function moved(changes) {
    seq += 1;
    send({...changes, seq});
  }

  function drawHead() {
    root.querySelector(".ll-title").textContent = w().title;
    head.replaceChildren(
      select(w().task, model.get("tasks").map((t) => ({id: t.id, label: t.label})), model.get("task"),
             (v) => send({task: v}), "task"),
      select(w().loss, model.get("losses").map((l) => ({id: l.name, label: l.title})), model.get("loss"),
             (v) => send({loss: v}), "loss"));
  }

  function drawSliders() {
    const [lo, hi, step] = model.get("pred_slider");
    const cls = model.get("task") === "classification";
    const params = model.get("params");
    const rows = [range("pred", cls ? w().score : w().pred, lo, hi, step, model.get("pred"),
                        (v) => moved({pred: v}))];
    if (cls) {
      rows.push(select(w().label, [{id: "0", label: "0"}, {id: "1", label: "1"}], String(model.get("target")),
                       (v) => moved({target: Number(v)}), "target"));
    } else {
      rows.push(range("target", w().target, lo, hi, step, model.get("target"), (v) => moved({target: v})));
    }
    for (const s of model.get("sliders")) {
      const row = range(`param-${s.name}`, s.name, s.min, s.max, s.step, params[s.name] ?? s.value,
                        (v) => send({params: {...model.get("params"), [s.name]: v}}));
      row.title = s.doc;
      rows.push(row);
    }
    if (!model.get("sliders").length) rows.push(el("p", {class: "ll-note", text: w().no_params}));
    sliderBox.replaceChildren(...rows);
  }

  function drawNumbers() {
    const cls = model.get("task") === "classification";
    const c = model.get("curve");
    const palette = model.get("palette");
    root.dataset.answered = String(model.get("answered"));  // which slider move is answered (tests, benchmark)
    numbers.replaceChildren(
      el("span", {}, [`${w().value} = `, el("b", {"data-ll": "value", text: fmt(model.get("value"), 6)})]),
      el("span", {}, [`${w().grad} = `, el("b", {"data-ll": "grad", text: fmt(model.get("grad"), 6)})]));
    if (!c.value) { figure.replaceChildren(); return; }
    const x = Array.from({length: c.n}, (_, i) => c.low + i * c.step);
    const at = cls ? model.get("pred") : model.get("pred") - model.get("target");
    figure.replaceChildren(
      plot({x, series: [{y: c.value, colour: palette[0]}, {y: c.grad, colour: palette[1], dash: true}],
            marker: {x: at, y: model.get("value"), colour: palette[0]}, width: 520,
            xlabel: cls ? w().axis_score : w().axis_error, ylabel: c.label}),
      legend([{colour: palette[0], label: `${c.label}: ${w().value}`},
              {colour: palette[1], label: w().grad}]));
    warnings.textContent = (model.get("warnings") || []).join(" ");
  }

  drawHead(); drawSliders(); drawNumbers();
  model.on("change:tasks", drawHead);
  model.on("change:losses", drawHead);
  model.on("change:loss", () => { drawHead(); });
  model.on("change:sliders", drawSliders);
  model.on("change:task", () => { drawHead(); drawSliders(); });
  model.on("change:words", () => { drawHead(); drawSliders(); drawNumbers(); });
  // one answer changes several traits at once (value, gradient, answered): drawn once, after all of them
  let pending = false;
  const later = () => { if (!pending) { pending = true; queueMicrotask(() => { pending = false; drawNumbers(); }); } };
  for (const k of ["answered", "curve", "value", "grad"]) model.on(`change:${k}`, later);
}

export default { render };
