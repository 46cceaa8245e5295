"""losslab: loss functions made visible, correct and usable.

>>> import losslab
>>> round(float(losslab.sse([0.01, 0.65, 0.13, 0.70, 0.15], [0, 1, 0, 1, 0])), 6)
0.252
>>> loss = losslab.get("huber", delta=2.0)
>>> loss.grad([0.0, 5.0], [0.0, 0.0]).tolist()
[0.0, 1.0]

Prediction first, target second (as PyTorch and optax; Keras and scikit-learn take the target first).

Sub-packages: ``losslab.losses`` (the catalog), ``losslab.explain`` (step-by-step explanations: ``loss.explain(...)``),
``losslab.training``, ``losslab.figures``, ``losslab.advice`` (``losslab.recommend``), ``losslab.lab`` and
``losslab.notebook`` (the rich display in Jupyter, Colab and VS Code; ``losslab.set_lang("ja")``).
"""

from __future__ import annotations

import sys
from typing import Any

from ._version import __version__
from .errors import LossInputError, LossInputWarning
from .losses import Loss, LossDefinition, catalog, get, unregister
from .losses import user_loss as register


def recommend(data: Any, target: Any = None, **hints: Any) -> Any:
    """A ranked loss recommendation for your data, with the reasons (and, with ``evidence=True``, the evidence).

    See :func:`losslab.advice.recommend`.
    """
    from .advice import recommend as _recommend

    return _recommend(data, target, **hints)


def custom(formula: str, *, name: str | None = None, params: dict[str, Any] | None = None,
           task: str = "regression", lang: str | None = "en") -> Loss:
    """Your own loss from a formula, e.g. ``losslab.custom("log(cosh(yhat - y))", name="my_logcosh")``: a catalog
    loss with the exact derivative, parsed by losslab's own grammar (nothing is evaluated as Python).

    See :func:`losslab.formula.custom` for the language, and :mod:`losslab.formula` for the derivatives, the
    property report and the exports to PyTorch, Keras, JAX, XGBoost, LightGBM and CatBoost.
    """
    from .formula import custom as _custom

    return _custom(formula, name=name, params=params, task=task, lang=lang)


def info() -> dict[str, Any]:
    """What this losslab runs on: its version, Python and NumPy, the optional libraries found (without importing
    them), and how losses compute on NumPy arrays (``"numpy-blocked"``: the cache-blocked kernels of
    ``losslab.losses.fast``; there is no compiled tier and nothing is built or cached at run time)."""
    import importlib.metadata as md
    import importlib.util
    import platform

    import numpy as np

    def version(dist: str) -> str | None:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return None

    optional = {name: version(dist) for name, dist in (
        ("torch", "torch"), ("jax", "jax"), ("dask", "dask"), ("pyarrow", "pyarrow"), ("pandas", "pandas"),
        ("altair", "altair"), ("fastapi", "fastapi"), ("uvicorn", "uvicorn")) if importlib.util.find_spec(name)}
    from .losses import definitions

    kernels = sorted(d.name for d in definitions() if d.fast is not None)
    return {"losslab": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "optional": optional, "numpy_compute": "numpy-blocked", "compiled_tier": None,
            "losses": sum(1 for _ in definitions()), "losses_with_numpy_kernel": kernels}


def set_lang(lang: str | None) -> None:
    """The language of losslab's displays in a notebook (``"en"`` or ``"ja"``); see :mod:`losslab.notebook`.
    Elsewhere it changes nothing: each function takes its own ``lang``."""
    from .notebook import set_lang as _set_lang

    _set_lang(lang)


__all__ = [
    "Loss",
    "LossDefinition",
    "LossInputError",
    "LossInputWarning",
    "__version__",
    "catalog",
    "custom",
    "get",
    "info",
    "recommend",
    "register",
    "set_lang",
    "unregister",
]


def _explain(loss: Loss, pred: Any, target: Any, **kwargs: Any) -> Any:
    # imported on first use: the explanation texts are not needed to compute a loss (import time stays < 0.3 s)
    from .explain import explain

    return explain(loss, pred, target, **kwargs)


Loss.explainer = staticmethod(_explain)  # Loss.explain defers to the explain layer


def _enable_in_kernel() -> None:
    """Register the notebook displays when losslab is imported inside a running IPython (Jupyter, Colab, VS Code):
    checked without importing IPython, which is only ever used when it is already there."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return
    import contextlib

    with contextlib.suppress(Exception):  # a display that cannot register must never stop ``import losslab``
        shell = get_ipython()
        if shell is not None:
            from .notebook import enable

            enable(shell=shell)


_enable_in_kernel()


def __getattr__(name: str) -> Any:
    """``losslab.<loss name>(pred, target, **params, reduction=..., sample_weight=...)`` for every catalog name."""
    if name in ("distill", "formula", "notebook"):  # imported on first use (import losslab stays < 0.3 s)
        import importlib  # not ``from . import distill``: that asks this very __getattr__ first

        return importlib.import_module(f"{__name__}.{name}")
    from .losses import _registry

    key = _registry._normalize(name)
    if not name.startswith("_") and key in _registry._ALIASES:
        return _registry.make_shortcut(_registry._ALIASES[key])
    raise AttributeError(f"module 'losslab' has no attribute {name!r}")


def __dir__() -> list[str]:
    from .losses import _registry

    return sorted(set(globals()) | set(_registry._ALIASES))
