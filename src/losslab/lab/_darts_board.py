"""The lab's dart board: :func:`losslab.figures.darts`, scored by each dart's distance from the bullseye.

A dart's error is how far it landed, so the lab scores each dart by the catalog loss of that distance
(:func:`losslab.lab._compute.dart_values`): absolute error is the distance itself, squared error its square. The
board's datasets are rewritten to say the same as the table: each dart's number, the rings of equal loss (circles,
since every loss here depends on the distance alone), their labels and each board's mean loss. With no darts the
board is still drawn, empty, so that a click can throw the first dart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._compute import DART_LOSSES, dart_loss, dart_values
from ._texts import lab_text

__all__ = ["score_board"]

_RING_POINTS = 97


def score_board(spec: dict[str, Any], darts: Sequence[Sequence[float]], delta: float, lang: str) -> dict[str, Any]:
    """Rewrite a ``figures.darts`` spec (built for ``darts``, or one dummy dart when empty) in place."""
    from ..figures._text import fig_text

    data = spec["datasets"]
    series = {row["loss"]: row["series"] for row in data.get("darts", []) + data.get("levels", [])}
    meta = spec.get("usermeta", {}).get("losslab", {})
    radii = [float(r) for r in meta.get("radii", [])]
    kept = {(row["loss"], float(row["radius"])) for row in data.get("levels", [])}
    points = np.asarray(darts, dtype=float).reshape(-1, 2)
    distances = np.hypot(points[:, 0], points[:, 1])
    angle = np.linspace(0.0, 2.0 * np.pi, _RING_POINTS)
    dart_rows: list[dict[str, Any]] = []
    ring_rows: list[dict[str, Any]] = []
    level_rows: list[dict[str, Any]] = []
    means: dict[str, float | None] = {}
    for name in DART_LOSSES:
        loss = dart_loss(name, delta)
        label = series.get(name, name)
        values = dart_values(loss, distances)
        means[name] = float(np.mean(values)) if values.size else None
        for i, ((x, y), v) in enumerate(zip(points.tolist(), values.tolist(), strict=True)):
            dart_rows.append({"loss": name, "series": label, "dart": i + 1, "x": x, "y": y, "value": v,
                              "text": f"{v:.2f}", "params": dict(loss.params)})
        levels = dart_values(loss, radii)
        for k, (r, level) in enumerate(zip(radii, levels.tolist(), strict=True)):
            ring_rows += [{"loss": name, "series": label, "level": level, "radius": r, "ring": f"{name}-{k}",
                           "order": j, "x": float(r * np.cos(a)), "y": float(r * np.sin(a))}
                          for j, a in enumerate(angle)]
            if (name, r) in kept:
                level_rows.append({"loss": name, "series": label, "radius": r, "level": level, "x": r, "y": 0.0})
    data["darts"], data["rings"], data["levels"] = dart_rows, ring_rows, level_rows
    for board, name in zip(spec.get("hconcat", []), DART_LOSSES, strict=False):
        mean = means[name]
        board["title"] = fig_text("darts.panel", lang, loss=series.get(name, name),
                                  mean="—" if mean is None else f"{mean:.3g}")
    title = spec.get("title")
    if isinstance(title, dict):
        title["subtitle"] = lab_text("darts.board_subtitle", lang).split("\n")
    return spec
