"""save(): the format from the extension; HTML that works offline (no CDN)."""

from __future__ import annotations

import json
import re

import pytest

import losslab
from losslab import figures


@pytest.fixture(scope="module")
def chart():
    return figures.shapes(["mse", "mae"], points=21, lang="ja")


@pytest.mark.parametrize("ext", ["png", "svg", "pdf", "html", "json"])
def test_save_picks_the_format_from_the_extension(chart, tmp_path, ext):
    path = figures.save(chart, tmp_path / f"figure.{ext}")
    data = path.read_bytes()
    assert data
    if ext == "png":
        assert data.startswith(b"\x89PNG")
    elif ext == "pdf":
        assert data.startswith(b"%PDF")
    elif ext == "svg":
        assert b"<svg" in data[:200]
    elif ext == "json":
        assert json.loads(data) == figures.spec(chart)
    else:
        assert data.startswith(b"<!DOCTYPE html>")


def test_unknown_extension_is_a_one_line_error(chart, tmp_path):
    with pytest.raises(losslab.LossInputError, match=r"\.png, \.svg, \.pdf, \.html, \.json"):
        figures.save(chart, tmp_path / "figure.gif")


def test_html_embeds_everything_and_loads_nothing(chart):
    page = figures.to_html(chart)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE), "no external script"
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", page, re.IGNORECASE)
    assert "@import" not in page
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert figures.static_file(name).read_text(encoding="utf-8")[:200] in page
    assert "sourceMappingURL" not in page
    match = re.search(r"var spec = (\{.*?\});\n", page, re.DOTALL)
    assert match is not None
    assert json.loads(match.group(1).replace("<\\/", "</")) == figures.spec(chart)
    assert 'lang="ja"' in page and "@font-face" in page and "data:font/woff;base64," in page
    assert "editor: false" in page  # no "open in the online editor" link


def test_html_in_english_has_no_font_inside():
    page = figures.to_html(figures.shapes(["mse"], points=5, lang="en"))
    assert "@font-face" not in page and 'lang="en"' in page


def test_static_readme_records_the_shipped_versions():
    import hashlib

    import vl_convert

    readme = figures.static_file("README.md").read_text(encoding="utf-8")
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        digest = hashlib.sha256(figures.static_file(name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in readme

    assert vl_convert.get_vega_version() in readme
    assert "BSD-3-Clause" in readme


def test_shipped_scripts_draw_the_spec(tmp_path):
    """The Vega scripts of the HTML page (and the lab) compile and draw a figure: checked with Node.js if present."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(figures.spec(figures.darts(lang="ja", grid=21))), encoding="utf-8")
    script = tmp_path / "draw.js"
    script.write_text(
        "const fs = require('fs'), vm = require('vm');\n"
        "for (const f of process.argv.slice(3)) vm.runInThisContext(fs.readFileSync(f, 'utf8'), {filename: f});\n"
        "const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));\n"
        "new vega.View(vega.parse(vegaLite.compile(spec).spec), {renderer: 'none'}).toSVG()\n"
        "  .then(svg => console.log(typeof vegaEmbed, (svg.match(/<text/g) || []).length))\n"
        "  .catch(e => { console.error(e); process.exit(1); });\n",
        encoding="utf-8",
    )
    files = [str(figures.static_file(n)) for n in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")]
    done = subprocess.run([node, str(script), str(spec_path), *files], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    kind, texts = done.stdout.split()
    assert kind == "function" and int(texts) > 20
