"""Fast NumPy kernels of the binary losses (hinge, squared hinge, cross-entropy, focal)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._blocks import (
    _SUM_SLACK,
    Arr,
    Bufs,
    _bool_scratch,
    _const,
    _dot,
    _Elementwise,
    _elementwise,
    _finite,
    _neg_abs,
    _step,
)


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



# ------------------------------------------------------------------------------------------------------ kernels
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


HINGE = _elementwise(lambda params, dt: _Hinge(dt, squared=False))
SQUARED_HINGE = _elementwise(lambda params, dt: _Hinge(dt, squared=True))
BINARY_CROSS_ENTROPY = _elementwise(_make_bce)
BINARY_FOCAL = _elementwise(_make_focal)
