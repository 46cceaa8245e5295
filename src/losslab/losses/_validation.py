"""Input validation in one place: every check a loss makes on its input, and the wording of its errors.

Each check is a function ``check(xp, x)`` so that it can run eagerly on NumPy / PyTorch arrays, or block by block
inside a Dask graph (see :func:`losslab.catalog._arrays.on_blocks`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NoReturn

from ..errors import LossInputError
from ._arrays import Array, Namespace

Check = Callable[[Namespace, Array], None]

__all__ = ["Check", "fail", "finite_check", "fmt", "integer_check", "interval_check", "shape_str"]


def fail(loss: str, argument: str, expected: str, got: str, hint: str | None = None) -> NoReturn:
    raise LossInputError(loss, argument, expected, got, hint)


def fmt(value: float) -> str:
    """A number as a user wrote it: short, no trailing noise."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return f"{value:.6g}"


def shape_str(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _first_bad(
    xp: Namespace, x: Array, bad: Array, shape: tuple[int, ...] | None = None
) -> tuple[int, float, str]:
    """How many entries are bad, the first bad value, and where it sits (for the error message).

    ``shape`` is the shape the user passed, when ``x`` is a row-major reshape of it: positions are reported
    in the user's terms, not in the (N, K) layout the loss computes on.
    """
    count = int(xp.sum(xp.astype(bad, xp.int64)))
    flat_bad = xp.reshape(bad, (-1,))
    flat_x = xp.reshape(x, (-1,))
    index = int(xp.argmax(xp.astype(flat_bad, xp.int8)))
    value = float(flat_x[index])
    dims = shape if shape is not None and math.prod(shape) == math.prod(x.shape) else tuple(x.shape)
    if len(dims) <= 1:
        where = f"index {index}"
    else:
        pos = []
        for size in reversed(dims):
            pos.append(index % size)
            index //= size
        where = "index " + shape_str(tuple(reversed(pos)))
    return count, value, where


def finite_check(
    loss: str, argument: str, shape: tuple[int, ...] | None = None, hint: str | None = None
) -> Check:
    def check(xp: Namespace, x: Array) -> None:
        bad = ~xp.isfinite(x)
        if bool(xp.any(bad)):
            count, value, where = _first_bad(xp, x, bad, shape)
            fail(
                loss,
                argument,
                "finite numbers",
                f"{count} non-finite value(s), the first {fmt(value)} at {where}",
                hint or "clean the data, or pass nan_policy='omit' to leave those examples out "
                "(or 'propagate' to get NaN back)",
            )

    return check


def interval_check(
    loss: str,
    argument: str,
    low: float | None,
    high: float | None,
    *,
    low_open: bool = False,
    expected: str,
    hint: str | None = None,
    finite_only: bool = False,
    shape: tuple[int, ...] | None = None,
) -> Check:
    """Every value must lie in [low, high] (or (low, high] with ``low_open``)."""

    def check(xp: Namespace, x: Array) -> None:
        bad = None
        if low is not None:
            bad = (x <= low) if low_open else (x < low)
        if high is not None:
            above = x > high
            bad = above if bad is None else (bad | above)
        if bad is None:
            return
        if finite_only:
            bad = bad & xp.isfinite(x)
        if bool(xp.any(bad)):
            count, value, where = _first_bad(xp, x, bad, shape)
            lo = float(xp.min(x))
            hi = float(xp.max(x))
            fail(
                loss,
                argument,
                expected,
                f"{count} value(s) outside it, the first {fmt(value)} at {where} (all values lie in "
                f"[{fmt(lo)}, {fmt(hi)}])",
                hint or "check the order of the arguments (pred first, then target) and the units of each",
            )

    return check


def integer_check(
    loss: str, argument: str, expected: str, hint: str | None = None, shape: tuple[int, ...] | None = None
) -> Check:
    """Every value must be a whole number (class labels given as floats such as 2.0 are fine)."""

    def check(xp: Namespace, x: Array) -> None:
        if xp.isdtype(x.dtype, "integral") or x.dtype == xp.bool:
            return
        # NaN is not "a non-integer label": it is missing data, which nan_policy handles (or finite_check refuses)
        bad = (xp.floor(x) != x) & ~xp.isnan(x)
        if bool(xp.any(bad)):
            count, value, where = _first_bad(xp, x, bad, shape)
            fail(loss, argument, expected, f"{count} non-integer value(s), the first {fmt(value)} at {where}",
                 hint or "class labels are whole numbers counted from 0; probability rows need the "
                 "non-sparse loss")

    return check
