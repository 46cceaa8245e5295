"""Figures of next-token prediction (issue 13): the per-token loss strip, one position's top predictions, the
training curves with their reference lines, and what temperature does to a softmax distribution.

Every number comes from :mod:`losslab.lm` (a ``TokenRow``, an ``LMRun`` or their ``to_dict()``); the figures only
draw it. The temperature figure computes softmax(z / T) itself because that *is* what it shows; the training loss
it quotes is taken at T = 1 and is the same in every panel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ._text import fig_text, normalize_lang
from ._theme import GREY, PALETTE, dataset, finish, records

__all__ = ["lm_curves", "lm_temperature", "lm_token_losses", "lm_top_k"]

REFERENCES = ("ln_v", "unigram_entropy", "bigram_val_loss", "true_nats_per_token")
"""The reference lines of :func:`losslab.lm.train`, in the order they are drawn (highest first, usually)."""
_REF_COLOURS = {"ln_v": GREY, "unigram_entropy": PALETTE[3], "bigram_val_loss": PALETTE[2],
                "true_nats_per_token": PALETTE[6]}
_T_COLOURS = (5, 0, 4, 1, 2, 3)  # sky blue, blue, orange, ...: the temperatures from cool to warm
_STRIP_MAX = 400  # tokens drawn in one strip; the lab bounds its texts below this


def _row(row: Any) -> dict[str, Any]:
    """A per-token row as plain data: a ``TokenRow`` (its ``to_dict()``) or that dict already."""
    data = row.to_dict() if hasattr(row, "to_dict") else row
    if not isinstance(data, Mapping) or "token" not in data or "loss" not in data:
        raise LossInputError("lm figure", "rows", "rows of losslab.lm.token_view / true_view (or their to_dict())",
                             type(row).__name__)
    return dict(data)


def lm_token_losses(rows: Sequence[Any], *, title: str | None = None, lang: str | None = "en") -> alt.LayerChart:
    """Each position of a text as a cell coloured by its loss −ln p(actual next token), the token written in it.

    Parameters
    ----------
    rows : sequence of TokenRow or dict
        ``losslab.lm.token_view(...)`` or ``true_view(...)`` (or their ``to_dict()``), at most 400.
    lang : "en" or "ja"

    Returns
    -------
    altair.LayerChart
        Dataset ``"tokens"``: ``position``, ``token``, ``shown`` (the token with line breaks and spaces made
        visible), ``context``, ``loss``, ``prob``, ``bits``.
    """
    lang = normalize_lang(lang)
    plain = [_row(r) for r in rows]
    if not plain or len(plain) > _STRIP_MAX:
        raise LossInputError("lm_token_losses", "rows", f"1 to {_STRIP_MAX} positions", str(len(plain)))
    tokens = [str(r["token"]) for r in plain]
    data = records(position=list(range(1, len(plain) + 1)), token=tokens,
                   shown=[t.replace("\n", "↵").replace(" ", "␣") for t in tokens],
                   context=[str(r.get("context", "")) for r in plain], loss=[r["loss"] for r in plain],
                   prob=[r.get("p") for r in plain], bits=[r.get("bits") for r in plain])
    per_row = 20
    for i, d in enumerate(data):  # wrap the strip into lines of 20 cells, like text
        d["column"], d["line"] = i % per_row, i // per_row
    worst = max((r["loss"] for r in plain if r["loss"] is not None and math.isfinite(r["loss"])), default=1.0)
    base = alt.Chart(dataset("tokens")).encode(
        x=alt.X("column:O", axis=None), y=alt.Y("line:O", axis=None),
        tooltip=[alt.Tooltip("position:Q", title="#"), alt.Tooltip("token:N", title=fig_text("lm.token", lang)),
                 alt.Tooltip("loss:Q", title=fig_text("lm.loss", lang), format=".4f"),
                 alt.Tooltip("prob:Q", title="p", format=".4f"),
                 alt.Tooltip("bits:Q", title=fig_text("lm.bits", lang), format=".3f")])
    colour = alt.Color("loss:Q", title=fig_text("lm.loss", lang),
                       scale=alt.Scale(scheme="viridis", reverse=True, domain=[0, max(worst, 1.0)]),
                       legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=220))
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(color=colour)
    # the ink follows the cell: dark text on the light (low-loss) end of reversed viridis, white on the dark end
    ink = alt.condition(alt.datum.loss > 0.55 * max(worst, 1.0), alt.value("white"), alt.value("#111111"))
    words = base.mark_text(fontSize=13, fontWeight="bold").encode(text="shown:N", color=ink)
    chart = alt.layer(cells, words).properties(
        width=min(per_row, len(plain)) * 38, height=(len(plain) - 1) // per_row * 34 + 34,
        title=alt.Title(title or fig_text("lm.strip_title", lang), subtitle=fig_text("lm.strip_subtitle", lang)))
    return finish(chart, "lm_token_losses", lang, {"tokens": data}, {"positions": len(plain)})


def lm_top_k(row: Any, *, title: str | None = None, lang: str | None = "en") -> alt.LayerChart:
    """One position's top predictions as bars of p, the actual next token marked (in words, not colour alone),
    with the loss −ln p, its bits and 1/p in the subtitle.

    Returns
    -------
    altair.LayerChart
        Dataset ``"top"``: ``token``, ``shown``, ``prob``, ``actual`` (bool), ``grad`` (p − onehot, when given).
    """
    lang = normalize_lang(lang)
    r = _row(row)
    grads = {g["token"]: g["grad"] for g in r.get("grad", [])}
    top = list(r.get("top", []))
    if not any(t["token"] == r["token"] for t in top):  # the actual token is shown even outside the top k
        top.append({"token": r["token"], "p": r.get("p")})
    data = records(token=[t["token"] for t in top],
                   shown=[t["token"].replace("\n", "↵").replace(" ", "␣") for t in top],
                   prob=[t["p"] for t in top], actual=[t["token"] == r["token"] for t in top],
                   grad=[grads.get(t["token"]) for t in top])
    order = [d["shown"] for d in data]
    y = alt.Y("shown:N", title=None, sort=order)
    bars = alt.Chart(dataset("top")).mark_bar(height=18).encode(
        y=y, x=alt.X("prob:Q", title=fig_text("lm.prob", lang), scale=alt.Scale(domain=[0, 1])),
        color=alt.condition(alt.datum.actual, alt.value(PALETTE[1]), alt.value(PALETTE[0])),
        tooltip=[alt.Tooltip("token:N", title=fig_text("lm.token", lang)), alt.Tooltip("prob:Q", format=".4f"),
                 alt.Tooltip("grad:Q", title=fig_text("lm.grad", lang), format="+.4f")])
    label = alt.Chart(dataset("top")).mark_text(align="left", dx=4).encode(
        y=y, x="prob:Q", text=alt.Text("prob:Q", format=".3f"))
    actual = alt.Chart(dataset("top")).transform_filter(alt.datum.actual).mark_text(
        align="left", dx=48, fontWeight="bold").encode(y=y, x="prob:Q", text=alt.value(fig_text("lm.actual", lang)))
    subtitle = fig_text("lm.top_subtitle", lang, loss=f"{r['loss']:.4f}", bits=f"{r['bits']:.4f}",
                        inv_p=f"{r['inv_p']:.3f}", context=str(r.get("context", "")))
    chart = alt.layer(bars, label, actual).properties(
        width=320, height=max(80, 26 * len(data)),
        title=alt.Title(title or fig_text("lm.top_title", lang, token=r["token"].replace("\n", "↵")),
                        subtitle=subtitle))
    return finish(chart, "lm_top_k", lang, {"top": data}, {"token": r["token"], "loss": r["loss"]})


def _history(run: Any) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    data = run.to_dict() if hasattr(run, "to_dict") else run
    if not isinstance(data, Mapping) or "history" not in data:
        raise LossInputError("lm_curves", "run", "an LMRun or its to_dict() (history and references)",
                             type(run).__name__)
    return data["history"], data.get("references") or {}


def lm_curves(run: Any, *, title: str | None = None, lang: str | None = "en") -> alt.LayerChart:
    """Training and validation loss per step of :func:`losslab.lm.train`, with its reference lines: ln V (a
    uniform guess, where a well-initialised model starts), the unigram entropy, the bigram's validation loss and,
    for a synthetic corpus, the true entropy (the floor).

    Returns
    -------
    altair.LayerChart
        Datasets ``"curves"`` (``step``, ``kind``: train / val, ``series``, ``value``) and ``"references"``
        (``key``, ``label``, ``value``). The lab appends rows to ``"curves"`` while a run trains.
    """
    lang = normalize_lang(lang)
    history, refs = _history(run)
    names = {"train": fig_text("lm.train", lang), "val": fig_text("lm.val", lang)}
    rows = records(step=history.get("step", []), kind="train", series=names["train"],
                   value=history.get("train_loss", [])) if history.get("step") else []
    if history.get("val_step"):
        rows += records(step=history["val_step"], kind="val", series=names["val"], value=history["val_loss"])
    shown = [k for k in REFERENCES if isinstance(refs.get(k), int | float) and math.isfinite(refs[k])]
    ref_rows = [{"key": k, "label": fig_text(f"lm.ref_{k}", lang, value=f"{refs[k]:.3f}"), "value": float(refs[k]),
                 "colour": _REF_COLOURS[k], "below": k == "true_nats_per_token"} for k in shown]
    colour = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", symbolType="stroke"),
                       scale=alt.Scale(domain=[names["train"], names["val"]], range=[PALETTE[0], PALETTE[1]]))
    dash = alt.StrokeDash("series:N", title=None, scale=alt.Scale(domain=[names["train"], names["val"]],
                                                                   range=[[1, 0], [7, 3]]))
    x = alt.X("step:Q", title=fig_text("lm.axis_step", lang))
    y = alt.Y("value:Q", title=fig_text("lm.axis_loss", lang), scale=alt.Scale(zero=True))
    lines = alt.Chart(dataset("curves")).mark_line(strokeWidth=2, clip=True).encode(
        x=x, y=y, color=colour, strokeDash=dash,
        tooltip=["series:N", "step:Q", alt.Tooltip("value:Q", format=".4f")])
    ref_colour = alt.Color("colour:N", scale=None)
    rules = alt.Chart(dataset("references")).mark_rule(strokeDash=[4, 3], strokeWidth=1.6).encode(
        y="value:Q", color=ref_colour, tooltip=["label:N"])
    # the floor's label goes under its line, where the training curve (which stays above it) does not run
    labels = [alt.Chart(dataset("references")).transform_filter(alt.datum.below == below).mark_text(
        align="right", baseline="top" if below else "bottom", dy=2 if below else -2, fontSize=11).encode(
        y="value:Q", x=alt.value(470), text="label:N", color=ref_colour) for below in (False, True)]
    chart = alt.layer(lines, rules, *labels).properties(
        width=470, height=280,
        title=alt.Title(title or fig_text("lm.curves_title", lang), subtitle=fig_text("lm.curves_subtitle", lang)))
    return finish(chart, "lm_curves", lang, {"curves": rows, "references": ref_rows}, {"references": shown})


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


def lm_temperature(logits: Any, tokens: Sequence[str], *, temperatures: Sequence[float] = (0.5, 1.0, 2.0),
                   training_loss: float | None = None, top: int = 8, title: str | None = None,
                   lang: str | None = "en") -> alt.Chart:
    """softmax(z / T) of one row of logits at a few temperatures: a low T sharpens the distribution, a high T
    flattens it. The training loss (always at T = 1, ``training_loss``) does not change with T; it is quoted
    in the subtitle.

    Parameters
    ----------
    logits : array (V,)
        The model's logits at one position (the log-probabilities of a count model work too).
    tokens : sequence of str
        The V tokens' texts.
    temperatures : numbers > 0
    top : int
        Bars for the ``top`` most likely tokens at T = 1.

    Returns
    -------
    altair.Chart
        Dataset ``"distribution"``: ``token``, ``temperature`` (as text, ``"T = 0.5"``), ``t``, ``prob``, ``rank``.
    """
    lang = normalize_lang(lang)
    z = np.asarray(logits, dtype=float).reshape(-1)
    if z.size == 0 or z.size != len(tokens) or not np.all(np.isfinite(z)):
        raise LossInputError("lm_temperature", "logits", "finite logits, one per token", f"{z.size} for "
                             f"{len(tokens)} tokens")
    temps = [float(t) for t in temperatures]
    if not temps or not all(math.isfinite(t) and t > 0 for t in temps):
        raise LossInputError("lm_temperature", "temperatures", "numbers > 0", repr(list(temperatures)))
    order = np.argsort(-z, kind="stable")[: max(1, top)]
    rows: list[dict[str, Any]] = []
    for t in temps:
        p = _softmax(z / t)
        rows += records(token=[tokens[j].replace("\n", "↵").replace(" ", "␣") for j in order],
                        temperature=f"T = {t:g}", t=t, prob=p[order], rank=list(range(1, order.size + 1)))
    labels = [f"T = {t:g}" for t in temps]
    subtitle = (fig_text("lm.temperature_loss", lang, loss=f"{training_loss:.4f}") if training_loss is not None
                else fig_text("lm.temperature_subtitle", lang))
    chart = alt.Chart(dataset("distribution")).mark_bar().encode(
        x=alt.X("token:N", title=fig_text("lm.token", lang), sort=[r["token"] for r in rows[: order.size]],
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("prob:Q", title=fig_text("lm.prob", lang), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("temperature:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=[PALETTE[i] for i in _T_COLOURS][: len(labels)])),
        xOffset=alt.XOffset("temperature:N", sort=labels),
        tooltip=["token:N", "temperature:N", alt.Tooltip("prob:Q", format=".4f")],
    ).properties(width=max(300, 40 * order.size), height=240,
                 title=alt.Title(title or fig_text("lm.temperature_title", lang), subtitle=subtitle))
    return finish(chart, "lm_temperature", lang, {"distribution": rows}, {"temperatures": temps})
