"""Explanations: a loss computed step by step on the user's own numbers, with its texts, in en or ja.

``explain(loss, pred, target, lang=...)`` returns an :class:`Explanation`: the rows of intermediate quantities
(error, squared error, the Huber branch, the probability of the true class, -ln p ...), the reduction (weights,
sum, mean), the final value — taken from the catalog call itself, so it equals ``loss(...)`` exactly — and the
prose. Renderers turn it into plain text, Markdown, HTML, JSON, or a Rich renderable for the terminal.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._jsonable import jsonable
from ..losses import Loss, get
from ..losses._definition import NanPolicy, Reduction
from . import texts as T
from ._steps import fallback

DEFAULT_MAX_ROWS = 20


def _to_numpy(x: Any) -> Any:
    """Plain NumPy for display (torch tensors are detached; lists and scalars pass through)."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "compute") and hasattr(x, "dask"):
        return np.asarray(x.compute())
    if hasattr(x, "__array_namespace__") and not isinstance(x, np.ndarray):
        return np.from_dlpack(x) if hasattr(x, "__dlpack__") else np.asarray(x)
    return x


def fmt_number(x: Any, digits: int = 6) -> str:
    """A number for people: 6 significant digits, integers without a decimal point, NaN/inf spelled out."""
    if isinstance(x, str):
        return x
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0"
    if x == round(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


@dataclass
class Explanation:
    """A loss explained on concrete numbers. Build it with :func:`explain` (or ``loss.explain(...)``)."""

    loss: str
    params: dict[str, Any]
    lang: str
    text: dict[str, Any]
    formula: dict[str, str]
    columns: list[str]
    rows: list[dict[str, Any]]
    class_columns: list[str]
    class_rows: list[dict[str, Any]]
    n_examples: int
    n_elements: int
    shown: list[int]
    reduction: Reduction
    steps: list[dict[str, Any]]
    value: Any
    per_example: list[float]
    weights: list[float] | None
    related: list[str] = field(default_factory=list)
    equivalents: dict[str, str] = field(default_factory=dict)

    # -- labels ------------------------------------------------------------------------------------------
    def label(self, key: str) -> str:
        return T.ui(key, self.lang)

    @property
    def summarized(self) -> bool:
        return len(self.shown) < self.n_examples

    def value_str(self) -> str:
        if isinstance(self.value, list):
            return "[" + ", ".join(fmt_number(v) for v in self.value) + "]"
        value = float(self.value)
        approx = f"{value:.2g}"
        exact = repr(value)
        return exact if len(exact) <= 6 or not math.isfinite(value) else f"{exact} (≈ {approx})"

    # -- renderers ---------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data: what ``--json`` prints and the lab page draws."""
        return {
            "loss": self.loss,
            "params": {k: jsonable(v) for k, v in self.params.items()},
            "lang": self.lang,
            "title": self.text.get("title"),
            "text": self.text,
            "formula": self.formula,
            "columns": self.columns,
            "column_labels": {c: self.label(c) for c in [*self.columns, *self.class_columns]},
            "rows": [{k: jsonable(v) for k, v in r.items()} for r in self.rows],
            "class_columns": self.class_columns,
            "class_rows": [{k: jsonable(v) for k, v in r.items()} for r in self.class_rows],
            "n_examples": self.n_examples,
            "n_elements": self.n_elements,
            "shown": self.shown,
            "summarized": self.summarized,
            "reduction": self.reduction,
            "steps": [{k: jsonable(v) for k, v in s.items()} for s in self.steps],
            "value": jsonable(self.value),
            "related": self.related,
            "equivalents": self.equivalents,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def _tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        tables = []
        if self.rows:
            tables.append((
                self.label("step"),
                [self.label(c) for c in self.columns],
                [[fmt_number(r.get(c, "")) if c != "branch" else self.label(str(r[c])) for c in self.columns]
                 for r in self.rows],
            ))
        if self.class_rows:
            tables.append((
                f"{self.label('class')} / {self.label('term')}",
                [self.label(c) for c in self.class_columns],
                [[fmt_number(r.get(c, "")) for c in self.class_columns] for r in self.class_rows],
            ))
        return tables

    def _step_lines(self) -> list[str]:
        return [f"{self.label(s['key'])}: {s['expression']} = {fmt_number(s['value'])}" for s in self.steps]

    def to_text(self) -> str:
        """Plain text, aligned columns; what `losslab explain` prints when the output is not a terminal."""
        out = [f"{self.text['title']} ({self.loss})", self.text["idea"], "",
               f"{self.label('formula')}: {self.formula['plain']}", ""]
        if self.summarized:
            out.append(self.label("shown_rows").format(shown=len(self.shown), total=self.n_examples))
        for _, headers, body in self._tables():
            widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(headers)]
            out.append("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
            out.extend("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in body)
            out.append("")
        out.extend(self._step_lines())
        out.append(f"{self.label('final_value')}: {self.value_str()}")
        out.append("")
        for key in ("how", "when_to_use", "outliers", "gradient", "pitfall"):
            out.append(f"{self.label(key)}: {self.text[key]}")
        if self.related:
            out.append(f"{self.label('related')}: {', '.join(self.related)}")
        return "\n".join(out)

    def to_markdown(self) -> str:
        out = [f"### {self.text['title']} (`{self.loss}`)", "", self.text["idea"], "",
               f"$$ {self.formula['latex']} $$", ""]
        if self.summarized:
            out += ["_" + self.label("shown_rows").format(shown=len(self.shown), total=self.n_examples) + "_", ""]
        for _, headers, body in self._tables():
            out.append("| " + " | ".join(headers) + " |")
            out.append("|" + "|".join("---:" for _ in headers) + "|")
            out.extend("| " + " | ".join(row) + " |" for row in body)
            out.append("")
        out.extend(f"- {line}" for line in self._step_lines())
        out += ["", f"**{self.label('final_value')}: {self.value_str()}**", ""]
        for key in ("how", "when_to_use", "outliers", "gradient", "pitfall"):
            out.append(f"- **{self.label(key)}**: {self.text[key]}")
        return "\n".join(out)

    def to_html(self) -> str:
        e = html.escape
        out = [f'<section class="losslab-explanation" lang="{self.lang}">',
               f"<h3>{e(self.text['title'])} (<code>{e(self.loss)}</code>)</h3>",
               f"<p>{e(self.text['idea'])}</p>",
               f'<p class="formula">{e(self.formula["plain"])}</p>']
        if self.summarized:
            out.append(f"<p><em>{e(self.label('shown_rows').format(shown=len(self.shown), total=self.n_examples))}"
                       "</em></p>")
        for caption, headers, body in self._tables():
            out.append(f"<table><caption>{e(caption)}</caption><thead><tr>"
                       + "".join(f'<th scope="col">{e(h)}</th>' for h in headers) + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in body)
            out.append("</tbody></table>")
        out.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in self._step_lines()) + "</ul>")
        out.append(f"<p><strong>{e(self.label('final_value'))}: {e(self.value_str())}</strong></p><dl>")
        for key in ("how", "when_to_use", "outliers", "gradient", "pitfall"):
            out.append(f"<dt>{e(self.label(key))}</dt><dd>{e(self.text[key])}</dd>")
        out.append("</dl></section>")
        return "\n".join(out)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        parts: list[Any] = [Text(self.text["idea"]), Text(f"{self.label('formula')}: {self.formula['plain']}",
                                                           style="cyan")]
        if self.summarized:
            parts.append(Text(self.label("shown_rows").format(shown=len(self.shown), total=self.n_examples),
                              style="italic"))
        for caption, headers, body in self._tables():
            table = Table(title=caption, header_style="bold")
            for h in headers:
                table.add_column(h, justify="right")
            for row in body:
                table.add_row(*row)
            parts.append(table)
        parts.extend(Text(line) for line in self._step_lines())
        parts.append(Text(f"{self.label('final_value')}: {self.value_str()}", style="bold green"))
        parts.append(Text(f"{self.label('outliers')}: {self.text['outliers']}", style="dim"))
        return Panel(Group(*parts), title=f"{self.text['title']} ({self.loss})", expand=False)

    def __str__(self) -> str:
        return self.to_text()


def _pick_rows(contribution: np.ndarray, max_rows: int) -> list[int]:
    """All examples when few; else the first half of the budget and the largest contributions."""
    n = contribution.shape[0]
    if n <= max_rows:
        return list(range(n))
    head = max_rows // 2
    order = np.argsort(-np.nan_to_num(contribution, nan=-np.inf), kind="stable")
    chosen = set(range(head))
    for i in order:
        if len(chosen) >= max_rows:
            break
        chosen.add(int(i))
    return sorted(chosen)


def explain(
    loss: Loss | str,
    pred: Any,
    target: Any,
    lang: str | None = "en",
    reduction: Reduction | None = None,
    sample_weight: Any = None,
    nan_policy: NanPolicy = "raise",
    max_rows: int = DEFAULT_MAX_ROWS,
    **params: Any,
) -> Explanation:
    """Explain ``loss`` on ``pred`` and ``target`` step by step; see :class:`Explanation`. ``params`` are the
    loss's parameters and its extra inputs (``negative=...``: ``definition.inputs``)."""
    inputs = {i.name: _to_numpy(params.pop(i.name)) for i in get(loss).definition.inputs if i.name in params}
    loss = get(loss, **params)
    lang = T.normalize_lang(lang)
    d = loss.definition
    reduction = d.default_reduction if reduction is None else reduction
    pred = _to_numpy(pred)
    target = _to_numpy(target)
    sample_weight = _to_numpy(sample_weight)

    # The numbers the user is told are the catalog's own: value, per-example losses and weights.
    value = loss(pred, target, reduction=reduction, sample_weight=sample_weight, nan_policy=nan_policy, **inputs)
    batch = loss.prepare(pred, target, nan_policy, **inputs)
    laid = {k: None if a is None else np.asarray(a, dtype=float) for k, a in batch.inputs.items()}
    p2 = np.asarray(batch.pred, dtype=float)
    t2 = np.asarray(batch.target, dtype=float)
    # l_i before any weighting (class weights are a parameter, so "none" would already include them); a loss with a
    # root over the whole set (rmse, rmsle) has no "none": its l_i are the element losses under the root, reduced
    if d.finalize:
        with np.errstate(all="ignore"):
            raw = np.asarray(d.value(np, p2, t2, **loss.params, **laid), dtype=float)
        per = raw.mean(axis=1) if d.element_reduce == "mean" else raw.sum(axis=1)
        if batch.keep is not None:
            per = np.where(np.asarray(batch.keep), per, 0.0)
    else:
        per_loss = loss.without_example_weights()
        per = np.asarray(per_loss(pred, target, reduction="none", nan_policy=nan_policy, **inputs), dtype=float)
    w = np.asarray(loss.example_weights(pred, target, sample_weight, nan_policy, **inputs), dtype=float)
    weighted = np.where(w > 0, w * np.nan_to_num(per), 0.0)
    divided = reduction == "mean" and d.mean_divisor is not None
    if divided:  # the mean divides each l_i by its own divisor first (CTC: max(S_i, 1), as PyTorch)
        assert d.mean_divisor is not None
        weighted = weighted / np.asarray(d.mean_divisor(np, p2, t2, **laid, **loss.params), dtype=float)
    n = batch.n
    step_fn = d.steps or fallback
    with np.errstate(all="ignore"):
        main, per_class = step_fn(p2, t2, loss.params, **laid)
        element_loss = np.asarray(d.value(np, p2, t2, **loss.params, **laid)) if d.kind == "elementwise" else None

    total_weighted = float(np.sum(weighted))
    share = weighted / total_weighted if total_weighted > 0 else np.zeros_like(weighted)
    shown = _pick_rows(weighted, max_rows)
    has_weights = bool(np.any(w != 1.0))

    rows: list[dict[str, Any]] = []
    k = int(p2.shape[1]) if d.kind == "elementwise" else 1
    columns: list[str] = ["example"]
    if d.kind == "elementwise" and k > 1:
        columns.append("element")
    columns += list(main)
    if d.kind == "elementwise" and k > 1:
        columns.append("element_loss")
    columns.append("loss")
    if has_weights:
        columns += ["weight", "weighted_loss"]
    columns.append("share")
    for i in shown:
        for j in range(k) if d.kind == "elementwise" else [None]:
            row: dict[str, Any] = {"example": i}
            if j is not None and k > 1:
                row["element"] = j
            for name, col in main.items():
                row[name] = col[i, j] if (j is not None and col.ndim == 2) else col[i]
            if j is not None and k > 1 and element_loss is not None:
                row["element_loss"] = element_loss[i, j]
            first = j in (None, 0)
            row["loss"] = per[i] if first else ""
            if has_weights:
                row["weight"] = w[i] if first else ""
                row["weighted_loss"] = weighted[i] if first else ""
            row["share"] = f"{100 * share[i]:.1f}%" if first else ""
            rows.append(row)

    class_columns: list[str] = []
    class_rows: list[dict[str, Any]] = []
    if per_class and n <= 3:
        class_columns = ["example", "class", *per_class] if n > 1 else ["class", *per_class]
        for i in range(n):
            for c in range(p2.shape[1]):
                crow: dict[str, Any] = {"example": i, "class": c}
                for name, col in per_class.items():
                    crow[name] = col[i, c]
                class_rows.append(crow)

    steps = _reduction_steps(d.name, reduction, per, w, weighted, has_weights, k, d.element_reduce,
                             d.kind, d.finalize, value, divided)
    value_out: Any = np.asarray(value).tolist() if reduction == "none" else float(value)
    text = T.loss_text(d.name, lang)
    return Explanation(
        loss=d.name, params=dict(loss.params), lang=lang, text=text,
        formula={"latex": d.latex, "plain": d.plain},
        columns=columns, rows=rows, class_columns=class_columns, class_rows=class_rows,
        n_examples=n, n_elements=int(p2.size), shown=shown, reduction=reduction, steps=steps,
        value=value_out, per_example=per.tolist(), weights=w.tolist() if has_weights else None,
        related=T.related(d.name), equivalents=dict(d.equivalents),
    )


def _reduction_steps(
    name: str, reduction: str, per: np.ndarray, w: np.ndarray, weighted: np.ndarray, has_weights: bool,
    k: int, element_reduce: str, kind: str, finalize: str | None, value: Any, divisor: bool = False,
) -> list[dict[str, Any]]:
    """The arithmetic from per-example losses to the final value, as lines a learner can redo by hand
    (``divisor``: each l_i was divided by the definition's ``mean_divisor`` d_i before the sum)."""
    steps: list[dict[str, Any]] = []
    n = per.shape[0]
    if reduction in ("max", "median"):  # a metric's order statistic over the examples (losses._order)
        columns = f" of each of {k} columns, then their mean" if kind == "elementwise" and k > 1 else ""
        weighted_words = " (a weight counts an example that many times; 0 leaves it out)" if has_weights else ""
        steps.append({"key": reduction, "expression": f"{reduction} over {n} examples{columns}{weighted_words}",
                      "value": float(value)})
        return steps
    if kind == "elementwise" and k > 1:
        steps.append({"key": "mean" if element_reduce == "mean" else "sum",
                      "expression": f"{element_reduce} of {k} elements per example", "value": float(np.mean(per))})
    if reduction == "none":
        return steps
    total = float(np.sum(weighted))
    terms = " + ".join(fmt_number(x) for x in (weighted[:6] if has_weights or divisor else np.nan_to_num(per[:6])))
    if n > 6:
        terms += " + ..."
    shown_terms = ("w·l" if has_weights else "l") + ("/d" if divisor else "")
    steps.append({"key": "sum", "expression": f"Σ {shown_terms} = {terms}", "value": total})
    if reduction == "mean" or finalize:
        wsum = float(np.sum(w))
        key = "weighted_mean" if has_weights else "mean"
        steps.append({"key": key, "expression": f"{fmt_number(total)} / {fmt_number(wsum)}",
                      "value": total / wsum if wsum else float("nan")})
    if finalize == "sqrt":
        steps.append({"key": "sqrt", "expression": f"√{fmt_number(steps[-1]['value'])}", "value": float(value)})
    return steps
