"""Small pieces shared by the training modules: the error type, task names and JSON conversion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

__all__ = ["DataTask", "TrainingError", "jsonable"]

from .._jsonable import jsonable

DataTask = Literal["regression", "binary", "multiclass"]
"""What a data set asks for: a number, one of two classes, or one of several classes."""

DATA_TASKS: tuple[DataTask, ...] = ("regression", "binary", "multiclass")


class TrainingError(ValueError):
    """A request the trainer cannot carry out: an unknown data set or model, a loss that does not fit the data, ...

    The message is one sentence that says what was wrong and, where it can be guessed, what to do instead.
    """


def suggest(name: str, known: Sequence[str]) -> str:
    """' (did you mean 'x'?)' for a close match among ``known``, else the list of ``known`` names."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "choose one of " + ", ".join(known)
