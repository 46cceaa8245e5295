"""Figure 9: per-example contributions — the examples sorted by their share of the cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ..losses import Loss
from ._common import LossSpec, resolve_losses, series_labels
from ._text import fig_text, normalize_lang
from ._theme import GREY, PALETTE, dataset, finish, records

__all__ = ["contributions", "shares"]


def shares(loss: Loss, pred: Any, target: Any, sample_weight: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Each example's loss (``reduction="none"``, weighted) and its share of their sum."""
    per = np.asarray(loss(pred, target, reduction="none", sample_weight=sample_weight), dtype=float).reshape(-1)
    total = float(np.sum(per))
    share = per / total if total > 0 else np.zeros_like(per)
    return per, share


def contributions(
    pred: Any,
    target: Any,
    losses: LossSpec | Sequence[LossSpec] = "mse",
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    sample_weight: Any = None,
    labels: Sequence[str] | None = None,
    top: int = 25,
    lang: str | None = "en",
) -> alt.VConcatChart:
    """Which examples make up the cost: one bar per example, sorted by its share, with the running total.

    Parameters
    ----------
    pred, target : array_like
        As the losses take them (one example per row).
    losses : loss name, ``Loss``, or a sequence of them
        Any catalog losses for this data; with several, one panel each (e.g. ``["mse", "mae"]`` shows that a few
        large errors own most of the MSE but not of the MAE).
    params : dict, optional
        Parameters of the losses given by name.
    sample_weight : array_like, optional
        One weight per example, passed to the losses (shares are then of the weighted sum).
    labels : sequence of str, optional
        A name per example (default ``#0``, ``#1``, ... their positions).
    top : int
        Bars drawn per panel (the largest); the rest are summed in the subtitle of the panel. The dataset has
        every example.
    lang : "en" or "ja"

    Returns
    -------
    altair.VConcatChart
        Dataset ``"examples"``: one row per loss and example with ``loss``, ``series``, ``example`` (position in
        the input), ``name``, ``value`` (``loss(pred, target, reduction="none")``), ``share`` (value / sum),
        ``percent``, ``rank`` (1 = largest), ``cumulative`` (percent up to this rank), ``shown`` (drawn as a bar),
        ``slot`` (the rank and name, which orders the bars) and ``text``, ``inside`` (the written share).
    """
    lang = normalize_lang(lang)
    if top < 1:
        raise LossInputError("contributions", "top", "at least 1 bar", repr(top))
    chosen = resolve_losses("contributions", losses, params, ("regression", "binary", "multiclass", "distribution"))
    names = series_labels(chosen, lang)
    rows: list[dict[str, Any]] = []
    panels = []
    for index, (loss, label) in enumerate(zip(chosen, names, strict=True)):
        per, share = shares(loss, pred, target, sample_weight)
        n = len(per)
        if labels is not None and len(labels) != n:
            raise LossInputError("contributions", "labels", f"{n} names (one per example)", f"{len(labels)}")
        example_names = [str(x) for x in labels] if labels is not None else [f"#{i}" for i in range(n)]
        order = np.argsort(-share, kind="stable")
        rank = np.empty(n, dtype=int)
        rank[order] = np.arange(1, n + 1)
        cumulative = np.cumsum(share[order])[rank - 1] * 100
        shown = rank <= top
        part = records(loss=loss.name, series=label, example=np.arange(n), name=example_names, value=per,
                       share=share, percent=share * 100, rank=rank, cumulative=cumulative, shown=shown,
                       text=[f"{100 * s:.1f}%" if s >= 0.02 and (min(n, top) <= 15 or r <= 3) else ""
                             for s, r in zip(share, rank, strict=True)],
                       inside=(share >= 0.1) & (min(n, top) <= 15),
                       slot=[f"{r:06d}|{name}" for r, name in zip(rank, example_names, strict=True)])
        rows += sorted(part, key=lambda row: row["rank"])
        rest = int(n - np.sum(shown))
        rest_share = float(100 * np.sum(share[~shown]))
        subtitle = fig_text("contributions.rest", lang, count=rest, percent=f"{rest_share:.1f}") if rest else ""
        lead = max(1, int(np.ceil(0.2 * n)))
        top_share = float(100 * np.sum(np.sort(share)[::-1][:lead]))
        headline = fig_text("contributions.panel", lang, loss=label, lead=lead, n=n, percent=f"{top_share:.0f}")
        keep = alt.datum.series == label
        # "000001|#3": the rank sorts the bars in every layer; the axis shows the part after "|"
        x = alt.X("slot:N", sort="ascending", title=fig_text("contributions.axis_x", lang),
                  axis=alt.Axis(labelAngle=-60 if min(n, top) > 12 else 0, labelLimit=90,
                                labelExpr="slice(datum.label, indexof(datum.label, '|') + 1)"))
        y = alt.Y("percent:Q", title=fig_text("contributions.axis_y", lang), scale=alt.Scale(domain=[0, 100]))
        tooltip = [
            alt.Tooltip("name:N", title=fig_text("contributions.example", lang)),
            alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g"),
            alt.Tooltip("percent:Q", title=fig_text("contributions.share", lang), format=".2f"),
            alt.Tooltip("cumulative:Q", title=fig_text("contributions.cumulative", lang), format=".1f"),
        ]
        base = alt.Chart(dataset("examples")).transform_filter(keep & alt.datum.shown)
        bars = base.mark_bar(color=PALETTE[index % len(PALETTE)]).encode(x=x, y=y, tooltip=tooltip)
        above = base.transform_filter(~alt.datum.inside).mark_text(baseline="bottom", dy=-3, fontSize=10.5).encode(
            x=x, y=y, text="text:N")
        inside = base.transform_filter(alt.datum.inside).mark_text(
            baseline="top", dy=8, fontSize=10.5, color="white", fontWeight="bold").encode(x=x, y=y, text="text:N")
        running = base.mark_line(color=GREY, strokeDash=[5, 3], strokeWidth=1.8, point=alt.OverlayMarkDef(
            color=GREY, size=22)).encode(x=x, y=alt.Y("cumulative:Q"), tooltip=tooltip)
        panels.append(alt.layer(bars, running, above, inside).properties(
            width=max(420, min(680, 40 * min(n, top))), height=220,
            title=alt.Title(headline, subtitle=[subtitle] if subtitle else alt.Undefined)))
    chart = alt.vconcat(*panels).properties(
        title=alt.Title(fig_text("contributions.title", lang),
                        subtitle=fig_text("contributions.subtitle", lang).split("\n"))
    )
    return finish(chart, "contributions", lang, {"examples": rows},
                  {"losses": [loss.name for loss in chosen], "top": top})
