"""The decision map: a classifier's answer on a square grid over 2-D data, as the lab and the notebook draw it.

Moved here from ``lab._run_views`` so that the notebook's live widget draws the same map as the lab without
importing the lab (and FastAPI). The map is the model's probability of class 1 (binary) or its arg-max class and
that class's probability (multiclass) on an ``n`` × ``n`` grid over [-extent, extent]², one byte per number,
base64: small enough to send many times a second. Only 2-D classification data has a map (:func:`map_reason`).
"""

from __future__ import annotations

import base64
import functools
import math
from typing import Any

import numpy as np

from .._numeric import sigmoid
from .data import Dataset
from .models import Model
from .objective import Objective

__all__ = ["data_extent", "decision_map", "grid", "map_reason"]


def decision_map(net: Model, objective: Objective, extent: float, n: int, n_classes: int) -> dict[str, Any]:
    """The model's answer on an ``n`` × ``n`` grid over [-extent, extent]²: probability of class 1 (binary), or the
    class and its probability (multiclass), one byte each, base64; hinge scores are shown through a sigmoid.

    Call it where the model stands still (between steps: from ``fit``'s ``on_epoch``, or on a copy)."""
    with np.errstate(all="ignore"):
        Z = net.scores(grid(extent, n))
    if objective.n_outputs == 1:
        p = sigmoid(Z[:, 0])
        p = np.nan_to_num(p, nan=0.5)
        data = np.round(p * 255).astype(np.uint8).tobytes()
        kind = "probability" if objective.probabilistic else "score"
    else:
        Zc = np.nan_to_num(Z - Z.max(axis=1, keepdims=True), nan=0.0)
        e = np.exp(Zc)
        prob = e / e.sum(axis=1, keepdims=True)
        cls = np.argmax(prob, axis=1).astype(np.uint8)
        conf = np.round(prob.max(axis=1) * 255).astype(np.uint8)
        data = np.stack([cls, conf], axis=1).tobytes()
        kind = "classes"
    return {"n": n, "extent": extent, "kind": kind, "classes": n_classes,
            "data": base64.b64encode(data).decode("ascii")}


@functools.lru_cache(maxsize=16)
def grid(extent: float, n: int) -> np.ndarray:
    """The ``n`` × ``n`` points of the map, row by row, the first row at the top (the same for every frame of a run:
    built once, read-only)."""
    axis = np.linspace(-extent, extent, n)
    gx, gy = np.meshgrid(axis, axis[::-1])
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    points.flags.writeable = False
    return points


def data_extent(ds: Dataset) -> float:
    """Half the side of the square the map covers: the farthest coordinate plus 10%, rounded up to a half."""
    both = np.concatenate([ds.X_train, ds.X_val])
    reach = float(np.max(np.abs(both))) if both.size else 1.0
    return float(math.ceil(reach * 1.1 * 2) / 2)


def map_reason(ds: Dataset) -> str | None:
    """Why ``ds`` has no decision map (``"task"``: not classification; ``"features"``: not 2 features), or None."""
    if ds.task not in ("binary", "multiclass"):
        return "task"
    if ds.n_features != 2:
        return "features"
    return None
