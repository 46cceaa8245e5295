"""Figure 8: loss vs accuracy — models with the same accuracy, shown as the probabilities they give to the truth."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ..losses import get
from ._common import array
from ._text import fig_text, loss_label, normalize_lang, wrap
from ._theme import PALETTE, dataset, finish, records

__all__ = ["loss_vs_accuracy", "p_true_of"]

_RIGHT, _WRONG = PALETTE[2], PALETTE[1]


def p_true_of(proba: Any, y: Any) -> np.ndarray:
    """The probability given to the true class: ``proba`` where ``y == 1``, ``1 - proba`` where ``y == 0``."""
    p = np.asarray(proba, dtype=float).reshape(-1)
    labels = np.asarray(y).reshape(-1)
    return np.where(labels == 1, p, 1.0 - p)


def _models(models: Any, lang: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """``{name: p_true}`` and ``{name: description}``, from a mapping or ``losslab.training.loss_vs_accuracy()``."""
    if hasattr(models, "proba_a") and hasattr(models, "y"):
        described: dict[str, str] = {}
        if hasattr(models, "to_dict"):
            text = models.to_dict(lang).get("text", {})
            described = {name: str(text[key]) for name, key in (("A", "a"), ("B", "b")) if text.get(key)}
        return {"A": p_true_of(models.proba_a, models.y), "B": p_true_of(models.proba_b, models.y)}, described
    if not isinstance(models, Mapping) or not models:
        raise LossInputError("loss_vs_accuracy", "models", "{name: probabilities given to the true class}",
                             type(models).__name__)
    out = {}
    for name, values in models.items():
        p = array("loss_vs_accuracy", "models", values, ndim=1)
        if np.any((p < 0) | (p > 1)):
            raise LossInputError("loss_vs_accuracy", "models", "probabilities in [0, 1]", f"values outside for {name}")
        out[str(name)] = p
    return out, {}


def loss_vs_accuracy(
    models: Any,
    *,
    descriptions: Mapping[str, str] | None = None,
    bins: int = 20,
    lang: str | None = "en",
) -> alt.VConcatChart:
    """Same accuracy, different loss: each model as the distribution of the probability it gives to the truth.

    Accuracy only asks on which side of 0.5 each probability falls; the log loss (binary cross-entropy, from the
    catalog) asks how much probability went to the truth, and punishes confident mistakes hard.

    Parameters
    ----------
    models : {name: p_true} or the result of ``losslab.training.loss_vs_accuracy()``
        For each model, the probability it gives to the true class of every example (``p_true_of(proba, y)``
        turns class-1 probabilities and labels into these). The demonstration's models are called A and B.
    descriptions : {name: text}, optional
        A sentence under each model's panel (the demonstration brings its own, in ``lang``).
    bins : int
        Bars across [0, 1].
    lang : "en" or "ja"

    Returns
    -------
    altair.VConcatChart
        Datasets ``"examples"`` (``model``, ``p_true``, ``loss`` = BCE of that example, ``right``),
        ``"histogram"`` (``model``, ``start``, ``end``, ``right``, ``count``) and ``"summary"`` (``model``,
        ``accuracy``, ``loss``: the mean BCE, ``n``).
    """
    lang = normalize_lang(lang)
    if bins < 2:
        raise LossInputError("loss_vs_accuracy", "bins", "at least 2", repr(bins))
    chosen, described = _models(models, lang)
    described.update(descriptions or {})
    bce = get("binary_cross_entropy")
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    example_rows: list[dict[str, Any]] = []
    hist_rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    right_word, wrong_word = fig_text("accuracy.right", lang), fig_text("accuracy.wrong", lang)
    for name, p in chosen.items():
        per = np.asarray(bce(p, np.ones_like(p), reduction="none"), dtype=float)
        right = p > 0.5
        example_rows += records(model=name, p_true=p, loss=per, right=right,
                                outcome=[right_word if r else wrong_word for r in right])
        counts, _ = np.histogram(p, bins=edges)
        middle = (edges[:-1] + edges[1:]) / 2
        hist_rows += records(model=name, start=edges[:-1], end=edges[1:], count=counts, right=middle > 0.5,
                             outcome=[right_word if m > 0.5 else wrong_word for m in middle])
        accuracy, mean_loss = float(np.mean(right)), float(np.mean(per))
        summary.append({"model": name, "accuracy": accuracy, "loss": mean_loss, "n": len(p),
                        "text": fig_text("accuracy.numbers", lang, accuracy=f"{100 * accuracy:.1f}",
                                         loss=f"{mean_loss:.3f}")})
    top = max(int(r["count"]) for r in hist_rows) if hist_rows else 1
    colour = alt.Color("outcome:N", title=None,
                       scale=alt.Scale(domain=[right_word, wrong_word], range=[_RIGHT, _WRONG]))
    x = alt.X("start:Q", bin="binned", title=fig_text("accuracy.axis_x", lang),
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".1f", tickCount=10))
    panels = []
    for entry in summary:
        name = entry["model"]
        keep = alt.datum.model == name
        bars = alt.Chart(dataset("histogram")).transform_filter(keep).mark_bar(stroke="white", strokeWidth=0.5).encode(
            x=x, x2="end:Q", y=alt.Y("count:Q", title=fig_text("accuracy.axis_y", lang),
                                     scale=alt.Scale(domain=[0, top * 1.25])),
            color=colour,
            tooltip=[alt.Tooltip("start:Q", format=".2f"), alt.Tooltip("end:Q", format=".2f"),
                     alt.Tooltip("count:Q", title=fig_text("accuracy.axis_y", lang))])
        half = alt.Chart(dataset("half")).mark_rule(color="#333333", strokeDash=[4, 3], strokeWidth=1.5).encode(
            x="x:Q")
        words = alt.Chart(dataset("summary")).transform_filter(keep).mark_text(
            align="left", baseline="top", x=6, y=6, fontSize=14, fontWeight="bold", color="#111111").encode(
            text="text:N")
        heading = fig_text("accuracy.panel", lang, model=name)
        panels.append(alt.layer(bars, half, words).properties(
            width=560, height=170,
            title=alt.Title(heading, subtitle=described[name]) if name in described else heading))
    first = summary[0]
    same = all(abs(s["accuracy"] - first["accuracy"]) < 1e-12 for s in summary)
    text = fig_text("accuracy.subtitle_same" if same else "accuracy.subtitle", lang, loss=loss_label(bce, lang))
    subtitle = [line for part in text.split("\n") for line in wrap(part, lang, 100 if lang == "en" else 56)]
    chart = alt.vconcat(*panels).properties(title=alt.Title(fig_text("accuracy.title", lang), subtitle=subtitle))
    return finish(chart, "accuracy", lang,
                  {"examples": example_rows, "histogram": hist_rows, "summary": summary, "half": [{"x": 0.5}]},
                  {"models": list(chosen), "loss": bce.name, "same_accuracy": same})
