"""NumPy fast path: cache-blocked kernels for large NumPy inputs (see ``Loss._run``).

``FAST`` maps a loss name to ``kernel(loss, pred, target, reduction, sample_weight, want_value, want_grad, out)``
returning ``(value, grad)`` (``None`` for what was not asked), or ``NotImplemented`` to hand the call to the
generic array-API path — which must then give the same numbers (to rounding) or raise the proper error.

How the kernels are fast
------------------------
The generic path evaluates a loss as a chain of whole-array NumPy expressions: every step reads and writes arrays
as large as the input, so a loss of ten steps moves ten times the data through memory and allocates as much. Here
the input is cut into blocks of ``BLOCK`` elements (a few hundred KiB: they stay in the L2 cache), each block runs
the whole chain with ``out=`` ufunc calls on preallocated per-thread scratch buffers, and only the per-block sums
(accumulated in float64) leave the cache. The inputs are read from memory once; the gradient is written once.

Validation is deferred, not skipped: the kernels compute first and check what they computed. A block whose loss sum
is not finite, or whose labels / probabilities fall outside their domain (min and max of the block, taken while it
is in cache), makes the kernel answer ``NotImplemented``; the generic path then runs on the same input and raises
the usual :class:`~losslab.errors.LossInputError` (or returns the same number, e.g. an overflow to inf). Where a
non-finite input can produce a finite loss (``max(0, 1 - t * inf) = 0`` in the hinge, ``clip(inf) = delta`` in a
Huber gradient) the kernel also sums a quantity that is non-finite exactly when an input is.

Anything unusual (sample_weight together with class weights, ``ignore_index``, ndim > 2, integer or float16 input,
non-contiguous arrays, mixed dtypes, ``out`` overlapping the input) is left to the generic path.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

Kernel = Callable[..., Any]

BLOCK = 1 << 15
"""Elements per block: 256 KiB of float64 per buffer (the L2 cache of current CPUs holds a few of them)."""

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_LOG2 = math.log(2.0)
_KEEP_LIMIT = 4 * BLOCK  # scratch larger than this (huge rows) is not kept between calls

# log cosh x = sum_n a_n x^(2n) (from the Bernoulli numbers), for |x| below the threshold of each dtype
_LOGCOSH_TAYLOR = (1 / 2, -1 / 12, 1 / 45, -17 / 2520, 31 / 14175, -691 / 935550, 10922 / 42567525)
_LOGCOSH_NEAR = {_F64: 0.05, _F32: 0.25}


# ------------------------------------------------------------------------------------------------------ scratch
class _Local(threading.local):
    def __init__(self) -> None:
        self.floats: dict[str, list[np.ndarray]] = {}
        self.bools: list[np.ndarray] = []
        self.consts: dict[tuple[str, float], np.ndarray] = {}


_LOCAL = _Local()


def _scratch(dt: np.dtype, size: int, count: int) -> list[np.ndarray]:
    """``count`` float buffers of ``size`` elements, reused between calls of this thread."""
    if size > _KEEP_LIMIT:
        return [np.empty(size, dt) for _ in range(count)]
    held = _LOCAL.floats.get(dt.char)
    if held is None or len(held) < count or held[0].size < size:
        cap = max(size, held[0].size if held else 0)
        held = [np.empty(cap, dt) for _ in range(max(count, len(held) if held else 0))]
        _LOCAL.floats[dt.char] = held
    return [b[:size] for b in held[:count]]


def _bool_scratch(size: int) -> np.ndarray:
    if size > _KEEP_LIMIT:
        return np.empty(size, np.bool_)
    held = _LOCAL.bools
    if not held or held[0].size < size:
        held[:] = [np.empty(size, np.bool_)]
    return held[0][:size]


def _const(dt: np.dtype, value: float, size: int) -> np.ndarray:
    """A read-only array of ``size`` copies of ``value`` (NumPy's binary ufuncs vectorize array-array loops better
    than array-scalar ones, e.g. ``np.maximum(x, 0)``)."""
    key = (dt.char, value)
    held = _LOCAL.consts.get(key)
    if held is None or held.size < size:
        if size > _KEEP_LIMIT:
            return np.full(size, value, dt)
        if len(_LOCAL.consts) > 32:
            _LOCAL.consts.clear()
        held = np.full(max(size, BLOCK), value, dt)
        held.flags.writeable = False
        _LOCAL.consts[key] = held
    return held[:size]


def _finite(x: Any) -> bool:
    return math.isfinite(x)


# -------------------------------------------------------------------------------------------- input screening
def _float_dtype(a: np.ndarray) -> np.dtype | None:
    dt = a.dtype
    return dt if dt == _F64 or dt == _F32 else None


def _check_weights(sample_weight: Any, n: int) -> np.ndarray | None | bool:
    """The weights if the fast path can use them, None when there are none, False to decline."""
    if sample_weight is None:
        return None
    w = sample_weight
    if w.shape != (n,) or _float_dtype(w) is None or not w.flags.c_contiguous:
        return False
    return w


def _check_out(out: Any, pred: np.ndarray, others: tuple[Any, ...]) -> bool:
    if out is None:
        return True
    if type(out) is not np.ndarray or out.shape != pred.shape or out.dtype != pred.dtype:
        return False
    if not (out.flags.c_contiguous and out.flags.writeable):
        return False
    return not any(o is not None and np.may_share_memory(out, o) for o in (pred, *others))


def _weight_block(w: np.ndarray, r0: int, r1: int, dt: np.dtype) -> np.ndarray | None:
    """Rows r0:r1 of the weights in the loss's dtype, or None if one is negative or not finite."""
    wb = w[r0:r1]
    if wb.dtype != dt:
        wb = wb.astype(dt)
    lo = np.minimum.reduce(wb)
    hi = np.maximum.reduce(wb)
    if not (lo >= 0.0 and hi <= np.finfo(dt).max):
        return None
    return wb


