"""Reading a model: the per-token view of a text, and sampling with temperature, top-k and top-p.

The per-token view (:func:`token_view`, :func:`true_view`) shows, at every position, what the loss is made of:
the probability p the model gave the actual next token, the loss :math:`-\\ln p`, :math:`1/p` (the number of equally
likely choices the model is as unsure as), the bits :math:`-\\log_2 p`, the entropy of the predicted distribution
(the lowest average loss possible at this position if the prediction were the truth), the top predictions, and
the gradient of the loss on the logits, :math:`\\partial\\ell/\\partial z_j = p_j - [j = y]`.

Sampling (:func:`sample`) draws from :math:`\\operatorname{softmax}(z / T)` restricted to the ``top_k`` most likely
tokens and to the smallest set whose probability reaches ``top_p`` (nucleus sampling, Holtzman et al. 2020). None of
that enters the training loss, which is always computed at T = 1 on all tokens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import LossInputError
from ._measures import entropy
from ._models import LanguageModel
from ._synthetic import SyntheticLanguage
from ._tokenizers import Tokenizer

__all__ = ["TokenRow", "filter_probs", "sample", "token_view", "true_view"]

_SHOWN_CONTEXT = 16
"""Tokens of context kept with each row of :func:`token_view`."""


@dataclass(frozen=True)
class TokenRow:
    """One position of the per-token view."""

    context: str
    token: str
    p: float
    entropy: float
    top: list[tuple[str, float]]
    grad: list[tuple[str, float]]

    @property
    def loss(self) -> float:
        return 0.0 - math.log(self.p) if self.p > 0 else math.inf  # 0.0 - ...: no -0.0 at p = 1

    def to_dict(self) -> dict[str, Any]:
        bits = self.loss / math.log(2)
        return {"context": self.context, "token": self.token, "p": self.p, "loss": self.loss,
                "inv_p": 1.0 / self.p if self.p > 0 else math.inf, "bits": bits, "entropy": self.entropy,
                "top": [{"token": t, "p": p} for t, p in self.top],
                "grad": [{"token": t, "grad": g} for t, g in self.grad]}


def _row(context: str, names: list[str], probs: np.ndarray, actual: int, k: int) -> TokenRow:
    order = np.argsort(-probs, kind="stable")[:k]
    shown = [*order.tolist(), *([actual] if actual not in order else [])]
    grad = probs.copy()
    grad[actual] -= 1.0
    return TokenRow(context, names[actual], float(probs[actual]), float(entropy(probs)),
                    [(names[j], float(probs[j])) for j in order], [(names[j], float(grad[j])) for j in shown])


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _contexts(model: LanguageModel, ids: np.ndarray) -> np.ndarray:
    """The context of every position of ``ids`` (the first one's is all padding)."""
    k = model.context_size
    padded = np.concatenate([np.full(k, model.pad, dtype=np.int64), ids])
    return np.stack([padded[i:i + k] for i in range(ids.size)]) if k else np.zeros((ids.size, 0), np.int64)


def token_view(model: LanguageModel, tokenizer: Tokenizer, text: str, top: int = 5) -> list[TokenRow]:
    """Each token of ``text`` from the second on, with the model's prediction for it."""
    ids = tokenizer.encode(text)
    if ids.size < 2:
        raise LossInputError("lm explain", "text", "at least two tokens (a context and a next token)",
                             f"{ids.size} token(s) in {text!r}")
    probs = _softmax(model.logits(_contexts(model, ids)))
    names = [tokenizer.token_text(t) for t in range(tokenizer.vocab_size)]
    return [_row(tokenizer.decode(ids[max(0, i - _SHOWN_CONTEXT):i], errors="replace"), names, probs[i], int(ids[i]),
                 top)
            for i in range(1, ids.size)]


def true_view(language: SyntheticLanguage, text: str, top: int = 5) -> list[TokenRow]:
    """Each word of ``text`` with the synthetic language's true distribution at that point."""
    rows = []
    for step in language.read(text):
        names = list(step.distribution)
        probs = np.array(list(step.distribution.values()))
        rows.append(_row(step.context, names, probs, names.index(step.word), top))
    return rows


def filter_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
                 top_p: float | None = None) -> np.ndarray:
    """The sampling distribution of one row of logits: softmax(z / T), then top-k, then top-p, renormalised."""
    if not (isinstance(temperature, int | float) and math.isfinite(temperature) and temperature > 0):
        raise LossInputError("lm sample", "temperature", "a number > 0 (1 keeps the model's distribution)",
                             repr(temperature), "temperature 0 would be greedy decoding: use top_k=1")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise LossInputError("lm sample", "top_k", "an integer ≥ 1", repr(top_k))
    if top_p is not None and not (isinstance(top_p, int | float) and 0 < top_p <= 1):
        raise LossInputError("lm sample", "top_p", "a number in (0, 1]", repr(top_p))
    p = _softmax(np.asarray(logits, dtype=np.float64) / temperature)
    order = np.argsort(-p, kind="stable")
    keep = np.zeros(p.size, dtype=bool)
    n = p.size if top_k is None else min(top_k, p.size)
    if top_p is not None:  # the smallest prefix whose mass reaches top_p (at least one token)
        n = min(n, int(np.searchsorted(np.cumsum(p[order]), top_p * (1 - 1e-12))) + 1)
    keep[order[:n]] = True
    q = np.where(keep, p, 0.0)
    return q / q.sum()


def sample(model: LanguageModel, tokenizer: Tokenizer, prompt: str, length: int = 100, *,
           temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
           seed: int = 0) -> str:
    """``length`` tokens drawn after ``prompt`` (the same seed gives the same text)."""
    filter_probs(np.zeros(1), temperature, top_k, top_p)  # refuse bad settings before any work
    rng = np.random.default_rng(seed)
    ids = list(tokenizer.encode(prompt).tolist())
    k = model.context_size
    for _ in range(length):
        ctx = ([model.pad] * k + ids)[len(ids):] if k else []
        z = model.logits(np.array([ctx], dtype=np.int64).reshape(1, k))[0]
        q = filter_probs(z, temperature, top_k, top_p)
        ids.append(int(rng.choice(q.size, p=q)))
    return tokenizer.decode(np.array(ids[len(tokenizer.encode(prompt)):], dtype=np.int64), errors="replace")
