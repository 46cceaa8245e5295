"""Every figure renders to PNG and SVG, in English and Japanese, and its spec is valid Vega-Lite."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import altair as alt
import numpy as np
import pytest

import losslab
from losslab import figures

from .conftest import pixels
from .synthetic import FIGURES


@pytest.fixture(scope="module", params=sorted(FIGURES))
def figure(request: pytest.FixtureRequest) -> tuple[str, Callable[[str], Any]]:
    return request.param, FIGURES[request.param]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_figure_renders_to_png_and_svg(figure, lang):
    name, build = figure
    chart = build(lang)
    data = figures.spec(chart, validate=True)  # the structure is valid Vega-Lite (datasets are checked apart)
    meta = data["usermeta"]["losslab"]
    assert meta["figure"] == name and meta["lang"] == lang
    assert data["config"]["font"].startswith("IPAexGothic" if lang == "ja" else "Helvetica")
    json.dumps(data, allow_nan=False)  # plain JSON: no NaN or infinity inside
    png = figures.to_png(chart, scale=0.5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = pixels(png)
    assert image.shape[0] > 100 and image.shape[1] > 150
    ink = (image[..., :3].min(axis=2) < 200).mean()
    assert 0.003 < ink < 0.95, "the image has ink (text, lines, areas) but is not one block of colour"
    assert len(np.unique(image.reshape(-1, 4)[::7], axis=0)) > 20
    svg = figures.to_svg(chart)
    assert svg.lstrip().startswith("<svg")
    if lang == "ja":
        assert "<text" not in svg, "Japanese SVG text is drawn as glyph outlines"
        assert "<use " in svg and 'aria-label="' in svg
    else:
        assert "<text" in svg


def test_title_texts_are_written_in_both_languages():
    from losslab.figures import _text

    assert _text.keys("en") == _text.keys("ja")
    for key in _text.keys("ja"):
        en, ja = _text.fig_text(key, "en"), _text.fig_text(key, "ja")
        assert en and ja
        if key.endswith(("title", "subtitle")):
            assert any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in ja), key


def test_shapes_chart_is_the_same_object_for_notebooks():
    chart = figures.shapes(["mse"])
    assert isinstance(chart, alt.TopLevelMixin)
    bundle = chart._repr_mimebundle_()  # what Jupyter calls to show it
    assert "vega" in str(bundle).lower()


def test_errors_name_the_figure_and_argument():
    with pytest.raises(losslab.LossInputError, match="darts: argument 'preds'"):
        figures.darts(np.zeros((3, 3)))
    with pytest.raises(losslab.LossInputError, match="classification: argument 'axis'"):
        figures.classification(axis="logit")  # type: ignore[arg-type]
    with pytest.raises(losslab.LossInputError, match="shapes: argument 'error_range'"):
        figures.shapes(error_range=(2, 1))
