"""The explanation columns of a loss nobody described: each loss's own columns live in its definition
(``LossDefinition.steps``, beside its value and gradient); this is what a user's loss without them shows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..losses._definition import Columns


def fallback(p: np.ndarray, t: np.ndarray, params: Mapping[str, Any], **inputs: Any) -> tuple[Columns, Columns]:
    """For user-defined losses: the inputs and the loss, nothing we cannot know (extra inputs are not shown: their
    [ui] names are the user's own)."""
    if p.shape == t.shape and p.ndim == 2 and p.shape[1] > 1 and t.shape[1] > 1:
        return {}, {"pred": p, "target": t}
    return {"pred": p, "target": t}, {}
