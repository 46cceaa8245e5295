"""NumPy fast path: cache-blocked kernels for large NumPy inputs (see ``Loss._run``).

``FAST`` maps a loss name to ``kernel(loss, pred, target, reduction, sample_weight, want_value, want_grad, out)``
returning ``(value, grad)`` (``None`` for what was not asked), or ``NotImplemented`` to hand the call to the
generic array-API path — which must then give the same numbers (to rounding) or raise the proper error.

How the kernels are fast
------------------------
The generic path evaluates a loss as a chain of whole-array NumPy expressions: every step reads and writes arrays
as large as the input, so a loss of ten steps moves ten times the data through memory and allocates as much. Here
the input is cut into blocks (32K-128K elements, sized so that all scratch of a call stays near 3% of an input of
1e7 elements, and the working set in the L2/L3 cache), each block runs the whole chain with ``out=`` ufunc calls on
preallocated per-thread scratch buffers, and only the per-block sums (accumulated in float64) leave the cache. The
inputs are read from memory once; the gradient is written once.

Validation is deferred, not skipped: the kernels compute first and check what they computed. A block whose loss sum
is not finite, or whose labels / probabilities fall outside their domain (min and max of the block, taken while it
is in cache), makes the kernel answer ``NotImplemented``; the generic path then runs on the same input and raises
the usual :class:`~losslab.errors.LossInputError` (or returns the same number, e.g. an overflow to inf). Where a
non-finite input can produce a finite loss (``max(0, 1 - t * inf) = 0`` in the hinge, ``clip(inf) = delta`` in a
Huber gradient) the kernel also sums a quantity that is non-finite exactly when an input is.

Compiled tier: for the arithmetic losses (mse, sse, rmse, mae, huber, smooth_l1, quantile, hinge, squared_hinge)
and inputs of at least ``_compiled.MIN_SIZE`` elements, a single-pass C kernel (``_kernels.c``, built lazily and
cached by ``_compiled``) replaces the blocked NumPy one when a C compiler is available; it returns the same
numbers, and answers NotImplemented on the same bad input.

Anything unusual (sample_weight together with class weights, ``ignore_index``, ndim > 2, integer or float16 input,
non-contiguous arrays, mixed dtypes, ``out`` overlapping the input) is left to the generic path.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _compiled

Kernel = Callable[..., Any]
Arr = np.ndarray
Bufs = list[np.ndarray]

BLOCK = 1 << 17
"""The most elements per block. Each NumPy call costs ~0.5 us however short its array, so blocks are as long as the
scratch budget allows: measured on a Zen 3 core, 128K-element blocks (L2/L3-resident) beat 8K-32K (L1/L2) ones."""

SCRATCH_BUDGET = 5 << 16
"""Elements of scratch (all buffers of one call together): ~3% of one input of 1e7 elements."""

MIN_BLOCK = 1 << 15

_F64 = np.dtype(np.float64)
_F32 = np.dtype(np.float32)
_LOG2 = math.log(2.0)
_KEEP_LIMIT = 2 * BLOCK  # scratch larger than this (huge rows) is not kept between calls

# log cosh x = sum_n a_n x^(2n), a_n = 2^2n (2^2n - 1) B_2n / (2n (2n)!) (B: Bernoulli numbers). Below |x| = 0.6
# the series (18 terms: 2e-16 relative at 0.6) replaces |x| + log(1 + e^-2|x|) - log 2, which cancels there; above
# it the latter is within 7e-16 of log cosh.
_LOGCOSH_TAYLOR = (
    0.5, -0.08333333333333333, 0.022222222222222223, -0.006746031746031746, 0.0021869488536155205,
    -0.0007386029608251831, 0.0002565805740408915, -9.09896491907074e-05, 3.277930227475478e-05,
    -1.1956455712177625e-05, 4.405244525877023e-06, -1.6365968284715348e-06, 6.122655795895756e-07,
    -2.3041747198769394e-07, 8.715903837635848e-08, -3.3116463500327045e-08, 1.2632091406687664e-08,
    -4.835171934325458e-09,
)
_LOGCOSH_TERMS = {_F64: 18, _F32: 9}
_LOGCOSH_NEAR = 0.6
# log(1 + e) instead of log1p(e) errs by at most eps/2 an element: a block sum of at least this much an element is
# then still within 2e-15 (float64) / 1e-6 (float32) of the exact one
_SUM_SLACK = {_F64: 0.06, _F32: 0.06}


# ------------------------------------------------------------------------------------------------------ scratch
class _Local(threading.local):
    def __init__(self) -> None:
        self.floats: dict[str, np.ndarray] = {}
        self.bools: list[np.ndarray] = []
        self.consts: dict[tuple[str, float], np.ndarray] = {}


_LOCAL = _Local()


def _scratch(dt: np.dtype, size: int, count: int) -> list[np.ndarray]:
    """``count`` float buffers of ``size`` elements, carved from one array this thread reuses between calls."""
    need = size * count
    if need > _KEEP_LIMIT * 2:
        flat = np.empty(need, dt)
    else:
        held = _LOCAL.floats.get(dt.char)
        if held is None or held.size < need:
            held = _LOCAL.floats[dt.char] = np.empty(need, dt)
        flat = held
    return [flat[i * size:(i + 1) * size] for i in range(count)]


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
        held = np.full(size, value, dt)
        held.flags.writeable = False
        _LOCAL.consts[key] = held
    return held[:size]


def _block(buffers: int) -> int:
    """Elements per block for a kernel that uses ``buffers`` scratch buffers."""
    return max(MIN_BLOCK, min(BLOCK, SCRATCH_BUDGET // buffers))


_DOT_CHUNK = 8192  # OpenBLAS runs dot products of more than 10000 elements on several threads


def _blas_single_threaded() -> bool:
    return any(os.environ.get(var) == "1" for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))


_WHOLE_DOT = _blas_single_threaded()


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a * b) by BLAS, kept on this thread: a threaded dot inside a loop of short blocks loses more to waking
    and joining threads than it gains (and is several times slower on a busy machine), so unless BLAS was told to
    use one thread the block is cut into chunks below OpenBLAS's threading threshold."""
    n = a.size
    if n <= _DOT_CHUNK or _WHOLE_DOT:
        return float(np.dot(a, b))
    return sum(float(np.dot(a[i:i + _DOT_CHUNK], b[i:i + _DOT_CHUNK])) for i in range(0, n, _DOT_CHUNK))


