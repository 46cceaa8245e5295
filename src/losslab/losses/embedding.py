"""Losses between embedding vectors: the cosine similarity of each example's predicted and target vector.

``pred`` and ``target`` are (N, D) rows (or one (D,) vector); the loss of an example is computed from its two
whole rows (``kind="rows"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace, is_numpy
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import clip


def _cosine_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    eps = params["eps"]
    pn = np.sqrt(np.maximum(np.sum(p * p, axis=1), eps))
    tn = np.sqrt(np.maximum(np.sum(t * t, axis=1), eps))
    return ({"pred_norm": pn, "target_norm": tn, "cosine": np.sum(p * t, axis=1) / (pn * tn)},
            {"pred": p, "target": t})


_EINSUM_MAX_D = 512


def rowdot(xp: Namespace, a: Array, b: Array) -> Array:
    """sum(a * b, axis=1) of (N, D) rows in one fused pass: NumPy's reduction over a short last axis costs several
    ns an element and a * b writes a whole (N, D) temporary; einsum does neither (4x faster at D = 10). Its sum is
    not pairwise, though (float32 at D = 1e5: 2e-6 relative, np.sum 1e-7): long rows, where the reduction is cheap
    anyway, keep np.sum. Other libraries get the array API's vecdot (differentiable in PyTorch, lazy in Dask)."""
    if is_numpy(xp):
        if a.shape[-1] <= _EINSUM_MAX_D:
            return np.einsum("ij,ij->i", a, b)
        return np.sum(a * b, axis=1)
    return xp.vecdot(a, b, axis=-1)


def cosine_value(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    # Keras's normalize: x / max(|x|, epsilon) = x / sqrt(max(sum x^2, eps)) with eps = epsilon^2; clip's slope is 1
    # at sum x^2 = eps, as cosine_grad takes it. Three row dot products and per-row arithmetic: no (N, D) temporary.
    pred_norm = xp.sqrt(clip(xp, rowdot(xp, pred, pred), eps, None))
    target_norm = xp.sqrt(xp.clip(rowdot(xp, target, target), eps, None))
    return -(rowdot(xp, pred, target) / target_norm) / pred_norm


def cosine_grad(xp: Namespace, pred: Array, target: Array, eps: float) -> Array:
    # d/dp -(p . v) / |p| = -(v - cos u) / |p|, u = p / |p|, v = t / |t|; below the floor |p| is the constant
    # sqrt(eps) (then no cos u term). As per-row factors: p cos / |p|^2 - t / (|t| |p|), one pass per term.
    square = rowdot(xp, pred, pred)
    norm = xp.sqrt(xp.clip(square, eps, None))
    target_norm = xp.sqrt(xp.clip(rowdot(xp, target, target), eps, None))
    cos = (rowdot(xp, pred, target) / target_norm) / norm
    normalized = xp.astype(square >= eps, pred.dtype)
    along = xp.reshape(normalized * cos / norm / norm, (-1, 1))
    across = xp.reshape(1.0 / (target_norm * norm), (-1, 1))
    return pred * along - target * across


register(LossDefinition(
    name="cosine_similarity",
    steps=_cosine_steps,
    aliases=("cosine", "cosine_proximity"),
    task="regression",
    kind="rows",
    params=(Param("eps", 1e-14, "floor for the squared length of each vector (a zero vector then scores 0); 1e-14 is "
                  "Keras's floor 1e-7 on the length",
                  constraint=number(low=0.0, low_open=True), role="numerics"),),
    value=cosine_value,
    grad=cosine_grad,
    latex=r"\ell_i = -\frac{p_i \cdot t_i}{\sqrt{\max(\|p_i\|^2, \varepsilon)}\,\sqrt{\max(\|t_i\|^2, "
          r"\varepsilon)}}",
    plain="l_i = -cos(p_i, t_i) = -(p_i . t_i) / (|p_i| |t_i|), each squared length floored at eps; between -1 "
          "(same direction) and 1 (opposite)",
    summary="Negative cosine similarity (Keras's sign): -1 when the vectors point the same way, 1 when opposite.",
    equivalents={"pytorch": "-torch.nn.functional.cosine_similarity(p, t, eps=1e-7)  (CosineEmbeddingLoss with "
                            "y = 1 is 1 - cos: ours + 1)",
                 "keras": "keras.losses.CosineSimilarity(axis=-1) (its length floor epsilon = sqrt(eps))",
                 "optax": "-optax.losses.cosine_similarity(p, t, epsilon=eps)  (optax.losses.cosine_distance "
                          "is 1 - cos: ours + 1, the same gradient)",
                 "sklearn": "-sklearn.metrics.pairwise.cosine_similarity(p, t) (its diagonal)"},
    reference="Salton & McGill, Introduction to Modern Information Retrieval (1983); Keras's CosineSimilarity.",
    builtin=True,
))
