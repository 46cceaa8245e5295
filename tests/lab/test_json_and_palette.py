"""The lab answers with the package's one JSON conversion (a value that is not a finite number is null), gives the
page the figures' palette in its boot payload, and reads uploads with the one table reader."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from losslab._palette import PALETTE

from .test_advice import upload
from .test_api import error_of

STATIC = Path(str(resources.files("losslab.lab").joinpath("static")))


def strict(response) -> dict:
    """The body parsed as a browser's JSON.parse would: NaN and Infinity are refused."""
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in a JSON answer")
    return json.loads(response.text, parse_constant=refuse)


def test_a_value_that_is_not_finite_is_null(client):
    r = client.post("/api/compute", json={"loss": "mse", "pred": [1e200, 1.0], "target": [0.0, 0.0]})
    assert r.status_code == 200
    out = strict(r)
    assert out["value"] is None and out["per_example"] == [None, 1.0] and out["grad"] == [1e200, 1.0]
    r = client.post("/api/explain", json={"loss": "mse", "pred": [1e200], "target": [0.0]})
    assert r.status_code == 200 and strict(r)["value"] is None


def test_the_boot_payload_holds_the_palette_and_the_page_keeps_no_copy(client):
    page = client.get("/")
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S).group(1))
    assert boot["palette"] == list(PALETTE)
    css = (STATIC / "lab.css").read_text(encoding="utf-8")
    assert "var(--palette-0)" in css
    for path in [STATIC / "lab.css", *sorted((STATIC / "js").glob("*.js"))]:
        name = path.name
        text = path.read_text(encoding="utf-8").lower()
        assert not [c for c in PALETTE if c.lower() in text], f"{name} copies a palette colour"


def test_uploads_read_missing_cells_and_refuse_bad_quotes_in_words(client):
    up = upload(client, "x,y,kind\n1,2,a\nNULL,inf,#N/A\n3,4,b\n").json()
    cols = {c["name"]: c for c in up["columns"]}
    assert cols["x"]["missing"] == 1 and cols["y"]["missing"] == 1 and cols["kind"]["missing"] == 1
    assert up["head"][1] == [None, None, None]
    r = upload(client, b'x,y\n"1,2\n3,4\n', name="q.csv")
    err = error_of(r)
    assert r.status_code == 422 and "well-formed" in err["expected"] and "q.csv" in err["got"]
