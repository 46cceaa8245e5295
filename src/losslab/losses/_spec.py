"""Loss specs: one text form for a loss with its parameters, ``huber(delta=2)``, read and written in one place.

Every command, the trainer's labels and the lab use it. Values are read by each parameter's constraint
(``Param.parse``), so ``class_weight=[1, 2, 0.5]``, ``from_logits=true`` and ``alpha=none`` all work; nothing is
evaluated. Several specs in one string are separated by commas outside parentheses:
``mse, huber(delta=2), quantile(q=0.9)``.
"""

from __future__ import annotations

from typing import Any

from ..errors import LossInputError
from ._core import Loss
from ._registry import definition, get

__all__ = ["format_spec", "parse_spec", "parse_specs", "split_specs"]

_EXAMPLE = "e.g. huber(delta=2) or quantile(q=0.9)"


def split_specs(text: str) -> list[str]:
    """``"mse, huber(delta=2, x=[1,2])"`` -> ``["mse", "huber(delta=2, x=[1,2])"]`` (commas at depth 0 only)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _fail(spec: str, why: str) -> LossInputError:
    return LossInputError("losslab", "loss", f"a loss spec such as name(param=value, ...), {_EXAMPLE}",
                          f"{spec!r} ({why})", "parameters go inside the parentheses, separated by commas")


def parse_spec(spec: str, **overrides: Any) -> Loss:
    """``"huber(delta=2)"`` -> ``losslab.get("huber", delta=2.0)``; a bare name gives the loss with its defaults."""
    if not isinstance(spec, str):
        raise LossInputError("losslab", "loss", "a loss spec (a string)", f"{type(spec).__name__} {spec!r}",
                             _EXAMPLE)
    text = spec.strip()
    name, paren, rest = text.partition("(")
    params: dict[str, Any] = {}
    if paren:
        if not rest.endswith(")"):
            raise _fail(spec, "no closing parenthesis")
        d = definition(name.strip())
        for item in split_specs(rest[:-1]):
            key, eq, raw = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise _fail(spec, f"{item!r} is not name=value")
            try:
                p = d.param(key)
            except KeyError:
                params[key] = raw  # get() names the unknown parameter, with suggestions
                continue
            try:
                params[key] = p.parse(raw.strip().strip("[]"))
            except ValueError as exc:
                raise LossInputError(d.name, key, str(exc), repr(raw.strip()),
                                     f"{key}: {p.doc} (default {p.default!r})") from None
    elif ")" in text:
        raise _fail(spec, "a ')' without '('")
    return get(name.strip(), **{**params, **overrides})


def parse_specs(text: str) -> list[Loss]:
    """Several specs separated by commas: ``"mse, huber(delta=2)"``."""
    return [parse_spec(s) for s in split_specs(text)]


def _value(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if hasattr(v, "items"):
        return "[" + ", ".join(_value(v[k]) for k in sorted(v)) + "]" if sorted(v) == list(range(len(v))) else str(
            dict(v))
    return str(v).lower() if isinstance(v, bool) else str(v)


def format_spec(loss: Loss | str, params: dict[str, Any] | None = None) -> str:
    """The spec of a loss, with the parameters that differ from their defaults: ``huber(delta=2)``."""
    if isinstance(loss, str):
        loss = get(loss, **(params or {}))
    changed = [(p.name, loss.params[p.name]) for p in loss.definition.params if loss.params[p.name] != p.default]
    if not changed:
        return loss.name
    return f"{loss.name}({', '.join(f'{k}={_value(v)}' for k, v in changed)})"
