"""Losses on pairs and triplets of embeddings: the loss reads more than (pred, target), its extra arrays are
:class:`~._definition.Input` s passed by keyword.

- ``triplet_margin(anchor, positive, negative=n)``: the anchor nearer to the positive than to the negative by a margin
- ``margin_ranking(x1, x2, y=y)``: x1 ranked above x2 (y = +1) or below (y = -1) by a margin
- ``cosine_embedding(x1, x2, y=y)``: cosines near 1 for similar pairs (y = +1), below a margin for the others
- ``contrastive(x1, x2, y=y)``: distances small for similar pairs (y = 1), above a margin for the others

Distances are PyTorch's ``pairwise_distance``: ``||x1 - x2 + eps||_p``, so that they are never exactly 0 where
the norm has no derivative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace, is_numpy
from ._definition import Columns, Input, LossDefinition, Param, boolean, number
from ._registry import register
from ._stable import relu
from .embedding import rowdot


# ------------------------------------------------------------------------------------------------------- norms
def pnorm(xp: Namespace, u: Array, p: float) -> Array:
    """||u||_p of each row, with derivative 0 at u = 0 (a guarded root; sqrt for p = 2, as PyTorch computes it)."""
    if p == 2.0:
        s = rowdot(xp, u, u)
        zero = s == 0
        return xp.where(zero, xp.zeros_like(s), xp.sqrt(xp.where(zero, xp.ones_like(s), s)))
    if p == 1.0:
        return xp.sum(xp.where(u < 0, -u, u), axis=1)
    s = xp.sum(xp.abs(u) ** p, axis=1)
    zero = s == 0
    return xp.where(zero, xp.zeros_like(s), xp.where(zero, xp.ones_like(s), s) ** (1.0 / p))


def pnorm_grad(xp: Namespace, u: Array, norm: Array, p: float) -> Array:
    """d||u||_p / du = sign(u) (|u| / ||u||)^(p - 1), written with the ratio (<= 1) so that nothing overflows; 0
    at u = 0."""
    if p == 1.0:
        return xp.sign(u)
    n = xp.reshape(norm, (-1, 1))
    if p == 2.0:  # u / ||u||; dividing by inf where the norm is 0 gives the 0 there without a whole-array where
        return u / xp.where(n > 0, n, xp.full_like(n, xp.inf))
    safe = xp.where(n > 0, n, xp.ones_like(n))
    slope = xp.sign(u) * (xp.abs(u) / safe) ** (p - 1.0)
    return xp.where(n > 0, slope, xp.zeros_like(slope))


def pnorm_slope(xp: Namespace, u: Array, norm: Array, p: float, coef: Array) -> Array:
    """coef * d||u||_p / du for an (N, 1) column of coefficients: for p = 2 one pass over the rows, u times
    coef / ||u|| (0 where the norm is 0), instead of a whole (N, D) gradient scaled afterwards."""
    if p == 2.0:
        n = xp.reshape(norm, (-1, 1))
        return u * (coef / xp.where(n > 0, n, xp.full_like(n, xp.inf)))
    return coef * pnorm_grad(xp, u, norm, p)


def _distance(xp: Namespace, x1: Array, x2: Array, p: float, eps: float) -> tuple[Array, Array]:
    u = x1 - x2 + eps
    return pnorm(xp, u, p), u


# --------------------------------------------------------------------------------------------- triplet margin
def _triplet_parts(xp: Namespace, a: Array, pos: Array, neg: Array, margin: float, p: float, eps: float,
                   swap: bool) -> dict[str, Array]:
    d_ap, u_ap = _distance(xp, a, pos, p, eps)
    d_an, u_an = _distance(xp, a, neg, p, eps)
    parts = {"d_ap": d_ap, "u_ap": u_ap, "d_an": d_an, "u_an": u_an, "d_neg": d_an}
    if swap:  # the harder of the two negatives' distances (Balntas et al. 2016): the positive's, when nearer
        d_pn, u_pn = _distance(xp, pos, neg, p, eps)
        swapped = d_pn < d_an
        parts.update(d_pn=d_pn, u_pn=u_pn, swapped=swapped, d_neg=xp.where(swapped, d_pn, d_an))
    parts["z"] = margin + d_ap - parts["d_neg"]
    return parts


def triplet_value(xp: Namespace, pred: Array, target: Array, negative: Array, margin: float, p: float, eps: float,
                  swap: bool) -> Array:
    return relu(xp, _triplet_parts(xp, pred, target, negative, margin, p, eps, swap)["z"])


def _triplet_grads(xp: Namespace, a: Array, pos: Array, neg: Array, wrt: tuple[str, ...], margin: float, p: float,
                   eps: float, swap: bool) -> dict[str, Array]:
    """d/d anchor ("pred"), d/d positive ("target"), d/d negative of each triplet's loss, those named in ``wrt``; 0
    where the margin is met (z <= 0). Each is a sum of norm slopes weighted per row (active, swapped or not)."""
    parts = _triplet_parts(xp, a, pos, neg, margin, p, eps, swap)
    active = xp.reshape(xp.astype(parts["z"] > 0, a.dtype), (-1, 1))
    # per-row weights of the distances' slopes: d(a, p), d(a, n), and with swap d(p, n) where it replaced d(a, n)
    weights = {"ap": active, "an": active}
    if swap:
        s = xp.reshape(xp.astype(parts["swapped"], a.dtype), (-1, 1))
        weights.update(an=active * (1 - s), pn=active * s)
    slopes: dict[str, Array] = {}

    def slope(pair: str) -> Array:  # each distance's weighted slope once, shared by the gradients asked for
        if pair not in slopes:
            slopes[pair] = pnorm_slope(xp, parts["u_" + pair], parts["d_" + pair], p, weights[pair])
        return slopes[pair]

    out: dict[str, Array] = {}
    if "pred" in wrt:
        out["pred"] = slope("ap") - slope("an")
    if "target" in wrt:
        out["target"] = -slope("ap") - slope("pn") if swap else -slope("ap")
    if "negative" in wrt:
        out["negative"] = slope("an") + slope("pn") if swap else slope("an")
    return out


def triplet_grads(xp: Namespace, pred: Array, target: Array, negative: Array, wrt: tuple[str, ...],
                  **params: Any) -> dict[str, Array]:
    return _triplet_grads(xp, pred, target, negative, tuple(wrt), **params)


def triplet_grad(xp: Namespace, pred: Array, target: Array, negative: Array, **params: Any) -> Array:
    return _triplet_grads(xp, pred, target, negative, ("pred",), **params)["pred"]


def triplet_target_grad(xp: Namespace, pred: Array, target: Array, negative: Array, **params: Any) -> Array:
    return _triplet_grads(xp, pred, target, negative, ("target",), **params)["target"]


def triplet_negative_grad(xp: Namespace, pred: Array, target: Array, negative: Array, **params: Any) -> Array:
    return _triplet_grads(xp, pred, target, negative, ("negative",), **params)["negative"]


def _triplet_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], negative: np.ndarray,
                   ) -> tuple[Columns, Columns]:
    parts = _triplet_parts(np, pred, target, negative, **params)
    return ({"distance_positive": parts["d_ap"], "distance_negative": parts["d_neg"], "margin": parts["z"],
             "hinge": np.maximum(parts["z"], 0.0)}, {})


register(LossDefinition(
    name="triplet_margin",
    aliases=("triplet", "triplet_margin_loss"),
    task="regression",
    kind="rows",
    inputs=(Input("negative", "the negative embeddings (N, D): one example unlike each anchor",
                  grad=triplet_negative_grad),),
    params=(
        Param("margin", 1.0, "how much nearer the positive must be than the negative",
              constraint=number(low=0.0), role="shape", kink=True, slider=(0.0, 3.0, 0.1)),
        Param("p", 2.0, "the norm of the distance (1: Manhattan, 2: Euclidean)", constraint=number(low=1.0),
              role="shape"),
        Param("eps", 1e-6, "added to each difference before the norm (PyTorch's pairwise_distance), so that a "
              "distance is never exactly 0", constraint=number(low=0.0), role="numerics"),
        Param("swap", False, "use the positive's distance to the negative when it is smaller (distance swap, "
              "Balntas et al. 2016)", constraint=boolean),
    ),
    value=triplet_value,
    grad=triplet_grad,
    target_grad=triplet_target_grad,
    grads=triplet_grads,
    steps=_triplet_steps,
    latex=r"\ell_i = \max\bigl(0,\; m + \|a_i - p_i + \epsilon\|_p - \|a_i - n_i + \epsilon\|_p\bigr)",
    plain="l_i = max(0, margin + d(a_i, p_i) - d(a_i, n_i)), d(x, y) = ||x - y + eps||_p; swap: d(a_i, n_i) "
          "replaced by d(p_i, n_i) when that is smaller",
    summary="Triplet margin loss: the anchor must be nearer to its positive than to its negative by a margin.",
    equivalents={
        "pytorch": "torch.nn.TripletMarginLoss(margin=1.0, p=2, eps=1e-6, swap=False)(anchor, positive, negative)",
        "keras": "no built-in loss (TensorFlow Addons' TripletSemiHardLoss mines the triplets itself)",
        "optax": "optax.losses.triplet_margin_loss(anchor, positive, negative, norm_degree=2, margin=1.0, "
                 "eps=1e-6) (per triplet; .mean() for ours)",
        "sklearn": "no loss (sklearn.metrics.pairwise_distances gives the distances)",
    },
    reference="Schroff, Kalenichenko & Philbin, FaceNet (CVPR 2015); Balntas et al., Learning local feature "
              "descriptors with triplets and shallow convolutional neural networks (BMVC 2016) for the swap.",
    trainable=False,
    builtin=True,
))


# --------------------------------------------------------------------------------------------- margin ranking
def _ranking_z(xp: Namespace, pred: Array, target: Array, y: Array, margin: float) -> Array:
    return margin - y * (pred - target)


def margin_ranking_value(xp: Namespace, pred: Array, target: Array, y: Array, margin: float) -> Array:
    if is_numpy(xp):  # the same numbers (y (t - p) + m = m - y (p - t) exactly) in one array, not four
        z = np.subtract(target, pred)
        np.multiply(z, y, out=z)
        np.add(z, margin, out=z)
        return np.maximum(z, 0.0, out=z)
    return relu(xp, _ranking_z(xp, pred, target, y, margin))


def margin_ranking_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float) -> Array:
    # d/dx1 max(0, m - y (x1 - x2)) = -y where the margin is not met (subgradient 0 on the corner)
    return -y * xp.astype(_ranking_z(xp, pred, target, y, margin) > 0, pred.dtype)


def margin_ranking_target_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float) -> Array:
    return -margin_ranking_grad(xp, pred, target, y, margin)


def _ranking_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], y: np.ndarray,
                   ) -> tuple[Columns, Columns]:
    z = _ranking_z(np, pred, target, y, params["margin"])
    return {"pred": pred, "target": target, "label": y * np.ones_like(pred), "difference": pred - target,
            "margin": z, "hinge": np.maximum(z, 0.0)}, {}


_LABEL_HINT = "+1: the first should score higher (or the pair is similar), -1: the opposite; 0/1 labels: pass 2 * y - 1"

register(LossDefinition(
    name="margin_ranking",
    aliases=("margin_ranking_loss", "ranking_hinge"),
    task="regression",
    kind="elementwise",
    inputs=(Input("y", "the order of each pair: +1 when x1 should score higher than x2, -1 when lower",
                  domain="signed", hint=_LABEL_HINT),),
    params=(Param("margin", 0.0, "by how much the right score must lead (PyTorch's default 0)", constraint=number(),
                  role="shape", kink=True, slider=(0.0, 2.0, 0.1)),),
    value=margin_ranking_value,
    grad=margin_ranking_grad,
    target_grad=margin_ranking_target_grad,
    steps=_ranking_steps,
    latex=r"\ell_i = \max\bigl(0,\; m - y_i\,(x_{1,i} - x_{2,i})\bigr)",
    plain="l_i = max(0, margin - y_i (x1_i - x2_i)), y_i = +1 when x1_i should rank above x2_i, -1 when below",
    summary="Margin ranking loss: of two scores, the one the label names must lead by a margin.",
    equivalents={"pytorch": "torch.nn.MarginRankingLoss(margin=0.0)(x1, x2, y)",
                 "keras": "no built-in loss",
                 "optax": "no built-in loss (optax.losses.ranking_softmax_loss ranks a whole list)",
                 "sklearn": "no loss"},
    reference="Herbrich, Graepel & Obermayer, Large margin rank boundaries for ordinal regression (2000); "
              "PyTorch's MarginRankingLoss.",
    trainable=False,
    builtin=True,
))


# -------------------------------------------------------------------------------------------- cosine embedding
def _cosine_terms(xp: Namespace, x1: Array, x2: Array, eps: float) -> tuple[Array, ...]:
    """(cos, 1 - cos, a, b, r1, r2, a - b) with r = sqrt(|x|^2 + eps) (PyTorch's cosine_embedding_loss, eps = 1e-12) and
    a = x1 / r1, b = x2 / r2. 1 - cos is (|a - b|^2 + eps / r1^2 + eps / r2^2) / 2, a sum of non-negative terms:
    no cancellation for near-parallel pairs (float32 keeps its digits where 1 - 0.9999 would keep one)."""
    r1 = xp.reshape(xp.sqrt(rowdot(xp, x1, x1) + eps), (-1, 1))
    r2 = xp.reshape(xp.sqrt(rowdot(xp, x2, x2) + eps), (-1, 1))
    a, b = x1 / r1, x2 / r2
    diff = a - b
    gap = 0.5 * (rowdot(xp, diff, diff) + eps / xp.reshape(r1 * r1, (-1,)) + eps / xp.reshape(r2 * r2, (-1,)))
    cos = rowdot(xp, x1, x2) / xp.reshape(r1 * r2, (-1,))
    return cos, gap, a, b, r1, r2, diff


def cosine_embedding_value(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float) -> Array:
    if is_numpy(xp):
        # the same numbers, the unit vectors and their difference (three passes over the rows) only for the rows
        # that take the cancellation-free form
        r1 = xp.sqrt(rowdot(xp, pred, pred) + eps)
        r2 = xp.sqrt(rowdot(xp, target, target) + eps)
        cos = rowdot(xp, pred, target) / (r1 * r2)
        out = xp.where(y > 0, 1.0 - cos, relu(xp, cos - margin))
        rows = np.flatnonzero((y > 0) & (cos > 0.5))
        if rows.size:
            out[rows] = _cosine_terms(xp, pred[rows], target[rows], eps)[1]
        return out
    cos, gap = _cosine_terms(xp, pred, target, eps)[:2]
    # the cancellation-free form where it matters (cos near 1), the plain one elsewhere (1 - cos >= 1/2 there)
    return xp.where(y > 0, xp.where(cos > 0.5, gap, 1.0 - cos), relu(xp, cos - margin))


def cosine_embedding_grads(xp: Namespace, pred: Array, target: Array, y: Array, wrt: tuple[str, ...], margin: float,
                           eps: float) -> dict[str, Array]:
    # dcos/dx1 = (b - cos a) / r1, written ((b - a) + (1 - cos) a) / r1 where the value takes the same form (near
    # cos = 1: no cancellation); elsewhere b - cos a as it stands ((1 - cos) a - (a - b) would cancel when cos a is
    # far below b). Both are "a row of one array plus a per-row factor times a": the row chosen per row.
    if is_numpy(xp):
        return _cosine_embedding_grads_numpy(pred, target, y, wrt, margin, eps)
    cos, gap, a, b, r1, r2, diff = _cosine_terms(xp, pred, target, eps)
    factor = xp.reshape(xp.where(y > 0, -xp.ones_like(cos), xp.astype(cos - margin > 0, pred.dtype)), (-1, 1))
    near = xp.reshape(cos > 0.5, (-1, 1))
    k = xp.reshape(xp.where(cos > 0.5, gap, -cos), (-1, 1))
    out = {}
    if "pred" in wrt:
        out["pred"] = (xp.where(near, -diff, b) + k * a) * (factor / r1)
    if "target" in wrt:
        out["target"] = (xp.where(near, diff, a) + k * b) * (factor / r2)
    return out


def _cosine_embedding_grads_numpy(pred: np.ndarray, target: np.ndarray, y: np.ndarray, wrt: tuple[str, ...],
                                  margin: float, eps: float) -> dict[str, np.ndarray]:
    """The array-API form above to the last bit, with fewer passes over the rows: a - b and 1 - cos only for the
    rows with cos > 1/2, which take them, and the rest written in place (no temporary per operation)."""
    r1 = np.sqrt(rowdot(np, pred, pred) + eps)[:, None]
    r2 = np.sqrt(rowdot(np, target, target) + eps)[:, None]
    a, b = pred / r1, target / r2
    cos = rowdot(np, pred, target) / (r1 * r2)[:, 0]
    factor = np.where(y > 0, -np.ones_like(cos), (cos - margin > 0).astype(pred.dtype))[:, None]
    rows = np.flatnonzero(cos > 0.5)
    k = (-cos)[:, None]
    diff = None
    if rows.size:
        _, gap_r, *_, diff = _cosine_terms(np, pred[rows], target[rows], eps)
        k[rows, 0] = gap_r
    out = {}
    for name, own, other, r, sign in (("pred", a, b, r1, -1.0), ("target", b, a, r2, 1.0)):
        if name not in wrt:
            continue
        g = own * k
        g += other
        if diff is not None:  # sign * (a - b) + k own: -diff for d/d pred, diff for d/d target
            g[rows] = (-diff if sign < 0 else diff) + k[rows] * own[rows]
        g *= factor / r
        out[name] = g
    return out


def cosine_embedding_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float) -> Array:
    return cosine_embedding_grads(xp, pred, target, y, ("pred",), margin, eps)["pred"]


def cosine_embedding_target_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float,
                                 ) -> Array:
    return cosine_embedding_grads(xp, pred, target, y, ("target",), margin, eps)["target"]


def _cosine_embedding_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], y: np.ndarray,
                            ) -> tuple[Columns, Columns]:
    cos = _cosine_terms(np, pred, target, params["eps"])[0]
    return {"label": y, "cosine": cos}, {"pred": pred, "target": target}


register(LossDefinition(
    name="cosine_embedding",
    aliases=("cosine_embedding_loss",),
    task="regression",
    kind="rows",
    inputs=(Input("y", "whether each pair is similar (+1) or dissimilar (-1), one label per pair",
                  shape="per_example", domain="signed", hint=_LABEL_HINT),),
    params=(
        Param("margin", 0.0, "the cosine a dissimilar pair may keep without cost (between -1 and 1; 0 to 0.5 is "
              "usual)", constraint=number(low=-1.0, high=1.0), role="shape", kink=True, slider=(-0.5, 0.9, 0.05)),
        Param("eps", 1e-12, "added to each squared length (PyTorch's constant), so a zero vector gives cos = 0",
              constraint=number(low=0.0, low_open=True), role="numerics"),
    ),
    value=cosine_embedding_value,
    grad=cosine_embedding_grad,
    target_grad=cosine_embedding_target_grad,
    grads=cosine_embedding_grads,
    steps=_cosine_embedding_steps,
    latex=r"\ell_i = \begin{cases} 1 - \cos(x_{1,i}, x_{2,i}) & y_i = 1 \\ \max\bigl(0, \cos(x_{1,i}, x_{2,i}) - m"
          r"\bigr) & y_i = -1 \end{cases}",
    plain="l_i = 1 - cos(x1_i, x2_i) for a similar pair (y_i = 1), max(0, cos(x1_i, x2_i) - margin) for a "
          "dissimilar one (y_i = -1); cos = x1 . x2 / sqrt((|x1|^2 + eps)(|x2|^2 + eps))",
    summary="Cosine embedding loss: similar pairs point the same way, dissimilar ones no closer than a margin.",
    equivalents={"pytorch": "torch.nn.CosineEmbeddingLoss(margin=0.0)(x1, x2, y)",
                 "keras": "no built-in loss (keras.losses.CosineSimilarity is the y = +1 half, minus 1)",
                 "optax": "no built-in loss (optax.losses.cosine_distance is the y = +1 half)",
                 "sklearn": "no loss (sklearn.metrics.pairwise.cosine_similarity gives the cosines)"},
    reference="PyTorch's CosineEmbeddingLoss; Salton & McGill (1983) for the cosine.",
    trainable=False,
    builtin=True,
))


# ------------------------------------------------------------------------------------------------- contrastive
def _contrastive_parts(xp: Namespace, x1: Array, x2: Array, margin: float, eps: float) -> tuple[Array, Array, Array]:
    d, u = _distance(xp, x1, x2, 2.0, eps)
    return d, u, relu(xp, margin - d)


def contrastive_value(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float) -> Array:
    _, u, gap = _contrastive_parts(xp, pred, target, margin, eps)
    return y * xp.sum(u * u, axis=1) + (1.0 - y) * gap * gap


def _contrastive_grad(xp: Namespace, x1: Array, x2: Array, y: Array, margin: float, eps: float) -> Array:
    # d/dx1 [y d^2 + (1 - y) max(0, m - d)^2] = 2 y u - 2 (1 - y) max(0, m - d) u / d, u = x1 - x2 + eps
    d, u, gap = _contrastive_parts(xp, x1, x2, margin, eps)
    pull = 2.0 * xp.reshape(y, (-1, 1)) * u
    push = 2.0 * xp.reshape((1.0 - y) * gap, (-1, 1)) * pnorm_grad(xp, u, d, 2.0)
    return pull - push


def contrastive_grads(xp: Namespace, pred: Array, target: Array, y: Array, wrt: tuple[str, ...], margin: float,
                      eps: float) -> dict[str, Array]:
    g = _contrastive_grad(xp, pred, target, y, margin, eps)
    return {"pred": g, "target": -g}


def contrastive_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float) -> Array:
    return _contrastive_grad(xp, pred, target, y, margin, eps)


def contrastive_target_grad(xp: Namespace, pred: Array, target: Array, y: Array, margin: float, eps: float) -> Array:
    return -_contrastive_grad(xp, pred, target, y, margin, eps)


def _contrastive_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any], y: np.ndarray,
                       ) -> tuple[Columns, Columns]:
    d, _, gap = _contrastive_parts(np, pred, target, params["margin"], params["eps"])
    return {"label": y, "distance": d, "hinge": gap}, {"pred": pred, "target": target}


register(LossDefinition(
    name="contrastive",
    aliases=("contrastive_loss", "siamese_contrastive"),
    task="regression",
    kind="rows",
    inputs=(Input("y", "whether each pair is similar (1) or dissimilar (0), one label per pair (a soft label in "
                  "[0, 1] mixes the two terms)", shape="per_example", domain="probability",
                  hint="y = 1: a similar pair, 0: a dissimilar one (Hadsell et al. write it the other way round: "
                       "pass 1 - Y); -1/+1 labels: pass (y + 1) / 2"),),
    params=(
        Param("margin", 1.0, "the distance beyond which a dissimilar pair costs nothing",
              constraint=number(low=0.0), role="shape", kink=True, slider=(0.1, 3.0, 0.1)),
        Param("eps", 1e-6, "added to each difference before the norm (PyTorch's pairwise_distance)",
              constraint=number(low=0.0), role="numerics"),
    ),
    value=contrastive_value,
    grad=contrastive_grad,
    target_grad=contrastive_target_grad,
    grads=contrastive_grads,
    steps=_contrastive_steps,
    latex=r"\ell_i = y_i\, d_i^2 + (1 - y_i)\, \max(0,\; m - d_i)^2,\quad d_i = \|x_{1,i} - x_{2,i} + \epsilon\|_2",
    plain="l_i = y_i d_i^2 + (1 - y_i) max(0, margin - d_i)^2, d_i = ||x1_i - x2_i + eps||; y_i = 1 similar, 0 "
          "dissimilar; no halves (Hadsell et al. 2006 halve both terms and write Y = 1 for dissimilar: theirs = "
          "ours / 2 with y = 1 - Y)",
    summary="Contrastive loss: similar pairs pulled together, dissimilar pairs pushed at least a margin apart.",
    equivalents={"pytorch": "no built-in loss: (y * d**2 + (1 - y) * torch.relu(m - d)**2).mean(), "
                            "d = torch.nn.functional.pairwise_distance(x1, x2)",
                 "keras": "no built-in loss (TensorFlow Addons' contrastive_loss(y, d, margin) on distances, the "
                          "same convention)",
                 "optax": "no built-in loss",
                 "sklearn": "no loss"},
    reference="Hadsell, Chopra & LeCun, Dimensionality reduction by learning an invariant mapping (CVPR 2006); "
              "TensorFlow Addons' contrastive_loss for the convention without halves.",
    trainable=False,
    builtin=True,
))
