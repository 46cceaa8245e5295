"""Rendering a figure: PNG, SVG and PDF through vl-convert (offline, no browser), HTML with the JavaScript inlined.

One chart definition gives every output: the Vega-Lite spec (``spec(chart)``) is what the notebook shows, what the
HTML page embeds and what vl-convert draws, so the three places show the same figure.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import altair as alt

from ..errors import LossInputError
from . import _fonts

__all__ = ["FORMATS", "save", "spec", "static_file", "to_html", "to_pdf", "to_png", "to_svg"]

FORMATS: tuple[str, ...] = ("png", "svg", "pdf", "html", "json")
"""The file formats :func:`save` writes, chosen by the file's extension."""

STATIC_FILES: tuple[str, ...] = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
"""The JavaScript shipped in ``losslab/figures/static`` (versions in its README.md), in load order."""

VEGALITE_VERSION = "6.4"  # the Vega-Lite that vl-convert uses: the one shipped in static/ (6.4.1)


def spec(chart: Any, *, validate: bool = False) -> dict[str, Any]:
    """The Vega-Lite specification of a figure, as plain JSON-ready data.

    ``validate=True`` also checks it against the Vega-Lite schema (slow with large datasets; the tests do it).
    """
    if isinstance(chart, dict):
        return chart
    data = getattr(chart, "datasets", None)
    if not isinstance(data, dict):
        return dict(chart.to_dict(validate=validate))
    # the named datasets are plain JSON already: leave them out of Altair's (slow, row by row) conversion
    chart.datasets = alt.Undefined
    try:
        result: dict[str, Any] = chart.to_dict(validate=validate)
    finally:
        chart.datasets = data
    result["datasets"] = {name: list(rows) for name, rows in data.items()}
    return result


def _lang(data: dict[str, Any]) -> str:
    return str(data.get("usermeta", {}).get("losslab", {}).get("lang", "en"))


def _prepare(chart: Any) -> dict[str, Any]:
    data = spec(chart)
    if _lang(data) == "ja":
        _fonts.register()
    return data


def to_png(chart: Any, *, scale: float = 2.0) -> bytes:
    """The figure as PNG bytes (``scale=2``: twice the nominal size, sharp on high-density screens)."""
    import vl_convert

    data = vl_convert.vegalite_to_png(_prepare(chart), vl_version=VEGALITE_VERSION, scale=scale)
    return bytes(data)


def to_svg(chart: Any, *, text_as_paths: bool | None = None) -> str:
    """The figure as an SVG document.

    ``text_as_paths``: draw the text as glyph outlines, so it renders without the font; the default does so for
    Japanese figures (whose font the reader may lack) and keeps English text as selectable ``<text>``.
    """
    import vl_convert

    data = _prepare(chart)
    svg = str(vl_convert.vegalite_to_svg(data, vl_version=VEGALITE_VERSION))
    if text_as_paths is None:
        text_as_paths = _lang(data) == "ja"
    font = _fonts.japanese_font()
    if text_as_paths and font is not None:
        svg = _fonts.text_to_paths(svg, font.path)
    return svg


def to_pdf(chart: Any) -> bytes:
    """The figure as a PDF document (fonts embedded)."""
    import vl_convert

    return bytes(vl_convert.vegalite_to_pdf(_prepare(chart), vl_version=VEGALITE_VERSION))


def static_file(name: str) -> Path:
    """The path of a file shipped in ``losslab/figures/static`` (the lab page serves the same files)."""
    if name not in (*STATIC_FILES, "README.md"):
        raise LossInputError("figures", "name", "one of " + ", ".join(STATIC_FILES), repr(name))
    return Path(str(resources.files("losslab.figures").joinpath("static").joinpath(name)))


@cache
def _script(name: str) -> str:
    text = static_file(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("//# sourceMappingURL=")]
    return "\n".join(lines).replace("</script", "<\\/script")


def _strings(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return "".join(_strings(k) + _strings(v) for k, v in node.items())
    if isinstance(node, list):
        return "".join(_strings(v) for v in node)
    return str(node)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{font_face}
body {{ margin: 16px; font-family: {font}; background: white; }}
.vega-embed .vega-actions a {{ font-family: {font}; }}
</style>
<script>{vega}</script>
<script>{vegalite}</script>
<script>{embed}</script>
</head>
<body>
<div id="losslab-figure"></div>
<script>
(function () {{
  var spec = {spec};
  var options = {{renderer: "svg", actions: {{export: true, source: true, compiled: false, editor: false}}}};
  function draw() {{ vegaEmbed("#losslab-figure", spec, options).catch(function (e) {{ console.error(e); }}); }}
  var fonts = document.fonts;
  if ({wait_for_font} && fonts && fonts.load) {{
    fonts.load("12px " + {family}).then(draw, draw);
  }} else {{
    draw();
  }}
}})();
</script>
</body>
</html>
"""


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_html(chart: Any) -> str:
    """A self-contained HTML page: the spec and the Vega, Vega-Lite and Vega-Embed scripts inline, no CDN.

    Japanese figures also carry the Japanese font, cut down to the characters of the figure.
    """
    data = spec(chart)
    lang = _lang(data)
    title = data.get("title", "losslab")
    if isinstance(title, dict):
        title = title.get("text", "losslab")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    font = _fonts.japanese_font() if lang == "ja" else None
    face = _fonts.html_font_face(_strings(data)) if font is not None else ""
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return _PAGE.format(
        lang=lang,
        title=_html_escape(str(title)),
        font_face=face,
        font=_fonts.font_family(lang),
        vega=_script("vega.min.js"),
        vegalite=_script("vega-lite.min.js"),
        embed=_script("vega-embed.min.js"),
        spec=payload,
        wait_for_font="true" if face else "false",
        family=json.dumps(font.family if font is not None else "sans-serif"),
    )


def save(chart: Any, path: str | Path, *, format: str | None = None, scale: float = 2.0,
         text_as_paths: bool | None = None) -> Path:
    """Write a figure to ``path``; the format comes from the extension (png, svg, pdf, html, json).

    Parameters
    ----------
    chart : altair chart or dict
        A figure from :mod:`losslab.figures` (or any Vega-Lite chart or spec).
    path : str or Path
        The file to write; its folder must exist.
    format : str, optional
        One of :data:`FORMATS`, to override the extension.
    scale : float
        PNG only: pixels per nominal pixel (2 by default).
    text_as_paths : bool, optional
        SVG only: see :func:`to_svg`.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    kind = (format or target.suffix.lstrip(".")).lower()
    if kind == "htm":
        kind = "html"
    if kind not in FORMATS:
        raise LossInputError("save", "path", "a file name ending in " + ", ".join("." + f for f in FORMATS),
                             repr(str(path)), "the format comes from the extension, e.g. figure.png")
    if kind == "png":
        target.write_bytes(to_png(chart, scale=scale))
    elif kind == "pdf":
        target.write_bytes(to_pdf(chart))
    elif kind == "svg":
        target.write_text(to_svg(chart, text_as_paths=text_as_paths), encoding="utf-8")
    elif kind == "html":
        target.write_text(to_html(chart), encoding="utf-8")
    else:
        target.write_text(json.dumps(spec(chart), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target
