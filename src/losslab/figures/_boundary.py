"""Figure 7: the decision boundary of a 2-D binary classifier, as a probability map with the data on it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ._common import array
from ._contours import contour_lines
from ._text import fig_text, normalize_lang, wrap
from ._theme import PALETTE, dataset, finish, records

__all__ = ["boundary", "probability_of_class_1"]

CLASS_COLOURS = (PALETTE[0], PALETTE[1])  # class 0 blue, class 1 vermillion: the theme's first two colours
MAP_COLOURS = ("#86B6DA", "#F7F7F7", "#EFAA80")  # the same hues, light: the points stand out on the map


def probability_of_class_1(predict_proba: Callable[[np.ndarray], Any], points: np.ndarray) -> np.ndarray:
    """``predict_proba(points)`` as the probability of class 1, shape (M,) (accepts (M,), (M, 1) or (M, 2))."""
    raw = predict_proba(points)
    if raw is None:
        raise LossInputError("boundary", "predict_proba", "probabilities (the loss's outputs are not: hinge?)",
                             "None")
    p = np.asarray(raw, dtype=float)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    elif p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.shape != (len(points),):
        raise LossInputError("boundary", "predict_proba", f"one probability per point, shape ({len(points)},) or "
                             f"({len(points)}, 2)", f"shape {np.asarray(raw).shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise LossInputError("boundary", "predict_proba", "probabilities in [0, 1]", "values outside")
    return p


def boundary(
    predict_proba: Callable[[np.ndarray], Any],
    x_train: Any,
    y_train: Any,
    x_val: Any = None,
    y_val: Any = None,
    *,
    grid: int = 70,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    lang: str | None = "en",
) -> alt.LayerChart:
    """Where a 2-D binary classifier says "class 1", and how sure it is, with the training and validation points.

    Parameters
    ----------
    predict_proba : callable
        ``predict_proba(points)`` for points of shape (M, 2), in the same units as ``x_train``; returns the
        probability of class 1, shape (M,) or (M, 2) (scikit-learn's layout). For a ``losslab.training`` run on
        standardized features: ``lambda X: run.predict_proba(run.dataset.transform(X))``.
    x_train, y_train : arrays of shape (N, 2) and (N,)
        The training points and their classes (0 or 1).
    x_val, y_val : optional
        The validation points (drawn as diamonds).
    grid : int
        Grid points per axis of the map.
    feature_names, class_names : optional
        Axis titles and legend names (default x₁, x₂ and 0, 1).
    title : str, optional
        Replaces the title.
    lang : "en" or "ja"

    Returns
    -------
    altair.LayerChart
        Datasets ``"map"`` (``x``, ``y``, ``p``: probability of class 1 from ``predict_proba``, cell bounds),
        ``"boundary"`` (the line where p = 0.5: ``line``, ``order``, ``x``, ``y``), ``"points"`` (``x``, ``y``,
        ``label``, ``split``, ``p``, ``correct``) and ``"scores"`` (accuracy per split).
    """
    lang = normalize_lang(lang)
    xt = array("boundary", "x_train", x_train, ndim=2)
    if xt.shape[1] != 2:
        raise LossInputError("boundary", "x_train", "2 features per point, shape (N, 2)", f"shape {xt.shape}")
    yt = array("boundary", "y_train", y_train, ndim=1, length=len(xt)).astype(int)
    parts = [("train", xt, yt)]
    if x_val is not None and y_val is not None:
        xv = array("boundary", "x_val", x_val, ndim=2)
        if xv.shape[1] != 2:
            raise LossInputError("boundary", "x_val", "2 features per point, shape (N, 2)", f"shape {xv.shape}")
        parts.append(("val", xv, array("boundary", "y_val", y_val, ndim=1, length=len(xv)).astype(int)))
    everything = np.concatenate([p[1] for p in parts])
    labels_all = np.concatenate([p[2] for p in parts])
    if not set(np.unique(labels_all)) <= {0, 1}:
        raise LossInputError("boundary", "y_train", "classes 0 and 1 (a binary classifier)",
                             f"classes {sorted(set(np.unique(labels_all).tolist()))}")
    if grid < 5:
        raise LossInputError("boundary", "grid", "at least 5 points per axis", repr(grid))
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    pad = 0.08 * np.maximum(hi - lo, 1e-9)
    lo, hi = lo - pad, hi + pad
    gx, gy = np.linspace(lo[0], hi[0], int(grid)), np.linspace(lo[1], hi[1], int(grid))
    X, Y = np.meshgrid(gx, gy)
    prob = probability_of_class_1(predict_proba, np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    dx, dy = (gx[1] - gx[0]) * 0.51, (gy[1] - gy[0]) * 0.51  # cells overlap a hair: no seams between them
    map_rows = records(x=X.ravel(), y=Y.ravel(), p=prob.ravel(), x0=X.ravel() - dx, x1=X.ravel() + dx,
                       y0=Y.ravel() - dy, y1=Y.ravel() + dy)
    line_rows: list[dict[str, Any]] = []
    for k, line in enumerate(contour_lines(gx, gy, prob, 0.5)):
        line_rows += records(line=k, order=np.arange(len(line)), x=line[:, 0], y=line[:, 1])

    names = [str(c) for c in (class_names or ("0", "1"))]
    split_names = {"train": fig_text("boundary.train", lang), "val": fig_text("boundary.val", lang)}
    point_rows: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    for split, xs, ys in parts:
        p = probability_of_class_1(predict_proba, xs)
        correct = (p > 0.5) == (ys == 1)
        point_rows += records(x=xs[:, 0], y=xs[:, 1], label=ys, split=split, split_name=split_names[split],
                              class_name=[names[int(c)] for c in ys], p=p, correct=correct)
        scores.append({"split": split, "accuracy": float(np.mean(correct)), "n": len(ys)})

    fx, fy = [*feature_names, "", ""][:2] if feature_names else ("", "")
    ax = alt.X("x:Q", title=fx or "x₁", scale=alt.Scale(domain=[float(lo[0]), float(hi[0])], nice=False))
    ay = alt.Y("y:Q", title=fy or "x₂", scale=alt.Scale(domain=[float(lo[1]), float(hi[1])], nice=False))
    heat = alt.Chart(dataset("map")).mark_rect().encode(
        x=alt.X("x0:Q", title=fx or "x₁", scale=alt.Scale(domain=[float(lo[0]), float(hi[0])], nice=False)),
        x2="x1:Q",
        y=alt.Y("y0:Q", title=fy or "x₂", scale=alt.Scale(domain=[float(lo[1]), float(hi[1])], nice=False)),
        y2="y1:Q",
        fill=alt.Fill("p:Q", title=fig_text("boundary.legend", lang, name=names[1]),
                      scale=alt.Scale(domain=[0, 1], domainMid=0.5, range=list(MAP_COLOURS)),
                      legend=alt.Legend(orient="right", direction="vertical", gradientLength=220, format=".1f")),
        tooltip=[alt.Tooltip("p:Q", title=fig_text("boundary.legend", lang, name=names[1]), format=".3f")],
    )
    edge = alt.Chart(dataset("boundary")).mark_line(color="black", strokeWidth=2.2, clip=True).encode(
        x=ax, y=ay, detail="line:N", order="order:Q")
    dots = alt.Chart(dataset("points")).mark_point(filled=True, size=55, stroke="white", strokeWidth=0.9,
                                                   opacity=0.95).encode(
        x=ax, y=ay,
        color=alt.Color("class_name:N", title=fig_text("boundary.class", lang),
                        scale=alt.Scale(domain=names, range=list(CLASS_COLOURS))),
        shape=alt.Shape("split_name:N", title=None, scale=alt.Scale(
            domain=[split_names["train"], split_names["val"]], range=["circle", "diamond"])),
        strokeWidth=alt.condition(alt.datum.correct, alt.value(0.9), alt.value(2.2)),
        stroke=alt.condition(alt.datum.correct, alt.value("white"), alt.value("black")),
        tooltip=[alt.Tooltip("split_name:N", title=fig_text("boundary.split", lang)),
                 alt.Tooltip("class_name:N", title=fig_text("boundary.class", lang)),
                 alt.Tooltip("p:Q", title=fig_text("boundary.legend", lang, name=names[1]), format=".3f")],
    )
    said = [fig_text("boundary.score", lang, split=split_names[s["split"]], percent=f"{100 * s['accuracy']:.1f}")
            for s in scores]
    subtitle = [*wrap(fig_text("boundary.subtitle", lang, name=names[1]), lang, 95 if lang == "en" else 50),
                fig_text("boundary.scores", lang, scores=fig_text("fits.separator", lang).join(said))]
    chart = alt.layer(heat, edge, dots).properties(
        width=420, height=420, title=alt.Title(title or fig_text("boundary.title", lang), subtitle=subtitle))
    return finish(chart, "boundary", lang,
                  {"map": map_rows, "boundary": line_rows, "points": point_rows, "scores": scores},
                  {"classes": names, "grid": int(grid)})
