"""Helpers shared by the figure functions: resolving losses, checking plain inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import LossInputError
from ..losses import Loss, get
from ..losses._registry import resolve_name
from ._text import loss_label, normalize_lang

__all__ = ["LossSpec", "array", "resolve_losses", "series_labels"]

LossSpec = str | Loss
"""A loss as a figure takes it: a catalog name or alias (``"huber"``), or a ``Loss`` with its parameters set."""


def resolve_losses(
    figure: str,
    losses: LossSpec | Sequence[LossSpec],
    params: Mapping[str, Mapping[str, Any]] | None,
    tasks: tuple[str, ...],
) -> list[Loss]:
    """The losses of a figure, with ``params`` ({loss name: {param: value}}) applied to those given by name."""
    if isinstance(losses, str | Loss):
        losses = [losses]
    if not losses:
        raise LossInputError(figure, "losses", "at least one loss", "none")
    by_name: dict[str, dict[str, Any]] = {}
    for key, values in (params or {}).items():
        by_name.setdefault(resolve_name(key), {}).update(values)
    result = []
    for item in losses:
        loss = get(item, **by_name.get(resolve_name(item), {})) if isinstance(item, str) else get(item)
        if loss.task not in tasks:
            raise LossInputError(figure, "losses", "losses for " + " or ".join(tasks),
                                 f"{loss.name!r}, a {loss.task} loss")
        result.append(loss)
    return result


def series_labels(losses: Sequence[Loss], lang: str, skip: tuple[str, ...] = ()) -> list[str]:
    """A distinct legend label per loss ("Huber (δ=1)", "Huber (δ=2)"); repeated ones get "#2", "#3"."""
    lang = normalize_lang(lang)
    labels: list[str] = []
    for loss in losses:
        label = loss_label(loss, lang, skip=skip)
        base, k = label, 2
        while label in labels:
            label = f"{base} #{k}"
            k += 1
        labels.append(label)
    return labels


def array(figure: str, argument: str, values: Any, *, ndim: int | tuple[int, ...] | None = None,
          length: int | None = None) -> np.ndarray:
    """``values`` as a finite float array, with a one-line error naming the figure and argument otherwise."""
    try:
        result = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise LossInputError(figure, argument, "numbers", f"{type(values).__name__}") from None
    dims = (ndim,) if isinstance(ndim, int) else ndim
    if dims is not None and result.ndim not in dims:
        raise LossInputError(figure, argument, f"an array with {' or '.join(map(str, dims))} dimension(s)",
                             f"shape {result.shape}")
    if length is not None and result.shape[0] != length:
        raise LossInputError(figure, argument, f"{length} values (one per example)", f"{result.shape[0]}")
    if result.size == 0:
        raise LossInputError(figure, argument, "at least one value", "an empty array")
    if not np.all(np.isfinite(result)):
        raise LossInputError(figure, argument, "finite numbers", "NaN or infinity")
    return result