def _total_weight(w: np.ndarray | None, n: int) -> float | None:
    if w is None:
        return float(n)
    total = float(np.add.reduce(w, dtype=np.float64))
    return total if total > 0.0 and math.isfinite(total) else None


# ------------------------------------------------------------------------------------------ elementwise losses
class _Elementwise:
    """The block kernels of one elementwise loss; ``p`` and ``t`` are flat blocks, ``b`` scratch buffers as long.

    Each method returns a float that is finite exactly when the block is valid input (NaN for a failed check):
    ``total`` the sum of the element losses, ``values`` writes them to ``dest``, ``grad`` writes ``c`` times the
    derivative to ``g``, ``total_grad`` does both.
    """

    nbuf = 1
    average = True  # an example's loss is the mean of its elements (sse: the sum)

    def __init__(self, dt: np.dtype) -> None:
        self.dt = dt

    def total(self, p: np.ndarray, t: np.ndarray, b: list[np.ndarray]) -> float:
        dest = b[-1]
        chk = self.values(p, t, dest, b[:-1])
        s = float(np.add.reduce(dest))
        return s if _finite(chk) else math.nan

    def values(self, p: np.ndarray, t: np.ndarray, dest: np.ndarray, b: list[np.ndarray]) -> float:
        raise NotImplementedError

    def grad(self, p: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> float:
        raise NotImplementedError

    def total_grad(self, p: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> float:
        s = self.total(p, t, b)
        chk = self.grad(p, t, g, c, b)
        return s if _finite(chk) else math.nan


class _SquaredError(_Elementwise):
    def __init__(self, dt: np.dtype, average: bool = True) -> None:
        super().__init__(dt)
        self.average = average

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        d = b[0]
        np.subtract(p, t, out=d)
        return float(np.dot(d, d))

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=dest)
        np.multiply(dest, dest, out=dest)
        return 0.0

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=g)
        np.multiply(g, 2.0 * c, out=g)
        return float(np.add.reduce(g))

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=g)
        s = float(np.dot(g, g))
        np.multiply(g, 2.0 * c, out=g)
        return s


