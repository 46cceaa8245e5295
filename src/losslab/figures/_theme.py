"""The one look of every losslab figure: colour-blind-safe colours, readable sizes, the font of the language.

Colours are the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), which stays distinguishable for
the common forms of colour blindness; lines also differ by dash pattern, so a figure still reads in grey print.
Continuous values use viridis (loss) or a blue–orange diverging scheme (probabilities around 0.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np

from .._jsonable import jsonable
from .._palette import PALETTE  # the one palette (Okabe–Ito), shared with the browser lab
from .._version import __version__
from . import _fonts

__all__ = [
    "BAND",
    "DASHES",
    "GREY",
    "PALETTE",
    "REGION_COLOURS",
    "config",
    "dataset",
    "finish",
    "records",
]

DASHES: tuple[tuple[float, ...], ...] = ((1, 0), (8, 4), (2, 3), (10, 3, 2, 3), (4, 4), (12, 4, 2, 4, 2, 4), (1, 0),
                                         (6, 2))
"""Dash patterns, in the same order: the second cue for each series."""

GREY = "#666666"
BAND = "#000000"

REGION_COLOURS: dict[str, str] = {
    "wrong_confident": PALETTE[1],  # vermillion
    "wrong_unsure": PALETTE[4],  # orange
    "right_unsure": PALETTE[5],  # sky blue
    "right_confident": PALETTE[2],  # bluish green
}
"""Tints of the confidence regions (classification figures)."""

WIDTH = 340
HEIGHT = 250


def config(lang: str) -> dict[str, Any]:
    """The Vega-Lite ``config`` of a figure in ``lang``."""
    font = _fonts.font_family(lang)
    return {
        "font": font,
        "background": "white",
        "padding": 12,
        "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": "#bbbbbb"},
        "title": {"fontSize": 17, "subtitleFontSize": 12.5, "anchor": "start", "subtitleColor": "#444444",
                  "offset": 12, "fontWeight": "bold", "subtitlePadding": 6, "color": "#111111"},
        "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal", "gridColor": "#e8e8e8",
                 "domainColor": "#555555", "tickColor": "#555555", "labelColor": "#222222", "titleColor": "#222222",
                 "titlePadding": 8, "labelLimit": 220},
        "legend": {"labelFontSize": 12.5, "titleFontSize": 12.5, "titleFontWeight": "normal", "symbolStrokeWidth": 3,
                   "symbolSize": 220, "labelLimit": 320, "orient": "bottom", "direction": "horizontal",
                   "columnPadding": 16, "titleColor": "#333333"},
        "header": {"labelFontSize": 13.5, "titleFontSize": 13, "labelFontWeight": "bold"},
        "range": {"category": list(PALETTE), "heatmap": {"scheme": "viridis"},
                  "diverging": {"scheme": "blueorange"}},
        "line": {"strokeWidth": 2.5},
        "point": {"size": 70, "filled": True},
        "text": {"fontSize": 11.5, "color": "#222222"},
        "concat": {"spacing": 30},
        "axisQuantitative": {"tickCount": 7},
    }


def finish(chart: Any, figure: str, lang: str, datasets: Mapping[str, list[dict[str, Any]]],
           meta: Mapping[str, Any] | None = None) -> Any:
    """The figure as a top-level chart: named datasets, the theme, and ``usermeta`` saying what it is."""
    usermeta = {"losslab": {"figure": figure, "lang": lang, "version": __version__, **(meta or {})}}
    result = chart.properties(usermeta=usermeta).configure(**config(lang))
    # set last and directly: Altair would otherwise check and copy every data row against the schema (slow)
    result.datasets = dict(datasets)
    return result


def dataset(name: str) -> alt.NamedData:
    """A reference to the named dataset ``name`` of the figure (``spec["datasets"][name]``)."""
    return alt.NamedData(name=name)


def records(**columns: Iterable[Any] | Any) -> list[dict[str, Any]]:
    """Rows of plain JSON values from equally long columns (scalars repeat); NaN and ±inf become null.

    Every cell goes through :func:`losslab._jsonable.jsonable`, the package's one JSON conversion.
    """
    lists: dict[str, list[Any]] = {}
    n = None
    for key, column in columns.items():
        if isinstance(column, str | int | float | bool | np.generic) or column is None:
            continue
        values = column.tolist() if isinstance(column, np.ndarray) else list(column)
        lists[key] = values
        if n is not None and len(values) != n:
            raise ValueError(f"column {key!r} has {len(values)} values, expected {n}")
        n = len(values)
    n = n or 1
    rows = []
    for i in range(n):
        row = {}
        for key, column in columns.items():
            row[key] = jsonable(lists[key][i] if key in lists else column)
        rows.append(row)
    return rows


def colours(n: int) -> list[str]:
    """The colours of ``n`` series, in order."""
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def dashes(n: int) -> list[list[float]]:
    """The dash patterns of ``n`` series, in order."""
    return [list(DASHES[i % len(DASHES)]) for i in range(n)]


def dash_scale(domain: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(domain), range=dashes(len(domain)))


def colour_scale(domain: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(domain), range=colours(len(domain)))
