"""Entropy, perplexity and bits: the units a language model's loss is read in.

A language model's loss is the mean token cross-entropy in nats, :math:`\\bar\\ell = -\\frac1N\\sum_i \\ln
p(x_i \\mid x_{<i})`. Everything else is a change of unit:

- perplexity :math:`e^{\\bar\\ell}` (the number of equally likely choices the model is as unsure as);
- bits :math:`\\ell / \\ln 2`;
- bits per token, per character and per UTF-8 byte: the same total :math:`N\\bar\\ell` divided by ``ln 2`` and
  by the number of tokens, characters or bytes. Bits per character do not depend on the tokenizer: a tokenizer
  with longer tokens has a larger loss per token and fewer tokens.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import LossInputError

__all__ = ["Rates", "bits", "entropy", "perplexity", "rates"]

LN2 = math.log(2.0)


def entropy(probs: ArrayLike) -> np.ndarray | float:
    """Entropy in nats of each row of a distribution, :math:`H(p) = -\\sum_j p_j \\ln p_j` with :math:`0 \\ln 0 = 0`.

    A 1-D ``probs`` is one distribution (a float is returned); a 2-D one holds a distribution per row.

    >>> round(entropy([0.6, 0.2, 0.2]), 4)
    0.9503
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim not in (1, 2) or p.shape[-1] == 0:
        raise LossInputError("entropy", "probs", "a distribution (1-D) or rows of distributions (2-D)",
                             f"an array of shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise LossInputError("entropy", "probs", "non-negative finite probabilities", "negative or non-finite values")
    terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    h = terms.sum(axis=-1)
    return float(h) if p.ndim == 1 else h


def perplexity(mean_loss: float) -> float:
    """:math:`e^{\\bar\\ell}` of a mean loss in nats (``inf`` past the float range, not an overflow error).

    >>> round(perplexity(0.9503), 3)
    2.586
    """
    return math.exp(mean_loss) if mean_loss < 709.0 else math.inf


def bits(nats: float) -> float:
    """Nats in bits: :math:`x / \\ln 2`."""
    return nats / LN2


@dataclass(frozen=True)
class Rates:
    """One total loss in every unit: per token (nats and bits), per character and per UTF-8 byte (bits)."""

    nats_per_token: float
    perplexity: float
    bits_per_token: float
    bits_per_char: float
    bits_per_byte: float
    tokens: int
    chars: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def rates(total_nats: float, tokens: int, chars: int, n_bytes: int) -> Rates:
    """The total loss ``total_nats`` over ``tokens`` tokens that spell ``chars`` characters in ``n_bytes`` bytes.

    .. math:: \\text{bits/char} = \\frac{\\sum_i \\ell_i}{\\ln 2 \\cdot n_\\text{chars}}
    """
    if tokens <= 0 or chars <= 0 or n_bytes <= 0:
        raise LossInputError("rates", "tokens", "positive counts of tokens, characters and bytes",
                             f"{tokens} tokens, {chars} characters, {n_bytes} bytes")
    mean = total_nats / tokens
    return Rates(nats_per_token=mean, perplexity=perplexity(mean), bits_per_token=bits(mean),
                 bits_per_char=total_nats / (LN2 * chars), bits_per_byte=total_nats / (LN2 * n_bytes),
                 tokens=tokens, chars=chars, bytes=n_bytes)