class _AbsoluteError(_Elementwise):
    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        d = b[0]
        np.subtract(p, t, out=d)
        np.abs(d, out=d)
        return float(np.add.reduce(d))

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=dest)
        np.abs(dest, out=dest)
        return 0.0

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=g)
        chk = float(np.add.reduce(g))  # sign() maps inf to 1: check the difference itself
        np.sign(g, out=g)
        np.multiply(g, c, out=g)
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        d = b[0]
        np.subtract(p, t, out=g)
        np.abs(g, out=d)
        s = float(np.add.reduce(d))
        np.sign(g, out=g)
        np.multiply(g, c, out=g)
        return s


class _Huber(_Elementwise):
    """huber(delta); smooth_l1(beta) is huber(delta=beta) / beta (``scale = 1 / beta``)."""

    nbuf = 2

    def __init__(self, dt: np.dtype, delta: float, scale: float = 1.0) -> None:
        super().__init__(dt)
        self.delta = delta
        self.scale = scale

    def _sum(self, a: np.ndarray, m: np.ndarray) -> float:
        # sum of m (a - m/2) with m = min(a, delta): dot(m, a) - dot(m, m)/2 cancels by at most a factor 2
        return (float(np.dot(m, a)) - 0.5 * float(np.dot(m, m))) * self.scale

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        a, m = b[0], b[1]
        np.subtract(p, t, out=a)
        np.abs(a, out=a)
        np.minimum(a, _const(self.dt, self.delta, a.size), out=m)
        return self._sum(a, m)

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        m, h = b[0], b[1]
        np.subtract(p, t, out=dest)
        np.abs(dest, out=dest)
        np.minimum(dest, _const(self.dt, self.delta, dest.size), out=m)
        # m (a - m/2) equals the generic where(a <= delta, 0.5 a a, delta (a - delta/2)) bit for bit
        np.multiply(m, 0.5, out=h)
        np.subtract(dest, h, out=h)
        np.multiply(h, m, out=dest)
        if self.scale != 1.0:
            np.multiply(dest, self.scale, out=dest)
        return 0.0

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        c = c * self.scale
        np.subtract(p, t, out=g)
        np.multiply(g, c, out=g)
        chk = float(np.add.reduce(g))  # clip() maps inf to delta: check before it
        bound = self.delta * c
        np.clip(g, -bound, bound, out=g)
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        a, m = b[0], b[1]
        np.subtract(p, t, out=g)
        np.abs(g, out=a)
        np.minimum(a, _const(self.dt, self.delta, a.size), out=m)
        s = self._sum(a, m)
        c = c * self.scale
        np.multiply(g, c, out=g)
        bound = self.delta * c
        np.clip(g, -bound, bound, out=g)
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

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        e = b[0]
        np.subtract(p, t, out=e)
        return self._sum(e, b[1])

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        h = b[0]
        np.subtract(t, p, out=dest)
        np.multiply(dest, self.q - 1.0, out=h)
        np.multiply(dest, self.q, out=dest)
        np.maximum(dest, h, out=dest)
        return 0.0

    def _grad_from_sign(self, g: np.ndarray, c: float, h: np.ndarray) -> None:
        # g holds sign(p - t) in {-1, 0, 1}; the slope is (1 - q) c, -q c or 0: max (q <= 1/2) or min of
        # s (1 - q) c and s q c picks it without a branch
        np.multiply(g, self.q * c, out=h)
        np.multiply(g, (1.0 - self.q) * c, out=g)
        if self.q <= 0.5:
            np.maximum(g, h, out=g)
        else:
            np.minimum(g, h, out=g)

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=g)
        chk = float(np.add.reduce(g))
        np.sign(g, out=g)
        self._grad_from_sign(g, c, b[0])
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        np.subtract(p, t, out=g)
        s = self._sum(g, b[0])
        np.sign(g, out=g)
        self._grad_from_sign(g, c, b[0])
        return s


