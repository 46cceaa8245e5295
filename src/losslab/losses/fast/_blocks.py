"""The machinery of the NumPy fast path: scratch buffers, input screening and the block drivers.

A definition's ``fast`` kernel (see ``losses.fast``) is ``kernel(loss, pred, target, reduction, sample_weight,
want_value, want_grad, out)`` returning ``(value, grad)`` (``None`` for what was not asked), or ``NotImplemented`` to
hand the call to the generic array-API path, which must then give the same numbers (to rounding) or raise the
proper error.

How the kernels are fast
------------------------
The generic path evaluates a loss as a chain of whole-array NumPy expressions: every step reads and writes arrays
as large as the input. Here the input is cut into blocks (32K-128K elements, sized so that all scratch of a call
stays near 3% of an input of 1e7 elements, and the working set in the L2/L3 cache), each block runs the whole chain
with ``out=`` ufunc calls on preallocated per-thread scratch buffers, and only the per-block sums (accumulated in
float64) leave the cache. The inputs are read from memory once; the gradient is written once.

Validation is deferred, not skipped: the kernels compute first and check what they computed. A block whose loss sum
is not finite, or whose labels / probabilities fall outside their domain, makes the kernel answer
``NotImplemented``; the generic path then runs on the same input and raises the usual
:class:`~losslab.errors.LossInputError` (or returns the same number, e.g. an overflow to inf).

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


def _divisor(reduction: str, w: np.ndarray | None, n: int) -> float | None:
    """What the sum is divided by: the total weight for "mean" (None when the fast path must decline), else 1."""
    return _total_weight(w, n) if reduction == "mean" else 1.0


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
    total = _divisor(reduction, w, n)
    if total is None:
        return NotImplemented
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


def _elementwise(make: Callable[[Any, np.dtype], _Elementwise | None], finalize_sqrt: bool = False) -> Kernel:
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
        return rows_screened(kern, pred, target, reduction, sample_weight, want_value, want_grad, out)

    return kernel


def rows_screened(kern: _Rows, pred: np.ndarray, target: np.ndarray, reduction: str, sample_weight: Any,
                  want_value: bool, want_grad: bool, out: Any) -> Any:
    """The rest of a row kernel's screening once pred and target passed theirs: the weights and ``out``, then the
    blocked run; NotImplemented where either is not what the kernel takes."""
    w = _check_weights(sample_weight, pred.shape[0])
    if w is False:
        return NotImplemented
    weights = w if isinstance(w, np.ndarray) else None
    if want_grad and not _check_out(out, pred, (target, weights)):
        return NotImplemented
    with np.errstate(all="ignore"):
        return _rows_run(kern, pred, target, weights, reduction, want_value, want_grad, out if want_grad else None)


def _rows_run(kern: _Rows, pred: np.ndarray, target: np.ndarray, w: np.ndarray | None, reduction: str,
              want_value: bool, want_grad: bool, out: np.ndarray | None) -> Any:
    dt = kern.dt
    n, cc = pred.shape
    total = _divisor(reduction, w, n)
    if total is None:
        return NotImplemented
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
