"""Contrastive losses over a batch (``kind="batch"``): each example's loss reads the other examples too, as its
negatives, so the gradients take the weight of every example's loss (``coef``) and couple the rows.

- ``info_nce(anchor, positive)``: each anchor against all N positives; its own is the right answer of an N-way
  softmax over cosine similarities / temperature (van den Oord et al. 2018; CLIP's loss is its two directions).
- ``nt_xent(view1, view2)``: SimCLR's loss over the 2N views together; each view's positive is its pair and its
  negatives are the other 2N - 2 views (both views' rows, itself left out); the loss of pair i is the mean of its
  two views' losses.

Vectors are normalized as ``torch.nn.functional.normalize`` does: x / max(|x|, 1e-12).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._arrays import Array, Namespace
from ._definition import Columns, LossDefinition, Param, number
from ._registry import register
from ._stable import stop_gradient

_FLOOR = 1e-12  # F.normalize's floor on a vector's length


def _unit(xp: Namespace, x: Array) -> tuple[Array, Array]:
    square = xp.sum(x * x, axis=1, keepdims=True)
    big = square > _FLOOR * _FLOOR  # the root only where it is taken: sqrt's slope at 0 would be inf for autograd
    scale = xp.where(big, xp.sqrt(xp.where(big, square, xp.ones_like(square))), xp.full_like(square, _FLOOR))
    return x / scale, scale


def _unit_backward(xp: Namespace, g: Array, unit: Array, scale: Array) -> Array:
    """The gradient with respect to x from the one with respect to x / max(|x|, floor)."""
    radial = xp.sum(g * unit, axis=1, keepdims=True) * unit
    return xp.where(scale > _FLOOR, g - radial, g) / scale


def _log_softmax(xp: Namespace, s: Array) -> Array:
    m = xp.max(s, axis=1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return s - m - xp.log(xp.sum(xp.exp(s - m), axis=1, keepdims=True))


def _cross_entropy_at(xp: Namespace, s: Array, true: Array) -> Array:
    """-log softmax(s)_true of each row (``true``: a one-hot bool mask), with full relative precision when the loss
    is tiny: where the true logit leads, log1p(sum_{j != true} e^(s_j - s_true)) (no 1 - 1 cancellation);
    elsewhere (the loss is then above log 2) the max-shifted log-sum-exp. One exponential serves both."""
    s_true = xp.sum(xp.where(true, s, xp.zeros_like(s)), axis=1, keepdims=True)
    m = xp.max(s, axis=1, keepdims=True)
    leads = s_true >= m
    # the shift: the true logit where it leads (so the log1p form is differentiated through it), else the row's max
    # as a constant (a shift cancels; autograd through a max would split its slope among ties)
    shift = xp.where(leads, s_true, stop_gradient(xp, m))
    e = xp.exp(s - shift)  # <= 1, one exponential for both branches
    small = xp.log1p(xp.sum(xp.where(true, xp.zeros_like(e), e), axis=1, keepdims=True))
    large = (shift - s_true) + xp.log(xp.sum(e, axis=1, keepdims=True))
    return xp.reshape(xp.where(leads, small, large), (-1,))


def _softmax_minus_true(xp: Namespace, s: Array, true: Array) -> Array:
    """softmax(s) - onehot(true), the true entry written as minus the others' sum: no 1 - p cancellation when p is
    near 1 (a well-separated batch), which float32 would round to a few ulps of 1."""
    p = xp.where(true, xp.zeros_like(s), xp.exp(_log_softmax(xp, s)))
    return xp.where(true, -xp.sum(p, axis=1, keepdims=True), p)


def _eye(xp: Namespace, n: int, like: Array) -> Array:
    return xp.reshape(xp.arange(n), (n, 1)) == xp.reshape(xp.arange(n), (1, n))


# ------------------------------------------------------------------------------------------------------ info nce
def _info_nce_logits(xp: Namespace, a: Array, p: Array, temperature: float) -> tuple[Array, ...]:
    ua, sa = _unit(xp, a)
    up, sp = _unit(xp, p)
    return xp.matmul(ua, xp.permute_dims(up, (1, 0))) / temperature, ua, sa, up, sp


def info_nce_value(xp: Namespace, pred: Array, target: Array, temperature: float) -> Array:
    s = _info_nce_logits(xp, pred, target, temperature)[0]
    return _cross_entropy_at(xp, s, _eye(xp, int(s.shape[0]), s))


def _info_nce_grads(xp: Namespace, a: Array, p: Array, coef: Array, temperature: float) -> tuple[Array, Array]:
    s, ua, sa, up, sp = _info_nce_logits(xp, a, p, temperature)
    n = int(s.shape[0])
    # d(sum_i c_i l_i)/dS_ij = c_i (softmax(S)_ij - [i = j])
    g = xp.reshape(coef, (n, 1)) * _softmax_minus_true(xp, s, _eye(xp, n, s))
    g_ua = xp.matmul(g, up) / temperature
    g_up = xp.matmul(xp.permute_dims(g, (1, 0)), ua) / temperature
    return _unit_backward(xp, g_ua, ua, sa), _unit_backward(xp, g_up, up, sp)


def info_nce_grads(xp: Namespace, pred: Array, target: Array, wrt: tuple[str, ...], coef: Array,
                   temperature: float) -> dict[str, Array]:
    return dict(zip(("pred", "target"), _info_nce_grads(xp, pred, target, coef, temperature), strict=True))


def info_nce_grad(xp: Namespace, pred: Array, target: Array, coef: Array, temperature: float) -> Array:
    return _info_nce_grads(xp, pred, target, coef, temperature)[0]


def info_nce_target_grad(xp: Namespace, pred: Array, target: Array, coef: Array, temperature: float) -> Array:
    return _info_nce_grads(xp, pred, target, coef, temperature)[1]


def _info_nce_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    s = _info_nce_logits(np, pred, target, params["temperature"])[0]
    logp = np.diag(_log_softmax(np, s))
    return ({"cosine": np.diag(s) * params["temperature"], "prob_true": np.exp(logp), "neg_log_prob": -logp},
            {"cosine": s * params["temperature"]})


_TEMPERATURE_DOC = "divides the cosine similarities before the softmax: small values sharpen it onto the hardest " \
                   "negatives"

register(LossDefinition(
    name="info_nce",
    aliases=("infonce", "info_nce_loss"),
    task="regression",
    kind="batch",
    params=(Param("temperature", 0.1, _TEMPERATURE_DOC, constraint=number(low=0.0, low_open=True), role="shape",
                  slider=(0.02, 1.0, 0.01)),),
    value=info_nce_value,
    grad=info_nce_grad,
    target_grad=info_nce_target_grad,
    grads=info_nce_grads,
    steps=_info_nce_steps,
    latex=r"\ell_i = -\log \frac{\exp(\cos(a_i, p_i)/\tau)}{\sum_{j=1}^{N} \exp(\cos(a_i, p_j)/\tau)}",
    plain="l_i = -log softmax_j(cos(a_i, p_j) / temperature)_i: each anchor's own positive against the batch's N "
          "positives (the other N - 1 are its negatives); a cross-entropy over the N x N cosine matrix",
    summary="InfoNCE: each anchor must pick its own positive out of the batch's positives (N-way softmax).",
    equivalents={"pytorch": "torch.nn.functional.cross_entropy(F.normalize(a) @ F.normalize(p).T / t, "
                            "torch.arange(N)) (the info-nce-pytorch package's InfoNCE(t) without explicit "
                            "negatives)",
                 "keras": "no built-in loss",
                 "optax": "optax.losses.softmax_cross_entropy_with_integer_labels(logits, jnp.arange(N)).mean() "
                          "on the same logits (optax.losses.ntxent is NT-Xent, over 2N views)",
                 "sklearn": "no loss"},
    reference="van den Oord, Li & Vinyals, Representation learning with contrastive predictive coding (2018); "
              "Radford et al., CLIP (2021) averages it over both directions.",
    trainable=False,
    untrainable_reason="embeddings",
    builtin=True,
))


# ------------------------------------------------------------------------------------------------------ nt-xent
def _nt_xent_logits(xp: Namespace, a: Array, b: Array, temperature: float) -> tuple[Array, ...]:
    z = xp.concat([a, b], axis=0)
    u, scale = _unit(xp, z)
    s = xp.matmul(u, xp.permute_dims(u, (1, 0))) / temperature
    m = int(s.shape[0])
    self_pair = _eye(xp, m, s)
    s = xp.where(self_pair, xp.full_like(s, -xp.inf), s)  # a view is not its own negative
    n = m // 2
    partner = xp.reshape(xp.arange(m), (m, 1)) == xp.reshape((xp.arange(m) + n) % m, (1, m))
    return s, partner, u, scale


def nt_xent_value(xp: Namespace, pred: Array, target: Array, temperature: float) -> Array:
    s, partner, _, _ = _nt_xent_logits(xp, pred, target, temperature)
    per_view = _cross_entropy_at(xp, s, partner)
    n = int(pred.shape[0])
    return 0.5 * (per_view[:n] + per_view[n:])


def _nt_xent_grads(xp: Namespace, a: Array, b: Array, coef: Array, temperature: float) -> tuple[Array, Array]:
    s, partner, u, scale = _nt_xent_logits(xp, a, b, temperature)
    n = int(a.shape[0])
    c = 0.5 * xp.concat([coef, coef], axis=0)  # each view carries half of its pair's weight
    g = xp.reshape(c, (2 * n, 1)) * _softmax_minus_true(xp, s, partner)
    g_u = xp.matmul(g + xp.permute_dims(g, (1, 0)), u) / temperature  # S = U U^T / t: both factors are U
    g_z = _unit_backward(xp, g_u, u, scale)
    return g_z[:n, :], g_z[n:, :]


def nt_xent_grads(xp: Namespace, pred: Array, target: Array, wrt: tuple[str, ...], coef: Array,
                  temperature: float) -> dict[str, Array]:
    return dict(zip(("pred", "target"), _nt_xent_grads(xp, pred, target, coef, temperature), strict=True))


def nt_xent_grad(xp: Namespace, pred: Array, target: Array, coef: Array, temperature: float) -> Array:
    return _nt_xent_grads(xp, pred, target, coef, temperature)[0]


def nt_xent_target_grad(xp: Namespace, pred: Array, target: Array, coef: Array, temperature: float) -> Array:
    return _nt_xent_grads(xp, pred, target, coef, temperature)[1]


def _nt_xent_steps(pred: np.ndarray, target: np.ndarray, params: Mapping[str, Any]) -> tuple[Columns, Columns]:
    s, partner, _, _ = _nt_xent_logits(np, pred, target, params["temperature"])
    n = pred.shape[0]
    with np.errstate(invalid="ignore"):
        logp = np.sum(np.where(partner, _log_softmax(np, s), 0.0), axis=1)
    cos = np.sum(np.where(partner, s, 0.0), axis=1)[:n] * params["temperature"]
    return {"cosine": cos, "prob_true": np.exp(0.5 * (logp[:n] + logp[n:])), "neg_log_prob": -0.5 * (logp[:n]
            + logp[n:])}, {}


register(LossDefinition(
    name="nt_xent",
    aliases=("ntxent", "simclr"),
    task="regression",
    kind="batch",
    params=(Param("temperature", 0.07, _TEMPERATURE_DOC + " (optax's default 0.07; SimCLR used 0.1 to 0.5)",
                  constraint=number(low=0.0, low_open=True), role="shape", slider=(0.02, 1.0, 0.01)),),
    value=nt_xent_value,
    grad=nt_xent_grad,
    target_grad=nt_xent_target_grad,
    grads=nt_xent_grads,
    steps=_nt_xent_steps,
    latex=r"\ell_i = \tfrac12\bigl(\ell(i, i') + \ell(i', i)\bigr),\quad \ell(k, k^+) = -\log \frac{\exp(s_{k k^+}"
          r"/\tau)}{\sum_{j \ne k} \exp(s_{kj}/\tau)}",
    plain="over the 2N views z = [view1; view2]: l(k) = -log softmax_{j != k}(cos(z_k, z_j) / temperature) at k's "
          "pair; the loss of pair i is (l(i) + l(i + N)) / 2, so the mean is SimCLR's 1/(2N) sum_k l(k)",
    summary="NT-Xent (SimCLR): each of 2N views must find its pair among the other 2N - 1 views.",
    equivalents={"pytorch": "no built-in loss (pytorch-metric-learning's NTXentLoss; lightly's NTXentLoss)",
                 "keras": "no built-in loss",
                 "optax": "optax.losses.ntxent(jnp.concatenate([v1, v2]), jnp.concatenate([ids, ids]), "
                          "temperature) (it averages over the 2N views as ours does)",
                 "sklearn": "no loss"},
    reference="Chen, Kornblith, Norouzi & Hinton, A simple framework for contrastive learning of visual "
              "representations (SimCLR, ICML 2020); Sohn, Improved deep metric learning with multi-class N-pair "
              "loss (2016).",
    trainable=False,
    untrainable_reason="embeddings",
    builtin=True,
))
