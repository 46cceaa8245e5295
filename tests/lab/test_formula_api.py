"""Panel 8, your own loss: POST /api/formula answers the library's own numbers and words, refuses bad formulas with
422 and the character to mark (never 500), and POST /api/formula/register keeps at most 16 lab losses."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

import losslab
from losslab.formula import EXPORT_TARGETS, compile_formula, export, report
from losslab.lab import _formula

HUBER = "where(|r| <= delta, 0.5*r^2, delta*(|r| - 0.5*delta))"
BCE_P = "-(y*log(p) + (1-y)*log(1-p))"


@pytest.fixture(autouse=True, scope="module")
def forget_lab_losses() -> Iterator[None]:
    """The catalog is one per process: the losses registered here are removed for the tests that follow."""
    yield
    _formula.LAB_LOSSES.clear()


def post(client, body, path="/api/formula", **kw):
    return client.post(path, json=body, **kw)


def formula_series(out, target=0.0):
    return next(s for s in out["curves"]["series"] if s["id"] == "formula" and s["target"] == target)


def test_a_formula_is_answered_with_the_librarys_numbers_and_words(client):
    out = post(client, {"formula": HUBER, "params": {"delta": 1.5}, "lang": "ja"}).json()
    f = compile_formula(HUBER, {"delta": 1.5}, "regression", "ja")
    assert out["latex"] == f.latex and out["plain"] == f.plain
    assert out["derivatives"] == {"latex": list(f.latex_derivatives()), "plain": list(f.plain_derivatives())}
    assert out["report"] == report(f, "ja").to_dict()
    assert out["rewrites"] == list(f.rewrites) and out["unused"] == []
    for target in EXPORT_TARGETS:
        assert out["exports"][target]["code"] == export(f, target, "my_loss", "ja")
    curves = out["curves"]
    x = np.asarray(curves["x"])
    assert curves["axis"] == "r" and len(x) == 201 and x[0] == -5 and x[-1] == 5 and curves["targets"] == [0.0]
    value, d1, d2 = f.compute(np, x, np.zeros_like(x), orders=(0, 1, 2))
    mine = formula_series(out)
    np.testing.assert_allclose(mine["value"], value)
    np.testing.assert_allclose(mine["d1"], d1)
    np.testing.assert_allclose(mine["d2"], d2)
    # the references are the catalog's MSE, MAE and Huber (its default delta, 1), on the same axis
    refs = {s["id"]: s for s in curves["series"] if s["id"] != "formula"}
    assert list(refs) == ["mse", "mae", "huber"]
    for name, s in refs.items():
        loss = losslab.get(name)
        np.testing.assert_allclose(s["value"], loss(x, np.zeros_like(x), reduction="none"))
        np.testing.assert_allclose(s["d1"], loss.grad(x, np.zeros_like(x), reduction="none"))
    assert refs["huber"]["title"] == "Huber (δ=1)"


def test_binary_formulas_run_along_p_or_the_score_for_both_labels(client):
    out = post(client, {"formula": BCE_P, "task": "binary"}).json()
    curves = out["curves"]
    p = np.asarray(curves["x"])
    assert curves["axis"] == "p" and 0 < p[0] < p[-1] < 1 and curves["targets"] == [1.0, 0.0]
    # your BCE on p and the catalog's BCE (read at the score logit(p)) are the same curve, slope included (d/dp)
    for y in (1.0, 0.0):
        mine = formula_series(out, y)
        bce = next(s for s in curves["series"] if s["id"] == "binary_cross_entropy" and s["target"] == y)
        np.testing.assert_allclose(mine["value"], bce["value"], rtol=1e-9)
        np.testing.assert_allclose(mine["d1"], bce["d1"], rtol=1e-7)
    score = post(client, {"formula": "softplus(yhat) - y*yhat", "task": "binary"}).json()["curves"]
    assert score["axis"] == "score" and score["x"][0] == -5


def test_a_refused_formula_is_422_with_its_position_in_the_requests_language(client):
    r = post(client, {"formula": "r^^2"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "unexpected" and error["position"] == 2 and error["loss"] == "custom"
    ja = post(client, {"formula": "r^^2", "lang": "ja"}).json()["error"]
    assert ja["position"] == 2 and "文字目" in ja["got"]
    unknown = post(client, {"formula": "r^2*k"}).json()["error"]
    assert unknown["code"] == "unknown_name" and unknown["name"] == "k" and unknown["position"] == 4


def test_parameters_the_formula_no_longer_names_are_left_out_and_said(client):
    out = post(client, {"formula": "log(cosh(r))", "params": {"delta": 1, "q": 0.5}}).json()
    assert sorted(out["unused"]) == ["delta", "q"] and out["params"] == {}


INJECTIONS = [
    "__import__('os').system('x')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "9^9^9",
    "(" * 300,
    "(" * 60 + "r" + ")" * 60,
    "lambda: 0",
    "eval('1')",
    "r; import os",
    "open('/etc/passwd')",
    "r\x00",
    "getattr(r, 'x')",
    "exp(exp(exp(exp(r))))^16^16",
    "r" * 300,
    "\ud800",
]


@pytest.mark.parametrize("text", INJECTIONS, ids=range(len(INJECTIONS)))
def test_injections_are_refused_in_words_never_run(client, text):
    body = json.dumps({"formula": text, "params": {"delta": 1}})  # ASCII, so that a lone surrogate travels too
    r = client.post("/api/formula", content=body.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert "error" in r.json() and r.json()["error"]["message"]


def test_bounds_params_length_body_and_values(client):
    many = {f"a{i}": 1.0 for i in range(9)}
    r = post(client, {"formula": "+".join(many) + "+r^2", "params": many})
    assert r.status_code == 422 and r.json()["error"]["argument"] == "params"
    assert post(client, {"formula": "r" * 2000}).status_code == 422  # beyond what is even read
    assert post(client, {"formula": "r^2" + " " * 300}).json()["error"]["code"] == "too_long"
    huge = client.post("/api/formula", content=b'{"formula": "' + b" " * 9000 + b'r"}',
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    nan = client.post("/api/formula", content=b'{"formula": "k*r^2", "params": {"k": NaN}}',
                      headers={"Content-Type": "application/json"})
    assert nan.status_code == 422 and nan.json()["error"]["code"] == "bad_param_value"
    assert post(client, {"formula": "r^2", "task": "multiclass"}).status_code == 422


def test_other_sites_cannot_post_formulas(client):
    for path in ("/api/formula", "/api/formula/register"):
        refused = post(client, {"formula": "r^2"}, path, headers={"Origin": "http://evil.example"})
        assert refused.status_code == 403 and refused.json()["error"]["argument"] == "Origin"
        cross = post(client, {"formula": "r^2"}, path, headers={"Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
    own = post(client, {"formula": "r^2"}, headers={"Origin": "http://127.0.0.1:8765"})
    assert own.status_code == 200


def test_registered_formulas_join_the_catalog_and_train(client):
    out = post(client, {"formula": "log(cosh(r/s))*s^2", "params": {"s": 2}}, "/api/formula/register").json()
    name = out["name"]
    assert name.startswith("mine_") and out["panel"] == "regression" and not out["reused"]
    entry = next(e for e in client.get("/api/catalog").json() if e["name"] == name)
    assert entry["origin"] == {"formula": "log(cosh(r/s))*s^2", "params": {"s": 2.0}, "task": "regression"}
    again = post(client, {"formula": "log(cosh(r/s))*s^2", "params": {"s": 2}}, "/api/formula/register").json()
    assert again["name"] == name and again["reused"]
    # the regression lab fits it by name beside MSE
    fit = client.post("/api/fit", json={"points": [[0, 0], [1, 1], [2, 2.1], [3, 2.9]],
                                        "losses": [{"name": name}, {"name": "mse"}]}).json()
    assert abs(fit["lines"][0]["slope"] - 1) < 0.1
    # a binary formula trains in the classification lab's runs
    binary = post(client, {"formula": BCE_P, "task": "binary"}, "/api/formula/register").json()
    run = client.post("/api/runs", json={"loss": binary["name"], "epochs": 3})
    assert run.status_code == 201
    client.delete(f"/api/runs/{run.json()['id']}")


def test_the_lab_keeps_at_most_16_formula_losses(client):
    names = [post(client, {"formula": f"{k + 1}*r^2"}, "/api/formula/register").json()["name"]
             for k in range(_formula.MAX_LAB_LOSSES + 3)]
    assert len(set(names)) == len(names)
    alive = _formula.LAB_LOSSES.alive()
    assert len(alive) == _formula.MAX_LAB_LOSSES and alive[-1] == names[-1]
    catalog = {e["name"] for e in client.get("/api/catalog").json()}
    assert names[0] not in catalog and names[-1] in catalog
    assert sum(n.startswith("mine_") for n in catalog) <= _formula.MAX_LAB_LOSSES
    last = post(client, {"formula": "r^4"}, "/api/formula/register").json()
    assert last["removed"] and last["removed"][0] not in {e["name"] for e in client.get("/api/catalog").json()}