def _finite(x: Any) -> bool:
    return math.isfinite(x)


# x * S * S is +-inf for every x != 0 (S^2 lifts the smallest subnormal above 1), 0 for 0 and NaN for NaN: clipped
# to [lo, hi] it is a branch-free sign function (np.sign is a branchy scalar loop, ~5 ns an element on random data)
_SIGN_SCALE = {_F64: 2.0**600, _F32: 2.0**100}


def _step(x: np.ndarray, lo: float, hi: float, out: np.ndarray, negate: bool = False) -> None:
    """out = hi where x > 0, lo where x < 0, 0 where x == 0 (NaN stays NaN); lo <= 0 <= hi. With ``negate`` the
    sign of x is flipped first (hi where x < 0, lo where x > 0)."""
    scale = _SIGN_SCALE[x.dtype]
    np.multiply(x, -scale if negate else scale, out=out)
    np.multiply(out, scale, out=out)
    np.clip(out, lo, hi, out=out)


def _neg_abs(x: np.ndarray, out: np.ndarray) -> None:
    """out = -|x| (np.copysign is a slow scalar loop)."""
    np.abs(x, out=out)
    np.negative(out, out=out)


# -------------------------------------------------------------------------------------------- input screening
def _float_dtype(a: np.ndarray) -> np.dtype | None:
    dt = a.dtype
    return dt if dt in (_F64, _F32) else None


