"""Figure 1: the shapes of regression losses and of their gradients, against the error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from ..errors import LossInputError
from ._common import LossSpec, resolve_losses, series_labels
from ._text import fig_text, normalize_lang
from ._theme import HEIGHT, WIDTH, colour_scale, dash_scale, dataset, finish, records

__all__ = ["shapes"]


def shapes(
    losses: LossSpec | Sequence[LossSpec] = ("mse", "mae", "huber", "log_cosh", "quantile"),
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    error_range: tuple[float, float] = (-3.0, 3.0),
    points: int = 181,
    target: float = 0.0,
    lang: str | None = "en",
) -> alt.HConcatChart:
    """Loss and gradient of regression losses against the error (prediction − target): two panels.

    Parameters
    ----------
    losses : loss name, ``Loss``, or a sequence of them
        Regression losses from the catalog; ``losslab.get("huber", delta=2)`` sets parameters, so the same loss
        can appear with several (``[get("huber", delta=1), get("huber", delta=2)]``).
    params : dict, optional
        Parameters of the losses given by name: ``{"huber": {"delta": 2}, "quantile": {"q": 0.9}}``.
    error_range : (low, high)
        The errors shown; the grid always contains 0 and the kinks (±delta of Huber, ±beta of smooth L1: the
        parameters marked ``kink`` in the catalog).
    points : int
        Grid points across ``error_range``.
    target : float
        The target the errors are added to (0 suits every loss defined on all reals; msle, mape and poisson need
        a positive target, e.g. ``target=5`` with ``error_range=(-4, 4)``).
    lang : "en" or "ja"

    Returns
    -------
    altair.HConcatChart
        Dataset ``"curves"``: one row per loss and error with ``loss`` (canonical name), ``params``, ``series``
        (legend label), ``error``, ``prediction``, ``target``, ``value`` (the loss of that one prediction,
        ``loss(pred, target, reduction="none")``) and ``grad`` (``loss.grad(..., reduction="none")``).
    """
    lang = normalize_lang(lang)
    chosen = resolve_losses("shapes", losses, params, ("regression",))
    low, high = float(error_range[0]), float(error_range[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise LossInputError("shapes", "error_range", "(low, high) with low < high", repr(error_range))
    if points < 3:
        raise LossInputError("shapes", "points", "at least 3 grid points", repr(points))
    grid: list[np.ndarray] = [np.linspace(low, high, int(points)), np.zeros(1)]
    for loss in chosen:
        for p in loss.definition.params:  # the errors where the loss changes branch
            if p.kink and loss.params[p.name] is not None:
                grid.append(np.array([-1.0, 1.0]) * float(loss.params[p.name]))
    errors: np.ndarray = np.unique(np.concatenate(grid))
    errors = errors[(errors >= low) & (errors <= high)]
    labels = series_labels(chosen, lang)
    rows: list[dict[str, Any]] = []
    for loss, label in zip(chosen, labels, strict=True):
        pred = target + errors
        tgt = np.full_like(errors, float(target))
        try:
            value = np.asarray(loss(pred, tgt, reduction="none"), dtype=float)
            grad = np.asarray(loss.grad(pred, tgt, reduction="none"), dtype=float)
        except LossInputError as exc:
            raise LossInputError(
                "shapes", "target", f"a target where {loss.name} is defined for every error shown",
                f"target={target:g} with errors {low:g} to {high:g} ({exc.expected} needed)",
                "losses on counts or prices need a positive target, e.g. target=5, error_range=(-4, 4)",
            ) from None
        rows += records(loss=loss.name, params=None, series=label, error=errors, prediction=pred, target=float(target),
                        value=value, grad=grad)
        for row in rows[-len(errors):]:
            row["params"] = dict(loss.params)

    colour = alt.Color("series:N", scale=colour_scale(labels), title=fig_text("common.legend_loss", lang))
    dash = alt.StrokeDash("series:N", scale=dash_scale(labels), title=fig_text("common.legend_loss", lang))
    x = alt.X("error:Q", title=fig_text("axis.error", lang), scale=alt.Scale(domain=[low, high], nice=False))
    tooltip = [
        alt.Tooltip("series:N", title=fig_text("common.legend_loss", lang)),
        alt.Tooltip("error:Q", title=fig_text("axis.error_short", lang), format=".3g"),
        alt.Tooltip("value:Q", title=fig_text("axis.loss_short", lang), format=".4g"),
        alt.Tooltip("grad:Q", title=fig_text("axis.grad_short", lang), format=".4g"),
    ]
    base = alt.Chart(dataset("curves")).mark_line(clip=True).encode(x=x, color=colour, strokeDash=dash,
                                                                   tooltip=tooltip)
    zero = alt.Chart(dataset("zero")).mark_rule(color="#999999", strokeWidth=1)
    left = alt.layer(
        zero.encode(x="x:Q"),
        base.encode(y=alt.Y("value:Q", title=fig_text("axis.loss", lang))),
    ).properties(title=fig_text("shapes.left", lang), width=WIDTH, height=HEIGHT)
    right = alt.layer(
        zero.encode(x="x:Q"),
        zero.encode(y="x:Q"),
        base.encode(y=alt.Y("grad:Q", title=fig_text("axis.grad", lang))),
    ).properties(title=fig_text("shapes.right", lang), width=WIDTH, height=HEIGHT)
    chart = alt.hconcat(left, right).properties(
        title=alt.Title(fig_text("shapes.title", lang), subtitle=fig_text("shapes.subtitle", lang).split("\n"))
    )
    return finish(chart, "shapes", lang, {"curves": rows, "zero": [{"x": 0.0}]},
                  {"losses": [loss.name for loss in chosen], "target": float(target)})
