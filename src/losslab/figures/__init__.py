"""Figures of losslab: every loss and every training run as a chart.

Each figure is one function returning an Altair (Vega-Lite) chart, with labels in English or Japanese
(``lang="en"|"ja"``). The same chart shows in a Jupyter notebook, is written to PNG, SVG, PDF, HTML or JSON by
:func:`save` (the format comes from the file's extension), and is embedded by the lab page.

>>> from losslab import figures
>>> chart = figures.shapes(["mse", "mae", "huber"], params={"huber": {"delta": 2}}, lang="ja")
>>> figures.save(chart, "shapes.png")  # doctest: +SKIP
"""

from __future__ import annotations

try:
    import altair as _altair  # noqa: F401
    import vl_convert as _vl_convert  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "losslab's figures need altair and vl-convert-python: pip install 'losslab[figures]'"
    ) from exc

from ._accuracy import loss_vs_accuracy, p_true_of
from ._boundary import boundary
from ._classification import REGIONS as CLASSIFICATION_REGIONS
from ._classification import classification
from ._contributions import contributions
from ._curves import training_curves
from ._darts import DEFAULT_DARTS, darts
from ._evidence import evidence
from ._fits import fits
from ._landscape import descend, landscape
from ._lm import lm_curves, lm_temperature, lm_token_losses, lm_top_k
from ._runs import boundary_from_run, curves_from_run, fits_from_comparison, landscape_from_dataset
from ._save import FORMATS, save, spec, static_file, to_html, to_pdf, to_png, to_svg
from ._shapes import shapes
from ._theme import PALETTE

__all__ = [
    "CLASSIFICATION_REGIONS",
    "DEFAULT_DARTS",
    "FORMATS",
    "PALETTE",
    "boundary",
    "boundary_from_run",
    "classification",
    "contributions",
    "curves_from_run",
    "darts",
    "descend",
    "evidence",
    "fits",
    "fits_from_comparison",
    "landscape",
    "landscape_from_dataset",
    "lm_curves",
    "lm_temperature",
    "lm_token_losses",
    "lm_top_k",
    "loss_vs_accuracy",
    "p_true_of",
    "save",
    "shapes",
    "spec",
    "static_file",
    "to_html",
    "to_pdf",
    "to_png",
    "to_svg",
    "training_curves",
]
