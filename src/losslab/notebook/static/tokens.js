// The per-token next-token view: the Python model (losslab.notebook._token_widget) sends the rows of
// losslab.lm.token_view; this file colours each token by its loss and shows the chosen one's guesses.
function render({ model, el: host }) {
  const root = el("div", {class: "losslab-widget ll-tokens-widget"});
  host.append(root);
  const w = () => model.get("words");
  const input = el("input", {type: "text", "data-ll": "text", value: model.get("text")});
  input.addEventListener("change", () => { model.set("text", input.value); model.save_changes(); });
  const title = el("h4", {class: "ll-title"});
  const summary = el("p", {"data-ll": "summary"});
  const strip = el("div", {class: "ll-tokens"});
  const detail = el("div", {class: "ll-detail"});
  const label = el("label", {class: "ll-wide"}, [el("span"), input]);
  root.append(title, label, summary, strip, el("p", {class: "ll-note"}), detail, errorLine(model));

  function draw() {
    title.textContent = w().title;
    label.firstChild.textContent = w().text;
    root.querySelector(".ll-note").textContent = w().pick;
    const rows = model.get("rows"), s = model.get("summary"), sel = model.get("selected");
    summary.textContent = s.mean === undefined ? "" :
      w().mean.replace("{loss}", fmt(s.mean, 4)).replace("{perplexity}", fmt(s.perplexity, 4));
    const worst = Math.max(1, ...rows.map((r) => r.loss ?? 0));
    strip.replaceChildren(...rows.map((r, i) => {
      const heat = Math.min(1, (r.loss ?? worst) / worst);
      const t = el("span", {class: `ll-token${i === sel ? " ll-on" : ""}`, text: r.token, title: `−ln p = ${fmt(r.loss)}`,
        style: `background: rgba(213, 94, 0, ${(0.08 + 0.6 * heat).toFixed(2)})`});
      t.addEventListener("click", () => { model.set("selected", i); model.save_changes(); });
      return t;
    }));
    const r = rows[sel];
    if (!r) { detail.replaceChildren(); return; }
    const table = el("table", {}, [
      el("tr", {}, [el("th", {text: w().context}), el("td", {text: r.context})]),
      el("tr", {}, [el("th", {text: w().token}), el("td", {text: r.token})]),
      el("tr", {}, [el("th", {text: w().p}), el("td", {text: fmt(r.p)})]),
      el("tr", {}, [el("th", {text: w().loss}), el("td", {"data-ll": "loss", text: fmt(r.loss)})]),
      el("tr", {}, [el("th", {text: w().entropy}), el("td", {text: fmt(r.entropy)})])]);
    const top = el("table", {}, [el("tr", {}, [el("th", {text: w().top}), el("th", {text: "p"}),
                                               el("th", {text: w().gradient})])].concat(r.top.map((g) => {
      const grad = (r.grad.find((x) => x.token === g.token) || {}).grad;
      return el("tr", {}, [el("td", {text: JSON.stringify(g.token)}),
        el("td", {}, [el("span", {class: "ll-bar", style: `width:${Math.round(120 * g.p)}px`}), ` ${fmt(g.p)}`]),
        el("td", {text: fmt(grad)})]);
    })));
    detail.replaceChildren(table, top);
  }
  draw();
  for (const k of ["rows", "summary", "selected", "words"]) model.on(`change:${k}`, draw);
  model.on("change:text", () => { input.value = model.get("text"); });
}

export default { render };
