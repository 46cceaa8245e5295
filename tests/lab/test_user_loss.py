"""A loss the user registers appears in the lab like a built-in: in the boot payload's catalog with its slider, in
the explorer's choices, computed by the explorer's endpoints. The lab reads the definition's metadata (a parameter's
role and slider; the switch that makes a loss read raw scores), never a loss's or a parameter's name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import numpy as np
import pytest

from losslab.losses import definition
from losslab.losses._definition import LossDefinition, Param, boolean, number
from losslab.losses._registry import register, unregister

from .conftest import make_client

STEEP = "lab_test_steep_square"
RAW = "lab_test_raw_log_loss"


def _steep_value(xp, pred, target, steepness):
    return steepness * (pred - target) ** 2


def _steep_grad(xp, pred, target, steepness):
    return 2.0 * steepness * (pred - target)


def _raw_value(xp, pred, target, raw):
    # the log loss of the positive class, on a probability, or on a raw score when `raw` (a made-up name)
    p = 1.0 / (1.0 + xp.exp(-pred)) if raw else pred
    return -(target * xp.log(p) + (1.0 - target) * xp.log(1.0 - p))


def _raw_grad(xp, pred, target, raw):
    if raw:
        return 1.0 / (1.0 + xp.exp(-pred)) - target
    return (pred - target) / (pred * (1.0 - pred))


@pytest.fixture
def user_losses() -> Iterator[None]:
    register(LossDefinition(
        name=STEEP, task="regression", kind="elementwise", value=_steep_value, grad=_steep_grad,
        latex=r"\ell = s\,(p - t)^2", plain="l = s (p - t)^2",
        params=(Param("steepness", 0.5, "how steep the square is", constraint=number(low=0.0),
                      slider=(0.0, 1.0, 0.1)),),
    ))
    register(LossDefinition(
        name=RAW, task="binary", kind="elementwise", value=_raw_value, grad=_raw_grad,
        latex=r"\ell = -\log p", plain="l = -log p",
        params=(Param("raw", False, "pred is a raw score", constraint=boolean, role="input"),),
        pred_domain=lambda params: "real" if params["raw"] else "probability",
        target_domain=lambda params: "probability",
    ))
    try:
        yield
    finally:
        unregister(STEEP)
        unregister(RAW)


def _boot(client, lang: str = "en") -> dict:
    page = client.get(f"/?lang={lang}")
    assert page.status_code == 200
    return json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', page.text, re.S).group(1))


def test_a_registered_loss_with_a_slider_is_in_the_boot_payload_and_computed_by_the_explorer(user_losses):
    with make_client() as client:
        boot = _boot(client)
        entry = next(e for e in boot["catalog"] if e["name"] == STEEP)
        (param,) = entry["params"]
        assert param["name"] == "steepness" and param["role"] == "shape" and param["slider"] == [0.0, 1.0, 0.1]
        assert param["default"] == 0.5 and entry["title"]
        assert STEEP in boot["panels"]["explorer"]["regression"]["losses"]
        assert STEEP in boot["explorer"]["regression"] and STEEP in boot["panels"]["regression"]["losses"]
        # the defaults are unchanged by a new loss
        assert boot["panels"]["explorer"]["regression"]["defaults"] == ["mse", "mae", "huber"]

        got = client.post("/api/explorer/curves", json={
            "task": "regression", "losses": [{"name": STEEP, "params": {"steepness": 0.3}}, {"name": "mse"}],
            "lang": "en"}).json()
        grid = np.linspace(got["grid"]["low"], got["grid"]["high"], got["grid"]["n"])
        steep, mse = got["series"]
        assert steep["loss"] == STEEP and steep["params"] == {"steepness": 0.3}
        np.testing.assert_allclose(steep["value"], 0.3 * grid**2, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(steep["grad"], 0.6 * grid, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(steep["value"], 0.3 * np.asarray(mse["value"]), rtol=1e-12, atol=1e-12)
        assert "0.3" in steep["label"]  # a shape parameter on by default is in the legend, like Huber's delta
        fig = client.post("/api/explorer/figure", json={
            "task": "regression", "losses": [{"name": STEEP, "params": {"steepness": 0.3}}], "lang": "en"})
        assert fig.status_code == 200 and fig.json()["figure"] == "shapes"


def test_a_registered_loss_with_its_own_raw_score_switch_reads_the_explorers_scores(user_losses):
    with make_client() as client:
        boot = _boot(client)
        assert RAW in boot["panels"]["explorer"]["classification"]["losses"]
        assert RAW in boot["panels"]["classify"]["binary"]
        got = client.post("/api/explorer/curves", json={
            "task": "classification", "losses": [{"name": RAW}, {"name": "binary_cross_entropy"}],
            "lang": "en"}).json()
        raw, bce = got["series"]
        assert raw["params"] == {}  # the switch is how the explorer feeds it, not a parameter shown
        for label in ("0", "1"):  # switched on by its role, not its name: the same numbers as BCE on logits
            np.testing.assert_allclose(raw["value"][label], bce["value"][label], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(raw["grad"][label], bce["grad"][label], rtol=1e-9, atol=1e-12)


def test_the_explorer_offers_the_catalog_by_metadata():
    with make_client() as client:
        boot = _boot(client)
    explorer = boot["panels"]["explorer"]
    assert explorer["regression"]["defaults"] == ["mse", "mae", "huber"]
    assert explorer["classification"]["defaults"] == ["binary_cross_entropy", "binary_focal", "hinge"]
    # losses of the error alone: not sse / rmse (same curve as mse), mape (relative), msle / poisson (domains)
    assert {"mse", "mae", "huber", "smooth_l1", "log_cosh", "quantile"} <= set(explorer["regression"]["losses"])
    assert not {"sse", "rmse", "mape", "msle", "poisson"} & set(explorer["regression"]["losses"])
    # every binary loss of one score per example, from the catalog's metadata (the list grows with the catalog)
    offered = explorer["classification"]["losses"]
    assert offered[:4] == ["binary_cross_entropy", "binary_focal", "hinge", "squared_hinge"]
    assert all(definition(name).task == "binary" and definition(name).kind == "elementwise" for name in offered)
    assert boot["panels"]["classify"]["defaults"] == {"binary": "binary_cross_entropy",
                                                     "multiclass": "sparse_categorical_cross_entropy"}
    # the sliders the page builds: each shape (or weighting) parameter with a slider, from the metadata
    sliders = {(e["name"], p["name"]): p["slider"] for e in boot["catalog"] for p in e["params"] if p["slider"]}
    assert sliders[("huber", "delta")] == [0.1, 3.0, 0.05] and ("binary_cross_entropy", "eps") not in sliders
