"""Fonts for the figures: a Japanese font for ``lang="ja"``, registered with the renderer, and SVG text as paths.

Japanese text needs a font that has Japanese glyphs, or it renders as empty boxes ("tofu"). losslab uses IPAex
Gothic, which the PyPI package ``matplotlib-fontja`` ships (the font file only: matplotlib is never imported). A
different font file can be given with the environment variable ``LOSSLAB_JA_FONT`` (a .ttf or .otf path).

The font is registered with vl-convert, so PNG and PDF output draw Japanese glyphs. An SVG file is read by other
programs, with their own fonts; so for Japanese figures :func:`text_to_paths` replaces every ``<text>`` element by
the outlines of its glyphs, taken from the same font, and the SVG renders the same everywhere without the font.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import io
import os
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FONT_EN", "JapaneseFont", "font_family", "html_font_face", "japanese_font", "register", "text_to_paths"]

FONT_EN = "Helvetica Neue, Helvetica, Arial, DejaVu Sans, sans-serif"
"""The font list of English figures: whatever sans-serif the reader has (DejaVu Sans where nothing else is)."""

_JA_FALLBACKS = "Hiragino Sans, Noto Sans CJK JP, Noto Sans JP, Yu Gothic, Meiryo, sans-serif"
_ENV = "LOSSLAB_JA_FONT"


@dataclass(frozen=True)
class JapaneseFont:
    """The font file used for Japanese figures and its family name."""

    path: Path
    family: str


def _fontja_file() -> Path | None:
    """IPAex Gothic from the ``matplotlib-fontja`` package, found without importing it (it imports matplotlib)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "fonts" / "ipaexg.ttf"
        if candidate.is_file():
            return candidate
    return None


def _family_name(path: Path) -> str:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True, fontNumber=0)
    name = font["name"]
    for name_id in (16, 1):  # typographic family, then family
        record = name.getName(name_id, 3, 1, 0x409) or name.getName(name_id, 1, 0, 0)
        if record is not None:
            return str(record.toUnicode())
    return path.stem


@functools.lru_cache(maxsize=1)
def japanese_font() -> JapaneseFont | None:
    """The Japanese font: ``$LOSSLAB_JA_FONT``, else IPAex Gothic from ``matplotlib-fontja``; None if neither."""
    configured = os.environ.get(_ENV)
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return JapaneseFont(path.resolve(), _family_name(path))
        warnings.warn(f"{_ENV}={configured!r} is not a font file; falling back to IPAex Gothic", stacklevel=2)
    path_or_none = _fontja_file()
    if path_or_none is None:
        return None
    return JapaneseFont(path_or_none, "IPAexGothic")


def font_family(lang: str) -> str:
    """The CSS font list of the figures in ``lang`` (the Japanese font first for ``"ja"``)."""
    if lang != "ja":
        return FONT_EN
    font = japanese_font()
    first = f"{font.family}, " if font is not None else ""
    return first + _JA_FALLBACKS


_registered: set[Path] = set()


def register() -> None:
    """Make the Japanese font known to vl-convert (once per process); warn if there is none."""
    font = japanese_font()
    if font is None:
        if not _registered:
            warnings.warn(
                "no Japanese font found, so Japanese figures may show empty boxes: pip install matplotlib-fontja "
                f"(or set {_ENV} to a .ttf/.otf file with Japanese glyphs)",
                stacklevel=3,
            )
            _registered.add(Path())
        return
    folder = font.path.parent
    if folder in _registered:
        return
    import vl_convert

    vl_convert.register_font_directory(str(folder))
    _registered.add(folder)


# ------------------------------------------------------------------------------------------------ text to paths
@functools.lru_cache(maxsize=2)
def _load(path: Path) -> Any:
    from fontTools.ttLib import TTFont

    return TTFont(str(path), lazy=True, fontNumber=0)


_TEXT = re.compile(r"<text\b[^>]*/>|<text\b[^>]*(?<!/)>.*?</text>", re.DOTALL)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PASSED_ON = ("fill", "fill-opacity", "opacity", "stroke", "stroke-width", "stroke-opacity", "clip-path", "cursor")


def _length(value: str | None) -> float:
    if not value:
        return 0.0
    match = _NUMBER.match(value.strip())
    return float(match.group()) if match else 0.0


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _Outlines:
    """Glyph outlines of one font as SVG path data (font units, y up), each defined once per document."""

    def __init__(self, path: Path) -> None:
        self.font = _load(path)
        self.cmap: dict[int, str] = self.font.getBestCmap() or {}
        self.glyphs = self.font.getGlyphSet()
        self.hmtx = self.font["hmtx"]
        self.units = float(self.font["head"].unitsPerEm)
        self.defined: dict[str, str] = {}  # glyph name -> id
        self.defs: list[str] = []

    def glyph(self, char: str) -> tuple[str | None, float]:
        """The id of the glyph's definition (None for blank glyphs) and its advance, in font units."""
        from fontTools.pens.svgPathPen import SVGPathPen

        name = self.cmap.get(ord(char), ".notdef")
        advance = float(self.hmtx[name][0])
        if name in self.defined:
            return self.defined[name] or None, advance
        pen = SVGPathPen(self.glyphs, ntos=lambda x: f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}")
        self.glyphs[name].draw(pen)
        data = pen.getCommands()
        if not data:
            self.defined[name] = ""
            return None, advance
        gid = f"losslab-glyph-{len(self.defs)}"
        self.defined[name] = gid
        self.defs.append(f'<path id="{gid}" d="{data}"/>')
        return gid, advance


