"""Figure 5: the loss landscape of a line ``prediction = slope · x + intercept``, with an optimizer's path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ..losses import Loss
from ._common import LossSpec, array, resolve_losses, series_labels
from ._contours import contour_lines
from ._text import fig_text, normalize_lang
from ._theme import PALETTE, dataset, finish, records

__all__ = ["descend", "landscape", "line_loss"]

_TRAIL = PALETTE[4]  # the descent's path: the theme's orange


def line_loss(loss: Loss, x: np.ndarray, y: np.ndarray, slope: float, intercept: float) -> float:
    """The loss of the line ``slope · x + intercept`` on the data: ``loss(slope * x + intercept, y)``."""
    return float(loss(slope * x + intercept, y))


def descend(loss: Loss, x: np.ndarray, y: np.ndarray, start: tuple[float, float], *, steps: int = 80,
            lr: float | None = None) -> np.ndarray:
    """Plain gradient descent on (slope, intercept) with the catalog's gradient; returns the (steps + 1, 2) path.

    ``d loss / d slope = Σ g_i x_i`` and ``d loss / d intercept = Σ g_i``, where ``g = loss.grad(pred, y)`` is the
    catalog's derivative with respect to each prediction (the chain rule for a line). The default learning rate
    is the largest stable one for the squared error on these ``x`` (1 / the curvature of MSE), so every loss gets
    the same step size.
    """
    if lr is None:
        curvature = 2 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
        lr = 1.0 / float(np.max(np.linalg.eigvalsh(curvature)))
    w, b = float(start[0]), float(start[1])
    path = [(w, b)]
    for _ in range(int(steps)):
        g = np.asarray(loss.grad(w * x + b, y), dtype=float)
        w, b = w - lr * float(np.sum(g * x)), b - lr * float(np.sum(g))
        if not (np.isfinite(w) and np.isfinite(b)):
            break
        path.append((w, b))
    return np.asarray(path)


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if np.ptp(x) == 0:
        return 0.0, float(np.mean(y))
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept)


def landscape(
    x: Any,
    y: Any,
    losses: LossSpec | Sequence[LossSpec] = ("mse", "mae"),
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    path: Any = "descent",
    start: tuple[float, float] | None = None,
    steps: int = 80,
    slope_range: tuple[float, float] | None = None,
    intercept_range: tuple[float, float] | None = None,
    grid: int = 51,
    lang: str | None = "en",
) -> alt.HConcatChart:
    """The loss of every line ``slope · x + intercept`` on the data, as a map with contours; one panel per loss.

    Parameters
    ----------
    x, y : array_like of shape (N,)
        The data (one feature, one target).
    losses : loss name, ``Loss``, or a sequence of them
        Regression losses; with two, the panels show side by side how the valleys differ (MSE's smooth bowl,
        MAE's creased one).
    params : dict, optional
        Parameters of the losses given by name.
    path : "descent", None, array of shape (S, 2), or {loss name: array}
        The optimizer's path over the map: ``"descent"`` runs :func:`descend` (gradient descent with the
        catalog's gradient) from ``start``; an array (or one per loss, keyed by name) draws a path you recorded,
        as (slope, intercept) rows; None draws none.
    start : (slope, intercept), optional
        Where the descent starts (default: a corner of the map, far from the valley).
    steps : int
        Steps of the descent.
    slope_range, intercept_range : (low, high), optional
        The map's extent (default: around the least-squares line, wide enough for the path).
    grid : int
        Grid points per axis (each is one catalog call).
    lang : "en" or "ja"

    Returns
    -------
    altair.HConcatChart
        Datasets ``"surface"`` (``loss``, ``series``, ``slope``, ``intercept``, ``value`` = ``loss(slope*x +
        intercept, y)``, and the cell bounds), ``"contours"`` (``level``, ``line``, ``order``, ``slope``,
        ``intercept``), ``"path"`` (``step``, ``slope``, ``intercept``, ``value``) and ``"minimum"``.
    """
    lang = normalize_lang(lang)
    xs = array("landscape", "x", x, ndim=1)
    ys = array("landscape", "y", y, ndim=1, length=len(xs))
    if grid < 5:
        raise LossInputError("landscape", "grid", "at least 5 points per axis", repr(grid))
    chosen = resolve_losses("landscape", losses, params, ("regression",))
    labels = series_labels(chosen, lang)
    w0, b0 = _ols(xs, ys)
    spread_w = max(abs(w0), float(np.std(ys) / max(np.std(xs), 1e-12)), 1e-3)
    spread_b = max(abs(b0), float(np.std(ys)), 1e-3)
    w_lo, w_hi = slope_range or (w0 - 1.6 * spread_w, w0 + 1.6 * spread_w)
    b_lo, b_hi = intercept_range or (b0 - 1.6 * spread_b, b0 + 1.6 * spread_b)
    if not (w_lo < w_hi and b_lo < b_hi):
        raise LossInputError("landscape", "slope_range", "(low, high) ranges with low < high",
                             repr((slope_range, intercept_range)))
    if start is None:
        start = (w_lo + 0.12 * (w_hi - w_lo), b_hi - 0.12 * (b_hi - b_lo))
    slopes = np.linspace(w_lo, w_hi, int(grid))
    intercepts = np.linspace(b_lo, b_hi, int(grid))
    dw, db = (slopes[1] - slopes[0]) * 0.51, (intercepts[1] - intercepts[0]) * 0.51  # overlap: no seams

    surface: list[dict[str, Any]] = []
    contour_rows: list[dict[str, Any]] = []
    path_rows: list[dict[str, Any]] = []
    minimum_rows: list[dict[str, Any]] = []
    titles = []
    for loss, label in zip(chosen, labels, strict=True):
        values = np.array([[line_loss(loss, xs, ys, w, b) for w in slopes] for b in intercepts])
        W, B = np.meshgrid(slopes, intercepts)
        surface += records(loss=loss.name, series=label, slope=W.ravel(), intercept=B.ravel(), value=values.ravel(),
                           slope0=W.ravel() - dw, slope1=W.ravel() + dw, intercept0=B.ravel() - db,
                           intercept1=B.ravel() + db)
        low, high = float(values.min()), float(values.max())
        fractions = np.array([0.005, 0.02, 0.05, 0.1, 0.2, 0.35, 0.55, 0.8]) if high > low else np.zeros(0)
        levels = low + (high - low) * fractions
        line_id = 0
        for level in levels:
            for line in contour_lines(slopes, intercepts, values, float(level)):
                contour_rows += records(loss=loss.name, series=label, level=float(level), line=f"{loss.name}-{line_id}",
                                        order=np.arange(len(line)), slope=line[:, 0], intercept=line[:, 1])
                line_id += 1
        i, j = np.unravel_index(int(np.argmin(values)), values.shape)
        minimum_rows += records(loss=loss.name, series=label, slope=float(slopes[j]), intercept=float(intercepts[i]),
                                value=float(values[i, j]))
        steps_taken = _path_for(path, loss, label, xs, ys, start, steps)
        if steps_taken is not None:
            path_rows += records(loss=loss.name, series=label, step=np.arange(len(steps_taken)),
                                 slope=steps_taken[:, 0], intercept=steps_taken[:, 1],
                                 value=[line_loss(loss, xs, ys, w, b) for w, b in steps_taken])
        titles.append(fig_text("landscape.panel", lang, loss=label, slope=f"{slopes[j]:.3g}",
                               intercept=f"{intercepts[i]:.3g}"))

    scale_x = alt.Scale(domain=[float(w_lo), float(w_hi)], nice=False)
    scale_y = alt.Scale(domain=[float(b_lo), float(b_hi)], nice=False)
    title_x, title_y = fig_text("landscape.axis_slope", lang), fig_text("landscape.axis_intercept", lang)
    ax = alt.X("slope:Q", title=title_x, scale=scale_x)
    ay = alt.Y("intercept:Q", title=title_y, scale=scale_y)
    panels = []
    for label, title in zip(labels, titles, strict=True):
        keep = alt.datum.series == label
        heat = alt.Chart(dataset("surface")).transform_filter(keep).mark_rect().encode(
            x=alt.X("slope0:Q", scale=scale_x, title=title_x), x2="slope1:Q",
            y=alt.Y("intercept0:Q", scale=scale_y, title=title_y), y2="intercept1:Q",
            color=alt.Color("value:Q", scale=alt.Scale(scheme="viridis", type="sqrt"),
                            title=fig_text("landscape.legend", lang),
                            legend=alt.Legend(orient="right", direction="vertical", gradientLength=200)),
            tooltip=[alt.Tooltip("slope:Q", format=".3g"), alt.Tooltip("intercept:Q", format=".3g"),
                     alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g")],
        )
        lines = alt.Chart(dataset("contours")).transform_filter(keep).mark_line(
            color="white", strokeWidth=1, opacity=0.75, clip=True).encode(x=ax, y=ay, detail="line:N",
                                                                         order="order:Q")
        trail = alt.Chart(dataset("path")).transform_filter(keep).mark_line(
            color=_TRAIL, strokeWidth=2.2, clip=True, point=alt.OverlayMarkDef(color=_TRAIL, size=14)).encode(
            x=ax, y=ay, order="step:Q",
            tooltip=[alt.Tooltip("step:Q", title=fig_text("landscape.step", lang)),
                     alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g")])
        begin = alt.Chart(dataset("path")).transform_filter(keep & (alt.datum.step == 0)).mark_point(
            shape="square", size=110, color="white", filled=True, stroke="black", strokeWidth=1).encode(x=ax, y=ay)
        best = alt.Chart(dataset("minimum")).transform_filter(keep).mark_point(
            shape="cross", size=220, color="white", filled=True, stroke="black", strokeWidth=0.8).encode(x=ax, y=ay)
        panels.append(alt.layer(heat, lines, trail, begin, best).properties(width=300, height=300, title=title))
    chart = alt.hconcat(*panels).resolve_scale(color="independent").properties(
        title=alt.Title(fig_text("landscape.title", lang),
                        subtitle=fig_text("landscape.subtitle", lang, steps=steps).split("\n")))
    return finish(chart, "landscape", lang,
                  {"surface": surface, "contours": contour_rows, "path": path_rows, "minimum": minimum_rows},
                  {"losses": [loss.name for loss in chosen], "n": len(xs), "start": list(map(float, start)),
                   "least_squares": [w0, b0]})


def _path_for(path: Any, loss: Loss, label: str, x: np.ndarray, y: np.ndarray, start: tuple[float, float],
              steps: int) -> np.ndarray | None:
    if path is None or path is False:
        return None
    if isinstance(path, str):
        if path != "descent":
            raise LossInputError("landscape", "path", "'descent', None, or (slope, intercept) rows", repr(path))
        return descend(loss, x, y, start, steps=steps)
    if isinstance(path, Mapping):
        chosen = path.get(label, path.get(loss.name))
        if chosen is None:
            return None
        path = chosen
    rows = array("landscape", "path", path, ndim=2)
    if rows.shape[1] != 2:
        raise LossInputError("landscape", "path", "(slope, intercept) rows, shape (S, 2)", f"shape {rows.shape}")
    return rows
