"""Fast NumPy kernels of the regression losses (squared, absolute, Huber, quantile, log-cosh, Poisson)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._blocks import (
    _LOG2,
    _LOGCOSH_NEAR,
    _LOGCOSH_TAYLOR,
    _LOGCOSH_TERMS,
    Arr,
    Bufs,
    _bool_scratch,
    _const,
    _dot,
    _Elementwise,
    _elementwise,
    _step,
)


class _SquaredError(_Elementwise):
    def __init__(self, dt: np.dtype, average: bool = True) -> None:
        super().__init__(dt)
        self.average = average

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        d = b[0]
        np.subtract(p, t, out=d)
        return _dot(d, d)

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        np.subtract(p, t, out=dest)
        np.multiply(dest, dest, out=dest)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        np.subtract(p, t, out=g)
        np.multiply(g, 2.0 * c, out=g)
        return float(np.add.reduce(g))

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        np.subtract(p, t, out=g)
        s = _dot(g, g)
        np.multiply(g, 2.0 * c, out=g)
        return s


class _AbsoluteError(_Elementwise):
    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        d = b[0]
        np.subtract(p, t, out=d)
        np.abs(d, out=d)
        return float(np.add.reduce(d))

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        np.subtract(p, t, out=dest)
        np.abs(dest, out=dest)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        np.subtract(p, t, out=g)
        chk = float(np.add.reduce(g))  # the sign maps inf to 1: check the difference itself
        _step(g, -c, c, g)
        return chk

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        d = b[0]
        np.subtract(p, t, out=g)
        np.abs(g, out=d)
        s = float(np.add.reduce(d))
        _step(g, -c, c, g)
        return s


class _Huber(_Elementwise):
    """huber(delta); smooth_l1(beta) is huber(delta=beta) / beta (``scale = 1 / beta``).

    With c = clip(d, -delta, delta) (the gradient), huber(d) = c d - c^2 / 2: the sum is two dot products that
    cancel by at most a factor 2 (c d >= c^2)."""

    nbuf = 2

    def __init__(self, dt: np.dtype, delta: float, scale: float = 1.0) -> None:
        super().__init__(dt)
        self.delta = delta
        self.scale = scale

    def _sum(self, d: np.ndarray, c: np.ndarray) -> float:
        return (_dot(c, d) - 0.5 * _dot(c, c)) * self.scale

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        d, c = b[0], b[1]
        np.subtract(p, t, out=d)
        np.clip(d, -self.delta, self.delta, out=c)
        return self._sum(d, c)

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        m, h = b[0], b[1]
        np.subtract(p, t, out=dest)
        np.abs(dest, out=dest)
        np.minimum(dest, _const(self.dt, self.delta, dest.size), out=m)
        # m (a - m/2), m = min(a, delta), equals the generic where(a <= delta, 0.5 a a, delta (a - delta/2)) bit
        # for bit
        np.multiply(m, 0.5, out=h)
        np.subtract(dest, h, out=h)
        np.multiply(h, m, out=dest)
        if self.scale != 1.0:
            np.multiply(dest, self.scale, out=dest)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        c = c * self.scale
        np.subtract(p, t, out=g)
        np.multiply(g, c, out=g)
        chk = float(np.add.reduce(g))  # clip() maps inf to delta: check before it
        bound = self.delta * c
        np.clip(g, -bound, bound, out=g)
        return chk

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        d = b[0]
        np.subtract(p, t, out=d)
        np.clip(d, -self.delta, self.delta, out=g)
        s = self._sum(d, g)
        np.multiply(g, c * self.scale, out=g)
        return s


class _Quantile(_Elementwise):
    nbuf = 2

    def __init__(self, dt: np.dtype, q: float) -> None:
        super().__init__(dt)
        self.q = q

    def _sum(self, e: np.ndarray, h: np.ndarray) -> float:
        # sum of max(q d, (q - 1) d), d = t - p = -e: (1 - q) sum max(e, 0) - q sum min(e, 0), two sums >= 0
        zero = _const(self.dt, 0.0, e.size)
        np.maximum(e, zero, out=h)
        over = float(np.add.reduce(h))
        np.minimum(e, zero, out=h)
        under = float(np.add.reduce(h))
        return (1.0 - self.q) * over - self.q * under

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        e = b[0]
        np.subtract(p, t, out=e)
        return self._sum(e, b[1])

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        h = b[0]
        np.subtract(t, p, out=dest)
        np.multiply(dest, self.q - 1.0, out=h)
        np.multiply(dest, self.q, out=dest)
        np.maximum(dest, h, out=dest)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        np.subtract(p, t, out=g)
        chk = float(np.add.reduce(g))
        _step(g, -self.q * c, (1.0 - self.q) * c, g)  # the slope: 1 - q above the target, -q below, 0 on it
        return chk

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        np.subtract(p, t, out=g)
        s = self._sum(g, b[0])
        _step(g, -self.q * c, (1.0 - self.q) * c, g)
        return s



def _taylor_logcosh(x: np.ndarray) -> np.ndarray:
    x2 = x * x
    coefficients = _LOGCOSH_TAYLOR[: _LOGCOSH_TERMS[x.dtype]]
    acc = np.full_like(x, coefficients[-1])
    for a in coefficients[-2::-1]:
        acc *= x2
        acc += a
    return acc * x2


class _LogCosh(_Elementwise):
    nbuf = 5  # uses 3; the spare two shorten the blocks, for the temporaries of the near-zero elements

    def _values(self, p: np.ndarray, t: np.ndarray, dest: np.ndarray, d: np.ndarray, a: np.ndarray,
                g: np.ndarray | None, c: float) -> None:
        """log cosh(p - t) into dest; with g, also c tanh(p - t)."""
        np.subtract(p, t, out=d)
        np.abs(d, out=a)
        x = dest
        np.multiply(a, -2.0, out=x)
        np.exp(x, out=x)  # x = e^{-2|d|} in (0, 1]
        if g is not None:
            np.subtract(1.0, x, out=g)
        np.add(x, 1.0, out=x)
        if g is not None:  # tanh|d| = (1 - x) / (1 + x): accurate away from 0 (the near elements are redone)
            np.divide(g, x, out=g)
            np.copysign(g, d, out=g)
            np.multiply(g, c, out=g)
        # |d| + log(1 + e^{-2|d|}) - log 2, in the generic path's order (a log1p would add nothing here)
        np.log(x, out=x)
        np.add(x, a, out=x)
        np.subtract(x, _LOG2, out=x)
        flags = _bool_scratch(a.size)
        np.less(a, _LOGCOSH_NEAR, out=flags)
        near = np.flatnonzero(flags)
        if near.size:
            x[near] = _taylor_logcosh(a[near])
            if g is not None:
                g[near] = np.tanh(d[near]) * c

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        x = b[2]
        self._values(p, t, x, b[0], b[1], None, 1.0)
        return float(np.add.reduce(x))

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        self._values(p, t, dest, b[0], b[1], None, 1.0)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        d, a, x = b[0], b[1], b[2]
        np.subtract(p, t, out=d)
        chk = float(np.add.reduce(d))  # tanh(inf) = 1
        np.abs(d, out=a)
        np.multiply(a, -2.0, out=x)
        np.exp(x, out=x)
        np.subtract(1.0, x, out=g)
        np.add(x, 1.0, out=x)
        np.divide(g, x, out=g)
        np.copysign(g, d, out=g)
        np.multiply(g, c, out=g)
        flags = _bool_scratch(a.size)
        np.less(a, _LOGCOSH_NEAR, out=flags)
        near = np.flatnonzero(flags)
        if near.size:
            g[near] = np.tanh(d[near]) * c
        return chk

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        x = b[2]
        self._values(p, t, x, b[0], b[1], g, c)
        return float(np.add.reduce(x))


class _Poisson(_Elementwise):
    """Its terms have both signs, so the sum is taken term by term (sum p - t . log p would cancel differently)."""

    nbuf = 2

    def __init__(self, dt: np.dtype, log_input: bool, eps: float) -> None:
        super().__init__(dt)
        self.log_input = log_input
        self.eps = eps

    def _ok(self, p: np.ndarray, t: np.ndarray) -> bool:
        if not np.minimum.reduce(t) >= 0.0:
            return False
        return self.log_input or bool(np.minimum.reduce(p) >= 0.0)

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        if not self._ok(p, t):
            return math.nan
        y = b[0]
        if self.log_input:  # e^p - t p
            np.exp(p, out=dest)
            np.multiply(t, p, out=y)
            np.subtract(dest, y, out=dest)
        else:  # p - t log(p + eps)
            np.add(p, self.eps, out=y)
            np.log(y, out=y)
            np.multiply(t, y, out=y)
            np.subtract(p, y, out=dest)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        if not self._ok(p, t):
            return math.nan
        chk = float(np.add.reduce(p))  # e^-inf - t and 1 - t / inf are finite
        if self.log_input:  # e^p - t
            np.exp(p, out=g)
            np.subtract(g, t, out=g)
        else:  # 1 - t / (p + eps)
            y = b[0]
            np.add(p, self.eps, out=y)
            np.divide(t, y, out=g)
            np.subtract(1.0, g, out=g)
        np.multiply(g, c, out=g)
        return chk + float(np.add.reduce(g))

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        if not self._ok(p, t):
            return math.nan
        x, y = b[0], b[1]
        if self.log_input:
            np.exp(p, out=g)
            np.multiply(t, p, out=y)
            np.subtract(g, y, out=x)
            np.subtract(g, t, out=g)
        else:
            np.add(p, self.eps, out=y)
            np.divide(t, y, out=g)
            np.subtract(1.0, g, out=g)
            np.log(y, out=y)
            np.multiply(t, y, out=y)
            np.subtract(p, y, out=x)
        np.multiply(g, c, out=g)
        return float(np.add.reduce(x))



# ------------------------------------------------------------------------------------------------------ kernels
def _make_smooth_l1(params: Any, dt: np.dtype) -> _Elementwise:
    beta = params["beta"]
    return _AbsoluteError(dt) if beta == 0.0 else _Huber(dt, beta, 1.0 / beta)


MSE = _elementwise(lambda params, dt: _SquaredError(dt))
SSE = _elementwise(lambda params, dt: _SquaredError(dt, average=False))
RMSE = _elementwise(lambda params, dt: _SquaredError(dt), finalize_sqrt=True)
MAE = _elementwise(lambda params, dt: _AbsoluteError(dt))
HUBER = _elementwise(lambda params, dt: _Huber(dt, params["delta"]))
SMOOTH_L1 = _elementwise(_make_smooth_l1)
QUANTILE = _elementwise(lambda params, dt: _Quantile(dt, params["q"]))
LOG_COSH = _elementwise(lambda params, dt: _LogCosh(dt))
POISSON = _elementwise(lambda params, dt: _Poisson(dt, params["log_input"], params["eps"]))
