"""The lab's JSON endpoints through FastAPI's TestClient: answers equal the catalog's, every bad input is a 4xx
with the catalog's message, every bound holds, and the OpenAPI schema is valid."""

from __future__ import annotations

import json
import math
import re
import time
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import losslab
from losslab.explain import explain
from losslab.explain.texts import loss_text
from losslab.lab import _compute

from .conftest import make_client

STATIC = Path(str(resources.files("losslab.lab").joinpath("static")))


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"loss", "argument", "expected", "got", "hint", "message"}
    assert err["message"]
    return err


# ---------------------------------------------------------------------------------------------------------- basics
def test_health_limits_and_page(client):
    assert client.get("/api/health").json()["ok"] is True
    limits = client.get("/api/limits").json()
    assert limits["max_body_bytes"] > 0 and limits["max_runs_per_client"] >= 1
    page = client.get("/")
    assert page.status_code == 200 and 'id="boot"' in page.text and "{{" not in page.text
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S).group(1))
    assert boot["texts"]["lang"] == "en" and boot["explorer"]["regression"]
    ja = client.get("/?lang=ja")
    assert '<html lang="ja">' in ja.text
    assert client.get("/?lang=xx").status_code == 200  # an unknown language falls back to English
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        r = client.get(f"/vendor/{name}")
        assert r.status_code == 200 and len(r.content) > 10_000
    assert client.get("/vendor/evil.js").status_code == 404
    assert client.get("/static/js/main.js").status_code == 200
    assert client.get("/static/lab.css").status_code == 200
    assert client.get("/fonts/ja.ttf").status_code in (200, 404)


def test_unknown_address_and_method_are_4xx_in_the_catalog_shape(client):
    err = error_of(client.get("/api/nothing"))
    assert err["argument"] == "path"
    r = client.delete("/api/compute")
    assert r.status_code == 405 and error_of(r)


def test_openapi_schema_is_valid(client):
    from openapi_spec_validator import validate

    schema = client.get("/openapi.json").json()
    validate(schema)
    paths = schema["paths"]
    for path in ("/api/compute", "/api/explain", "/api/explorer/curves", "/api/darts", "/api/fit", "/api/runs",
                 "/api/datasets", "/api/catalog", "/api/figures/{name}", "/api/runs/{run_id}/trace"):
        assert path in paths


def test_texts_and_catalog(client):
    en = client.get("/api/texts").json()
    ja = client.get("/api/texts", params={"lang": "ja"}).json()
    assert set(en["lab"]) == set(ja["lab"])
    assert re.search(r"[\u3040-\u30ff]", ja["lab"]["explorer.intro"])
    assert ja["losses"]["mse"]["title"] == loss_text("mse", "ja")["title"]
    err = error_of(client.get("/api/texts", params={"lang": "xx"}))
    assert err["argument"] == "lang"
    cat = client.get("/api/catalog", params={"task": "binary", "lang": "ja"}).json()
    assert {c["name"] for c in cat} == {c["name"] for c in losslab.catalog("binary")}
    assert all(c["title"] for c in cat)
    r = client.get("/api/catalog", params={"task": "nonsense"})
    assert r.status_code == 400 and error_of(r)["argument"] == "task"


