"""The sparsemax loss (Martins & Astudillo 2016): the loss whose gradient is sparsemax(z) - q, the Euclidean
projection of the scores onto the simplex minus the target distribution.

sparsemax(z)_j = max(0, z_j - tau), with tau such that the probabilities sum to 1: the support S is the top k(z)
scores, k(z) = max{k : 1 + k z_(k) > sum_{j<=k} z_(j)}, and tau = (sum_{j in S} z_j - 1) / |S|. The paper's loss

    L(z; q) = -q.z + 1/2 sum_{j in S} (z_j^2 - tau^2) + 1/2 ||q||^2

equals, for a target distribution q (sum q = 1),

    L(z; q) = 1/2 ||p - q||^2 + sum_j q_j max(0, tau - z_j),    p = sparsemax(z),

a sum of non-negative terms (no cancellation: a near-perfect row keeps its digits where the first form loses them
all) that is unchanged by a shift of z, so the scores are shifted by their max first (logits of +-1e6 keep their
digits). Both forms agree at every z; the second is what is computed, with the support S held as a mask, so that
autograd through it gives p - q + (sum q - 1) / |S| on S, the derivative of exactly this value (p - q for a
distribution q) also where a score sits on the support's edge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition
from ._registry import register


def _parts(xp: Namespace, z: Array) -> tuple[Array, Array, Array, Array]:
    """(shifted scores zs, support mask S, its size |S| (N, 1), tau (N, 1)) of each row."""
    c = int(z.shape[1])
    zs = z - xp.max(z, axis=1, keepdims=True)
    ordered = -xp.sort(-zs, axis=1)  # descending (plain NumPy's sort has no such switch)
    cum = xp.cumulative_sum(ordered, axis=1)
    k = xp.reshape(xp.arange(1, c + 1, dtype=z.dtype), (1, c))
    in_support = 1.0 + k * ordered > cum  # a prefix of each sorted row, never empty (k = 1 always holds)
    # the support as a mask over the unsorted row: every score >= the k(z)-th largest (ties never straddle its
    # edge: a tie either all passes the test above or all fails it)
    edge = xp.min(xp.where(in_support, ordered, xp.full_like(ordered, math.inf)), axis=1, keepdims=True)
    support = zs >= edge
    size = xp.sum(xp.astype(support, z.dtype), axis=1, keepdims=True)
    tau = (xp.sum(xp.where(support, zs, xp.zeros_like(zs)), axis=1, keepdims=True) - 1.0) / size
    return zs, support, size, tau


def sparsemax(xp: Namespace, z: Array) -> Array:
    """The sparsemax probabilities of each row of scores."""
    zs, support, _, tau = _parts(xp, z)
    return xp.where(support, zs - tau, xp.zeros_like(zs))


def sparsemax_value(xp: Namespace, pred: Array, target: Array) -> Array:
    zs, support, _, tau = _parts(xp, pred)
    p = xp.where(support, zs - tau, xp.zeros_like(zs))
    below = xp.where(support, xp.zeros_like(zs), tau - zs)  # >= 0: every score off the support is <= tau
    gap = p - target
    return 0.5 * xp.sum(gap * gap, axis=1) + xp.sum(target * below, axis=1)


def sparsemax_grad(xp: Namespace, pred: Array, target: Array) -> Array:
    zs, support, size, tau = _parts(xp, pred)
    p = xp.where(support, zs - tau, xp.zeros_like(zs))
    excess = (xp.sum(target, axis=1, keepdims=True) - 1.0) / size  # 0 for a target distribution
    return p - target + xp.where(support, excess + xp.zeros_like(zs), xp.zeros_like(zs))


def _sparsemax_steps(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    prob = np.asarray(sparsemax(np, p))
    return {"prob_true": np.sum(t * prob, axis=1)}, {"target": t, "pred": p, "prob": prob}


register(LossDefinition(
    name="sparsemax",
    steps=_sparsemax_steps,
    aliases=("sparsemax_loss", "multiclass_sparsemax"),
    task="multiclass",
    kind="rows",
    value=sparsemax_value,
    grad=sparsemax_grad,
    latex=r"\ell_i = \tfrac12\lVert p_i - t_i\rVert^2 + \sum_c t_{ic}\max(0,\ \tau_i - z_{ic}),\quad "
          r"p_i = \operatorname{sparsemax}(z_i) = \max(0,\ z_i - \tau_i)",
    plain="l_i = -t.z + 1/2 sum_{j in S}(z_j^2 - tau^2) + 1/2 ||t||^2 = 1/2 ||p - t||^2 + sum_c t_c max(0, tau - z_c), "
          "p = sparsemax(z) = max(0, z - tau) (it sums to 1, with exact zeros); gradient p - t",
    summary="Sparsemax loss: the cross-entropy of sparsemax, whose probabilities can be exactly 0; gradient "
            "sparsemax(z) - t.",
    equivalents={"pytorch": "-", "keras": "-",
                 "optax": "optax.losses.multiclass_sparsemax_loss(z, y) (integer labels; "
                          "optax.losses.sparsemax_loss is the binary one)",
                 "sklearn": "-"},
    reference="Martins & Astudillo, From softmax to sparsemax: a sparse model of attention and multi-label "
              "classification (ICML 2016), eq. 16 and prop. 2; Blondel, Martins & Niculae, Learning with "
              "Fenchel-Young losses, JMLR 21 (2020).",
    target_format="labels_or_same",
    target_domain=lambda params: "probability",
    builtin=True,
))
