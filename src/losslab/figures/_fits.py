"""Figure 6: regression fits — the data with outliers marked, the line each loss fitted, each point's share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ..losses import Loss, get
from ._common import array, series_labels
from ._text import fig_text, normalize_lang, wrap
from ._theme import colours, dashes, dataset, finish, records

__all__ = ["fits"]

Line = tuple[float, float]


def _lines(lines: Any) -> list[tuple[Loss, Line]]:
    items = list(lines.items()) if isinstance(lines, Mapping) else list(lines)
    if not items:
        raise LossInputError("fits", "lines", "at least one fitted line", "none")
    result = []
    for item in items:
        try:
            parts = list(item)
            spec, line = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], parts[1:3])
            slope, intercept = float(line[0]), float(line[1])
        except (TypeError, ValueError, IndexError):
            raise LossInputError("fits", "lines", "{loss: (slope, intercept)} or (loss, slope, intercept) items",
                                 repr(item)) from None
        loss = get(spec)
        if loss.task != "regression":
            raise LossInputError("fits", "lines", "regression losses", f"{loss.name!r}, a {loss.task} loss")
        result.append((loss, (slope, intercept)))
    return result


def fits(
    x: Any,
    y: Any,
    lines: Mapping[Any, Sequence[float]] | Sequence[Any],
    *,
    outliers: Any = None,
    truth: Sequence[float] | None = None,
    measure: str = "both",
    lang: str | None = "en",
) -> alt.VConcatChart:
    """The data, the line each loss fitted to it, and how much of each loss every point holds.

    Parameters
    ----------
    x, y : array_like of shape (N,)
        The data (one feature).
    lines : {loss: (slope, intercept)} or [(loss, slope, intercept), ...]
        The fitted line of each loss (a name or a ``Loss`` with its parameters), e.g. from
        ``run.coefficients()`` of ``losslab.training.fit`` or ``compare``.
    outliers : array_like of bool, optional
        Which points are outliers (drawn as crosses; the subtitle says what share of each loss they hold).
    truth : (slope, intercept), optional
        The line the data were made from, drawn thin and dotted.
    measure : "loss", "gradient" or "both"
        The lower panel: each point's share of the total loss, of the total pull on the line (its share of
        ``Σ |∂loss/∂prediction|``: how hard it drags the line), or both panels. Outliers can hold much of the MAE
        loss and still pull its line no harder than any other point.
    lang : "en" or "ja"

    Returns
    -------
    altair.VConcatChart
        Datasets ``"points"`` (``index``, ``x``, ``y``, ``outlier``), ``"lines"`` (``loss``, ``series``,
        ``slope``, ``intercept``, ``x``, ``y``: the two ends), ``"shares"`` (``loss``, ``series``, ``index``,
        ``x``, ``outlier``, ``value`` = ``loss(slope*x + intercept, y, reduction="none")``, ``share``,
        ``percent``, ``grad`` = ``loss.grad(..., reduction="none")``, ``pull`` = its share of ``Σ|grad|`` in %)
        and ``"summary"`` (per loss: ``total``, ``outlier_percent``, ``outlier_pull``).
    """
    lang = normalize_lang(lang)
    if measure not in ("loss", "gradient", "both"):
        raise LossInputError("fits", "measure", "'loss', 'gradient' or 'both'", repr(measure))
    xs = array("fits", "x", x, ndim=1)
    ys = array("fits", "y", y, ndim=1, length=len(xs))
    flags = np.zeros(len(xs), dtype=bool) if outliers is None else np.asarray(outliers, dtype=bool).reshape(-1)
    if len(flags) != len(xs):
        raise LossInputError("fits", "outliers", f"{len(xs)} flags (one per point)", f"{len(flags)}")
    chosen = _lines(lines)
    labels = series_labels([loss for loss, _ in chosen], lang)
    x_lo, x_hi = float(xs.min()), float(xs.max())
    point_rows = records(index=np.arange(len(xs)), x=xs, y=ys, outlier=flags,
                         kind=[fig_text("fits.outlier" if f else "fits.inlier", lang) for f in flags])
    line_rows: list[dict[str, Any]] = []
    share_rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    for (loss, (slope, intercept)), label in zip(chosen, labels, strict=True):
        ends = np.array([x_lo, x_hi])
        line_rows += records(loss=loss.name, series=label, slope=slope, intercept=intercept, x=ends,
                             y=slope * ends + intercept)
        per = np.asarray(loss(slope * xs + intercept, ys, reduction="none"), dtype=float)
        grad = np.asarray(loss.grad(slope * xs + intercept, ys, reduction="none"), dtype=float)
        total, push = float(per.sum()), float(np.abs(grad).sum())
        share = per / total if total > 0 else np.zeros_like(per)
        pull = np.abs(grad) / push if push > 0 else np.zeros_like(grad)
        share_rows += records(loss=loss.name, series=label, index=np.arange(len(xs)), x=xs, outlier=flags,
                              kind=[fig_text("fits.outlier" if f else "fits.inlier", lang) for f in flags],
                              value=per, share=share, percent=100 * share, grad=grad, pull=100 * pull)
        summary.append({"loss": loss.name, "series": label, "slope": slope, "intercept": intercept, "total": total,
                        "outlier_percent": float(100 * share[flags].sum()),
                        "outlier_pull": float(100 * pull[flags].sum())})
    if truth is not None:
        t_slope, t_intercept = float(truth[0]), float(truth[1])
        line_rows += records(loss="truth", series=fig_text("fits.truth", lang), slope=t_slope, intercept=t_intercept,
                             x=np.array([x_lo, x_hi]), y=t_slope * np.array([x_lo, x_hi]) + t_intercept)

    series = list(labels) + ([fig_text("fits.truth", lang)] if truth is not None else [])
    line_colours = colours(len(labels)) + (["#000000"] if truth is not None else [])
    line_dashes = dashes(len(labels)) + ([[2.0, 2.0]] if truth is not None else [])
    colour = alt.Color("series:N", title=fig_text("common.legend_loss", lang),
                       scale=alt.Scale(domain=series, range=line_colours),
                       legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=3))
    dash = alt.StrokeDash("series:N", title=fig_text("common.legend_loss", lang),
                          scale=alt.Scale(domain=series, range=line_dashes))
    ax = alt.X("x:Q", title=fig_text("fits.axis_x", lang))
    kinds = [fig_text("fits.inlier", lang), fig_text("fits.outlier", lang)]
    shape = alt.Shape("kind:N", title=None, scale=alt.Scale(domain=kinds, range=["circle", "cross"]))
    dots = alt.Chart(dataset("points")).mark_point(filled=True, size=42, color="#555555", opacity=0.75).encode(
        x=ax, y=alt.Y("y:Q", title=fig_text("fits.axis_y", lang)), shape=shape,
        tooltip=[alt.Tooltip("index:Q", title="#"), alt.Tooltip("x:Q", format=".3g"), alt.Tooltip("y:Q", format=".3g")])
    drawn = alt.Chart(dataset("lines")).mark_line(strokeWidth=3).encode(
        x=ax, y="y:Q", color=colour, strokeDash=dash, detail="series:N",
        tooltip=[alt.Tooltip("series:N", title=fig_text("common.legend_loss", lang)),
                 alt.Tooltip("slope:Q", format=".4g"), alt.Tooltip("intercept:Q", format=".4g")])
    top = alt.layer(dots, drawn).properties(width=620, height=300, title=fig_text("fits.top", lang))
    panels: list[Any] = [top]
    for key in ("loss", "gradient") if measure == "both" else (measure,):
        field = "percent" if key == "loss" else "pull"
        panels.append(alt.Chart(dataset("shares")).mark_point(filled=True, size=46, opacity=0.85).encode(
            x=ax, y=alt.Y(f"{field}:Q", title=fig_text(f"fits.axis_{key}", lang)), color=colour, shape=shape,
            tooltip=[alt.Tooltip("series:N", title=fig_text("common.legend_loss", lang)),
                     alt.Tooltip("index:Q", title="#"),
                     alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g"),
                     alt.Tooltip(f"{field}:Q", title=fig_text("fits.share", lang), format=".2f")],
        ).properties(width=620, height=200, title=fig_text(f"fits.panel_{key}", lang)))
    if flags.any():
        key = "outlier_pull" if measure == "gradient" else "outlier_percent"
        said = [fig_text(f"fits.{key}", lang, loss=s["series"], percent=f"{s[key]:.0f}") for s in summary]
        subtitle = [fig_text("fits.subtitle_outliers", lang, count=int(flags.sum()), n=len(xs),
                             shares=fig_text("fits.separator", lang).join(said))]
        if measure == "both":
            said = [fig_text("fits.outlier_pull", lang, loss=s["series"], percent=f"{s['outlier_pull']:.0f}")
                    for s in summary]
            subtitle.append(fig_text("fits.subtitle_pull", lang, shares=fig_text("fits.separator", lang).join(said)))
    else:
        subtitle = [fig_text(f"fits.subtitle_{measure}", lang)]
    subtitle = [line for text in subtitle for line in wrap(text, lang, 100 if lang == "en" else 56)]
    chart = alt.vconcat(*panels).properties(title=alt.Title(fig_text("fits.title", lang), subtitle=subtitle))
    return finish(chart, "fits", lang, {"points": point_rows, "lines": line_rows, "shares": share_rows,
                                       "summary": summary},
                  {"losses": [loss.name for loss, _ in chosen], "n": len(xs), "outliers": int(flags.sum()),
                   "measure": measure})
