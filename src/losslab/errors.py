"""Errors and warnings that losslab raises for bad input.

Every message answers four questions a user asks when a loss refuses their numbers:
which loss, which argument, what it expected, what it got — plus a hint when we can
guess the cause ("these look like logits: pass from_logits=True").
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator

__all__ = ["LossInputError", "LossInputWarning", "collect_input_warnings", "warn_input"]


class LossInputError(ValueError):
    """Raised when a loss receives input it cannot score.

    Attributes
    ----------
    loss : str
        Canonical name of the loss that refused the input (or ``"losslab"``).
    argument : str
        The argument at fault (``"pred"``, ``"target"``, ``"sample_weight"``, ``"delta"``, ...).
    expected, got : str
        What the loss needs and what it received, in words.
    hint : str or None
        The most likely fix, when one can be guessed.
    """

    def __init__(
        self,
        loss: str,
        argument: str,
        expected: str,
        got: str,
        hint: str | None = None,
    ) -> None:
        self.loss = loss
        self.argument = argument
        self.expected = expected
        self.got = got
        self.hint = hint
        message = f"{loss}: argument '{argument}' expected {expected}, got {got}."
        if hint:
            message += f" Hint: {hint}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str, str | None]]:
        # keyword-only state: the default exception pickling would call cls(message) and fail
        return (type(self), (self.loss, self.argument, self.expected, self.got, self.hint))

    def to_dict(self) -> dict[str, str | None]:
        """The error as plain data (for ``--json`` output and the lab's HTTP 4xx bodies)."""
        return {
            "loss": self.loss,
            "argument": self.argument,
            "expected": self.expected,
            "got": self.got,
            "hint": self.hint,
            "message": str(self),
        }


class LossInputWarning(UserWarning):
    """Input that a loss can score, but that is probably not what the user meant."""


# A server computes many requests at once in threads: ``warnings.catch_warnings`` swaps process-global filters, so
# one request's warning would land in another's answer or be lost. losslab's own input warnings go through
# ``warn_input`` instead, which hands them to the collection open in the current context (thread, task), if any.
_COLLECTOR: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("losslab_input_warnings",
                                                                              default=None)


def warn_input(message: str, stacklevel: int = 1) -> None:
    """Issue a :class:`LossInputWarning`: into the list of the :func:`collect_input_warnings` open in this context,
    else through :mod:`warnings` as usual (``stacklevel`` counted from the caller of this function)."""
    sink = _COLLECTOR.get()
    if sink is not None:
        sink.append(message)
        return
    warnings.warn(LossInputWarning(message), stacklevel=stacklevel + 1)


@contextlib.contextmanager
def collect_input_warnings() -> Iterator[list[str]]:
    """Within the block, losslab's input warnings of this context (and only of it) are collected, not shown."""
    caught: list[str] = []
    token = _COLLECTOR.set(caught)
    try:
        yield caught
    finally:
        _COLLECTOR.reset(token)
