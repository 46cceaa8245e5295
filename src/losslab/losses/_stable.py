"""Numerically stable building blocks (softplus, sigmoid, log-softmax) written against the array API.

They keep full relative precision where the naive formulas cancel or overflow: a logit of 500 gives
log(1 + e^-500) ~ 7e-218, not 0, and never exp(500) = inf.

They are also written so that autograd (PyTorch, JAX) through a loss's *value* gives its analytic gradient exactly:
no max that passes a gradient to every tied entry, no corner (clip, max, abs at 0) whose derivative there depends
on the library's tie convention rather than on the subgradient ``loss.grad`` takes. On arrays without autograd
(NumPy, Dask) the helpers compute the very same numbers the plain formulas do.
"""

from __future__ import annotations

from dataclasses import dataclass

import array_api_compat

from ._arrays import Array, Namespace


# ------------------------------------------------------------------------------------------- autograd plumbing
def differentiable(x: Array) -> bool:
    """True for arrays an autograd system traces: PyTorch tensors, JAX arrays (and JAX tracers)."""
    return array_api_compat.is_torch_array(x) or array_api_compat.is_jax_array(x)


def stop_gradient(xp: Namespace, x: Array) -> Array:
    """``x`` as a constant for autograd (``.detach()`` in PyTorch, ``jax.lax.stop_gradient`` in JAX); the same
    numbers. Arrays without autograd are returned as they are."""
    if array_api_compat.is_torch_array(x):
        return x.detach()
    if array_api_compat.is_jax_array(x):
        import jax

        return jax.lax.stop_gradient(x)
    return x


def zero_with_slope(xp: Namespace, x: Array, slope: Array) -> Array:
    """An array of exact zeros, shaped like ``x``, whose derivative with respect to ``x`` is ``slope``.

    Added to a value at the few points where the true derivative is infinite or one-sided and ``loss.grad``
    reports a finite convention instead (Jensen-Shannon at a zero probability), so that autograd reports the same
    convention. ``slope`` must be finite everywhere (0 where no correction is due), or 0 * inf makes the value NaN.
    Only for arrays with autograd (``differentiable``): the caller skips it, and its cost, for the others.
    """
    return (x - stop_gradient(xp, x)) * stop_gradient(xp, slope)


def magnitude(xp: Namespace, x: Array) -> Array:
    """|x| whose derivative is sign(x): 0 at x = 0, the subgradient ``loss.grad`` takes at a perfect prediction
    (JAX's abs has slope 1 at 0, PyTorch's 0; x * sign(x) has slope sign(x) in both and the same value)."""
    if not differentiable(x):
        return xp.abs(x)
    return x * xp.sign(x)


def relu(xp: Namespace, x: Array) -> Array:
    """max(x, 0), NaN kept, with derivative 0 at x = 0: on a hinge or margin ``loss.grad`` takes the subgradient 0
    (``clip(x, 0)`` has slope 1 there in PyTorch, 1/2 in JAX)."""
    if not differentiable(x):
        return xp.clip(x, 0.0, None)
    return xp.where(x <= 0, xp.zeros_like(x), x)


def clip(xp: Namespace, x: Array, low: float, high: float | None) -> Array:
    """``xp.clip(x, low, high)`` whose derivative is 1 on the closed interval [low, high] and 0 outside, as the
    analytic gradients take it (``inside`` masks), whatever the library's convention at the corners."""
    if not differentiable(x):
        return xp.clip(x, low, high)
    out = xp.where(x < low, xp.full_like(x, low), x)
    return out if high is None else xp.where(x > high, xp.full_like(x, high), out)


def _neg_abs(xp: Namespace, z: Array) -> Array:
    """-|z| as -z for z >= 0 and z below: slope -1 at z = 0, on the same side as the branches that use it."""
    if not differentiable(z):
        return -xp.abs(z)
    return xp.where(z >= 0, -z, z)


# ------------------------------------------------------------------------------------------------ the formulas
def clip_probability(xp: Namespace, p: Array, eps: float) -> tuple[Array, Array]:
    """(p clipped to [eps, 1 - eps], where the clip is inactive as 0/1): the value and the gradient of the clip."""
    clipped = clip(xp, p, eps, 1.0 - eps)
    inside = xp.astype((p >= eps) & (p <= 1.0 - eps), p.dtype)
    return clipped, inside


def softplus(xp: Namespace, z: Array) -> Array:
    """log(1 + e^z) = max(z, 0) + log1p(e^-|z|); exact for any finite z.

    For autograd max(z, 0) and -|z| are both taken from the z >= 0 side at z = 0, so the slope there is exactly
    1 - 1/2 = sigmoid(0), not a sum of two tie conventions.
    """
    if not differentiable(z):
        return xp.maximum(z, xp.zeros_like(z)) + xp.log1p(xp.exp(-xp.abs(z)))
    return xp.where(z >= 0, z, xp.zeros_like(z)) + xp.log1p(xp.exp(_neg_abs(xp, z)))


def sigmoid_pair(xp: Namespace, z: Array) -> tuple[Array, Array]:
    """(sigmoid(z), sigmoid(-z)), each with full relative precision (no 1 - sigmoid cancellation)."""
    e = xp.exp(_neg_abs(xp, z))
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

    For autograd the shift m carries no gradient (any shift gives the same softmax; a max with a gradient would
    hand it to every tied logit: [-0.889, 0.444, 0.444] instead of [-2/3, 1/3, 1/3] for a zero row), and the
    arg-max's own term e^-gap_a = 1 is written 1 + ``lead`` with ``lead = expm1(-gap_a)``: exactly 0, with the
    derivative e^-gap_a = 1 that the constant 1 would drop. ``lead`` is None for arrays without autograd.
    """

    gap: Array
    other: Array
    argmax_onehot: Array
    s: Array  # (N, 1)
    log1p_s: Array  # (N, 1): log1p(s + lead), the log of the softmax denominator over e^m
    lead: Array | None = None  # (N, 1)

    def _denominator(self) -> Array:
        return 1.0 + self.s if self.lead is None else 1.0 + self.s + self.lead

    def log_prob(self) -> Array:
        return -(self.gap + self.log1p_s)

    def prob(self) -> Array:
        top = self.argmax_onehot if self.lead is None else self.argmax_onehot * (1.0 + self.lead)
        return (self.other + top) / self._denominator()

    def one_minus_prob(self, xp: Namespace) -> Array:
        rest = 1.0 + self.s - self.other
        if self.lead is not None:
            rest = rest + self.lead
        return xp.where(self.argmax_onehot > 0, self.s + 0.0 * self.other, rest) / self._denominator()


def softmax_parts(xp: Namespace, z: Array) -> SoftmaxParts:
    n, c = z.shape
    m = stop_gradient(xp, xp.max(z, axis=1, keepdims=True))
    gap = m - z
    first = xp.argmax(z, axis=1)
    onehot = xp.astype(
        xp.reshape(first, (n, 1)) == xp.reshape(xp.arange(c, dtype=first.dtype), (1, c)), z.dtype
    )
    other = xp.where(onehot > 0, xp.zeros_like(z), xp.exp(-gap))
    s = xp.sum(other, axis=1, keepdims=True)
    if not differentiable(z):
        return SoftmaxParts(gap=gap, other=other, argmax_onehot=onehot, s=s, log1p_s=xp.log1p(s))
    lead = xp.sum(onehot * xp.expm1(-gap), axis=1, keepdims=True)
    return SoftmaxParts(gap=gap, other=other, argmax_onehot=onehot, s=s, log1p_s=xp.log1p(s + lead), lead=lead)