class _Hinge(_Elementwise):
    """hinge and squared_hinge; targets in {-1, +1} or {0, 1}, the encoding fixed by the first block that shows
    -1 or 0 (a later block showing the other one is the generic path's "mix" error)."""

    nbuf = 2

    def __init__(self, dt: np.dtype, squared: bool) -> None:
        super().__init__(dt)
        self.squared = squared
        self.encoding: str | None = None

    def _signed(self, t: np.ndarray, buf: np.ndarray) -> np.ndarray | None:
        lo = np.minimum.reduce(t)
        hi = np.maximum.reduce(t)
        if not (lo >= -1.0 and hi <= 1.0):
            return None
        if lo == 1.0:
            return t
        if lo == -1.0:
            if self.encoding == "01":
                return None
            self.encoding = "pm"
            np.abs(t, out=buf)
            return t if np.minimum.reduce(buf) == 1.0 else None
        if lo == 0.0:
            if self.encoding == "pm":
                return None
            self.encoding = "01"
            flags = _bool_scratch(t.size)
            if np.count_nonzero(t) != np.count_nonzero(np.equal(t, 1.0, out=flags)):
                return None
            np.multiply(t, 2.0, out=buf)
            np.subtract(buf, 1.0, out=buf)  # exact for t in {0, 1}
            return buf
        return None

    def _margin(self, p: np.ndarray, t: np.ndarray, h: np.ndarray, sbuf: np.ndarray) -> float:
        """h = max(0, 1 - s p); returns a sum that is finite iff labels and p are valid."""
        s = self._signed(t, sbuf)
        if s is None:
            return math.nan
        np.multiply(s, p, out=h)
        chk = float(np.add.reduce(h))  # max(0, 1 - inf) = 0 would hide an infinite p
        np.subtract(1.0, h, out=h)
        np.maximum(h, _const(self.dt, 0.0, h.size), out=h)
        return chk

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        h = b[0]
        chk = self._margin(p, t, h, b[1])
        s = float(np.dot(h, h)) if self.squared else float(np.add.reduce(h))
        return s if _finite(chk) else math.nan

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        chk = self._margin(p, t, dest, b[0])
        if self.squared:
            np.multiply(dest, dest, out=dest)
        return chk

    def _grad(self, h: np.ndarray, s: np.ndarray, g: np.ndarray, c: float) -> None:
        if self.squared:  # -2 s max(0, 1 - s p)
            np.multiply(h, s, out=g)
            np.multiply(g, -2.0 * c, out=g)
        else:  # -s where s p < 1 (h > 0), else 0
            np.sign(h, out=g)
            np.multiply(g, s, out=g)
            np.multiply(g, -c, out=g)

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        h = b[0]
        chk = self._margin(p, t, h, b[1])
        if _finite(chk):
            self._grad(h, b[1] if self.encoding == "01" and np.minimum.reduce(t) == 0.0 else t, g, c)
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        h = b[0]
        chk = self._margin(p, t, h, b[1])
        if not _finite(chk):
            return math.nan
        s = float(np.dot(h, h)) if self.squared else float(np.add.reduce(h))
        self._grad(h, b[1] if self.encoding == "01" and np.minimum.reduce(t) == 0.0 else t, g, c)
        return s


def _taylor_logcosh(x: np.ndarray) -> np.ndarray:
    x2 = x * x
    acc = np.full_like(x, _LOGCOSH_TAYLOR[-1])
    for a in _LOGCOSH_TAYLOR[-2::-1]:
        acc *= x2
        acc += a
    return acc * x2


class _LogCosh(_Elementwise):
    nbuf = 3

    def _values(self, p: np.ndarray, t: np.ndarray, dest: np.ndarray, d: np.ndarray, a: np.ndarray,
                g: np.ndarray | None, c: float) -> np.ndarray:
        """log cosh(p - t) into dest; with g, also c tanh(p - t). Returns the indices of the near-zero elements."""
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
        # |d| + log(1 + e^{-2|d|}) - log 2 (a log1p would add nothing above the near threshold)
        np.log(x, out=x)
        np.add(x, a, out=x)
        np.subtract(x, _LOG2, out=x)
        flags = _bool_scratch(a.size)
        np.less(a, _LOGCOSH_NEAR[self.dt], out=flags)
        near = np.flatnonzero(flags)
        if near.size:
            x[near] = _taylor_logcosh(a[near])
            if g is not None:
                g[near] = np.tanh(d[near]) * c
        return near

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        x = b[2]
        self._values(p, t, x, b[0], b[1], None, 1.0)
        return float(np.add.reduce(x))

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        self._values(p, t, dest, b[0], b[1], None, 1.0)
        return 0.0

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        d = b[0]
        np.subtract(p, t, out=d)
        chk = float(np.add.reduce(d))
        np.tanh(d, out=g)
        np.multiply(g, c, out=g)
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        x = b[2]
        self._values(p, t, x, b[0], b[1], g, c)
        return float(np.add.reduce(x))


