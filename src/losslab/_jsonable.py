"""Plain JSON data from NumPy values: the package's one conversion, with one NaN policy.

Everything losslab hands out as JSON-ready data goes through :func:`jsonable`: the CLI's ``--json``, the lab's
responses, the trainer's histories, the explanations' ``to_dict()``, the advice's ``to_dict()`` and the rows of
every figure's datasets. The policy:

- NumPy scalars and arrays become Python numbers, booleans and (nested) lists; mappings get string keys;
  tuples and other sequences become lists;
- **NaN, +inf and -inf become None** (``null``): JSON has neither, and ``JSON.parse`` in a browser refuses them.
  Where a value being non-finite means something (a diverged run), a separate field says so;
- anything else raises TypeError, so that a new kind of value is a loud error rather than a silent string.
"""

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
