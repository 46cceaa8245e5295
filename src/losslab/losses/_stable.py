"""Numerically stable building blocks (softplus, sigmoid, log-softmax) written against the array API.

They keep full relative precision where the naive formulas cancel or overflow: a logit of 500 gives
log(1 + e^-500) ~ 7e-218, not 0, and never exp(500) = inf.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._arrays import Array, Namespace


def clip_probability(xp: Namespace, p: Array, eps: float) -> tuple[Array, Array]:
    """(p clipped to [eps, 1 - eps], where the clip is inactive as 0/1): the value and the gradient of the clip."""
    clipped = xp.clip(p, eps, 1.0 - eps)
    inside = xp.astype((p >= eps) & (p <= 1.0 - eps), p.dtype)
    return clipped, inside


def softplus(xp: Namespace, z: Array) -> Array:
    """log(1 + e^z) = max(z, 0) + log1p(e^-|z|); exact for any finite z."""
    return xp.maximum(z, xp.zeros_like(z)) + xp.log1p(xp.exp(-xp.abs(z)))


def sigmoid_pair(xp: Namespace, z: Array) -> tuple[Array, Array]:
    """(sigmoid(z), sigmoid(-z)), each with full relative precision (no 1 - sigmoid cancellation)."""
    e = xp.exp(-xp.abs(z))
    big = 1.0 / (1.0 + e)
    small = e / (1.0 + e)
    positive = z >= 0
    return xp.where(positive, big, small), xp.where(positive, small, big)


@dataclass
class SoftmaxParts:
    """A softmax row split so that nothing cancels.

    With m = max_c z_c and the first arg-max a: ``gap = m - z`` (>= 0), ``other = e^-gap`` with the arg-max entry
    set to 0, ``s = sum(other)``. Then softmax = (other + onehot_a) / (1 + s), log p_c = -(gap_c + log1p(s)) and
    1 - p_a = s / (1 + s): for a confident row, s ~ e^-500 survives instead of vanishing next to 1.
    """

    gap: Array
    other: Array
    argmax_onehot: Array
    s: Array  # (N, 1)
    log1p_s: Array  # (N, 1)

    def log_prob(self) -> Array:
        return -(self.gap + self.log1p_s)

    def prob(self) -> Array:
        return (self.other + self.argmax_onehot) / (1.0 + self.s)

    def one_minus_prob(self, xp: Namespace) -> Array:
        return xp.where(self.argmax_onehot > 0, self.s + 0.0 * self.other, 1.0 + self.s - self.other) / (1.0 + self.s)


def softmax_parts(xp: Namespace, z: Array) -> SoftmaxParts:
    n, c = z.shape
    m = xp.max(z, axis=1, keepdims=True)
    gap = m - z
    first = xp.argmax(z, axis=1)
    onehot = xp.astype(
        xp.reshape(first, (n, 1)) == xp.reshape(xp.arange(c, dtype=first.dtype), (1, c)), z.dtype
    )
    other = xp.where(onehot > 0, xp.zeros_like(z), xp.exp(-gap))
    s = xp.sum(other, axis=1, keepdims=True)
    return SoftmaxParts(gap=gap, other=other, argmax_onehot=onehot, s=s, log1p_s=xp.log1p(s))
