"""Figure 3: the dart board — 2-D predictions around a target, with rings of equal loss."""

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

__all__ = ["DEFAULT_DARTS", "dart_losses", "darts"]

DEFAULT_DARTS: tuple[tuple[float, float], ...] = (
    (0.35, 0.25),
    (-0.7, 0.55),
    (1.1, -0.5),
    (-0.25, -1.05),
    (0.6, 1.3),
    (-1.45, -0.35),
    (2.6, 2.1),
)
"""The darts of the default board: six near the target, one far off (an outlier)."""



def _ring_step(extent: float) -> float:
    """A round distance between rings: about three rings from the target to the edge of the board."""
    raw = extent / 3
    power = 10 ** np.floor(np.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw * 0.999:
            return float(m * power)
    return float(10 * power)


def dart_losses(loss: Loss, preds: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The loss of each dart: ``loss(preds, targets, reduction="none")`` on (N, 2) arrays (mean over x and y)."""
    targets = np.broadcast_to(target, preds.shape).copy()
    return np.asarray(loss(preds, targets, reduction="none"), dtype=float)


def darts(
    preds: Any = None,
    target: Sequence[float] = (0.0, 0.0),
    *,
    losses: LossSpec | Sequence[LossSpec] = ("mse", "mae", "huber"),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    radii: Sequence[float] | None = None,
    grid: int = 121,
    size: int = 270,
    lang: str | None = "en",
) -> alt.HConcatChart:
    """The dart board: each 2-D prediction is a dart, the target the bullseye; one board per loss.

    The rings join the points of equal loss: circles for squared error, diamonds for absolute error, Huber in
    between (round near the target, pointed far out). Each ring passes through the point at distance ``r`` to
    the right of the target, so the rings of different losses can be compared; each dart's loss is written
    beside it.

    Parameters
    ----------
    preds : array of shape (N, 2), optional
        The darts (predictions of a 2-D target); :data:`DEFAULT_DARTS` when omitted.
    target : (x, y)
        The bullseye.
    losses : loss name, ``Loss``, or a sequence of them
        Regression losses; one board each.
    params : dict, optional
        Parameters of the losses given by name, e.g. ``{"huber": {"delta": 0.5}}``.
    radii : sequence of float, optional
        Distances of the rings from the target (default: round steps, about three of them to the board's edge).
    grid : int
        Grid points per axis used to trace the rings.
    size : int
        Width and height of each board, in pixels.
    lang : "en" or "ja"

    Returns
    -------
    altair.HConcatChart
        Datasets ``"darts"`` (``loss``, ``params``, ``series``, ``dart``, ``x``, ``y``, ``value``: the catalog's
        loss of that prediction), ``"rings"`` (``loss``, ``series``, ``level``, ``radius``, ``ring``, ``order``,
        ``x``, ``y``: points on the curve where the loss equals ``level``), ``"levels"`` (one row per ring: where its
        value is written) and ``"target"``.
    """
    lang = normalize_lang(lang)
    chosen = resolve_losses("darts", losses, params, ("regression",))
    points = array("darts", "preds", DEFAULT_DARTS if preds is None else preds, ndim=2)
    if points.shape[1] != 2:
        raise LossInputError("darts", "preds", "2-D predictions, shape (N, 2)", f"shape {points.shape}")
    centre = array("darts", "target", target, ndim=1)
    if centre.shape != (2,):
        raise LossInputError("darts", "target", "one 2-D point (x, y)", f"shape {centre.shape}")
    offsets = points - centre
    reach = float(np.max(np.abs(offsets))) if offsets.size else 1.0
    extent = max(1.0, float(np.ceil(reach * 1.15 * 2) / 2))
    if radii is None:
        step = _ring_step(extent)
        chosen_radii = [step * k for k in range(1, 20) if step * k <= extent * 1.42]
    else:
        chosen_radii = [float(r) for r in array("darts", "radii", radii, ndim=1) if r > 0]
    labels = series_labels(chosen, lang)

    axis_values = np.linspace(-extent * 1.5, extent * 1.5, int(grid))
    gx, gy = np.meshgrid(axis_values + centre[0], axis_values + centre[1])
    flat = np.stack([gx.ravel(), gy.ravel()], axis=1)

    dart_rows: list[dict[str, Any]] = []
    ring_rows: list[dict[str, Any]] = []
    level_rows: list[dict[str, Any]] = []
    titles = []
    for loss, label in zip(chosen, labels, strict=True):
        values = dart_losses(loss, points, centre)
        part = records(loss=loss.name, series=label, dart=np.arange(1, len(points) + 1), x=points[:, 0],
                       y=points[:, 1], value=values, text=[f"{v:.2f}" for v in values])
        for row in part:
            row["params"] = dict(loss.params)
        dart_rows += part
        titles.append((label, float(np.mean(values))))
        surface = dart_losses(loss, flat, centre).reshape(gx.shape)
        ring_points = centre + np.column_stack([chosen_radii, np.zeros(len(chosen_radii))])
        levels = dart_losses(loss, ring_points, centre) if chosen_radii else np.zeros(0)
        inside = [r <= extent * 0.999 for r in chosen_radii]
        level_rows += records(loss=loss.name, series=label, radius=np.asarray(chosen_radii)[inside],
                              level=np.asarray(levels)[inside], x=centre[0] + np.asarray(chosen_radii)[inside],
                              y=centre[1])
        ring_id = 0
        for radius, level in zip(chosen_radii, levels, strict=True):
            for line in contour_lines(gx[0], gy[:, 0], surface, float(level)):
                ring_rows += records(loss=loss.name, series=label, level=float(level), radius=radius,
                                     ring=f"{loss.name}-{ring_id}", order=np.arange(len(line)), x=line[:, 0],
                                     y=line[:, 1])
                ring_id += 1

    domain_x = [float(centre[0] - extent), float(centre[0] + extent)]
    domain_y = [float(centre[1] - extent), float(centre[1] + extent)]
    axis_x = alt.X("x:Q", title=fig_text("darts.axis_x", lang), scale=alt.Scale(domain=domain_x, nice=False))
    axis_y = alt.Y("y:Q", title=fig_text("darts.axis_y", lang), scale=alt.Scale(domain=domain_y, nice=False))
    boards = []
    for label, mean in titles:
        keep = alt.datum.series == label
        rings = alt.Chart(dataset("rings")).transform_filter(keep).mark_line(
            clip=True, color="#888888", strokeWidth=1.2).encode(
            x=axis_x, y=axis_y, detail="ring:N", order="order:Q",
            tooltip=[alt.Tooltip("level:Q", title=fig_text("darts.ring_loss", lang), format=".3g")],
        )
        ring_names = alt.Chart(dataset("levels")).transform_filter(keep).mark_text(
            align="left", baseline="top", dx=3, dy=3, fontSize=10, color="#666666", clip=True).encode(
            x=axis_x, y=axis_y, text=alt.Text("level:Q", format=".2~f"))
        bull = alt.Chart(dataset("target")).mark_point(shape="cross", size=260, color="#000000", filled=True,
                                                        strokeWidth=0).encode(x="x:Q", y="y:Q")
        bull_ring = alt.Chart(dataset("target")).mark_point(shape="circle", size=700, color="#000000",
                                                             strokeWidth=1.5, filled=False).encode(x="x:Q", y="y:Q")
        hits = alt.Chart(dataset("darts")).transform_filter(keep).mark_point(
            shape="triangle-up", size=110, color=PALETTE[1], filled=True, stroke="white", strokeWidth=0.8).encode(
            x=axis_x, y=axis_y,
            tooltip=[alt.Tooltip("dart:O", title=fig_text("darts.dart", lang)),
                     alt.Tooltip("x:Q", format=".3g"), alt.Tooltip("y:Q", format=".3g"),
                     alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g")],
        )
        words = alt.Chart(dataset("darts")).transform_filter(keep).mark_text(
            align="left", dx=9, dy=-8, fontSize=12, fontWeight="bold", color="#222222").encode(
            x=axis_x, y=axis_y, text="text:N")
        title = fig_text("darts.panel", lang, loss=label, mean=f"{mean:.3g}")
        boards.append(
            alt.layer(rings, ring_names, bull_ring, bull, hits, words).properties(width=size, height=size,
                                                                                 title=title)
        )
    chart = alt.hconcat(*boards).properties(
        title=alt.Title(fig_text("darts.title", lang), subtitle=fig_text("darts.subtitle", lang).split("\n"))
    )
    return finish(chart, "darts", lang,
                  {"darts": dart_rows, "rings": ring_rows, "levels": level_rows,
                   "target": [{"x": float(centre[0]), "y": float(centre[1])}]},
                  {"losses": [loss.name for loss in chosen], "target": centre.tolist(), "radii": chosen_radii})
