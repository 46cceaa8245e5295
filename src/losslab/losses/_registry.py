"""The catalog by name: register, look up and list losses, and the ``losslab.<name>(...)`` shortcuts."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import LossInputError
from ._arrays import (
    Array,
)
from ._core import Loss
from ._definition import (
    TASKS,
    Kind,
    LossDefinition,
    NanPolicy,
    Param,
    Reduction,
    TargetFormat,
    Task,
    _is_number,
    number,
)
from ._params import ANY, BOOLEAN

__all__ = ["catalog", "definition", "definitions", "get", "make_shortcut", "register", "resolve_name", "unregister",
           "user_loss"]


_REGISTRY: dict[str, LossDefinition] = {}
_ALIASES: dict[str, str] = {}


def _normalize(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def register(definition: LossDefinition, *, replace: bool = False) -> LossDefinition:
    """Add a loss to the catalog, so that ``get``, the CLI, the trainer and the lab all find it by name."""
    names = [definition.name, *definition.aliases]
    for name in names:
        key = _normalize(name)
        owner = _ALIASES.get(key)
        if owner is not None and owner != definition.name and not replace:
            raise ValueError(f"the name {name!r} is already taken by the loss {owner!r}")
    if definition.name in _REGISTRY and not replace:
        raise ValueError(f"a loss named {definition.name!r} is already registered (pass replace=True to redefine it)")
    old = _REGISTRY.get(definition.name)
    if old is not None:
        for alias in old.aliases:
            _ALIASES.pop(_normalize(alias), None)
    _REGISTRY[definition.name] = definition
    for name in names:
        _ALIASES[_normalize(name)] = definition.name
    return definition


def unregister(name: str) -> None:
    """Remove a user-registered loss (built-in losses stay)."""
    definition = _REGISTRY[resolve_name(name)]
    if definition.builtin:
        raise ValueError(f"{definition.name!r} is a built-in loss and cannot be removed")
    del _REGISTRY[definition.name]
    for alias in (definition.name, *definition.aliases):
        _ALIASES.pop(_normalize(alias), None)


def resolve_name(name: str) -> str:
    """The canonical name for ``name`` or an alias; ValueError with close matches when unknown."""
    if not isinstance(name, str):
        raise LossInputError("losslab", "name", "the name of a loss (a string)", f"{type(name).__name__} {name!r}",
                             "losslab.catalog() (or `losslab list`) shows every loss")
    key = _normalize(name)
    if key in _ALIASES:
        return _ALIASES[key]
    close = difflib.get_close_matches(key, list(_ALIASES), n=3, cutoff=0.6)
    suggestions = []
    for c in close:
        canonical = _ALIASES[c]
        if canonical not in suggestions:
            suggestions.append(canonical)
    hint = (
        "did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        if suggestions
        else "losslab.catalog() (or `losslab list`) shows every loss"
    )
    raise LossInputError("losslab", "name", "the name of a registered loss", repr(name), hint)


def definitions() -> Iterator[LossDefinition]:
    yield from _REGISTRY.values()


def definition(name: str) -> LossDefinition:
    return _REGISTRY[resolve_name(name)]


def catalog(task: str | None = None) -> list[dict[str, Any]]:
    """Every registered loss as plain data: name, aliases, task, parameters, formula (LaTeX and plain text)."""
    if task is not None and task not in TASKS:
        raise LossInputError("catalog", "task", "one of " + ", ".join(TASKS), repr(task),
                             "leave task out to list every loss")
    return [d.info() for d in _REGISTRY.values() if task is None or d.task == task]


def get(name: str | Loss, **params: Any) -> Loss:
    """The loss called ``name`` (canonical or alias), with its parameters set.

    >>> import losslab
    >>> huber = losslab.get("huber", delta=2.0)
    >>> float(huber([0.0, 5.0], [0.0, 0.0]))
    4.0
    """
    if isinstance(name, Loss):
        return name.with_params(**params) if params else name
    return Loss(_REGISTRY[resolve_name(name)], **params)


def make_shortcut(name: str) -> Callable[..., Array]:
    """``losslab.<name>(pred, target, **params, reduction=..., sample_weight=...)``; a loss's extra inputs
    (``negative=``) are keywords too."""
    d = _REGISTRY[name]

    def shortcut(
        pred: Any,
        target: Any,
        *,
        reduction: Reduction | None = None,
        sample_weight: Any = None,
        nan_policy: NanPolicy = "raise",
        **params: Any,
    ) -> Array:
        # the loss's extra inputs (negative=, var=) go to the call, the rest are its parameters
        inputs = {i.name: params.pop(i.name) for i in d.inputs if i.name in params}
        return Loss(d, **params)(pred, target, reduction=reduction, sample_weight=sample_weight,
                                 nan_policy=nan_policy, **inputs)

    shortcut.__name__ = name
    shortcut.__qualname__ = name
    shortcut.__doc__ = (
        f"{d.summary}\n\n{d.plain}\n\nShortcut for ``losslab.get({d.name!r}, **params)(pred, target, ...)``."
    )
    return shortcut


def user_loss(
    name: str,
    value: Callable[..., Array],
    grad: Callable[..., Array] | None = None,
    *,
    task: Task = "regression",
    kind: Kind = "elementwise",
    aliases: Sequence[str] = (),
    params: Mapping[str, Any] | None = None,
    formula: str = "",
    latex: str = "",
    summary: str = "",
    target_format: TargetFormat = "same",
    replace: bool = False,
) -> LossDefinition:
    """Register a loss defined outside losslab; it then works wherever a built-in loss does.

    ``value(xp, pred, target, **params)`` returns the loss of each element (``kind="elementwise"``, arrays of
    shape (N, K)) or of each row (``kind="rows"``, (N, C) in, (N,) out); ``grad`` (same arguments) its derivative
    with respect to ``pred``. Without ``grad``, elementwise losses get central finite differences.
    ``xp`` is the array-API namespace of the caller's arrays, so one definition serves NumPy, PyTorch and Dask.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise LossInputError("register", "name", "a Python identifier such as 'my_loss'", repr(name),
                             "letters, digits and underscores, not starting with a digit")
    declared = tuple(
        Param(pname, default, "user parameter",
              constraint=BOOLEAN if isinstance(default, bool) else number() if _is_number(default) else ANY)
        for pname, default in (params or {}).items()
    )
    definition = LossDefinition(
        name=name,
        task=task,
        kind=kind,
        value=value,
        grad=grad,
        latex=latex or formula,
        plain=formula,
        aliases=tuple(aliases),
        params=declared,
        summary=summary or "A user-defined loss.",
        target_format=target_format,
    )
    return register(definition, replace=replace)
