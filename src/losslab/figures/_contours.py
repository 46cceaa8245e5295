"""Lines of equal value on a grid (marching squares, by contourpy) for the rings and landscapes."""

from __future__ import annotations

import numpy as np

__all__ = ["contour_lines"]


def contour_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray, level: float) -> list[np.ndarray]:
    """The lines where ``z`` (shape ``(len(y), len(x))``) equals ``level``, each an (M, 2) array of (x, y)."""
    import contourpy

    generator = contourpy.contour_generator(np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                                            np.asarray(z, dtype=float), line_type="Separate")
    lines = generator.lines(level)
    result = []
    for line in lines:
        points = np.asarray(line, dtype=float)
        if len(points) >= 2:
            keep = np.ones(len(points), dtype=bool)
            keep[1:] = np.any(np.diff(points, axis=0) != 0, axis=1)  # drop repeated points
            result.append(points[keep])
    return result
