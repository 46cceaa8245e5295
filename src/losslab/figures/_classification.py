"""Figure 2: classification losses against the probability (or margin) given to the true class."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import altair as alt
import numpy as np

from .._numeric import sigmoid
from ..errors import LossInputError
from ..losses import Loss
from ._common import LossSpec, resolve_losses, series_labels
from ._text import fig_text, normalize_lang
from ._theme import REGION_COLOURS, colours, dash_scale, dataset, finish, records

__all__ = ["REGIONS", "classification", "evaluate_binary"]

REGIONS: tuple[str, ...] = ("wrong_confident", "wrong_unsure", "right_unsure", "right_confident")
"""The confidence regions, from the most wrong to the most right."""

Axis = Literal["probability", "margin"]
ZERO_ONE_COLOUR = "#555555"


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def evaluate_binary(loss: Loss, x: np.ndarray, axis: Axis) -> np.ndarray:
    """The loss of examples of the positive class given ``x``: probabilities (``axis="probability"``) or margins.

    Losses that can read either (BCE, focal: a boolean parameter with ``role="input"``, ``from_logits``) get
    ``p``, or on the margin axis the score with that switch on; losses on probabilities alone get ``p`` or
    ``sigmoid(z)``; losses on scores (hinge, squared hinge) get the score ``z`` — on the probability axis the
    score ``logit(p)``, whose sigmoid is ``p``. The target is 1 (the true class is the positive one).
    """
    ones = np.ones_like(x)
    switch = loss.definition.score_switch
    if switch is not None:
        read = loss.with_params(**{switch: axis != "probability"})
        return np.asarray(read(x, ones, reduction="none"), dtype=float)
    if loss.definition.pred_domain(loss.params) == "probability":
        prob = x if axis == "probability" else sigmoid(x)
        return np.asarray(loss(prob, ones, reduction="none"), dtype=float)
    score = _logit(x) if axis == "probability" else x
    return np.asarray(loss(score, ones, reduction="none"), dtype=float)


def classification(
    losses: LossSpec | Sequence[LossSpec] = ("binary_cross_entropy", "binary_focal", "hinge", "squared_hinge"),
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    axis: Axis = "probability",
    confident: float = 0.8,
    y_max: float = 5.0,
    points: int = 199,
    zero_one: bool = True,
    lang: str | None = "en",
) -> alt.LayerChart:
    """Binary classification losses against the probability (or the margin) the model gives to the true class.

    Parameters
    ----------
    losses : loss name, ``Loss``, or a sequence of them
        Binary losses from the catalog (``binary_cross_entropy``/``bce``, ``binary_focal``, ``hinge``,
        ``squared_hinge``).
    params : dict, optional
        Parameters of the losses given by name, e.g. ``{"binary_focal": {"gamma": 5}}``.
    axis : "probability" or "margin"
        The x axis: the probability ``p`` of the true class in (0, 1), or the margin ``z = y·score`` (the score
        whose sigmoid is ``p``). Both are computed by the catalog (see :func:`evaluate_binary`).
    confident : float
        The probability from which a prediction counts as confident; the regions are ``p < 1 − confident``
        (wrong and confident), ``< 0.5`` (wrong but unsure), ``< confident`` (right but unsure), and above
        (right and confident); on the margin axis the same bounds as ``logit(p)``.
    y_max : float
        The top of the y axis (the curves go on, clipped: the data keeps every value).
    points : int
        Number of x values.
    zero_one : bool
        Also draw the 0–1 loss (1 for a wrong prediction, 0 for a right one): what accuracy counts.
    lang : "en" or "ja"

    Returns
    -------
    altair.LayerChart
        Dataset ``"curves"`` (``loss``, ``params``, ``series``, ``x``, ``probability``, ``margin``, ``value``;
        the 0–1 loss has ``loss`` = ``"zero_one"``) and ``"regions"`` (``region``, ``label``, ``start``, ``end``).
    """
    lang = normalize_lang(lang)
    if axis not in ("probability", "margin"):
        raise LossInputError("classification", "axis", "'probability' or 'margin'", repr(axis))
    if not 0.5 < confident < 1:
        raise LossInputError("classification", "confident", "a probability between 0.5 and 1", repr(confident))
    if not y_max > 0:
        raise LossInputError("classification", "y_max", "a number > 0", repr(y_max))
    chosen = resolve_losses("classification", losses, params, ("binary",))
    labels = series_labels(chosen, lang)
    edge = 0.005
    if axis == "probability":
        x = np.linspace(edge, 1 - edge, int(points))
        x = np.unique(np.concatenate([x, [1 - confident, 0.5, confident]]))
        prob, margin = x, _logit(x)
        lo, hi = 0.0, 1.0
        bounds = [lo, 1 - confident, 0.5, confident, hi]
    else:
        z_max = 5.0
        x = np.linspace(-z_max, z_max, int(points))
        z_conf = math.log(confident / (1 - confident))
        x = np.unique(np.concatenate([x, [-z_conf, 0.0, z_conf, -1.0, 1.0]]))
        prob, margin = sigmoid(x), x
        lo, hi = -z_max, z_max
        bounds = [lo, -z_conf, 0.0, z_conf, hi]

    rows: list[dict[str, Any]] = []
    for loss, label in zip(chosen, labels, strict=True):
        value = evaluate_binary(loss, x, axis)
        part = records(loss=loss.name, series=label, x=x, probability=prob, margin=margin, value=value)
        for row in part:
            row["params"] = dict(loss.params)
        rows += part
    series = list(labels)
    if zero_one:
        zero_one_label = fig_text("classification.zero_one", lang)
        rows += records(loss="zero_one", series=zero_one_label, x=x, probability=prob, margin=margin,
                        value=(margin < 0).astype(float))
        series.append(zero_one_label)

    regions = [
        {"region": key, "label": fig_text(f"classification.{key}", lang), "start": float(bounds[i]),
         "end": float(bounds[i + 1]), "middle": float((bounds[i] + bounds[i + 1]) / 2), "top": float(y_max)}
        for i, key in enumerate(REGIONS)
    ]
    x_title = fig_text(f"classification.axis_{axis}", lang)
    x_scale = alt.Scale(domain=[lo, hi], nice=False)
    bands = alt.Chart(dataset("regions")).mark_rect(opacity=0.12).encode(
        x=alt.X("start:Q", scale=x_scale, title=x_title),
        x2="end:Q",
        fill=alt.Fill("region:N", scale=alt.Scale(domain=list(REGIONS), range=[REGION_COLOURS[r] for r in REGIONS]),
                      legend=None),
    )
    names = alt.Chart(dataset("regions")).mark_text(baseline="top", dy=6, fontSize=11.5, lineBreak="\n",
                                                    color="#333333").encode(
        x="middle:Q", y=alt.Y("top:Q"), text="label:N"
    )
    boundary = alt.Chart(dataset("boundary")).mark_rule(color="#555555", strokeDash=[4, 3]).encode(x="x:Q")
    colour = alt.Color("series:N", title=fig_text("common.legend_loss", lang),
                       scale=alt.Scale(domain=series, range=[*colours(len(labels)), ZERO_ONE_COLOUR][: len(series)]))
    dash = alt.StrokeDash("series:N", scale=dash_scale(series), title=fig_text("common.legend_loss", lang))
    lines = alt.Chart(dataset("curves")).mark_line(clip=True).encode(
        x=alt.X("x:Q", scale=x_scale, title=x_title),
        y=alt.Y("value:Q", title=fig_text("classification.axis_loss", lang),
                scale=alt.Scale(domain=[0, float(y_max)], nice=False)),
        color=colour,
        strokeDash=dash,
        tooltip=[
            alt.Tooltip("series:N", title=fig_text("common.legend_loss", lang)),
            alt.Tooltip("probability:Q", title=fig_text("classification.p_short", lang), format=".3f"),
            alt.Tooltip("margin:Q", title=fig_text("classification.margin_short", lang), format=".3f"),
            alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g"),
        ],
    )
    chart = alt.layer(bands, boundary, lines, names).properties(
        width=620,
        height=330,
        title=alt.Title(fig_text("classification.title", lang),
                        subtitle=fig_text(f"classification.subtitle_{axis}", lang).split("\n")),
    )
    boundary_x = 0.5 if axis == "probability" else 0.0
    return finish(chart, "classification", lang,
                  {"curves": rows, "regions": regions, "boundary": [{"x": boundary_x}]},
                  {"losses": [loss.name for loss in chosen], "axis": axis, "confident": confident})