def _lines(element: ET.Element) -> list[tuple[float, float, str]]:
    """(x, y, text) of each line of a ``<text>`` element (vega writes extra lines as ``<tspan x dy>``)."""
    x0 = _length(element.get("x")) + _length(element.get("dx"))
    y0 = _length(element.get("y")) + _length(element.get("dy"))
    lines: list[tuple[float, float, str]] = []
    if element.text and element.text.strip("\n"):
        lines.append((x0, y0, element.text))
    y = y0
    for span in element:
        previous = lines[-1][0] if lines else x0
        x = _length(span.get("x")) if span.get("x") is not None else previous
        y += _length(span.get("dy"))
        if span.get("y") is not None:
            y = _length(span.get("y"))
        lines.append((x, y, "".join(span.itertext())))
    return lines


def text_to_paths(svg: str, font_path: Path) -> str:
    """``svg`` with every ``<text>`` drawn as glyph outlines from ``font_path`` (and kept as an aria-label).

    Glyphs are laid out with the font's advance widths, anchored as the text was (start, middle or end); each glyph
    outline is defined once in ``<defs>`` and placed with ``<use>``, so a tick label costs a few bytes.
    """
    outlines = _Outlines(font_path)

    def replace(match: re.Match[str]) -> str:
        snippet = match.group()
        if snippet.endswith("/>") and not snippet.endswith("</text>"):
            return ""  # an empty text mark draws nothing
        try:
            element = ET.fromstring(snippet)
        except ET.ParseError:
            return snippet
        size = _length(element.get("font-size")) or 11.0
        scale = size / outlines.units
        anchor = element.get("text-anchor", "start")
        label = "".join(element.itertext())
        attrs = [f'aria-label="{_escape(label)}"', 'role="img"', 'class="text"']
        if element.get("transform"):
            attrs.append(f'transform="{_escape(element.get("transform", ""))}"')
        for key in _PASSED_ON:
            if element.get(key) is not None:
                attrs.append(f'{key}="{_escape(element.get(key, ""))}"')
        if element.get("fill") is None:
            attrs.append('fill="#000"')
        uses: list[str] = []
        for x, y, text in _lines(element):
            placed: list[tuple[str | None, float]] = []
            width = 0.0
            for char in text:
                gid, advance = outlines.glyph(char)
                placed.append((gid, width))
                width += advance * scale
            shift = {"middle": -width / 2, "end": -width}.get(anchor, 0.0)
            for gid, offset in placed:
                if gid is None:
                    continue
                uses.append(
                    f'<use xlink:href="#{gid}" href="#{gid}" '
                    f'transform="translate({x + shift + offset:.2f},{y:.2f}) scale({scale:.6f},{-scale:.6f})"/>'
                )
        return f"<g {' '.join(attrs)}>{''.join(uses)}</g>"

    body = _TEXT.sub(replace, svg)
    if not outlines.defs:
        return body
    if "xmlns:xlink" not in body[: body.find(">")]:
        body = body.replace("<svg ", '<svg xmlns:xlink="http://www.w3.org/1999/xlink" ', 1)
    head_end = body.find(">") + 1
    return body[:head_end] + "<defs>" + "".join(outlines.defs) + "</defs>" + body[head_end:]


# -------------------------------------------------------------------------------------------------- HTML fonts
def html_font_face(characters: str) -> str:
    """A CSS ``@font-face`` rule with the Japanese font cut down to ``characters``, inline (WOFF, base64).

    The HTML page then shows Japanese with the same font as the PNG, on machines without any Japanese font and
    without fetching anything. Returns "" when there is no Japanese font.
    """
    font = japanese_font()
    if font is None:
        return ""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["kern", "palt"]  # Latin kerning, proportional punctuation (cheap to keep)
    options.notdef_outline = True
    options.hinting = False  # browsers scale outlines well; hints only add bytes
    source = subset.load_font(str(font.path), options)
    subsetter = subset.Subsetter(options)
    wanted = set(characters) | {chr(c) for c in range(0x20, 0x7F)}
    subsetter.populate(text="".join(sorted(wanted)))
    subsetter.subset(source)
    buffer = io.BytesIO()
    subset.save_font(source, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face{{font-family:"{font.family}";src:url(data:font/woff;base64,{data}) format("woff");}}'
