"""The output layer of a language model without its N × V logits: chunked cross-entropy, memory, accumulation.

A language model ends in ``logits = hidden @ weight``: ``hidden`` is (N, d) for N tokens, ``weight`` (d, V) for a
vocabulary of V. At N = 8192 tokens and V = 50257 (GPT-2's vocabulary) the float32 logits alone take 1.6 GB.
:func:`chunked_cross_entropy` computes the mean token cross-entropy and its gradients chunk by chunk over N, so only
``chunk_size × V`` logits exist at a time (the idea of Liger Kernel's fused linear cross-entropy and of Apple's
Cut Cross-Entropy, here in NumPy). :func:`logits_memory` gives the size of the full logits;
:func:`accumulation_trap` shows why gradient accumulation over micro-batches must weight by token counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import LossInputError

__all__ = ["MEMORY_PRESETS", "AccumulationTrap", "accumulation_trap", "chunked_cross_entropy", "logits_memory"]

_NAME = "chunked_cross_entropy"

# Published vocabulary sizes and context lengths, each with its source. Only numbers stated by the model's
# authors are kept here.
MEMORY_PRESETS: dict[str, dict[str, Any]] = {
    # Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", §2.3: "The vocabulary is expanded
    # to 50,257. We also increase the context size from 512 to 1024 tokens".
    "gpt2": {"vocab": 50257, "context": 1024, "source": "Radford et al. 2019 (GPT-2 paper), section 2.3"},
    # Touvron et al. 2023, "Llama 2: Open Foundation and Fine-Tuned Chat Models", §2.1/2.2: the Llama 1 tokenizer,
    # "The total vocabulary size is 32k tokens", and a context length of 4096 tokens.
    "llama2": {"vocab": 32000, "context": 4096, "source": "Touvron et al. 2023 (Llama 2 paper), section 2"},
    # The PyTorch blog "Peak Performance, Minimized Memory" (2025-02-27, Liger Kernel's fused linear cross-entropy in
    # torchtune): "training with a batch size of 8 and sequence length of 4096, the 256k vocabulary size results in a
    # 16.8 GB logit tensor" — 8 × 4096 tokens × 256,000 × 2 bytes (bfloat16) = 16.8 GB, which this calculator gives.
    "liger_flce": {"vocab": 256000, "context": 8 * 4096, "bytes": 2,
                   "source": "PyTorch blog 2025-02-27 (Liger Kernel's fused linear cross-entropy): batch 8 × 4096 "
                             "tokens, a 256k vocabulary, a 16.8 GB logit tensor in bfloat16"},
    # Wijmans et al. 2024, "Cut Your Losses in Large-Vocabulary Language Models" (arXiv 2411.09009), abstract: for
    # Gemma 2 (2B), CCE "reduces the memory footprint of the loss computation from 24 GB to 1 MB". That 24 GB is the
    # whole loss computation of their setup (logits, softmax and gradient), not N × V of one tensor; the preset takes
    # Gemma 2's vocabulary (256,000) and context (8,192) and the source says which number is whose.
    "cce_gemma2_2b": {"vocab": 256000, "context": 8192, "bytes": 4,
                      "source": "Wijmans et al. 2024 (Cut Cross-Entropy): for Gemma 2 (2B) the loss computation took "
                                "24 GB (logits, softmax and gradient of their batch) and 1 MB with CCE; shown here: "
                                "the logits alone of one 8,192-token context"},
}


def _check(hidden: np.ndarray, weight: np.ndarray, targets: np.ndarray, chunk_size: int) -> None:
    if hidden.ndim != 2 or weight.ndim != 2 or hidden.shape[1] != weight.shape[0]:
        raise LossInputError(_NAME, "hidden", "hidden (N, d) and weight (d, V) with the same d",
                             f"hidden {hidden.shape} and weight {weight.shape}")
    if hidden.shape[0] == 0:
        raise LossInputError(_NAME, "hidden", "at least one token (N ≥ 1)", "N = 0")
    if weight.shape[1] == 0:
        raise LossInputError(_NAME, "weight", "a vocabulary of at least one token (V ≥ 1)", "V = 0")
    if targets.shape != (hidden.shape[0],) or targets.dtype.kind not in "iu":
        raise LossInputError(_NAME, "targets", f"integer token ids of shape ({hidden.shape[0]},)",
                             f"{targets.dtype} of shape {targets.shape}")
    if targets.min() < 0 or targets.max() >= weight.shape[1]:
        raise LossInputError(_NAME, "targets", f"token ids in [0, {weight.shape[1] - 1}]",
                             f"ids from {targets.min()} to {targets.max()}")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer) or chunk_size < 1:
        raise LossInputError(_NAME, "chunk_size", "an integer ≥ 1", repr(chunk_size))


def chunked_cross_entropy(
    hidden: ArrayLike,
    weight: ArrayLike,
    targets: ArrayLike,
    *,
    chunk_size: int = 1024,
    return_grad: bool = False,
) -> Any:
    """Mean token cross-entropy of ``logits = hidden @ weight``, never holding more than ``chunk_size`` rows of it.

    For each chunk :math:`c` of rows, :math:`z = h_c W` and, with :math:`m = \\max_j z_j`,

    .. math:: \\ell_i = m_i + \\ln \\sum_j e^{z_{ij} - m_i} - z_{i,y_i}, \\qquad
              L = \\frac1N \\sum_i \\ell_i

    (every exponent is ≤ 0, so logits of 10⁴ do not overflow). The gradient on the chunk's logits is
    :math:`G = (\\operatorname{softmax}(z) - \\operatorname{onehot}(y)) / N`, and the chain rule gives

    .. math:: \\frac{\\partial L}{\\partial h_c} = G W^\\top, \\qquad
              \\frac{\\partial L}{\\partial W} = \\sum_c h_c^\\top G.

    Parameters
    ----------
    hidden : array (N, d)
        The last hidden states, one row per token.
    weight : array (d, V)
        The output (unembedding) matrix.
    targets : int array (N,)
        The next token's id at each row.
    chunk_size : int
        Rows per chunk; peak memory is about ``chunk_size × V`` logits instead of ``N × V``.
    return_grad : bool
        Also return ``(d L / d hidden, d L / d weight)``.

    Returns
    -------
    float, or (float, (ndarray, ndarray))
        The mean loss, as a NumPy scalar of the computation's dtype (float32 for float32 inputs: each chunk is
        computed in float32, and the per-chunk sums are added in double precision so that the sum over many
        chunks does not drift); with ``return_grad`` also the two gradients in that dtype.
    """
    h, w, y = np.asarray(hidden), np.asarray(weight), np.asarray(targets)
    _check(h, w, y, chunk_size)
    dtype = np.result_type(h.dtype, w.dtype, np.float32)
    h, w = h.astype(dtype, copy=False), w.astype(dtype, copy=False)
    n = h.shape[0]
    chunk_sums: list[float] = []
    grad_h = np.empty_like(h) if return_grad else None
    grad_w = np.zeros_like(w) if return_grad else None
    buffer = np.empty((min(int(chunk_size), n), w.shape[1]), dtype=dtype)  # the only (chunk, V) array
    for start in range(0, n, int(chunk_size)):
        rows = slice(start, min(start + int(chunk_size), n))
        z = buffer[:rows.stop - rows.start]
        np.matmul(h[rows], w, out=z)  # changed in place below
        yc = y[rows]
        index = np.arange(z.shape[0])
        picked = z[index, yc].copy()
        m = z.max(axis=1, keepdims=True)
        z -= m
        np.exp(z, out=z)
        total = z.sum(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(total[:, 0])
        chunk_sums.append(float(np.sum(lse - picked, dtype=np.float64)))
        if grad_h is not None and grad_w is not None:
            z /= total  # softmax
            z[index, yc] -= 1
            z /= dtype.type(n)
            grad_h[rows] = z @ w.T
            grad_w += h[rows].T @ z
    value = dtype.type(math.fsum(chunk_sums) / n)
    if return_grad:
        return value, (grad_h, grad_w)
    return value


def logits_memory(n_tokens: int, vocab: int, bytes_per: int = 4) -> int:
    """Bytes of the full logits: :math:`N \\times V \\times` ``bytes_per`` (4 for float32, 2 for bfloat16).

    >>> logits_memory(8192, 32000) / 2**30   # one batch of 8192 tokens, Llama 2's 32k vocabulary, float32
    0.9765625
    """
    for name, value in (("n_tokens", n_tokens), ("vocab", vocab), ("bytes_per", bytes_per)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise LossInputError("logits_memory", name, "an integer ≥ 1", repr(value))
    return int(n_tokens) * int(vocab) * int(bytes_per)


@dataclass(frozen=True)
class AccumulationTrap:
    """The two averages of micro-batch losses: the mean of the micro-batch means and the mean over all tokens."""

    mean_of_means: float
    token_mean: float
    counts: tuple[int, ...]

    @property
    def gap(self) -> float:
        return self.mean_of_means - self.token_mean


def accumulation_trap(micro_batches: list[ArrayLike] | tuple[ArrayLike, ...]) -> AccumulationTrap:
    """Per-token losses of several micro-batches averaged two ways.

    .. math:: \\frac1K \\sum_k \\frac{1}{n_k}\\sum_{i \\in k} \\ell_i \\quad\\text{vs.}\\quad
              \\frac{1}{\\sum_k n_k} \\sum_k \\sum_{i \\in k} \\ell_i

    They are equal when every micro-batch has the same number of tokens, and differ otherwise: accumulating
    each micro-batch's *mean* gives the tokens of short sequences more weight. Sum the losses and divide by the
    total token count instead.

    >>> trap = accumulation_trap([[1.0, 1.0, 1.0], [4.0]])
    >>> trap.mean_of_means, trap.token_mean
    (2.5, 1.75)
    """
    batches = [np.asarray(b, dtype=np.float64).reshape(-1) for b in micro_batches]
    if not batches or any(b.size == 0 for b in batches):
        raise LossInputError("accumulation_trap", "micro_batches", "one or more non-empty micro-batches of losses",
                             f"{len(batches)} micro-batches, sizes {[b.size for b in batches]}")
    means = [float(b.mean()) for b in batches]
    total = math.fsum(float(b.sum()) for b in batches)
    counts = tuple(int(b.size) for b in batches)
    return AccumulationTrap(mean_of_means=math.fsum(means) / len(means), token_mean=total / sum(counts),
                            counts=counts)
