"""Models in NumPy with explicit backpropagation: a linear model and a multi-layer perceptron.

A model maps features ``X`` of shape (N, n_features) to raw scores ``Z`` of shape (N, n_outputs). It knows nothing
about losses: the trainer turns ``Z`` into what the loss expects (identity, sigmoid, softmax — see
:class:`losslab.training.Objective`), asks the loss for d(loss)/d(pred), carries it back to d(loss)/dZ and hands
that to :meth:`Model.backward`, which applies the chain rule layer by layer:

    Z = A W + b            dW = Aᵀ dZ      db = Σ_rows dZ      dA = dZ Wᵀ
    A = f(Z_prev)          dZ_prev = dA ⊙ f'(Z_prev)

All parameters live in one flat array (:attr:`Model.params`, every weight matrix first, then every bias) and the
gradient in another of the same layout (:attr:`Model.grad`); the per-layer ``weights`` / ``biases`` are views into
them. The optimizer and the L1/L2 penalty therefore work on one array each, whatever the depth.

>>> import numpy as np
>>> from losslab.training import MLP
>>> net = MLP(2, hidden=(8,), n_outputs=1, seed=0)
>>> net.forward(np.zeros((5, 2))).shape
(5, 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from .._numeric import sigmoid
from ._common import TrainingError, suggest

__all__ = ["ACTIVATIONS", "MLP", "MODELS", "Linear", "Model", "make_model"]

Activation = Literal["relu", "tanh", "sigmoid", "linear"]
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "linear")
MODELS: tuple[str, ...] = ("linear", "logistic", "softmax", "mlp")
"""Model names: ``linear`` (any task: linear regression, or a linear classifier whose output layer matches the
loss), ``logistic`` (a linear model for binary data), ``softmax`` (a linear model for multiclass data) and ``mlp``."""

_CHUNK = 65536  # rows per block when scoring large arrays without keeping the intermediate activations


def _as_dtype(dtype: Any) -> np.dtype[Any]:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TrainingError(f"dtype must be float32 or float64, not {dt}")
    return dt


class Model:
    """Dense layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]`` with an activation between them.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths, input first and output last: ``(4, 16, 16, 3)`` is an MLP with two hidden layers of 16.
    activation : {"relu", "tanh", "sigmoid", "linear"}
        The hidden layers' activation (the output layer has none: it returns raw scores).
    seed : int
        Seeds the initial weights: He-normal for relu layers, Glorot-normal otherwise; biases start at 0.
    dtype : {"float64", "float32"}
        Precision of the parameters and of the arithmetic.
    zero_init : bool
        Start every parameter at 0 (what :class:`Linear` does: its loss surface is convex, so the start does not
        matter, and zeros make runs easy to compare). Hidden layers need random weights to break the symmetry.

    Attributes
    ----------
    params, grad : ndarray
        Every parameter, and its gradient after :meth:`backward`, in one flat array each.
    weights, biases : list of ndarray
        Views into ``params``: weight matrices of shape (inputs, outputs) and bias vectors.
    weight_grads, bias_grads : list of ndarray
        The same views into ``grad``.
    n_weights : int
        ``params[:n_weights]`` are the weights (what L1/L2 penalize), the rest are the biases.
    """

    kind = "model"

    def __init__(self, sizes: Sequence[int], activation: str = "relu", *, seed: int = 0,
                 dtype: Any = np.float64, zero_init: bool = False) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise TrainingError(f"layer sizes must be at least two positive integers, not {sizes}")
        if activation not in ACTIVATIONS:
            raise TrainingError(f"unknown activation {activation!r}: {suggest(activation, ACTIVATIONS)}")
        self.sizes: tuple[int, ...] = tuple(sizes)
        self.activation: str = activation
        self.dtype: np.dtype[Any] = _as_dtype(dtype)
        self.seed = seed
        shapes = list(itertools.pairwise(sizes))
        self.n_weights = sum(a * b for a, b in shapes)
        total = self.n_weights + sum(b for _, b in shapes)
        self.params = np.zeros(total, dtype=self.dtype)
        self.grad = np.zeros(total, dtype=self.dtype)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        self.weight_grads: list[np.ndarray] = []
        self.bias_grads: list[np.ndarray] = []
        w_at, b_at = 0, self.n_weights
        for a, b in shapes:
            self.weights.append(self.params[w_at:w_at + a * b].reshape(a, b))
            self.weight_grads.append(self.grad[w_at:w_at + a * b].reshape(a, b))
            self.biases.append(self.params[b_at:b_at + b])
            self.bias_grads.append(self.grad[b_at:b_at + b])
            w_at += a * b
            b_at += b
        self._inputs: list[np.ndarray] = []  # what each layer received in the last forward pass
        if not zero_init:
            rng = np.random.default_rng([int(seed), 2])
            for i, W in enumerate(self.weights):
                fan_in, fan_out = W.shape
                hidden_relu = activation == "relu" and i < len(self.weights) - 1
                std = np.sqrt(2.0 / fan_in) if hidden_relu else np.sqrt(2.0 / (fan_in + fan_out))
                W[...] = rng.standard_normal(W.shape) * std

    # -- sizes ----------------------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def hidden(self) -> tuple[int, ...]:
        return self.sizes[1:-1]

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    # -- forward and backward -------------------------------------------------------------------------------
    def forward(self, X: np.ndarray, *, keep: bool = True) -> np.ndarray:
        """Raw scores ``Z`` of shape (N, n_outputs); ``keep=False`` does not remember the activations for backward."""
        if keep:
            self._inputs = []
        a = X
        last = len(self.weights) - 1
        for i, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if keep:
                self._inputs.append(a)
            z = a @ W
            z += b
            a = z if i == last else self._activate(z)
        return a

    def backward(self, dZ: np.ndarray) -> None:
        """Fill :attr:`grad` with d(loss)/d(params), given ``dZ`` = d(loss)/d(scores) of the last forward pass."""
        if len(self._inputs) != len(self.weights):
            raise TrainingError("backward() needs a forward(X) pass first (with keep=True)")
        d = dZ
        for i in range(len(self.weights) - 1, -1, -1):
            a = self._inputs[i]
            np.matmul(a.T, d, out=self.weight_grads[i])  # dW = Aᵀ dZ
            np.sum(d, axis=0, out=self.bias_grads[i])  # db = Σ dZ over the rows
            if i > 0:
                d = d @ self.weights[i].T  # dA = dZ Wᵀ ...
                self._activation_backward(d, a)  # ... times f'(z), written from f's output a

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Raw scores for any number of rows (in blocks), without touching the backward state."""
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise TrainingError(f"the model takes {self.n_features} feature(s) per row, got an array of shape "
                                f"{X.shape}")
        if len(X) <= _CHUNK:
            return self.forward(X, keep=False)
        return np.concatenate([self.forward(X[i:i + _CHUNK], keep=False) for i in range(0, len(X), _CHUNK)])

    def _activate(self, z: np.ndarray) -> np.ndarray:
        f = self.activation
        if f == "relu":
            return np.maximum(z, 0.0, out=z)
        if f == "tanh":
            return np.tanh(z, out=z)
        if f == "sigmoid":
            return sigmoid(z)  # 1 / (1 + exp(-z)) without overflow, in z's dtype
        return z

    def _activation_backward(self, d: np.ndarray, a: np.ndarray) -> None:
        f = self.activation
        if f == "relu":
            d *= a > 0
        elif f == "tanh":
            d *= 1.0 - a * a
        elif f == "sigmoid":
            d *= a * (1.0 - a)

    # -- state ----------------------------------------------------------------------------------------------
    def get_params(self) -> np.ndarray:
        """A copy of every parameter (flat)."""
        return self.params.copy()

    def set_params(self, flat: np.ndarray) -> None:
        """Overwrite every parameter from a flat array (e.g. one returned by :meth:`get_params`)."""
        flat = np.asarray(flat)
        if flat.shape != self.params.shape:
            raise TrainingError(f"set_params needs {self.params.size} values, got shape {flat.shape}")
        self.params[...] = flat

    def layers(self) -> list[dict[str, Any]]:
        """Each layer's weights and bias as nested lists (JSON-ready), for figures and the lab."""
        return [{"weights": W.tolist(), "bias": b.tolist()} for W, b in zip(self.weights, self.biases, strict=True)]

    def describe(self) -> dict[str, Any]:
        """The architecture as plain data: kind, layer sizes, activation, number of parameters, dtype."""
        return {"kind": self.kind, "sizes": list(self.sizes), "hidden": list(self.hidden),
                "activation": None if not self.hidden else self.activation, "n_params": self.n_params,
                "dtype": str(self.dtype)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sizes={list(self.sizes)}, activation={self.activation!r})"


