"""Plain JSON data from NumPy values: one conversion for the CLI's --json, the lab's responses and the trainer."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["jsonable"]


def jsonable(x: Any) -> Any:
    """``x`` as plain JSON data: NumPy scalars and arrays to Python numbers and lists, NaN and infinity to None.

    JSON has no NaN or infinity (``JSON.parse`` in a browser refuses them), so a diverged run's non-finite losses
    become ``null``; :attr:`History.stopped` says ``"diverged"`` when that happened.
    """
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, int | np.integer) and not isinstance(x, np.bool_):
        return int(x)
    if isinstance(x, float | np.floating):
        value = float(x)
        return value if math.isfinite(value) else None
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, Mapping):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, Sequence):
        return [jsonable(v) for v in x]
    raise TypeError(f"cannot turn {type(x).__name__} into JSON")
