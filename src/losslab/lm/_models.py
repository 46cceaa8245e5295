"""Next-token models in NumPy: unigram and bigram (closed-form counts) and an MLP over a fixed context.

Every model maps contexts — an int array (B, k) of the k previous token ids, :data:`pad <LanguageModel.pad>` where
the text has not started — to logits (B, V). The loss is the catalog's
``sparse_categorical_cross_entropy(from_logits=True)``: the count models' logits are log-probabilities, so the
log-softmax in the loss gives them back unchanged.

- **unigram** (k = 0): :math:`p(j) = (c_j + \\alpha) / (N + \\alpha V)`.
- **bigram** (k = 1): :math:`p(j \\mid i) = (c_{ij} + \\alpha) / (c_i + \\alpha V)` (add-α smoothing); after the
  padding token it predicts with the unigram.
- **mlp** (Bengio et al. 2003; Karpathy's makemore): embed each of the k tokens (d dims), concatenate,
  :math:`h = \\tanh(x W_1 + b_1)`, logits :math:`z = h W_2 + b_2`. The output weights start at
  ``output_scale / √hidden`` (0.01 by default), so the first logits are near 0 and the first loss near ln V.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import LossInputError

__all__ = ["MODELS", "Bigram", "LanguageModel", "MLPModel", "Unigram", "windows"]

MODELS: tuple[str, ...] = ("unigram", "bigram", "mlp")


def windows(ids: np.ndarray, k: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(contexts (n-1, k), targets (n-1,)): each token from the second on, with the k tokens before it."""
    ids = np.asarray(ids, dtype=np.int64)
    padded = np.concatenate([np.full(k, pad, dtype=np.int64), ids])
    ctx = sliding_window_view(padded, k)[1:ids.size] if k else np.zeros((max(ids.size - 1, 0), 0), np.int64)
    return np.ascontiguousarray(ctx), ids[1:]


class LanguageModel:
    """What every model offers: ``logits(contexts)`` and its context size, vocabulary and padding id."""

    name = "model"
    context_size: int
    vocab_size: int

    @property
    def pad(self) -> int:
        return self.vocab_size

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "context": self.context_size, "vocab_size": self.vocab_size}


def _alpha(alpha: float) -> float:
    if not (isinstance(alpha, int | float) and not isinstance(alpha, bool) and alpha > 0 and np.isfinite(alpha)):
        raise LossInputError("lm", "alpha", "a smoothing count > 0", repr(alpha))
    return float(alpha)


@dataclass
class Unigram(LanguageModel):
    """Token frequencies, add-α smoothed; the context is ignored."""

    log_probs: np.ndarray
    name = "unigram"
    context_size = 0

    def __post_init__(self) -> None:
        self.vocab_size = self.log_probs.size

    @classmethod
    def fit(cls, ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> Unigram:
        counts = np.bincount(ids, minlength=vocab_size).astype(np.float64) + _alpha(alpha)
        return cls(np.log(counts / counts.sum()))

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.log_probs, (contexts.shape[0], self.vocab_size)).copy()


@dataclass
class Bigram(LanguageModel):
    """Counts of (previous, next) pairs, add-α smoothed; row ``pad`` is the unigram."""

    log_probs: np.ndarray  # (V + 1, V)
    name = "bigram"
    context_size = 1

    def __post_init__(self) -> None:
        self.vocab_size = self.log_probs.shape[1]

    @classmethod
    def fit(cls, ids: np.ndarray, vocab_size: int, alpha: float = 1.0) -> Bigram:
        a = _alpha(alpha)
        v = vocab_size
        pairs = np.bincount(ids[:-1] * v + ids[1:], minlength=v * v).reshape(v, v).astype(np.float64) + a
        first = np.bincount(ids, minlength=v).astype(np.float64) + a
        counts = np.vstack([pairs, first])
        return cls(np.log(counts / counts.sum(axis=1, keepdims=True)))

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        return self.log_probs[contexts[:, -1]]


@dataclass
class MLPModel(LanguageModel):
    """Embedding → tanh hidden layer → logits, over the ``context_size`` previous tokens.

    All parameters live in one flat float64 array :attr:`params` (the optimizers of :mod:`losslab.training`
    update it in place); :attr:`parts` are views into it.
    """

    vocab_size: int
    context_size: int = 4
    embed: int = 16
    hidden: int = 128
    seed: int = 0
    output_scale: float = 0.01
    name = "mlp"
    params: np.ndarray = field(init=False, repr=False)
    parts: dict[str, np.ndarray] = field(init=False, repr=False)
    slices: dict[str, slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        v, k, d, h = self.vocab_size, self.context_size, self.embed, self.hidden
        shapes = {"E": (v + 1, d), "W1": (k * d, h), "b1": (h,), "W2": (h, v), "b2": (v,)}
        sizes = [int(np.prod(s)) for s in shapes.values()]
        self.params = np.zeros(sum(sizes))
        offsets = np.cumsum([0, *sizes]).tolist()
        self.slices = {name: slice(offsets[i], offsets[i + 1]) for i, name in enumerate(shapes)}
        self.parts = {name: self.params[self.slices[name]].reshape(shape) for name, shape in shapes.items()}
        rng = np.random.default_rng(self.seed)
        self.parts["E"][...] = rng.standard_normal((v + 1, d))
        self.parts["W1"][...] = rng.standard_normal((k * d, h)) * (5 / 3) / np.sqrt(k * d)  # Kaiming, tanh gain
        self.parts["W2"][...] = rng.standard_normal((h, v)) * self.output_scale / np.sqrt(h)

    def forward(self, contexts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, h, logits) for ``contexts`` (B, k)."""
        p = self.parts
        x = p["E"][contexts].reshape(contexts.shape[0], -1)
        h = np.tanh(x @ p["W1"] + p["b1"])
        return x, h, h @ p["W2"] + p["b2"]

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        return self.forward(contexts)[2]

    def backward(self, contexts: np.ndarray, x: np.ndarray, h: np.ndarray, dz: np.ndarray) -> np.ndarray:
        """d loss / d params (flat) from d loss / d logits ``dz``, by the chain rule through the layers."""
        p = self.parts
        g = np.zeros_like(self.params)
        grads = {name: g[self.slices[name]].reshape(a.shape) for name, a in p.items()}
        grads["W2"][...] = h.T @ dz
        grads["b2"][...] = dz.sum(axis=0)
        da = (dz @ p["W2"].T) * (1.0 - h * h)  # tanh' = 1 − tanh²
        grads["W1"][...] = x.T @ da
        grads["b1"][...] = da.sum(axis=0)
        dx = (da @ p["W1"].T).reshape(contexts.shape[0], self.context_size, self.embed)
        np.add.at(grads["E"], contexts, dx)
        return g

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "embed": self.embed, "hidden": self.hidden, "output_scale": self.output_scale,
                "parameters": int(self.params.size)}
