"""Small pieces shared by the training modules: the error type, task names and JSON conversion."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

__all__ = ["DataTask", "TrainingError", "jsonable"]

DataTask = Literal["regression", "binary", "multiclass"]
"""What a data set asks for: a number, one of two classes, or one of several classes."""

DATA_TASKS: tuple[DataTask, ...] = ("regression", "binary", "multiclass")


class TrainingError(ValueError):
    """A request the trainer cannot carry out: an unknown data set or model, a loss that does not fit the data, ...

    The message is one sentence that says what was wrong and, where it can be guessed, what to do instead.
    """


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


def suggest(name: str, known: Sequence[str]) -> str:
    """' (did you mean 'x'?)' for a close match among ``known``, else the list of ``known`` names."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "choose one of " + ", ".join(known)