class _Poisson(_Elementwise):
    nbuf = 2

    def __init__(self, dt: np.dtype, log_input: bool, eps: float) -> None:
        super().__init__(dt)
        self.log_input = log_input
        self.eps = eps

    def _ok(self, p: np.ndarray, t: np.ndarray) -> bool:
        if not np.minimum.reduce(t) >= 0.0:
            return False
        return self.log_input or bool(np.minimum.reduce(p) >= 0.0)

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
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

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
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

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
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


def _log1p_small(x: np.ndarray, u: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
    """out = log1p(x) for x in [0, 1] given u = 1 + x: log(u) plus the first-order correction for the rounding of
    1 + x (accurate to a few ulp; NumPy's log1p is a scalar libm loop, log is vectorized)."""
    np.log(u, out=out)
    np.subtract(u, 1.0, out=tmp)
    np.subtract(x, tmp, out=tmp)
    np.divide(tmp, u, out=tmp)
    np.add(out, tmp, out=out)


class _BCELogits(_Elementwise):
    """t softplus(-z) + (1 - t) softplus(z) = log1p(e^-|z|) + (1 - t) max(z, 0) - t min(z, 0)."""

    nbuf = 5

    def __init__(self, dt: np.dtype, label_smoothing: float) -> None:
        super().__init__(dt)
        self.ls = label_smoothing

    def _target(self, t: np.ndarray, buf: np.ndarray) -> np.ndarray | None:
        if not (np.minimum.reduce(t) >= 0.0 and np.maximum.reduce(t) <= 1.0):
            return None
        if self.ls == 0.0:
            return t
        np.multiply(t, 1.0 - self.ls, out=buf)
        np.add(buf, 0.5 * self.ls, out=buf)
        return buf

    def _parts(self, z: np.ndarray, t: np.ndarray, b: list[np.ndarray]) -> None:
        """b0 = e^-|z|, b1 = 1 + e, b2 = log1p(e), b3 = (1 - t) max(z, 0), b4 = -t min(z, 0)."""
        e, u, lg, pos, neg = b[0], b[1], b[2], b[3], b[4]
        np.copysign(z, -1.0, out=e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=u)
        _log1p_small(e, u, lg, pos)
        zero = _const(self.dt, 0.0, z.size)
        np.maximum(z, zero, out=pos)
        np.subtract(1.0, t, out=neg)
        np.multiply(pos, neg, out=pos)
        np.minimum(z, zero, out=neg)
        np.multiply(neg, t, out=neg)

    def _sum(self, b: list[np.ndarray]) -> float:
        return float(np.add.reduce(b[2])) + float(np.add.reduce(b[3])) - float(np.add.reduce(b[4]))

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        self._parts(p, tt, b)
        return self._sum(b)

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        self._parts(p, tt, b)
        np.subtract(b[3], b[4], out=dest)
        np.add(dest, b[2], out=dest)
        return 0.0

    def _grad(self, z: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> None:
        # (1 - t) sigmoid(z) - t sigmoid(-z) = H - t - sign(z) q, with q = e / (1 + e) = sigmoid(-|z|), H = [z >= 0]
        # (at z = 0 sign is 0 and q = 1/2: 1 - t - 1/2 ... so use H = (1 + sign) / 2 there, giving 1/2 - t)
        e, u, sg, h = b[0], b[1], b[2], b[3]
        np.divide(e, u, out=e)
        np.sign(z, out=sg)
        np.multiply(sg, 0.5, out=h)
        np.add(h, 0.5, out=h)
        np.subtract(h, t, out=h)
        np.multiply(sg, e, out=sg)
        np.subtract(h, sg, out=g)
        np.multiply(g, c, out=g)

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        chk = float(np.add.reduce(p))
        e, u = b[0], b[1]
        np.copysign(p, -1.0, out=e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=u)
        self._grad(p, tt, g, c, b)
        return chk

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        self._parts(p, tt, b)
        s = self._sum(b)
        self._grad(p, tt, g, c, b)
        return s


class _BCEProbs(_Elementwise):
    """-(t log pc + (1 - t) log1p(-pc)), pc = clip(p, eps, 1 - eps)."""

    nbuf = 5

    def __init__(self, dt: np.dtype, label_smoothing: float, eps: float) -> None:
        super().__init__(dt)
        self.ls = label_smoothing
        self.eps = eps

    def _target(self, p: np.ndarray, t: np.ndarray, buf: np.ndarray) -> tuple[np.ndarray, bool] | None:
        if not (np.minimum.reduce(t) >= 0.0 and np.maximum.reduce(t) <= 1.0):
            return None
        lo = np.minimum.reduce(p)
        hi = np.maximum.reduce(p)
        if not (lo >= 0.0 and hi <= 1.0):
            return None
        inside = bool(lo >= self.eps and hi <= 1.0 - self.eps)
        if self.ls == 0.0:
            return t, inside
        np.multiply(t, 1.0 - self.ls, out=buf)
        np.add(buf, 0.5 * self.ls, out=buf)
        return buf, inside

    def _parts(self, p: np.ndarray, t: np.ndarray, b: list[np.ndarray]) -> None:
        """b0 = pc, b1 = 1 - pc, b2 = log pc, b3 = log1p(-pc), b4 = 1 - t."""
        pc, u, lp, l1, omt = b[0], b[1], b[2], b[3], b[4]
        np.clip(p, self.eps, 1.0 - self.eps, out=pc)
        np.log(pc, out=lp)
        np.subtract(1.0, pc, out=u)
        # log1p(-pc) = log(u) + (-pc - (u - 1)) / u
        np.log(u, out=l1)
        np.subtract(u, 1.0, out=omt)
        np.add(omt, pc, out=omt)
        np.divide(omt, u, out=omt)
        np.subtract(l1, omt, out=l1)
        np.subtract(1.0, t, out=omt)

    def total(self, p, t, b):  # type: ignore[no-untyped-def]
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt = checked[0]
        self._parts(p, tt, b)
        return -(float(np.dot(tt, b[2])) + float(np.dot(b[4], b[3])))

    def values(self, p, t, dest, b):  # type: ignore[no-untyped-def]
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt = checked[0]
        self._parts(p, tt, b)
        np.multiply(tt, b[2], out=dest)
        np.multiply(b[4], b[3], out=b[3])
        np.add(dest, b[3], out=dest)
        np.negative(dest, out=dest)
        return 0.0

    def _grad(self, p: np.ndarray, t: np.ndarray, inside: bool, g: np.ndarray, c: float,
              b: list[np.ndarray]) -> None:
        pc, u, y, omt = b[0], b[1], b[2], b[4]
        np.divide(omt, u, out=g)
        np.divide(t, pc, out=y)
        np.subtract(g, y, out=g)
        np.multiply(g, c, out=g)
        if not inside:  # the clip's derivative: 0 where p was clipped
            flags = _bool_scratch(p.size)
            np.less(p, self.eps, out=flags)
            g[flags] = 0.0
            np.greater(p, 1.0 - self.eps, out=flags)
            g[flags] = 0.0

    def grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt, inside = checked
        pc, u, omt = b[0], b[1], b[4]
        np.clip(p, self.eps, 1.0 - self.eps, out=pc)
        np.subtract(1.0, pc, out=u)
        np.subtract(1.0, tt, out=omt)
        self._grad(p, tt, inside, g, c, b)
        return 0.0

    def total_grad(self, p, t, g, c, b):  # type: ignore[no-untyped-def]
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt, inside = checked
        self._parts(p, tt, b)
        s = -(float(np.dot(tt, b[2])) + float(np.dot(b[4], b[3])))
        self._grad(p, tt, inside, g, c, b)
        return s


