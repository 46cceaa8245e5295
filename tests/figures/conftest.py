"""Shared pieces of the figure tests: the named datasets of a spec, a PNG's pixels."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

pytest.importorskip("altair")
pytest.importorskip("vl_convert")


def datasets(chart: Any) -> dict[str, list[dict[str, Any]]]:
    """The named datasets inside a figure's Vega-Lite spec."""
    from losslab.figures import spec

    data = spec(chart)
    assert "datasets" in data, "every losslab figure keeps its data in named datasets"
    return data["datasets"]


def pixels(png: bytes) -> np.ndarray:
    """A PNG as an (H, W, 4) uint8 array."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))
