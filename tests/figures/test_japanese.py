"""Japanese renders as Japanese glyphs, not as empty boxes ("tofu"), in PNG and SVG.

The reference for "boxes" is built here, independent of the fonts the machine happens to have: the figure's text
drawn with a font that has no Japanese (IPAex Gothic cut down to ASCII), where every Japanese character becomes
the same box. The PNG must match the rendering with real glyphs and be far from the boxed one.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pytest
import vl_convert

from losslab import figures
from losslab.figures import _fonts


def grey(png: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("L"), dtype=float)


@pytest.fixture(scope="module")
def fonts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the Japanese font, the same font without any Japanese glyph)."""
    font = _fonts.japanese_font()
    if font is None:  # pragma: no cover - the figures depend on matplotlib-fontja
        pytest.skip("no Japanese font installed")
    from fontTools import subset

    options = subset.Options()
    options.notdef_outline = True  # the box
    options.layout_features = []  # (only what the test needs: quick to cut)
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.hinting = False
    ascii_only = subset.load_font(str(font.path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chr(c) for c in range(0x20, 0x7F)))
    subsetter.subset(ascii_only)
    path = tmp_path_factory.mktemp("fonts") / "ascii-only.ttf"
    ascii_only.save(str(path))
    return font.path, path


@pytest.fixture(scope="module")
def drawn(fonts: tuple[Path, Path]) -> dict[str, Any]:
    """A small Japanese figure: its PNG, its SVG with text, and its SVG as the tests' renderings of it."""
    chart = figures.shapes(["mse"], points=21, lang="ja")
    return {"chart": chart, "png": grey(figures.to_png(chart, scale=1)),
            "svg_text": figures.to_svg(chart, text_as_paths=False), "svg": figures.to_svg(chart)}


def test_japanese_font_is_found_and_used_for_ja_figures(drawn):
    family = _fonts.japanese_font().family  # type: ignore[union-attr]
    assert family == "IPAexGothic"
    assert figures.spec(drawn["chart"])["config"]["font"].startswith(family)
    assert not figures.spec(figures.shapes(["mse"], points=5, lang="en"))["config"]["font"].startswith(family)


def test_png_draws_japanese_glyphs_not_boxes(fonts, drawn):
    japanese, boxes = fonts
    png = drawn["png"]
    glyphs = grey(vl_convert.svg_to_png(_fonts.text_to_paths(drawn["svg_text"], japanese), scale=1))
    tofu = grey(vl_convert.svg_to_png(_fonts.text_to_paths(drawn["svg_text"], boxes), scale=1))
    assert png.shape == glyphs.shape == tofu.shape
    top = slice(0, 70)  # the title and subtitle: Japanese only
    to_glyphs = np.abs(png[top] - glyphs[top]).mean()
    to_tofu = np.abs(png[top] - tofu[top]).mean()
    assert to_glyphs < 1.0, "the PNG shows the Japanese glyphs"
    assert to_tofu > 10 * to_glyphs + 5, "and not the boxes"


def test_boxes_are_what_the_test_would_catch(fonts):
    """The premise: without Japanese glyphs two different words give the same boxes; with them they differ."""
    japanese, boxes = fonts

    def title(text: str, font: Path) -> np.ndarray:
        chart = alt.Chart(alt.Data(values=[{"x": 0}])).mark_point(opacity=0).encode(x=alt.X("x:Q", axis=None))
        chart = chart.properties(width=10, height=10, title=alt.Title(text, fontSize=28)).configure(font="IPAexGothic")
        _fonts.register()
        svg = vl_convert.vegalite_to_svg(chart.to_dict())
        return grey(vl_convert.svg_to_png(_fonts.text_to_paths(svg, font), scale=1)) < 128

    assert (title("損失関数", boxes) != title("誤差予測", boxes)).sum() == 0
    real_a, real_b = title("損失関数", japanese), title("誤差予測", japanese)
    assert real_a.sum() > 200 and (real_a != real_b).sum() > 200


def test_japanese_svg_carries_the_glyph_outlines(drawn):
    svg = drawn["svg"]
    assert "<text" not in svg and "losslab-glyph-" in svg
    assert 'aria-label="損失"' in svg  # the words stay there for screen readers and search
    # drawn without any font: the outlines match the PNG that vl-convert draws with the font
    outlines = grey(vl_convert.svg_to_png(svg, scale=1))
    assert outlines.shape == drawn["png"].shape and np.abs(outlines - drawn["png"]).mean() < 1.0


def test_english_svg_keeps_selectable_text():
    chart = figures.shapes(["mse"], points=5, lang="en")
    svg = figures.to_svg(chart)
    assert "<text" in svg and "losslab-glyph" not in svg
    assert "losslab-glyph" in figures.to_svg(chart, text_as_paths=True)
