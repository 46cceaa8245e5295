"""Optimizers: (mini-batch) gradient descent, momentum and Adam, on one flat parameter array.

Each optimizer updates ``params`` in place from ``grad`` (both flat, see :class:`~losslab.training.Model`).
The learning rate is the plain attribute :attr:`Optimizer.lr`: change it whenever you like — between two steps,
from a callback or through ``lr_schedule`` — and the next step uses it. The update rules are PyTorch's
(``torch.optim.SGD`` with and without momentum, ``torch.optim.Adam``), so the same settings behave the same.

>>> import numpy as np
>>> from losslab.training import SGD
>>> params, grad = np.array([1.0, -2.0]), np.array([0.5, -0.5])
>>> SGD(lr=0.1).step(params, grad)
>>> params.tolist()
[0.95, -1.95]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._common import TrainingError, suggest

__all__ = ["OPTIMIZERS", "SGD", "Adam", "Momentum", "Optimizer", "make_optimizer"]

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adam")


def _positive(name: str, value: Any, *, below_one: bool = False, zero_ok: bool = False) -> float:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    v = float(value) if ok else math.nan
    if not ok or not math.isfinite(v) or v < 0 or (v == 0 and not zero_ok) or (below_one and v >= 1):
        words = "a number in [0, 1)" if below_one else ("a number >= 0" if zero_ok else "a number > 0")
        raise TrainingError(f"{name} must be {words}, not {value!r}")
    return v


class Optimizer:
    """Base class: ``step(params, grad)`` updates ``params`` in place; ``lr`` may change at any time."""

    name = "optimizer"

    def __init__(self, lr: float) -> None:
        self.lr = _positive("lr", lr)
        self.steps = 0

    @property
    def lr(self) -> float:
        """The learning rate of the next step."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _positive("lr", value)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """One update of ``params`` (in place) from ``grad``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the running state (velocity, moments) and the step count."""
        self.steps = 0

    def describe(self) -> dict[str, Any]:
        """The optimizer and its settings as plain data."""
        return {"name": self.name, "lr": self.lr}

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.describe().items() if k != "name")
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Gradient descent: ``θ ← θ - lr · g`` (mini-batch, or full batch with ``batch_size=None``)."""

    name = "sgd"

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        self.steps += 1
        params -= self.lr * grad


class Momentum(Optimizer):
    """Gradient descent with momentum: ``v ← μ v + g``, ``θ ← θ - lr · v`` (Nesterov: ``θ ← θ - lr (g + μ v)``)."""

    name = "momentum"

    def __init__(self, lr: float = 0.01, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(lr)
        self.momentum = _positive("momentum", momentum, below_one=True, zero_ok=True)
        self.nesterov = bool(nesterov)
        self._velocity: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        self.steps += 1
        if self._velocity is None or self._velocity.shape != grad.shape:
            self._velocity = grad.copy()
        else:
            self._velocity *= self.momentum
            self._velocity += grad
        if self.nesterov:
            params -= self.lr * (grad + self.momentum * self._velocity)
        else:
            params -= self.lr * self._velocity

    def reset(self) -> None:
        super().reset()
        self._velocity = None

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): running means of the gradient and of its square, with bias correction.

    ``m ← β1 m + (1 - β1) g``; ``v ← β2 v + (1 - β2) g²``;
    ``θ ← θ - lr / (1 - β1ᵗ) · m / (sqrt(v / (1 - β2ᵗ)) + eps)``.
    """

    name = "adam"

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = _positive("beta1", beta1, below_one=True, zero_ok=True)
        self.beta2 = _positive("beta2", beta2, below_one=True, zero_ok=True)
        self.eps = _positive("eps", eps)
        self._m: np.ndarray | None = None
        self._v: np.ndarray | None = None
        self._tmp: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        if self._m is None or self._m.shape != grad.shape:
            self._m, self._v, self._tmp = np.zeros_like(grad), np.zeros_like(grad), np.empty_like(grad)
        assert self._v is not None and self._tmp is not None
        self.steps += 1
        m, v, tmp = self._m, self._v, self._tmp
        b1, b2 = self.beta1, self.beta2
        m *= b1
        np.multiply(grad, 1.0 - b1, out=tmp)
        m += tmp  # m = b1 m + (1 - b1) g
        v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1.0 - b2
        v += tmp  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1.0 - b2**self.steps)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1.0 - b1**self.steps)
        params -= tmp

    def reset(self) -> None:
        super().reset()
        self._m = self._v = self._tmp = None

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


def make_optimizer(name: str, lr: float = 0.01, **params: Any) -> Optimizer:
    """An optimizer by name — ``sgd``, ``momentum`` or ``adam`` — with learning rate ``lr`` and its own settings.

    >>> make_optimizer("momentum", lr=0.05, momentum=0.8)
    Momentum(lr=0.05, momentum=0.8, nesterov=False)
    """
    key = name.strip().lower()
    classes: dict[str, type[Optimizer]] = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
    if key not in classes:
        raise TrainingError(f"unknown optimizer {name!r}: {suggest(key, OPTIMIZERS)}")
    try:
        return classes[key](lr, **params)
    except TypeError:
        allowed = {"sgd": "none", "momentum": "momentum, nesterov", "adam": "beta1, beta2, eps"}[key]
        raise TrainingError(f"{key} takes lr and {allowed}; got {', '.join(sorted(params))}") from None