def _check_weights(sample_weight: Any, n: int) -> np.ndarray | bool | None:
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

    def _margin(self, p: np.ndarray, t: np.ndarray, h: np.ndarray, sbuf: np.ndarray) -> np.ndarray | None:
        """h = max(0, 1 - s p); returns the signed labels s, None for invalid labels or a non-finite p."""
        s = self._signed(t, sbuf)
        if s is None:
            return None
        np.multiply(s, p, out=h)
        if not _finite(np.add.reduce(h)):  # max(0, 1 - inf) = 0 would hide an infinite p
            return None
        np.subtract(1.0, h, out=h)
        np.maximum(h, _const(self.dt, 0.0, h.size), out=h)
        return s

    def _sum(self, h: np.ndarray) -> float:
        return _dot(h, h) if self.squared else float(np.add.reduce(h))

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        h = b[0]
        if self._margin(p, t, h, b[1]) is None:
            return math.nan
        return self._sum(h)

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        if self._margin(p, t, dest, b[0]) is None:
            return math.nan
        if self.squared:
            np.multiply(dest, dest, out=dest)
        return 0.0

    def _grad(self, h: np.ndarray, s: np.ndarray, g: np.ndarray, c: float) -> None:
        if self.squared:  # -2 s max(0, 1 - s p)
            np.multiply(h, s, out=g)
            np.multiply(g, -2.0 * c, out=g)
        else:  # -s where s p < 1 (h > 0), else 0
            _step(h, -c, 0.0, g, negate=True)
            np.multiply(g, s, out=g)

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        h = b[0]
        s = self._margin(p, t, h, b[1])
        if s is None:
            return math.nan
        self._grad(h, s, g, c)
        return 0.0

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        h = b[0]
        s = self._margin(p, t, h, b[1])
        if s is None:
            return math.nan
        total = self._sum(h)
        self._grad(h, s, g, c)
        return total


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

    nbuf = 6  # b5: the smoothed target

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

    def _softplus(self, z: np.ndarray, b: list[np.ndarray], precise: bool) -> None:
        """b0 = e = e^-|z|, b1 = 1 + e, b2 = log1p(e) (``precise``) or log(1 + e)."""
        e, u = b[0], b[1]
        _neg_abs(z, e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=u)
        if precise:
            _log1p_small(e, u, b[2], b[3])
        else:
            np.log(u, out=b[2])

    def _linear_sum(self, z: np.ndarray, t: np.ndarray, b: list[np.ndarray]) -> float:
        """sum (1 - t) max(z, 0) - t min(z, 0): two dot products of terms of one sign (no cancellation)."""
        zero = _const(self.dt, 0.0, z.size)
        part, omt = b[3], b[4]
        np.subtract(1.0, t, out=omt)
        np.maximum(z, zero, out=part)
        above = _dot(part, omt)
        np.minimum(z, zero, out=part)
        return above - _dot(part, t)

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        self._softplus(p, b, precise=False)
        total = float(np.add.reduce(b[2])) + self._linear_sum(p, tt, b)
        # log(1 + e) is off log1p(e) by at most half an ulp of 1 per element, which only matters (for the sum)
        # when the losses are tiny: then redo the block with the exact log1p
        if not total >= p.size * _SUM_SLACK[self.dt]:
            if not _finite(total):
                return math.nan
            _log1p_small(b[0], b[1], b[2], b[3])
            total = float(np.add.reduce(b[2])) + self._linear_sum(p, tt, b)
        return total

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        self._softplus(p, b, precise=True)
        zero = _const(self.dt, 0.0, p.size)
        above, below = b[3], b[4]
        np.maximum(p, zero, out=above)
        np.subtract(1.0, tt, out=below)
        np.multiply(above, below, out=above)
        np.minimum(p, zero, out=below)
        np.multiply(below, tt, out=below)
        np.subtract(above, below, out=dest)
        np.add(dest, b[2], out=dest)
        return 0.0

    def _grad(self, z: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> None:
        """b0 = e, b1 = 1 + e on entry. (1 - t) sigmoid(z) - t sigmoid(-z) = (H - t) - sign(z) q with q = e / (1 + e)
        = sigmoid(-|z|) and H = (1 + sign(z)) / 2: 1 - t - q for z > 0, q - t for z < 0, 1/2 - t at 0. Both ends
        keep full relative precision (t = 1, z >> 0 gives -q, not 1 - sigmoid(z))."""
        q, u, sg, h = b[0], b[1], b[2], b[3]
        np.divide(q, u, out=q)
        _step(z, -1.0, 1.0, sg)
        np.multiply(sg, 0.5, out=h)
        np.add(h, 0.5, out=h)
        np.subtract(h, t, out=h)
        np.multiply(sg, q, out=sg)
        np.subtract(h, sg, out=g)
        np.multiply(g, c, out=g)

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        tt = self._target(t, b[5])
        if tt is None:
            return math.nan
        chk = float(np.add.reduce(p))
        e, u = b[0], b[1]
        _neg_abs(p, e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=u)
        self._grad(p, tt, g, c, b)
        return chk

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        total = self.total(p, t, b)
        if _finite(total):
            self._grad(p, t if self.ls == 0.0 else b[5], g, c, b)
        return total


class _BCEProbs(_Elementwise):
    """-(t log pc + (1 - t) log1p(-pc)), pc = clip(p, eps, 1 - eps)."""

    nbuf = 6  # b5: the smoothed target

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

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt = checked[0]
        self._parts(p, tt, b)
        return -(_dot(tt, b[2]) + _dot(b[4], b[3]))

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
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

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
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

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        checked = self._target(p, t, b[5])
        if checked is None:
            return math.nan
        tt, inside = checked
        self._parts(p, tt, b)
        s = -(_dot(tt, b[2]) + _dot(b[4], b[3]))
        self._grad(p, tt, inside, g, c, b)
        return s


class _Focal(_Elementwise):
    """binary_focal: alpha_t q^gamma c, c the cross-entropy and q = 1 - p_t, as in ``binary._focal_parts``."""

    nbuf = 8

    def __init__(self, dt: np.dtype, gamma: float, alpha: float | None, from_logits: bool) -> None:
        super().__init__(dt)
        self.gamma = gamma
        self.alpha = alpha
        self.from_logits = from_logits

    def _parts(self, z: np.ndarray, t: np.ndarray, b: list[np.ndarray], want_grad: bool) -> bool:
        """b0 = c, b1 = q and, with want_grad, b2 = dc, b3 = dq; b7 = 1 - t. False for invalid input."""
        if not (np.minimum.reduce(t) >= 0.0 and np.maximum.reduce(t) <= 1.0):
            return False
        c, q, dc, dq, s1, s2, s3, omt = b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        np.subtract(1.0, t, out=omt)
        if self.from_logits:
            if not _finite(np.add.reduce(z)):
                return False
            e, u = s1, s2
            _neg_abs(z, e)
            np.exp(e, out=e)  # e^-|z|
            np.add(e, 1.0, out=u)
            _log1p_small(e, u, c, s3)
            zero = _const(self.dt, 0.0, z.size)
            np.maximum(z, zero, out=s3)  # c = t softplus(-z) + (1 - t) softplus(z)
            np.multiply(s3, omt, out=s3)
            np.add(c, s3, out=c)
            np.minimum(z, zero, out=s3)
            np.multiply(s3, t, out=s3)
            np.subtract(c, s3, out=c)
            big, small, hi = s3, s1, s2
            np.divide(1.0, u, out=big)  # sigmoid(|z|)
            np.divide(e, u, out=small)  # sigmoid(-|z|)
            flags = _bool_scratch(z.size)
            np.greater_equal(z, zero, out=flags)
            np.copyto(hi, flags)  # H = [z >= 0]; the products with H and 1 - H below select exactly
            np.subtract(1.0, hi, out=q)
            np.multiply(small, q, out=dq)
            np.multiply(big, hi, out=dc)
            np.add(dc, dq, out=dc)  # sig
            np.multiply(big, q, out=big)
            np.multiply(small, hi, out=small)
            np.add(small, big, out=dq)  # sig_neg
            sig, sig_neg = dc, dq
            np.multiply(t, sig_neg, out=q)
            np.multiply(omt, sig, out=s1)
            np.add(q, s1, out=q)
            if want_grad:
                np.multiply(sig, sig_neg, out=s1)
                np.multiply(omt, sig, out=s2)  # dc = (1 - t) sig - t sig_neg
                np.multiply(t, sig_neg, out=s3)
                np.subtract(s2, s3, out=dc)
                np.multiply(t, 2.0, out=dq)  # dq = (1 - 2t) sig sig_neg
                np.subtract(1.0, dq, out=dq)
                np.multiply(dq, s1, out=dq)
        else:
            lo = np.minimum.reduce(z)
            hi_p = np.maximum.reduce(z)
            if not (lo >= 0.0 and hi_p <= 1.0):
                return False
            eps = 1e-7  # binary.PROBABILITY_EPS
            pc, u = s1, s2
            np.clip(z, eps, 1.0 - eps, out=pc)
            np.subtract(1.0, pc, out=u)
            np.log(pc, out=c)
            np.multiply(t, c, out=c)
            np.log(u, out=s3)  # log1p(-pc) = log(u) + (-pc - (u - 1)) / u
            np.subtract(u, 1.0, out=q)
            np.add(q, pc, out=q)
            np.divide(q, u, out=q)
            np.subtract(s3, q, out=s3)
            np.multiply(omt, s3, out=s3)
            np.add(c, s3, out=c)
            np.negative(c, out=c)
            np.multiply(t, u, out=q)  # q = t (1 - pc) + (1 - t) pc
            np.multiply(omt, pc, out=s3)
            np.add(q, s3, out=q)
            if want_grad:
                np.divide(t, pc, out=dc)  # dc = (-t / pc + (1 - t) / (1 - pc)) inside
                np.negative(dc, out=dc)
                np.divide(omt, u, out=s3)
                np.add(dc, s3, out=dc)
                np.multiply(t, 2.0, out=dq)  # dq = (1 - 2t) inside
                np.subtract(1.0, dq, out=dq)
                if not (lo >= eps and hi_p <= 1.0 - eps):
                    flags = _bool_scratch(z.size)
                    np.less(z, eps, out=flags)
                    dc[flags] = 0.0
                    dq[flags] = 0.0
                    np.greater(z, 1.0 - eps, out=flags)
                    dc[flags] = 0.0
                    dq[flags] = 0.0
        return True

    def _modulation(self, q: np.ndarray, m: np.ndarray, dm: np.ndarray | None) -> None:
        gamma = self.gamma
        if gamma == 0.0:
            m.fill(1.0)
            if dm is not None:
                dm.fill(0.0)
        elif gamma == 2.0:
            np.multiply(q, q, out=m)  # what q ** 2.0 computes
            if dm is not None:
                np.multiply(q, 2.0, out=dm)
        else:  # gamma >= 1 (0 < gamma < 1 is left to the generic path)
            np.power(q, gamma, out=m)
            if dm is not None:
                np.power(q, gamma - 1.0, out=dm)
                np.multiply(dm, gamma, out=dm)

    def _alpha_t(self, t: np.ndarray, omt: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> np.ndarray | None:
        if self.alpha is None:
            return None
        np.multiply(t, self.alpha, out=out)
        np.multiply(omt, 1.0 - self.alpha, out=tmp)
        np.add(out, tmp, out=out)
        return out

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        if not self._parts(p, t, b, False):
            return math.nan
        c, q = b[0], b[1]
        self._modulation(q, dest, None)
        np.multiply(dest, c, out=dest)
        at = self._alpha_t(t, b[7], b[2], b[3])
        if at is not None:
            np.multiply(at, dest, out=dest)
        return 0.0

    def _grad(self, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray], value: np.ndarray | None) -> None:
        cc, q, dc, dq, m, dm = b[0], b[1], b[2], b[3], b[4], b[5]
        self._modulation(q, m, dm)
        if value is not None:
            np.multiply(m, cc, out=value)
        np.multiply(dm, dq, out=dm)  # dm dq c + m dc
        np.multiply(dm, cc, out=dm)
        np.multiply(m, dc, out=m)
        np.add(dm, m, out=g)
        at = self._alpha_t(t, b[7], b[6], q)
        if at is not None:
            np.multiply(at, g, out=g)
            if value is not None:
                np.multiply(at, value, out=value)
        np.multiply(g, c, out=g)

    def total(self, p: Arr, t: Arr, b: Bufs) -> float:
        dest = b[8]
        if not _finite(self.values(p, t, dest, b)):
            return math.nan
        return float(np.add.reduce(dest))

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        if not self._parts(p, t, b, True):
            return math.nan
        self._grad(t, g, c, b, None)
        return 0.0

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        if not self._parts(p, t, b, True):
            return math.nan
        value = b[8]
        self._grad(t, g, c, b, value)
        return float(np.add.reduce(value))


# ------------------------------------------------------------------------------------------ elementwise driver
def _elementwise_run(
    kern: _Elementwise, pred: np.ndarray, target: np.ndarray, w: np.ndarray | None, reduction: str,
    want_value: bool, want_grad: bool, out: np.ndarray | None, finalize_sqrt: bool,
) -> Any:
    dt = kern.dt
    n = pred.shape[0]
    k = pred.shape[1] if pred.ndim == 2 else 1
    size = n * k
    p = pred.reshape(-1)
    t = target.reshape(-1)
    inv_k = 1.0 / k if (kern.average and k > 1) else 1.0
    total = 1.0
    if reduction == "mean":
        tw = _total_weight(w, n)
        if tw is None:
            return NotImplemented
        total = tw
    g = None
    gf = None
    if want_grad:
        g = out if out is not None else np.empty(pred.shape, dt)
        gf = g.reshape(-1)
    nb = kern.nbuf + 1

    if w is None and reduction != "none":
        # the common case: one sum over all elements, whatever the rows
        m = min(size, _block(nb))
        bufs = _scratch(dt, m, nb)

        def flat(do_value: bool, do_grad: bool, c: float) -> float:
            acc = 0.0
            b = bufs
            for e0 in range(0, size, m):
                e1 = min(size, e0 + m)
                if e1 - e0 != m:
                    b = [x[: e1 - e0] for x in bufs]
                pb = p[e0:e1]
                tb = t[e0:e1]
                if do_value and do_grad:
                    s = kern.total_grad(pb, tb, gf[e0:e1], c, b)  # type: ignore[index]
                elif do_value:
                    s = kern.total(pb, tb, b)
                else:
                    s = kern.grad(pb, tb, gf[e0:e1], c, b)  # type: ignore[index]
                if not math.isfinite(s):
                    return math.nan
                acc += s
            return acc

        return _finish(flat, inv_k / total, lambda acc: acc * inv_k / total, want_value, want_grad, finalize_sqrt,
                       dt, g)

    # per-example values (reduction "none") or weights: blocks of whole rows
    rows = max(1, _block(nb + 1) // k)
    rows = min(rows, n)
    m = rows * k
    bufs = _scratch(dt, m, nb + 1)
    res = np.empty(n, dt) if (want_value and reduction == "none") else None
    rowbuf = np.empty(rows, dt) if k > 1 else None

    def by_rows(do_value: bool, do_grad: bool, c: float) -> float:
        acc = 0.0
        b = bufs
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            nr = r1 - r0
            e0, e1 = r0 * k, r1 * k
            if nr != rows:
                b = [x[: e1 - e0] for x in bufs]
            pb = p[e0:e1]
            tb = t[e0:e1]
            wb = None
            if w is not None:
                wb = _weight_block(w, r0, r1, dt)
                if wb is None:
                    return math.nan
            if do_value:
                dest = res[r0:r1] if (res is not None and k == 1) else b[-1]
                if not math.isfinite(kern.values(pb, tb, dest, b[: kern.nbuf])):
                    return math.nan
                if k > 1:
                    per = res[r0:r1] if res is not None else rowbuf[:nr]  # type: ignore[index]
                    np.add.reduce(dest.reshape(nr, k), axis=1, out=per)
                    if inv_k != 1.0:
                        np.divide(per, k, out=per)
                else:
                    per = dest
                if wb is not None:
                    np.multiply(per, wb, out=per)
                s = float(np.add.reduce(per))
                if not math.isfinite(s):
                    return math.nan
                acc += s
            if do_grad:
                gb = gf[e0:e1]  # type: ignore[index]
                if not math.isfinite(kern.grad(pb, tb, gb, c, b[:nb])):
                    return math.nan
                if wb is not None:
                    if k == 1:
                        np.multiply(gb, wb, out=gb)
                    else:
                        g2 = gb.reshape(nr, k)
                        np.multiply(g2, wb[:, None], out=g2)
        return acc

    return _finish(by_rows, inv_k / total, lambda acc: acc / total, want_value, want_grad, finalize_sqrt, dt, g,
                   res)


Compiled = Callable[[Any], tuple[int, float]]
"""For a loss the compiled tier (``_compiled``) covers: its kind and parameter there, given the loss's params."""


def _finish(
    run: Callable[[bool, bool, float], float],
    c: float,
    mean_of: Callable[[float], float],
    want_value: bool,
    want_grad: bool,
    finalize_sqrt: bool,
    dt: np.dtype[Any],
    g: Any,
    per_example: Any = None,
) -> Any:
    """The end shared by the flat and the row-blocked elementwise kernels.

    ``run(do_value, do_grad, c)`` makes one pass (gradient scaled by ``c``) and returns the accumulated sum, NaN when
    a block was invalid (the call then goes to the generic path); ``mean_of`` turns that sum into the reduced value.
    rmse needs its value before its gradient (d sqrt(m) = dm / (2 sqrt(m))), hence two passes there.
    """
    if finalize_sqrt and want_grad:
        acc = run(True, False, c)
        if not math.isfinite(acc):
            return NotImplemented
        value = dt.type(math.sqrt(mean_of(acc)))
        factor = float(dt.type(0.5) / value) if value > 0 else 0.0
        if not math.isfinite(run(False, True, c * factor)):
            return NotImplemented
        return (value if want_value else None), g
    acc = run(want_value, want_grad, c)
    if not math.isfinite(acc):
        return NotImplemented
    if not want_value:
        return None, g
    if per_example is not None:
        return per_example, g
    v = mean_of(acc)
    return dt.type(math.sqrt(v) if finalize_sqrt else v), g


def _elementwise(make: Callable[[Any, np.dtype], _Elementwise | None], finalize_sqrt: bool = False,
                 compiled: Compiled | None = None) -> Kernel:
    def kernel(loss: Any, pred: np.ndarray, target: np.ndarray, reduction: str, sample_weight: Any,
               want_value: bool, want_grad: bool, out: Any) -> Any:
        dt = _float_dtype(pred)
        if dt is None or target.dtype != dt or not (1 <= pred.ndim <= 2 and 1 <= target.ndim <= 2):
            return NotImplemented
        ps, ts = pred.shape, target.shape
        if ps != ts and ps != (*ts, 1) and (*ps, 1) != ts:
            return NotImplemented
        if pred.size == 0 or not (pred.flags.c_contiguous and target.flags.c_contiguous):
            return NotImplemented
        w = _check_weights(sample_weight, ps[0])
        if w is False:
            return NotImplemented
        weights = w if isinstance(w, np.ndarray) else None
        if want_grad and not _check_out(out, pred, (target, weights)):
            return NotImplemented
        kern = make(loss.params, dt)
        if kern is None:
            return NotImplemented
        if compiled is not None and pred.size >= _compiled.MIN_SIZE:
            lib = _compiled.load()  # built or loaded on the first large call; None when unavailable
            if lib is not None:
                kind, param = compiled(loss.params)
                with np.errstate(all="ignore"):
                    return _compiled.elementwise(lib, kind, param, pred, target, weights, reduction, want_value,
                                                 want_grad, out if want_grad else None, kern.average, finalize_sqrt)
        with np.errstate(all="ignore"):
            return _elementwise_run(kern, pred, target, weights, reduction, want_value, want_grad,
                                    out if want_grad else None, finalize_sqrt)

    return kernel


# ------------------------------------------------------------------------------------------------ row losses
def _column(scale: Any) -> Any:
    return scale[:, None] if isinstance(scale, np.ndarray) else scale


class _Rows:
    """A loss on rows of C scores. ``block(z, t, vals, g, scale, b)`` handles rows r0:r1: writes the loss of each
    row to ``vals`` (if given) and ``scale`` times each row's gradient to ``g`` (if given; ``scale`` a float or an
    (nr,) array); returns False for invalid input. ``t`` is (nr, C) rows or (nr,) int labels (sparse)."""

    nbuf = 2
    sparse = False

    def __init__(self, dt: np.dtype) -> None:
        self.dt = dt

    def block(self, z: np.ndarray, t: np.ndarray, vals: np.ndarray | None, g: np.ndarray | None, scale: Any,
              b: list[np.ndarray]) -> bool:
        raise NotImplementedError

    def buffers(self, classes: int) -> int:
        """Scratch buffers used for rows of ``classes`` entries."""
        return self.nbuf


_NARROW = 32  # rows of at most this many classes are transposed first: NumPy reduces short rows slowly


class _SoftmaxCE(_Rows):
    """Cross-entropy with logits, with the parts of ``_stable.softmax_parts``: m = max z, e = exp(z - m) (the
    arg-max entry is exactly 1), s = sum(e) - 1 (recomputed without the arg-max entry where it is small),
    -log softmax_c = (m - z_c) + log1p(s).

    Narrow rows (C <= 32) are copied transposed, to (C, nr), and reduced over axis 0: NumPy's reduction over a
    short last axis costs several ns an element, over the first axis a fraction of one."""

    nbuf = 4

    def __init__(self, dt: np.dtype, sparse: bool) -> None:
        super().__init__(dt)
        self.sparse = sparse

    def buffers(self, classes: int) -> int:
        return self.nbuf if classes <= _NARROW else 2  # the transposed copies are for narrow rows only

    def block(self, z: Arr, t: Arr, vals: Arr | None, g: Arr | None, scale: Any, b: Bufs) -> bool:
        nr, cc = z.shape
        if not (_finite(np.minimum.reduce(z, axis=None)) and _finite(np.maximum.reduce(z, axis=None))):
            return False
        if self.sparse:
            lo, hi = np.minimum.reduce(t), np.maximum.reduce(t)
            if not (lo >= 0 and hi < cc):
                return False
        else:
            lo, hi = np.minimum.reduce(t, axis=None), np.maximum.reduce(t, axis=None)
            if not (lo >= 0.0 and hi <= 1.0):
                return False
        if cc > _NARROW:
            self._rows(z, t, vals, g, scale, b, 1)
            return True
        zt = b[2].reshape(cc, nr)
        np.copyto(zt, z.T)
        tt = t
        if not self.sparse:
            tt = b[3].reshape(cc, nr)
            np.copyto(tt, t.T)
        self._rows(zt, tt, vals, g, scale, b, 0)
        return True

    def _rows(self, z: Arr, t: Arr, vals: Arr | None, g: Arr | None, scale: Any, b: Bufs, axis: int) -> None:
        """The work on z laid out (nr, C) (axis = 1) or (C, nr) (axis = 0, then g is written transposed)."""
        shape = z.shape
        nr = shape[1 - axis]

        def at(r: Any, c: Any) -> tuple[Any, Any]:  # index [row r, class c] in this layout
            return (r, c) if axis == 1 else (c, r)

        def across(v: Arr) -> Arr:  # a per-row vector, broadcast over the classes
            return v[:, None] if axis == 1 else v[None, :]

        e = b[0].reshape(shape)
        m = np.maximum.reduce(z, axis=axis)
        np.subtract(z, across(m), out=e)
        np.exp(e, out=e)
        s = np.add.reduce(e, axis=axis)
        s -= 1.0
        small = np.flatnonzero(s < 1.0)  # there sum(e) - 1 has lost digits of s: sum without the arg-max entry
        arg = None
        if small.size:
            sub = e[at(small, slice(None))]
            arg = np.argmax(sub, axis=axis)
            sub[at(np.arange(small.size), arg)] = 0.0
            s[small] = np.add.reduce(sub, axis=axis)
        log1p_s = np.log1p(s)
        one_plus_s = s + 1.0
        grad = None if g is None else (g if axis == 1 else e)
        if self.sparse:
            rows = np.arange(nr)
            zy = z[at(rows, t)]
            ey = e[at(rows, t)]
            if vals is not None:
                np.subtract(m, zy, out=vals)
                np.add(vals, log1p_s, out=vals)
            if grad is not None:
                np.multiply(e, across(scale / one_plus_s), out=grad)
                # the true class: e_y / (1 + s) - 1, or -s / (1 + s) where e_y = 1 (it holds the maximum)
                gy = np.where(ey == 1.0, -s, ey - one_plus_s) / one_plus_s
                grad[at(rows, t)] = gy * scale
        else:
            tot = np.add.reduce(t, axis=axis)
            if vals is not None:
                gap = b[1].reshape(shape)
                np.subtract(across(m), z, out=gap)
                np.multiply(gap, t, out=gap)
                np.add.reduce(gap, axis=axis, out=vals)
                vals += log1p_s * tot
            if grad is not None:
                # softmax * sum(t) - t, regrouped over (1 + s) at the arg-max entry where s is small
                np.multiply(e, across(tot / one_plus_s), out=grad)
                np.subtract(grad, t, out=grad)
                if small.size:
                    ta = t[at(small, arg)]
                    grad[at(small, arg)] = ((tot[small] - ta) - ta * s[small]) / one_plus_s[small]
                np.multiply(grad, across(scale) if isinstance(scale, np.ndarray) else scale, out=grad)
        if g is not None and grad is not None and grad is not g:
            np.copyto(g, grad.T)


class _KL(_Rows):
    nbuf = 3

    def __init__(self, dt: np.dtype, eps: float) -> None:
        super().__init__(dt)
        self.eps = eps

    def block(self, z: Arr, t: Arr, vals: Arr | None, g: Arr | None, scale: Any, b: Bufs) -> bool:
        nr, cc = z.shape
        lo = np.minimum.reduce(z, axis=None)
        if not (lo >= 0.0 and np.maximum.reduce(z, axis=None) <= 1.0):
            return False
        if not (np.minimum.reduce(t, axis=None) >= 0.0 and np.maximum.reduce(t, axis=None) <= 1.0):
            return False
        # rows that do not sum to 1 make the generic path warn: leave them to it
        for rows in (z, t):
            sums = np.add.reduce(rows, axis=1)
            if not np.maximum.reduce(np.abs(sums - 1.0)) <= 1e-3:
                return False
        pc = b[0].reshape(nr, cc)
        np.clip(z, self.eps, 1.0, out=pc)
        if vals is not None:
            # sum_c (t log t - t log pc) with 0 log 0 = 0, term by term as the generic path does: a KL near 0
            # is a difference of nearly equal terms, and only the same order of operations gives the same digits
            x = b[1].reshape(nr, cc)
            y = b[2].reshape(nr, cc)
            np.maximum(t, np.finfo(self.dt).tiny, out=x)
            np.log(x, out=x)
            np.multiply(t, x, out=x)
            np.log(pc, out=y)
            np.multiply(t, y, out=y)
            np.subtract(x, y, out=x)
            np.add.reduce(x, axis=1, out=vals)
        if g is not None:  # -(t / pc) [p >= eps]
            np.divide(t, pc, out=g)
            np.multiply(g, _column(-scale), out=g)
            if not lo >= self.eps:
                g[z < self.eps] = 0.0
        return True


def _rows(make: Callable[[Any, np.dtype], _Rows | None]) -> Kernel:
    def kernel(loss: Any, pred: np.ndarray, target: np.ndarray, reduction: str, sample_weight: Any,
               want_value: bool, want_grad: bool, out: Any) -> Any:
        dt = _float_dtype(pred)
        if dt is None or pred.ndim != 2 or pred.size == 0 or not pred.flags.c_contiguous:
            return NotImplemented
        n = pred.shape[0]
        kern = make(loss.params, dt)
        if kern is None:
            return NotImplemented
        if kern.sparse:
            if target.shape != (n,) or target.dtype.kind not in "iu":
                return NotImplemented
        elif target.shape != pred.shape or target.dtype != dt or not target.flags.c_contiguous:
            return NotImplemented
        w = _check_weights(sample_weight, n)
        if w is False:
            return NotImplemented
        weights = w if isinstance(w, np.ndarray) else None
        if want_grad and not _check_out(out, pred, (target, weights)):
            return NotImplemented
        with np.errstate(all="ignore"):
            return _rows_run(kern, pred, target, weights, reduction, want_value, want_grad,
                             out if want_grad else None)

    return kernel


def _rows_run(kern: _Rows, pred: np.ndarray, target: np.ndarray, w: np.ndarray | None, reduction: str,
              want_value: bool, want_grad: bool, out: np.ndarray | None) -> Any:
    dt = kern.dt
    n, cc = pred.shape
    total = 1.0
    if reduction == "mean":
        tw = _total_weight(w, n)
        if tw is None:
            return NotImplemented
        total = tw
    c = 1.0 / total
    g = None
    if want_grad:
        g = out if out is not None else np.empty(pred.shape, dt)
    nb = kern.buffers(cc)
    rows = min(n, max(1, _block(nb) // cc))
    bufs = _scratch(dt, rows * cc, nb)
    res = np.empty(n, dt) if (want_value and reduction == "none") else None
    valbuf = np.empty(rows, dt)
    acc = 0.0
    for r0 in range(0, n, rows):
        r1 = min(n, r0 + rows)
        nr = r1 - r0
        b = bufs if nr == rows else [x[: nr * cc] for x in bufs]
        wb = None
        scale: Any = c
        if w is not None:
            wb = _weight_block(w, r0, r1, dt)
            if wb is None:
                return NotImplemented
            scale = wb * c
        vals = None
        if want_value:
            vals = res[r0:r1] if res is not None else valbuf[:nr]
        gb = g[r0:r1] if g is not None else None
        if not kern.block(pred[r0:r1], target[r0:r1], vals, gb, scale, b):
            return NotImplemented
        if vals is not None:
            if wb is not None:
                np.multiply(vals, wb, out=vals)
            s = float(np.add.reduce(vals))
            if not math.isfinite(s):
                return NotImplemented
            acc += s
    if not want_value:
        return None, g
    if reduction == "none":
        return res, g
    return dt.type(acc / total if reduction == "mean" else acc), g


# ------------------------------------------------------------------------------------------------ registration
def _make_huber(params: Any, dt: np.dtype) -> _Elementwise:
    return _Huber(dt, params["delta"])


def _make_smooth_l1(params: Any, dt: np.dtype) -> _Elementwise:
    beta = params["beta"]
    return _AbsoluteError(dt) if beta == 0.0 else _Huber(dt, beta, 1.0 / beta)


def _make_bce(params: Any, dt: np.dtype) -> _Elementwise | None:
    if params["pos_weight"] is not None:
        return None
    if params["from_logits"]:
        return _BCELogits(dt, params["label_smoothing"])
    return _BCEProbs(dt, params["label_smoothing"], params["eps"])


def _make_focal(params: Any, dt: np.dtype) -> _Elementwise | None:
    gamma = params["gamma"]
    if 0.0 < gamma < 1.0:
        return None
    return _Focal(dt, gamma, params["alpha"], params["from_logits"])


def _make_ce(sparse: bool) -> Callable[[Any, np.dtype], _Rows | None]:
    def make(params: Any, dt: np.dtype) -> _Rows | None:
        if not params["from_logits"] or params["label_smoothing"] != 0.0 or params["class_weight"] is not None:
            return None
        if sparse and params.get("ignore_index") is not None:
            return None
        return _SoftmaxCE(dt, sparse)

    return make


def _compiled_smooth_l1(params: Any) -> tuple[int, float]:
    beta = params["beta"]
    return (_K_MAE, 0.0) if beta == 0.0 else (_K_SMOOTH_L1, beta)


_K_MSE, _K_MAE, _K_HUBER = _compiled.MSE, _compiled.MAE, _compiled.HUBER
_K_SMOOTH_L1, _K_QUANTILE = _compiled.SMOOTH_L1, _compiled.QUANTILE
_K_HINGE, _K_SQUARED_HINGE = _compiled.HINGE, _compiled.SQUARED_HINGE

FAST: dict[str, Kernel] = {
    "mse": _elementwise(lambda params, dt: _SquaredError(dt), compiled=lambda params: (_K_MSE, 0.0)),
    "sse": _elementwise(lambda params, dt: _SquaredError(dt, average=False), compiled=lambda params: (_K_MSE, 0.0)),
    "rmse": _elementwise(lambda params, dt: _SquaredError(dt), finalize_sqrt=True,
                         compiled=lambda params: (_K_MSE, 0.0)),
    "mae": _elementwise(lambda params, dt: _AbsoluteError(dt), compiled=lambda params: (_K_MAE, 0.0)),
    "huber": _elementwise(_make_huber, compiled=lambda params: (_K_HUBER, params["delta"])),
    "smooth_l1": _elementwise(_make_smooth_l1, compiled=_compiled_smooth_l1),
    "quantile": _elementwise(lambda params, dt: _Quantile(dt, params["q"]),
                             compiled=lambda params: (_K_QUANTILE, params["q"])),
    "hinge": _elementwise(lambda params, dt: _Hinge(dt, squared=False), compiled=lambda params: (_K_HINGE, 0.0)),
    "squared_hinge": _elementwise(lambda params, dt: _Hinge(dt, squared=True),
                                  compiled=lambda params: (_K_SQUARED_HINGE, 0.0)),
    "log_cosh": _elementwise(lambda params, dt: _LogCosh(dt)),
    "poisson": _elementwise(lambda params, dt: _Poisson(dt, params["log_input"], params["eps"])),
    "binary_cross_entropy": _elementwise(_make_bce),
    "binary_focal": _elementwise(_make_focal),
    "categorical_cross_entropy": _rows(_make_ce(sparse=False)),
    "sparse_categorical_cross_entropy": _rows(_make_ce(sparse=True)),
    "kl_divergence": _rows(lambda params, dt: _KL(dt, params["eps"])),
}
