"""A call's input as a definition reads it (:class:`Batch`), a layer below the loss that lays it out
(:class:`~._core.Loss`) and the training rows that reuse a layout (:class:`~._target_rows.TargetRows`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._arrays import Array, Namespace

__all__ = ["Batch"]


@dataclass
class Batch:
    """Input laid out for a definition: ``pred`` and ``target`` as (N, K) or (N, C) float arrays."""

    xp: Namespace
    pred: Array
    target: Array
    pred_shape: tuple[int, ...]
    n: int
    labels: Array | None = None  # integer class per example, for class weights and ignore_index
    keep: Array | None = None  # bool (N,): examples that count (False: ignored or omitted)
    target_shape: tuple[int, ...] | None = None  # as the user passed it (error messages point into it)
    missing_labels: Array | None = None  # bool (N,): NaN integer labels (nan_policy "omit" / "propagate")
    input_dtype: Any = None  # the caller's floating dtype (float16 / bfloat16 are computed in float32)
    nonfinite: Array | None = None  # bool (N,): examples with NaN / inf input, under nan_policy "propagate"
    inputs: dict[str, Array] = field(default_factory=dict)  # the definition's extra inputs, laid out like pred
    input_shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)  # ... as the user passed them



def _rows_finite(xp: Namespace, a: Array) -> Array:
    """(N,): every value of each example finite, for (N, K), (N, C) or (N, T, C) arrays."""
    ok = xp.isfinite(a)
    return xp.all(ok, axis=tuple(range(1, a.ndim))) if a.ndim > 1 else ok
