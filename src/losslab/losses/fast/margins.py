"""Fast NumPy kernels of two row losses on integer targets: the negative log-likelihood of log-probabilities
(integer labels: a gather instead of the generic path's one-hot rows) and PyTorch's multi-label margin loss (index
rows padded with -1: the listed-class mask built by a scatter, the C x C pairs of a block of rows kept in cache);
the soft margin loss on signed labels, which is binary cross-entropy with logits on the label (s + 1) / 2, PyTorch's
multi-label soft margin without label weights, which is that cross-entropy averaged over the labels, and the hinge
embedding loss on distances.

Both decline (``NotImplemented``) whatever the generic path must judge or word: a label out of range, a repeated
index, a positive log-probability, a non-finite value, class weights, ``ignore_index``, rows wider than
:data:`_PAIRS_MAX_CLASSES`.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from ._blocks import (
    Arr,
    Bufs,
    Kernel,
    _bool_scratch,
    _column,
    _Elementwise,
    _elementwise,
    _finite,
    _float_dtype,
    _Rows,
    _step,
    rows_screened,
)
from .binary import _BCELogits, _Hinge

_PAIRS_MAX_CLASSES = 64  # a block holds rows x C x C pairs: wider rows are left to the generic path


class _PairScratch(threading.local):
    def __init__(self) -> None:
        self.held: dict[str, np.ndarray] = {}


_PAIRS = _PairScratch()


def _pair_buffers(dt: np.dtype, nr: int, cc: int, count: int) -> list[np.ndarray]:
    """``count`` (C, C, nr) float buffers carved from one array this thread reuses (the block drivers' scratch is
    sized for rows of C, these hold C x C pairs a row)."""
    size = nr * cc * cc
    held = _PAIRS.held.get(dt.char)
    if held is None or held.size < size * count:
        held = _PAIRS.held[dt.char] = np.empty(size * count, dt)
    return [held[i * size:(i + 1) * size].reshape(cc, cc, nr) for i in range(count)]


def _int_rows_kernel(make: Any, labels: bool) -> Kernel:
    """The screening of :func:`._blocks._rows` for integer targets: (N,) labels or (N, C) index rows."""

    def kernel(loss: Any, pred: np.ndarray, target: np.ndarray, reduction: str, sample_weight: Any,
               want_value: bool, want_grad: bool, out: Any) -> Any:
        dt = _float_dtype(pred)
        if dt is None or pred.ndim != 2 or pred.size == 0 or not pred.flags.c_contiguous:
            return NotImplemented
        n = pred.shape[0]
        expected = (n,) if labels else pred.shape
        if target.shape != expected or target.dtype.kind not in "iu" or not target.flags.c_contiguous:
            return NotImplemented
        kern = make(loss.params, dt, pred.shape[1])
        if kern is None:
            return NotImplemented
        return rows_screened(kern, pred, target, reduction, sample_weight, want_value, want_grad, out)

    return kernel


_NEG_INF_BITS: dict[np.dtype[Any], tuple[np.dtype[Any], int]] = {
    np.dtype(np.float64): (np.dtype(np.int64), int(np.array(-np.inf).view(np.int64))),
    np.dtype(np.float32): (np.dtype(np.int32), int(np.array(-np.inf, np.float32).view(np.int32)))}


_STARTS: dict[int, np.ndarray] = {}


def _row_starts(nr: int, cc: int) -> np.ndarray:
    """0, C, 2C, ... (nr of them), kept read-only between calls: every block of a call has the same rows."""
    held = _STARTS.get(cc)
    if held is None or held.size < nr:
        if len(_STARTS) > 8:
            _STARTS.clear()
        held = np.arange(0, nr * cc, cc)
        held.flags.writeable = False
        _STARTS[cc] = held
    return held[:nr]


class _NLL(_Rows):
    """-z[y] per row; the gradient -1 at the label, 0 elsewhere."""

    nbuf = 1

    def block(self, z: Arr, t: Arr, vals: Arr | None, g: Arr | None, scale: Any, b: Bufs) -> bool:
        nr, cc = z.shape
        # 0 <= t < C in one reduction: read as unsigned, a negative label is above every class index
        if not np.maximum.reduce(t.view(t.dtype.str.replace("i", "u"))) < cc:
            return False
        # every log-probability finite and <= 0 in one pass over the common case: as integers, the bits of the
        # negative finite floats (and -0.0) are all below those of -inf, and those of 0.0, -inf, NaN and every
        # positive value above; only a block holding one of those needs the two float reductions
        ints, neg_inf = _NEG_INF_BITS[self.dt]
        if not np.maximum.reduce(z.reshape(-1).view(ints)) < neg_inf:
            hi = np.maximum.reduce(z, axis=None)
            if not (_finite(np.minimum.reduce(z, axis=None)) and hi <= 0.0):
                return False
        # flat positions of the labels: take / put beat a two-array fancy index several times over
        at = np.add(_row_starts(nr, cc), t, dtype=np.intp, casting="unsafe")
        if vals is not None:
            # mode="wrap": the labels were checked above, and take buffers out= in its default mode="raise" (a
            # third of the kernel's time)
            np.take(z.reshape(-1), at, out=vals, mode="wrap")
            np.negative(vals, out=vals)
        if g is not None:
            g.fill(0.0)
            np.put(g.reshape(-1), at, -scale, mode="wrap")
        return True


class _MultiLabelMargin(_Rows):
    """sum over listed j, unlisted c of max(0, 1 - z_j + z_c), / C. The block is worked on transposed, as (C, rows)
    and its pairs as (C, C, rows): NumPy's loops then run along the rows, not along rows of only C entries, where
    each short inner loop costs more than its arithmetic."""

    nbuf = 3

    def buffers(self, classes: int) -> int:
        # sizes the block: rows of 3 C x C pairs (the pairs themselves live in _pair_buffers)
        return self.nbuf * classes

    def block(self, z: Arr, t: Arr, vals: Arr | None, g: Arr | None, scale: Any, b: Bufs) -> bool:
        nr, cc = z.shape
        if not (np.minimum.reduce(t, axis=None) >= -1 and np.maximum.reduce(t, axis=None) < cc):
            return False
        if not (_finite(np.minimum.reduce(z, axis=None)) and _finite(np.maximum.reduce(z, axis=None))):
            return False
        tt = np.ascontiguousarray(t.T)
        before_end = np.logical_and.accumulate(tt != -1, axis=0)
        listed = np.zeros((cc, nr), dtype=bool)
        at = (tt * nr + np.arange(nr))[before_end]  # flat positions [class, row] of the listed classes
        listed.reshape(-1)[at] = True
        if int(np.count_nonzero(listed)) != at.size:  # an index listed twice: the generic path words the error
            return False
        zt = np.ascontiguousarray(z.T)
        gap, pairs, active = _pair_buffers(self.dt, nr, cc, 3)  # [j, c, row]
        # (1 - z_j) + z_c, in the generic path's order: a margin that nearly cancels keeps the same digits
        np.add(np.subtract(1.0, zt)[:, None, :], zt[None, :, :], out=gap)
        np.multiply(listed[:, None, :], ~listed[None, :, :], out=pairs)
        np.greater(gap, 0.0, out=active, casting="unsafe")
        np.multiply(active, pairs, out=active)
        if vals is not None:
            np.multiply(gap, active, out=gap)
            np.add.reduce(np.add.reduce(gap, axis=1), axis=0, out=vals)  # over c, then j: the generic order
            vals /= cc
        if g is not None:
            gt = np.subtract(np.add.reduce(active, axis=0), np.add.reduce(active, axis=1))  # (C, rows)
            np.multiply(gt.T, _column(scale) / cc, out=g)
        return True


NLL = _int_rows_kernel(
    lambda params, dt, cc: _NLL(dt) if params["class_weight"] is None and params["ignore_index"] is None else None,
    labels=True)
MULTILABEL_MARGIN = _int_rows_kernel(
    lambda params, dt, cc: _MultiLabelMargin(dt) if cc <= _PAIRS_MAX_CLASSES else None, labels=False)


class _SoftMargin(_BCELogits):
    """log(1 + e^(-s z)) = the binary cross-entropy with logits of z against y = (s + 1) / 2, s in {-1, +1} (or
    0/1 labels, read as -1/+1): the labels screened as the hinge kernel screens them (one encoding for the whole
    input, the mix left to the generic path's error)."""

    def __init__(self, dt: np.dtype) -> None:
        super().__init__(dt, 0.0)
        self.labels = _Hinge(dt, squared=False)
        self.y: Arr | None = None

    def _target(self, t: np.ndarray, buf: np.ndarray) -> np.ndarray | None:
        signs = self.labels._signed(t, buf)
        if signs is None:
            return None
        if signs is buf:  # 0/1 labels (buf holds 2 t - 1): y is t itself
            self.y = t
            return t
        np.add(t, 1.0, out=buf)  # -1/+1: y = (s + 1) / 2, exact
        np.multiply(buf, 0.5, out=buf)
        self.y = buf
        return buf

    def total_grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        total = self.total(p, t, b)
        if _finite(total):
            assert self.y is not None
            self._grad(p, self.y, g, c, b)
        return total


SOFT_MARGIN = _elementwise(lambda params, dt: _SoftMargin(dt))
MULTILABEL_SOFT_MARGIN = _elementwise(
    lambda params, dt: _BCELogits(dt, 0.0) if params["label_weight"] is None else None)


class _HingeEmbedding(_Elementwise):
    """d for a similar pair (s = +1), max(0, m - d) for a dissimilar one; d >= 0 a finite distance, the labels
    screened as the hinge kernel screens them."""

    nbuf = 2

    def __init__(self, dt: np.dtype, margin: float) -> None:
        super().__init__(dt)
        self.margin = margin
        self.labels = _Hinge(dt, squared=False)

    def _similar(self, p: Arr, t: Arr, b: Bufs) -> np.ndarray | None:
        """The mask of similar pairs, or None for labels or distances the generic path must judge."""
        signs = self.labels._signed(t, b[1])
        if signs is None:
            return None
        if not (np.minimum.reduce(p) >= 0.0 and _finite(np.maximum.reduce(p))):
            return None
        return np.greater(signs, 0.0, out=_bool_scratch(p.size))

    def values(self, p: Arr, t: Arr, dest: Arr, b: Bufs) -> float:
        similar = self._similar(p, t, b)
        if similar is None:
            return math.nan
        np.subtract(self.margin, p, out=dest)
        np.maximum(dest, 0.0, out=dest)
        np.copyto(dest, p, where=similar)
        return 0.0

    def grad(self, p: Arr, t: Arr, g: Arr, c: float, b: Bufs) -> float:
        similar = self._similar(p, t, b)
        if similar is None:
            return math.nan
        np.subtract(self.margin, p, out=b[0])
        _step(b[0], -c, 0.0, g, negate=True)  # -c inside the margin (d < m), 0 on it and beyond
        np.copyto(g, c, where=similar)
        return 0.0


HINGE_EMBEDDING = _elementwise(lambda params, dt: _HingeEmbedding(dt, float(params["margin"])))
