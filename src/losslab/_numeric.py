"""Small numeric helpers shared across losslab's layers (NumPy only; nothing here imports the rest of losslab)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sigmoid"]


def sigmoid(z: Any) -> np.ndarray:
    """The logistic function ``1 / (1 + e^-z)``, stable for every finite or infinite ``z``.

    Only ``e^-|z|`` is ever computed, so nothing overflows: ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)``
    below, both with full relative precision (the small tail is not ``1 - sigmoid``). NaN stays NaN. A floating
    input keeps its dtype (float32 in, float32 out); anything else is computed in float64.
    """
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    out: np.ndarray = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)
    return out
