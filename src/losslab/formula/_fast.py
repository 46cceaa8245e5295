"""A formula loss's NumPy kernel: the tree computed block by block inside the catalog's cache-blocked driver
(``losses.fast._blocks``), so its temporaries stay in cache as a built-in kernel's do.

Same numbers as the generic path; a block that fails a check (a NaN, a probability outside [0, 1], an infinite
result) answers NaN, and the driver then hands the whole call to the generic path, which computes it or says
exactly which element is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..losses.fast._blocks import Kernel, _Elementwise, _elementwise
from ._formula import Formula

__all__ = ["formula_kernel"]


_SUB_BYTES = 120 << 10
"""A formula's temporaries are fresh arrays (one per op): kept under glibc's mmap threshold (128 KiB) they come
from the heap, not from new pages — 1 MiB temporaries made the first calls on 10^6 elements 5x slower."""


class _FormulaBlocks(_Elementwise):
    def __init__(self, dt: np.dtype, f: Formula, params: Mapping[str, Any]) -> None:
        super().__init__(dt)
        self.f = f
        self.params = dict(params)
        self.probability = f.uses_probability
        self.binary = f.task == "binary"
        self.sub = max(1024, _SUB_BYTES // dt.itemsize)

    def _valid(self, p: np.ndarray, t: np.ndarray) -> bool:
        if self.probability and not (p.min() >= 0.0 and p.max() <= 1.0):
            return False
        return not (self.binary and not (t.min() >= 0.0 and t.max() <= 1.0))

    def _run(self, p: np.ndarray, t: np.ndarray, dest: np.ndarray | None, g: np.ndarray | None, c: float) -> float:
        """Sum of the values (written to ``dest`` if given; c · derivative to ``g`` if given), NaN when a check
        fails."""
        if not self._valid(p, t):
            return math.nan
        orders = (0, 1) if g is not None else (0,)
        total, gsum = 0.0, 0.0
        for i in range(0, p.shape[0], self.sub):
            j = i + self.sub
            out = self.f.compute(np, p[i:j], t[i:j], self.params, orders=orders)
            if dest is not None:
                dest[i:j] = out[0]
            total += float(np.add.reduce(out[0], dtype=np.float64))
            if g is not None:
                np.multiply(out[1], c, out=g[i:j])
                gsum += float(np.add.reduce(g[i:j], dtype=np.float64))
        return total if math.isfinite(gsum) else math.nan

    def total(self, p: np.ndarray, t: np.ndarray, b: list[np.ndarray]) -> float:
        return self._run(p, t, None, None, 0.0)

    def values(self, p: np.ndarray, t: np.ndarray, dest: np.ndarray, b: list[np.ndarray]) -> float:
        return self._run(p, t, dest, None, 0.0)

    def grad(self, p: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> float:
        if not self._valid(p, t):
            return math.nan
        gsum = 0.0
        for i in range(0, p.shape[0], self.sub):
            j = i + self.sub
            (d,) = self.f.compute(np, p[i:j], t[i:j], self.params, orders=(1,))
            np.multiply(d, c, out=g[i:j])
            gsum += float(np.add.reduce(g[i:j], dtype=np.float64))
        return gsum

    def total_grad(self, p: np.ndarray, t: np.ndarray, g: np.ndarray, c: float, b: list[np.ndarray]) -> float:
        return self._run(p, t, None, g, c)  # value and derivative share their subtrees


def formula_kernel(f: Formula) -> Kernel:
    """The ``LossDefinition.fast`` kernel of a formula loss (the Loss's current parameters are read per call)."""
    return _elementwise(lambda params, dt: _FormulaBlocks(dt, f, params))