class Linear(Model):
    """A linear model ``Z = X W + b``: linear regression, or logistic / softmax regression with a matching loss.

    Parameters start at zero (the loss surface of a linear model with a convex loss has one basin).
    """

    kind = "linear"

    def __init__(self, n_features: int, n_outputs: int = 1, *, seed: int = 0, dtype: Any = np.float64) -> None:
        super().__init__((n_features, n_outputs), "linear", seed=seed, dtype=dtype, zero_init=True)

    def __repr__(self) -> str:
        return f"Linear(n_features={self.n_features}, n_outputs={self.n_outputs})"


class MLP(Model):
    """A multi-layer perceptron: ``hidden`` layers with ``activation``, then a linear output layer of raw scores."""

    kind = "mlp"

    def __init__(self, n_features: int, hidden: Sequence[int] = (16, 16), n_outputs: int = 1, *,
                 activation: str = "relu", seed: int = 0, dtype: Any = np.float64) -> None:
        hidden = tuple(int(h) for h in hidden)
        if not hidden:
            raise TrainingError("an MLP needs at least one hidden layer (use Linear for none)")
        super().__init__((n_features, *hidden, n_outputs), activation, seed=seed, dtype=dtype)

    def __repr__(self) -> str:
        return f"MLP(n_features={self.n_features}, hidden={self.hidden}, n_outputs={self.n_outputs}, " \
               f"activation={self.activation!r})"


def make_model(kind: str, n_features: int, n_outputs: int, *, hidden: Sequence[int] | None = None,
               activation: str = "relu", seed: int = 0, dtype: Any = np.float64) -> Model:
    """A model by name: ``linear``, ``logistic``, ``softmax`` (all :class:`Linear`) or ``mlp``.

    ``hidden`` (default ``(16, 16)``) and ``activation`` apply to ``mlp`` only. Whether ``logistic`` / ``softmax``
    suit the data is checked by :func:`losslab.training.fit`, which knows the task.
    """
    key = kind.strip().lower()
    if key not in MODELS:
        raise TrainingError(f"unknown model {kind!r}: {suggest(key, MODELS)}")
    if key == "mlp":
        return MLP(n_features, (16, 16) if hidden is None else hidden, n_outputs, activation=activation,
                   seed=seed, dtype=dtype)
    if hidden:
        raise TrainingError(f"a {key} model has no hidden layers; use model='mlp' for hidden={list(hidden)}")
    return Linear(n_features, n_outputs, seed=seed, dtype=dtype)
