"""One vocabulary for what a loss parameter accepts, in the spirit of scikit-learn's ``Interval`` / ``StrOptions``.

A :class:`Constraint` is declared once per parameter and answers every question asked about it:

- ``check(value)``: ``None`` when the value is valid, else the words for what was expected ("a number > 0"),
  which go into the :class:`~losslab.errors.LossInputError`;
- ``convert(value)``: the stored form of a valid value (``int`` -> ``float``, list -> tuple);
- ``parse(text)``: the value typed on the command line or sent by the lab (``"2"``, ``"true"``, ``"1,2,3"``);
- ``schema()``: plain data for the lab's page (kind, bounds), so the JavaScript holds no parameter lists.

Numbers must be real and finite: ``inf`` is refused everywhere (``beta=inf`` would silently turn smooth L1 into 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["ANY", "BOOLEAN", "ClassWeights", "Constraint", "Interval", "Options", "PositiveWeights", "fmt_number"]


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def is_real(x: Any) -> bool:
    """A real finite number (bool, complex, strings and NaN/inf are not)."""
    return (isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool | np.bool_)
            and math.isfinite(float(x)))


class Constraint:
    """What one parameter accepts. Subclasses set ``kind`` ("float", "int", "bool", "weights", "any")."""

    kind = "any"
    words = "any value"

    def check(self, value: Any) -> str | None:
        return None

    def convert(self, value: Any) -> Any:
        return value

    def parse(self, text: str) -> Any:
        """The value of ``text`` as typed; ``ValueError(self.words)`` when it cannot be read."""
        return text

    def schema(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": self.words}

    def __call__(self, value: Any) -> str | None:  # a Constraint is also a plain check function
        return self.check(value)


ANY = Constraint()


@dataclass(frozen=True)
class _Boolean(Constraint):
    kind = "bool"
    words = "True or False"

    def check(self, value: Any) -> str | None:
        return None if isinstance(value, bool | np.bool_) else self.words

    def convert(self, value: Any) -> Any:
        return bool(value)

    def parse(self, text: str) -> Any:
        low = text.strip().lower()
        if low in {"true", "1", "yes", "on"}:
            return True
        if low in {"false", "0", "no", "off"}:
            return False
        raise ValueError("true or false")


BOOLEAN = _Boolean()


@dataclass(frozen=True)
class Interval(Constraint):
    """A finite real number (``integer=True``: a whole number) in an interval; ``None`` too if ``allow_none``."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allow_none: bool = False
    integer: bool = False
    label: str | None = None  # words that replace the generated ones ("None or an integer")

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "int" if self.integer else ("float_or_none" if self.allow_none else "float")

    @property
    def words(self) -> str:  # type: ignore[override]
        if self.label:
            return self.label
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {fmt_number(self.low)}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {fmt_number(self.high)}")
        noun = "a whole number" if self.integer else "a number"
        unbounded = " (finite)" if (self.low is None or self.high is None) and not self.integer else ""
        return (noun + (" " + " and ".join(parts) if parts else "") + unbounded
                + (" (or None)" if self.allow_none else ""))

    def contains(self, x: float) -> bool:
        if self.low is not None and (x <= self.low if self.low_open else x < self.low):
            return False
        return not (self.high is not None and (x >= self.high if self.high_open else x > self.high))

    def check(self, value: Any) -> str | None:
        if value is None:
            return None if self.allow_none else self.words
        if not is_real(value) or (self.integer and not isinstance(value, int | np.integer)):
            return self.words
        return None if self.contains(float(value)) else self.words

    def convert(self, value: Any) -> Any:
        if value is None:
            return None
        return int(value) if self.integer else float(value)

    def parse(self, text: str) -> Any:
        low = text.strip().lower()
        if self.allow_none and low in {"none", "null", ""}:
            return None
        try:
            return int(low) if self.integer else float(low)
        except ValueError:
            raise ValueError(self.words) from None

    def schema(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": self.words, "low": self.low, "high": self.high,
                "low_open": self.low_open, "high_open": self.high_open, "allow_none": self.allow_none}


@dataclass(frozen=True)
class Options(Constraint):
    """One of a few listed values, e.g. ``Options((1, 2))`` for the power of a multi-class hinge."""

    options: tuple[Any, ...] = ()

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "int" if all(isinstance(o, int) for o in self.options) else "any"

    @property
    def words(self) -> str:  # type: ignore[override]
        return " or ".join(repr(o) if isinstance(o, str) else str(o) for o in self.options)

    def check(self, value: Any) -> str | None:
        ok = any(type(value) is type(o) or (isinstance(o, int) and isinstance(value, np.integer)) for o in self.options)
        return None if ok and value in self.options else self.words

    def convert(self, value: Any) -> Any:
        return int(value) if isinstance(value, np.integer) else value

    def parse(self, text: str) -> Any:
        for o in self.options:
            if str(o) == text.strip():
                return o
        raise ValueError(self.words)

    def schema(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": self.words, "options": list(self.options)}


def _parse_list(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


@dataclass(frozen=True)
class PositiveWeights(Constraint):
    """``None``, one number > 0, or a sequence of numbers > 0 (e.g. BCE's ``pos_weight``, one per label)."""

    kind = "float_or_none"
    words = "None, a finite number > 0, or one finite number > 0 per label"

    def check(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool | str | bytes | Mapping):
            return self.words
        values = [value] if not isinstance(value, list | tuple | np.ndarray) else list(np.ravel(value))
        return None if values and all(is_real(v) and float(v) > 0 for v in values) else self.words

    def convert(self, value: Any) -> Any:
        if value is None or is_real(value):
            return None if value is None else float(value)
        return tuple(float(v) for v in np.ravel(value))

    def parse(self, text: str) -> Any:
        if text.strip().lower() in {"none", "null", ""}:
            return None
        try:
            values = _parse_list(text)
        except ValueError:
            raise ValueError("numbers separated by commas") from None
        return values[0] if len(values) == 1 else values


def _class_index(key: Any) -> int | None:
    """A dict key as a class index: an int >= 0, or its decimal text (JSON turns keys into strings)."""
    if isinstance(key, str) and key.strip().isdigit():
        return int(key)
    if isinstance(key, int | np.integer) and not isinstance(key, bool) and key >= 0:
        return int(key)
    return None


@dataclass(frozen=True)
class ClassWeights(Constraint):
    """``None``, a ``{class index: weight}`` dict, or one weight per class; every weight finite and >= 0."""

    kind = "weights"
    words = "None, a {class index: weight} dict, or a sequence of finite non-negative weights"

    def check(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Mapping):
            keys, vals = list(value.keys()), list(value.values())
            if not all(_class_index(k) is not None for k in keys):
                return "class indices (whole numbers >= 0) as the dict's keys"
        elif isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
            return self.words
        else:
            vals = list(np.ravel(np.asarray(value, dtype=object)))
        return None if all(is_real(v) and float(v) >= 0 for v in vals) else self.words

    def convert(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, Mapping):
            return MappingProxyType({_class_index(k): float(v) for k, v in value.items()})
        return tuple(float(v) for v in np.ravel(np.asarray(value, dtype=object)))

    def parse(self, text: str) -> Any:
        if text.strip().lower() in {"none", "null", ""}:
            return None
        try:
            return _parse_list(text)
        except ValueError:
            raise ValueError("numbers separated by commas") from None
