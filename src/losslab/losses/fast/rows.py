"""Fast NumPy kernels of the row losses (softmax cross-entropy with logits, KL divergence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._blocks import (
    _NARROW,
    Arr,
    Bufs,
    _column,
    _finite,
    _Rows,
    _rows,
)


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



# ------------------------------------------------------------------------------------------------------ kernels
def _make_ce(sparse: bool) -> Callable[[Any, np.dtype], _Rows | None]:
    def make(params: Any, dt: np.dtype) -> _Rows | None:
        if not params["from_logits"] or params["label_smoothing"] != 0.0 or params["class_weight"] is not None:
            return None
        if sparse and params.get("ignore_index") is not None:
            return None
        return _SoftmaxCE(dt, sparse)

    return make


CATEGORICAL_CROSS_ENTROPY = _rows(_make_ce(sparse=False))
SPARSE_CATEGORICAL_CROSS_ENTROPY = _rows(_make_ce(sparse=True))
KL_DIVERGENCE = _rows(lambda params, dt: _KL(dt, params["eps"]))
