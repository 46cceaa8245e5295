"""Figure 10: the evidence behind a loss recommendation — cross-validated metrics of each candidate, side by side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt

from ..errors import LossInputError
from ._text import fig_text, normalize_lang
from ._theme import GREY, PALETTE, dataset, finish, records

__all__ = ["evidence"]


def evidence(data: Mapping[str, Any], *, lang: str | None = "en") -> alt.VConcatChart:
    """The k-fold evidence of :func:`losslab.recommend` as one panel per metric: each candidate's mean over the
    folds with a bar of ± one standard deviation, the deciding metric first, the recommended loss highlighted.

    Parameters
    ----------
    data : mapping
        ``Recommendation.evidence.to_dict()`` (layout in docs/advice.md): ``columns``, ``primary``,
        ``higher_is_better``, ``recommended`` and ``results`` with ``label``, ``metrics`` and ``std``; the panels'
        titles are ``primary_name`` and ``column_names`` (each metric's name in ``lang``) where given.
    lang : "en" or "ja"

    Returns
    -------
    altair.VConcatChart
        Dataset ``"metrics"``: one row per candidate and metric with ``candidate``, ``metric``, ``mean``, ``low``,
        ``high``, ``recommended`` (bool) and ``deciding`` (bool).
    """
    lang = normalize_lang(lang)
    results = [r for r in data.get("results", []) if r.get("metrics")]
    columns = list(data.get("columns", []))
    if not results or not columns:
        raise LossInputError("evidence", "data", "evidence with at least one candidate and one metric",
                             "none (was the evidence run skipped?)")
    primary = data.get("primary") or columns[0]
    ordered = [primary, *[c for c in columns if c != primary]]
    recommended = data.get("recommended")
    cand, metric, mean, low, high, rec, deciding = [], [], [], [], [], [], []
    for r in results:
        for key in ordered:
            m = r["metrics"].get(key)
            if m is None:
                continue
            s = (r.get("std") or {}).get(key) or 0.0
            cand.append(r["label"])
            metric.append(key)
            mean.append(m)
            low.append(m - s)
            high.append(m + s)
            rec.append(r["label"] == recommended)
            deciding.append(key == primary)
    rows = records(candidate=cand, metric=metric, mean=mean, low=low, high=high, recommended=rec, deciding=deciding)
    better = fig_text("evidence.higher" if data.get("higher_is_better") else "evidence.lower", lang)
    names = dict(data.get("column_names") or {})
    if data.get("primary_name"):
        names[primary] = data["primary_name"]
    panels = []
    for key in ordered:
        base = alt.Chart(dataset("metrics")).transform_filter(alt.datum.metric == key)
        # the metric's name in ``lang`` when the data carries it ("誤差の中央値"), else its key ("MEDIAN AE")
        title = str(names.get(key) or key.replace("_", " ").upper())
        if key == primary:
            title += f" — {fig_text('evidence.deciding', lang)} ({better})"
        y = alt.Y("candidate:N", title=None, sort=[r["label"] for r in results])
        bars = base.mark_bar(height=14).encode(
            y=y,
            x=alt.X("mean:Q", title=fig_text("evidence.mean", lang), scale=alt.Scale(zero=False)),
            color=alt.condition(alt.datum.recommended, alt.value(PALETTE[0]), alt.value(GREY)),
            tooltip=["candidate:N", "metric:N", alt.Tooltip("mean:Q", format=".4g"),
                     alt.Tooltip("low:Q", format=".4g"), alt.Tooltip("high:Q", format=".4g")],
        )
        spread = base.mark_rule(strokeWidth=2, color="black").encode(y=y, x="low:Q", x2="high:Q")
        # the recommended loss is named in words too: meaning never by colour alone
        label = base.transform_filter(alt.datum.recommended).mark_text(align="left", dx=4, fontWeight="bold").encode(
            y=y, x="high:Q", text=alt.value("★ " + fig_text("evidence.recommended", lang)))
        panels.append((bars + spread + label).properties(title=title, width=420))
    chart = alt.vconcat(*panels).properties(
        title=alt.TitleParams(fig_text("evidence.title", lang), subtitle=fig_text(
            "evidence.subtitle", lang, folds=data.get("folds", "?"))))
    return finish(chart, "evidence", lang, {"metrics": rows}, {"primary": primary, "recommended": recommended})