def test_lab_texts_have_the_same_keys_and_cover_the_page():
    def table(lang: str) -> dict:
        with resources.files("losslab.lab").joinpath("texts").joinpath(f"{lang}.toml").open("rb") as f:
            return tomllib.load(f)

    def keys(node, prefix=""):
        out = set()
        for k, v in node.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    en, ja = keys(table("en")), keys(table("ja"))
    assert en == ja
    flat_ja = {}

    def walk(node, prefix=""):
        for k, v in node.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                flat_ja[prefix + k] = v

    walk(table("ja"))
    # Japanese sentences are written in the polite style (です/ます), never in the plain style
    sentences = [v for v in flat_ja.values() if v.endswith("。")]
    polite = re.compile(r"(です|ます|ました|ません|でした|ください|ましょう)[）)]?。$")
    assert sentences and all(polite.search(s) or "：" in s for s in sentences)
    # every key the scripts use exists
    used = set()
    for js in (STATIC / "js").glob("*.js"):
        text = js.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*'([a-z_]+\.[a-z_0-9.]+)'""", text))
        used |= set(re.findall(r"""(?:label|help|ariaLabel):\s*'([a-z_]+\.[a-z_0-9]+)'""", text))
        used |= set(re.findall(r"""(?:heading|para)\(\s*\d?,?\s*'([a-z_]+\.[a-z_0-9]+)'""", text))
        used |= set(re.findall(r"""tr\([^,]+,\s*'([a-z_]+\.[a-z_0-9]+)'""", text))
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    used |= set(re.findall(r'data-t="([a-z_]+\.[a-z_0-9]+)"', html))
    missing = sorted(k for k in used if k not in en)
    assert not missing, missing
    assert len(used) > 100


# ----------------------------------------------------------------------------------------------- compute / explain
def test_compute_equals_the_catalog(client):
    body = {"loss": "huber", "params": {"delta": 0.5}, "pred": [0.0, 2.0, -1.0], "target": [0.1, 0.0, 0.0]}
    out = client.post("/api/compute", json=body).json()
    loss = losslab.get("huber", delta=0.5)
    assert out["value"] == float(loss(body["pred"], body["target"]))
    assert out["grad"] == loss.grad(body["pred"], body["target"]).tolist()
    assert out["per_example"] == loss(body["pred"], body["target"], reduction="none").tolist()
    sparse = client.post("/api/compute", json={"loss": "sparse_cce", "params": {"from_logits": True},
                                               "pred": [[1.0, 2.0, 0.0]], "target": [1]})
    assert sparse.status_code == 200
    assert math.isclose(sparse.json()["value"], float(losslab.get("sparse_cce", from_logits=True)(
        np.array([[1.0, 2.0, 0.0]]), np.array([1]))))


@pytest.mark.parametrize(("body", "status", "argument"), [
    ({"loss": "msee", "pred": [1], "target": [1]}, 400, "name"),
    ({"loss": "huber", "params": {"delta": -1}, "pred": [1], "target": [1]}, 400, "delta"),
    ({"loss": "huber", "params": {"detla": 1}, "pred": [1], "target": [1]}, 400, "detla"),
    ({"loss": "bce", "pred": [2.0], "target": [1]}, 400, "pred"),
    ({"loss": "mse", "pred": [1, 2], "target": [1]}, 400, "target"),
    ({"loss": "mse", "pred": "abc", "target": [1]}, 422, "pred"),
    ({"loss": "mse", "pred": [1], "target": [1], "reduction": "avg"}, 422, "reduction"),
    ({"loss": "mse", "pred": [1], "target": [1], "extra": 1}, 422, "extra"),
    ({"loss": "mse", "pred": [1]}, 422, "target"),
    ({"loss": "mse", "pred": [[1, 2], [3]], "target": [1, 2]}, 400, "pred"),
    ({"loss": "", "pred": [1], "target": [1]}, 422, "loss"),
])
def test_compute_bad_input_is_4xx_with_the_catalog_message(client, body, status, argument):
    r = client.post("/api/compute", json=body)
    assert r.status_code == status, r.text
    err = error_of(r)
    assert argument in err["argument"]
    if status == 400 and body["loss"] == "msee":
        assert "did you mean" in err["hint"]


def test_arrays_are_bounded(client):
    limit = client.get("/api/limits").json()["max_values"]
    r = client.post("/api/compute", json={"loss": "mse", "pred": [0.0] * (limit + 1), "target": [0.0] * (limit + 1)})
    assert r.status_code == 422 and str(limit) in error_of(r)["expected"]


def test_body_size_is_bounded():
    with make_client(max_body_bytes=2000) as c:
        r = c.post("/api/compute", json={"loss": "mse", "pred": [0.123456789] * 400, "target": [0.0] * 400})
        assert r.status_code == 413
        assert error_of(r)["argument"] == "body"
        r = c.post("/api/compute", content=b"{", headers={"content-type": "application/json"})
        assert r.status_code == 422
        assert c.post("/api/compute", json={"loss": "mse", "pred": [1], "target": [0]}).status_code == 200


def test_explain_equals_the_library(client):
    body = {"loss": "huber", "params": {"delta": 1.0}, "pred": [0.0, 3.0], "target": [0.5, 0.0], "lang": "ja"}
    out = client.post("/api/explain", json=body).json()
    ref = explain("huber", [0.0, 3.0], [0.5, 0.0], lang="ja", delta=1.0).to_dict()
    assert out["value"] == ref["value"] and out["steps"] == ref["steps"] and out["title"] == ref["title"]
    assert out["warnings"] == []
    r = client.post("/api/explain", json={**body, "lang": "fr"})
    assert r.status_code == 400 and error_of(r)["argument"] == "lang"
    r = client.post("/api/explain", json={**body, "max_rows": 0})
    assert r.status_code == 422


# ------------------------------------------------------------------------------------------------------ explorer
def test_explorer_curves_are_the_catalog_on_the_grid(client):
    body = {"task": "regression", "losses": [{"name": "mse"}, {"name": "huber", "params": {"delta": 1.5}},
                                             {"name": "quantile", "params": {"q": 0.9}}]}
    out = client.post("/api/explorer/curves", json=body).json()
    grid = np.linspace(-6, 6, out["grid"]["n"])
    assert out["grid"]["n"] == 241
    for s in out["series"]:
        loss = losslab.get(s["loss"], **s["params"])
        assert np.allclose(s["value"], loss(grid, np.zeros_like(grid), reduction="none"), rtol=0, atol=1e-12)
        assert np.allclose(s["grad"], loss.grad(grid, np.zeros_like(grid), reduction="none"), rtol=0, atol=1e-12)
    assert out["series"][1]["label"] != out["series"][0]["label"]
    # moving the target moves the error only: the value at error e is the value of (target + e, target)
    i = 150
    e = grid[i]
    assert math.isclose(out["series"][0]["value"][i], float(losslab.mse([1.25 + e], [1.25])), rel_tol=1e-9)
    cls = client.post("/api/explorer/curves", json={"task": "classification", "losses": [
        {"name": "bce", "params": {"label_smoothing": 0.1}}, {"name": "hinge"}]}).json()
    bce = losslab.get("bce", from_logits=True, label_smoothing=0.1)
    for label in (0, 1):
        expected = bce(grid, np.full_like(grid, label), reduction="none")
        assert np.allclose(cls["series"][0]["value"][str(label)], expected)
    assert np.allclose(cls["series"][1]["value"]["0"], losslab.hinge(grid, np.zeros_like(grid), reduction="none"))


@pytest.mark.parametrize(("body", "status", "argument"), [
    ({"task": "regression", "losses": [{"name": "msle"}]}, 400, "losses"),
    ({"task": "classification", "losses": [{"name": "mse"}]}, 400, "losses"),
    ({"task": "regression", "losses": []}, 422, "losses"),
    ({"task": "ranking", "losses": [{"name": "mse"}]}, 422, "task"),
    ({"task": "regression", "losses": [{"name": "huber", "params": {"delta": 0}}]}, 400, "delta"),
    ({"task": "regression", "losses": [{"name": "mse"}] * 9}, 422, "losses"),
])
def test_explorer_bad_input(client, body, status, argument):
    for path in ("/api/explorer/curves", "/api/explorer/figure"):
        r = client.post(path, json=body)
        assert r.status_code == status, (path, r.text)
        assert argument in error_of(r)["argument"]


def test_explorer_figure_is_the_figures_spec(client):
    out = client.post("/api/explorer/figure", json={"task": "regression", "losses": [{"name": "mae"}],
                                                     "lang": "ja"}).json()
    spec = out["spec"]
    assert out["figure"] == "shapes" and spec["usermeta"]["losslab"]["lang"] == "ja"
    rows = spec["datasets"]["curves"]
    for row in rows[::40]:
        assert math.isclose(row["value"], abs(row["error"]), abs_tol=1e-12)
    cls = client.post("/api/explorer/figure", json={"task": "classification", "losses": [{"name": "bce"}]}).json()
    assert cls["figure"] == "classification" and cls["x_field"] == "x"


# --------------------------------------------------------------------------------------------- darts and lines
def test_darts(client):
    darts = [[0.5, 0.0], [3.0, 4.0]]
    out = client.post("/api/darts", json={"darts": darts, "delta": 1.0, "figure": True}).json()
    assert math.isclose(out["darts"][1]["distance"], 5.0)
    # a dart's error is its distance from the bullseye (issue 16): the catalog's loss of that distance
    assert out["darts"][1]["mse"] == float(losslab.mse([5.0], [0.0], reduction="none")[0]) == 25.0
    assert out["darts"][1]["mae"] == 5.0 == out["darts"][1]["distance"]
    assert out["darts"][1]["huber"] == float(losslab.get("huber", delta=1.0)([5.0], [0.0]))
    assert out["cost"]["mae"] == float(losslab.mae([0.5, 5.0], [0.0, 0.0]))
    board = out["figure"]["spec"]["datasets"]
    assert [r["text"] for r in board["darts"] if r["loss"] == "mae"] == ["0.50", "5.00"]
    assert all(math.isclose(math.hypot(r["x"], r["y"]), r["radius"]) for r in board["rings"])  # circles
    # no darts: the board is still drawn, empty
    empty_board = client.post("/api/darts", json={"darts": [], "figure": True}).json()["figure"]["spec"]["datasets"]
    assert empty_board["darts"] == [] and empty_board["rings"]
    empty = client.post("/api/darts", json={"darts": []}).json()
    assert empty["darts"] == [] and empty["cost"]["mse"] is None
    limit = client.get("/api/limits").json()["max_darts"]
    assert client.post("/api/darts", json={"darts": [[0, 0]] * (limit + 1)}).status_code == 422
    assert client.post("/api/darts", json={"darts": [[0, 0, 0]]}).status_code == 422
    assert client.post("/api/darts", json={"darts": [[0, 0]], "delta": -1}).status_code == 422


def test_fit_lines_mae_resists_an_outlier(client):
    x = np.linspace(-3, 3, 13)
    y = 0.5 * x + 1.0
    y[-1] += 8.0
    points = np.c_[x, y].tolist()
    body = {"points": points, "losses": [{"name": "mse"}, {"name": "mae"}, {"name": "huber", "params": {"delta": 1}}]}
    out = client.post("/api/fit", json=body).json()
    mse, mae, huber = out["lines"]
    assert abs(mae["slope"] - 0.5) < 0.1 and abs(mae["intercept"] - 1.0) < 0.15
    assert abs(mse["slope"] - 0.5) > abs(mae["slope"] - 0.5)
    assert abs(huber["slope"] - 0.5) < abs(mse["slope"] - 0.5)
    # MSE's optimum is least squares
    slope, intercept = np.polyfit(x, y, 1)
    assert abs(mse["slope"] - slope) < 0.02 and abs(mse["intercept"] - intercept) < 0.02
    shares = [p["share"] for p in out["points"]]
    assert math.isclose(sum(shares), 1.0) and shares[-1] == max(shares)
    start = [[line["slope"], line["intercept"]] for line in out["lines"]]
    quick = client.post("/api/fit", json={**body, "precise": False, "start": start}).json()
    assert abs(quick["lines"][1]["slope"] - mae["slope"]) < 0.05
    one = client.post("/api/fit", json={"points": [[0, 0]], "losses": [{"name": "mse"}]}).json()
    assert one["lines"] == [None]


@pytest.mark.parametrize(("body", "status"), [
    ({"points": [[0, 0], [1, 1]], "losses": [{"name": "msle"}]}, 400),
    ({"points": [[0, 0], [1, 1]], "losses": [{"name": "mse"}], "focus": 3}, 422),
    ({"points": [[0, 0], [1]], "losses": [{"name": "mse"}]}, 422),
    ({"points": [[0, 0]] * 201, "losses": [{"name": "mse"}]}, 422),
    ({"points": [[0, 0], [1, 1]], "losses": [{"name": "nope"}]}, 400),
])
def test_fit_bad_input(client, body, status):
    r = client.post("/api/fit", json=body)
    assert r.status_code == status, r.text
    error_of(r)


def test_generic_figures(client):
    out = client.post("/api/figures/contributions", json={"args": {"pred": [0, 1, 5], "target": [0, 0, 0],
                                                                    "losses": ["mse", "mae"]}})
    assert out.status_code == 200 and out.json()["spec"]["datasets"]
    assert client.post("/api/figures/shapes", json={"args": {"losses": ["mse"], "points": 31}}).status_code == 200
    r = client.post("/api/figures/nothing", json={})
    assert r.status_code == 404 and error_of(r)["argument"] == "name"
    r = client.post("/api/figures/shapes", json={"args": {"losses": ["mse"], "evil": 1}})
    assert r.status_code == 422 and error_of(r)["argument"] == "args.evil"
    r = client.post("/api/figures/shapes", json={"args": {"losses": ["mse"], "points": 10 ** 9}})
    assert r.status_code == 422
    r = client.post("/api/figures/shapes", json={"args": {"losses": ["bce"]}})
    assert r.status_code == 400 and error_of(r)
    r = client.post("/api/figures/contributions", json={"args": {"pred": list(range(6000)), "target": [0]}})
    assert r.status_code == 422


def test_loss_vs_accuracy(client):
    out = client.get("/api/loss-vs-accuracy", params={"lang": "ja"}).json()
    demo = out["demo"]
    assert demo["accuracy_a"] == demo["accuracy_b"] and demo["log_loss_b"] > demo["log_loss_a"]
    assert re.search(r"[\u3040-\u30ff]", demo["text"]["explanation"])


# ------------------------------------------------------------------------------------------------------ data sets
def test_datasets(client):
    names = {d["name"] for d in client.get("/api/datasets").json()}
    assert names == {"moons", "circles", "xor", "spirals", "blobs", "imbalanced"}
    out = client.post("/api/datasets", json={"name": "spirals", "n_samples": 120, "n_classes": 3, "val_split": 0.25,
                                             "seed": 4}).json()
    assert len(out["points"]) == 120 and out["info"]["class_names"] and len(out["info"]["class_names"]) == 3
    assert sum(p["split"] == "val" for p in out["points"]) == 30
    again = client.post("/api/datasets", json={"name": "spirals", "n_samples": 120, "n_classes": 3,
                                               "val_split": 0.25, "seed": 4}).json()
    assert again == out
    csv = client.post("/api/datasets/csv", json={"name": "moons", "n_samples": 50})
    assert csv.text.splitlines()[0] == "x1,x2,label,class,split" and len(csv.text.splitlines()) == 51
    assert client.post("/api/datasets", json={"name": "mnist"}).status_code == 422
    r = client.post("/api/datasets", json={"name": "moons", "n_samples": 5000})
    assert r.status_code == 422 and "1000" in error_of(r)["expected"]


def test_an_upload_suggests_a_class_column_and_leaves_row_ids_out(client):
    rng = np.random.default_rng(3)
    fruits = ["りんご", "みかん", "ぶどう"]
    lines = ["id,noise,長さ,果物"] + [f"{i + 1},{rng.normal():.4f},{rng.normal() + k:.3f},{fruits[k]}"
                                      for i, k in enumerate(rng.integers(0, 3, 60))]
    up = client.post("/api/uploads?name=fruit.csv", content="\n".join(lines).encode(),
                     headers={"content-type": "text/csv"}).json()
    assert up["suggested_class"] == "果物"  # text with 3 values, not the continuous noise column
    assert up["id_like"] == [{"name": "id", "why": "name"}]
    out = client.post("/api/datasets", json={"name": "upload", "upload": up["id"]}).json()
    params = out["info"]["params"]
    assert params["target"] == "果物" and params["target_chosen"] and params["target_why"] == "text"
    assert params["features"] == ["noise", "長さ"] and params["left_out"] == [{"name": "id", "why": "name"}]
    # an unnamed row number (all distinct whole numbers) is id-like too; with it left out one feature is short
    lines = ["n,noise,果物"] + [f"{i + 7},{rng.normal():.4f},{fruits[i % 3]}" for i in range(30)]
    up = client.post("/api/uploads?name=f.csv", content="\n".join(lines).encode(),
                     headers={"content-type": "text/csv"}).json()
    assert up["suggested_class"] == "果物" and up["id_like"] == [{"name": "n", "why": "integers"}]
    r = client.post("/api/datasets", json={"name": "upload", "upload": up["id"]})
    assert r.status_code == 422 and "row ids: n" in error_of(r)["got"]
    chosen = client.post("/api/datasets", json={"name": "upload", "upload": up["id"], "features": ["n", "noise"]})
    assert chosen.status_code == 200 and chosen.json()["info"]["params"]["left_out"] == []
    # the page's sentences for both exist in both languages
    for lang in ("en", "ja"):
        texts = tomllib.loads((STATIC.parent / "texts" / f"{lang}.toml").read_text("utf-8"))["classify"]
        for key in ("upload_chosen_text", "upload_chosen_integers", "upload_chosen_name", "upload_left_out_name",
                    "upload_left_out_integers", "upload_left_out_text"):
            assert texts[key]


# --------------------------------------------------------------------------------------------------------- runs
RUN = {"data": {"name": "moons", "n_samples": 100, "seed": 1}, "model": {"kind": "mlp", "hidden": [4]},
       "loss": "bce", "optimizer": "adam", "lr": 0.05, "batch_size": 20}


def wait_for(fn, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_run_lifecycle_over_http(client):
    run = client.post("/api/runs", json=RUN)
    assert run.status_code == 201
    snap = run.json()
    rid = snap["id"]
    assert snap["state"] == "paused" and snap["epoch"] == 0 and snap["map"]["n"] > 0
    assert len(snap["dataset"]["points"]) == 100 and snap["settings"]["objective"]["loss"] == "binary_cross_entropy"
    first = client.post(f"/api/runs/{rid}/control", json={"action": "step"})
    assert first.status_code == 200
    wait_for(lambda: client.get(f"/api/runs/{rid}").json()["epoch"] == 1)
    client.post(f"/api/runs/{rid}/control", json={"action": "step"})
    wait_for(lambda: client.get(f"/api/runs/{rid}").json()["epoch"] == 2)
    client.post(f"/api/runs/{rid}/control", json={"action": "set", "lr": 0.2})
    assert client.get(f"/api/runs/{rid}").json()["lr"] == 0.2
    hist = client.get(f"/api/runs/{rid}/history").json()["rows"]
    assert [r["epoch"] for r in hist] == [0, 1, 2] and hist[1]["train_loss"] is not None
    csv = client.get(f"/api/runs/{rid}/history", params={"format": "csv"}).text
    assert csv.startswith("epoch,") and len(csv.splitlines()) == 4
    tr = client.get(f"/api/runs/{rid}/trace", params={"index": 3}).json()
    assert tr["value"] > 0 and tr["lr"] == 0.2 and len(tr["layers"]) == 2 and tr["explanation"]["loss"] == tr["loss"]
    # the trace's loss is the catalog's on the model's prediction
    assert math.isclose(tr["value"], float(losslab.get(tr["loss"], **tr["params"])(
        np.array([tr["pred"]]), np.array([[tr["target"][0]]]), reduction="sum")), rel_tol=1e-9)
    preds = client.get(f"/api/runs/{rid}/predictions").json()
    assert len(preds["points"]) == 100 and preds["epoch"] == 2
    assert all(p["right"] == (p["predicted"] == p["label"]) for p in preds["points"])
    assert client.get("/api/runs/nope/predictions").status_code == 404
    fig = client.get(f"/api/runs/{rid}/figures/curves", params={"log": True}).json()
    assert fig["spec"]["usermeta"]["losslab"]["log_scale"] is True
    assert client.get(f"/api/runs/{rid}/figures/boundary").status_code == 404
    # reset with the same initial weights gives the same first epoch
    client.post(f"/api/runs/{rid}/control", json={"action": "reset", "keep_weights": True, "lr": 0.05})
    assert client.get(f"/api/runs/{rid}").json()["epoch"] == 0
    client.post(f"/api/runs/{rid}/control", json={"action": "step"})
    wait_for(lambda: client.get(f"/api/runs/{rid}").json()["epoch"] == 1)
    again = client.get(f"/api/runs/{rid}/history").json()["rows"]
    assert again[1]["train_loss"] == hist[1]["train_loss"]
    assert client.delete(f"/api/runs/{rid}").json()["cancelled"] is True
    assert client.get(f"/api/runs/{rid}").status_code == 404
    assert client.delete(f"/api/runs/{rid}").status_code == 404


@pytest.mark.parametrize(("change", "status", "argument"), [
    ({"loss": "mse"}, 400, "loss"),
    ({"loss": "nope"}, 400, "loss"),
    ({"model": {"kind": "mlp", "hidden": [4] * 7}}, 422, "model.hidden"),
    ({"model": {"kind": "mlp", "hidden": [64]}}, 422, "model.hidden"),
    ({"model": {"kind": "cnn"}}, 422, "model.kind"),
    ({"optimizer": "lbfgs"}, 422, "optimizer"),
    ({"lr": 0}, 422, "lr"),
    ({"data": {"name": "moons", "n_samples": 5000}}, 422, "data.n_samples"),
    ({"data": {"name": "moons", "noise": -1}}, 422, "data.noise"),
    ({"loss_params": {"gamma": 2}}, 400, "loss"),
])
def test_run_bad_settings(client, change, status, argument):
    r = client.post("/api/runs", json={**RUN, **change})
    assert r.status_code == status, r.text
    assert argument in error_of(r)["argument"]


def test_run_commands_and_ids_are_checked(client):
    r = client.get("/api/runs/nope")
    assert r.status_code == 404 and error_of(r)["argument"] == "run_id"
    rid = client.post("/api/runs", json=RUN).json()["id"]
    assert client.post(f"/api/runs/{rid}/control", json={"action": "fly"}).status_code == 422
    assert client.post(f"/api/runs/{rid}/control", json={"action": "set", "lr": -1}).status_code == 422
    assert client.get(f"/api/runs/{rid}/trace", params={"index": 10_000}).status_code == 422
    assert client.get(f"/api/runs/{rid}/trace", params={"index": 0, "split": "test"}).status_code == 422
    assert client.get(f"/api/runs/{rid}/history", params={"format": "xml"}).status_code == 422
    client.delete(f"/api/runs/{rid}")


def test_runs_are_bounded_per_client_in_total_in_epochs_and_in_time():
    with make_client(max_runs_per_client=2, max_runs_total=3, max_epochs=3, max_run_seconds=1.5,
                     attach_seconds=100) as c:
        a = c.post("/api/runs", json=RUN).json()["id"]
        c.post("/api/runs", json=RUN)
        r = c.post("/api/runs", json=RUN)
        assert r.status_code == 429 and error_of(r)["argument"] == "runs"
        # epochs: the run stops at max_epochs
        c.post(f"/api/runs/{a}/control", json={"action": "play"})
        wait_for(lambda: c.get(f"/api/runs/{a}").json()["state"] == "done")
        assert c.get(f"/api/runs/{a}").json()["epoch"] == 3
        # wall time: the janitor cancels every run after max_run_seconds
        wait_for(lambda: c.get(f"/api/runs/{a}").status_code == 404, timeout=5)
        assert c.post("/api/runs", json=RUN).status_code == 201
    with make_client(max_runs_per_client=5, max_runs_total=1) as c:
        c.post("/api/runs", json=RUN)
        r = c.post("/api/runs", json=RUN)
        assert r.status_code == 429 and "on this server" in error_of(r)["expected"]


def test_a_run_no_page_streams_is_cancelled():
    with make_client(attach_seconds=0.3) as c:
        rid = c.post("/api/runs", json=RUN).json()["id"]
        wait_for(lambda: c.get(f"/api/runs/{rid}").status_code == 404, timeout=5)


def test_stream_over_websocket_and_closing_cancels(client):
    rid = client.post("/api/runs", json={**RUN, "data": {"name": "xor", "n_samples": 80}}).json()["id"]
    with client.websocket_connect(f"/api/runs/{rid}/stream") as ws:
        state = ws.receive_json()
        assert state["type"] == "state" and state["epoch"] == 0 and state["dataset"]["points"]
        ws.send_json({"action": "set", "speed": 1000})
        ws.send_json({"action": "play"})
        epochs = []
        while len(epochs) < 3:
            msg = ws.receive_json()
            if msg["type"] == "frame" and msg["records"]:
                epochs.append(msg["epoch"])
                assert "map" in msg
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
        ws.send_json({"action": "dance"})
        while True:
            msg = ws.receive_json()
            if msg["type"] == "error":
                assert msg["error"]["argument"] == "action"
                break
        ws.send_json({"action": "pause"})
    # the page closed: the run is gone
    wait_for(lambda: client.get(f"/api/runs/{rid}").status_code == 404, timeout=5)


def test_stream_of_an_unknown_run_says_why(client):
    with client.websocket_connect("/api/runs/nope/stream") as ws:
        msg = ws.receive_json()
        assert msg["type"] == "error" and msg["error"]["argument"] == "run_id"


def test_multiclass_run_and_its_map(client):
    body = {**RUN, "data": {"name": "blobs", "n_classes": 3, "n_samples": 90}, "loss": "sparse_cce"}
    snap = client.post("/api/runs", json=body).json()
    assert snap["map"]["kind"] == "classes" and snap["map"]["classes"] == 3
    tr = client.get(f"/api/runs/{snap['id']}/trace", params={"index": 0, "split": "val"}).json()
    assert len(tr["pred"]) == 3 and tr["p_true"] is not None
    client.delete(f"/api/runs/{snap['id']}")


# ------------------------------------------------------------------------------------------------- never a 500
JUNK = [None, 0, -1, 1e308, "x", "", [], {}, [None], [[1, 2], 3], {"a": {"b": []}}, True, "NaN"]


@pytest.mark.parametrize("path", ["/api/compute", "/api/explain", "/api/explorer/curves", "/api/explorer/figure",
                                  "/api/darts", "/api/fit", "/api/datasets", "/api/datasets/csv", "/api/runs",
                                  "/api/figures/shapes", "/api/figures/darts"])
def test_junk_never_gives_a_500(client, path):
    fields = {"loss": "mse", "pred": [1.0], "target": [0.0], "task": "regression", "losses": [{"name": "mse"}],
              "darts": [[0, 0]], "points": [[0, 0], [1, 1]], "name": "moons", "args": {}}
    for key in list(fields):
        for junk in JUNK:
            body = {**fields, key: junk}
            r = client.post(path, json=body)
            assert r.status_code < 500, (path, key, junk, r.text)
            if r.status_code >= 400:
                error_of(r)
            if r.status_code == 201:
                client.delete(f"/api/runs/{r.json()['id']}")
    for raw in (b"", b"[", b"null", b"[1,2]", "\u00ff".encode("latin-1")):
        r = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (path, raw)


def test_the_explorer_grid_reaches_every_slider_position():
    n = round((_compute.GRID["high"] - _compute.GRID["low"]) / _compute.GRID["step"]) + 1
    grid = np.linspace(_compute.GRID["low"], _compute.GRID["high"], n)
    for pred in np.arange(-3, 3.0001, 0.05):
        for target in (-3.0, 0.0, 1.35, 3.0):
            e = round((pred - target) / 0.05) * 0.05
            assert np.min(np.abs(grid - e)) < 1e-9


def test_a_run_figure_is_the_figures_training_curves(client):
    rid = client.post("/api/runs", json=RUN).json()["id"]
    client.post(f"/api/runs/{rid}/control", json={"action": "step"})
    wait_for(lambda: client.get(f"/api/runs/{rid}").json()["epoch"] == 1)
    out = client.get(f"/api/runs/{rid}/figures/curves", params={"lang": "ja", "log": True})
    assert out.status_code == 200
    assert out.json()["figure"] == "curves" and out.json()["spec"]["usermeta"]["losslab"]["lang"] == "ja"
    assert client.get(f"/api/runs/{rid}/figures/boundary").status_code == 404
