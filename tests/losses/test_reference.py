"""losslab against independent references: PyTorch, scikit-learn, SciPy and Keras, through stored fixtures.

The fixtures (``fixtures/reference.json``) are made by ``tools/make_reference_fixtures.py``; these tests need only
NumPy. Each case holds the inputs, the reference value under each reduction it covers and, where the reference
library differentiates (torch autograd, Keras on torch), the gradient of the "mean" and of the "sum".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import losslab

FIXTURES = Path(__file__).parent / "fixtures" / "reference.json"
DATA = json.loads(FIXTURES.read_text())
CASES: list[dict[str, Any]] = DATA["cases"]
GRAD_CASES = [c for c in CASES if c["grad"] is not None]
RTOL = 1e-6
ATOL = 1e-12


def inputs(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    pred = np.asarray(case["pred"], dtype=np.float64)
    target = np.asarray(case["target"], dtype=np.int64 if case["target_dtype"] == "int" else np.float64)
    sw = case["sample_weight"]
    return pred, target, None if sw is None else np.asarray(sw, dtype=np.float64)


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in cases]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_value(case: dict[str, Any]) -> None:
    loss = losslab.get(case["loss"], **case["params"])
    pred, target, sw = inputs(case)
    for reduction, expected in case["value"].items():
        got = np.asarray(loss(pred, target, reduction=reduction, sample_weight=sw))
        expected = np.asarray(expected, dtype=np.float64)
        assert got.shape == expected.shape, f"{reduction}: shape {got.shape}, reference {expected.shape}"
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL,
                                   err_msg=f"reduction={reduction!r}; reference: {case['source']}")


@pytest.mark.parametrize("case", GRAD_CASES, ids=ids(GRAD_CASES))
def test_grad(case: dict[str, Any]) -> None:
    loss = losslab.get(case["loss"], **case["params"])
    pred, target, sw = inputs(case)
    for reduction, expected in case["grad"].items():
        got = loss.grad(pred, target, reduction=reduction, sample_weight=sw)
        assert got.shape == pred.shape
        np.testing.assert_allclose(got, np.asarray(expected), rtol=RTOL, atol=ATOL,
                                   err_msg=f"reduction={reduction!r}; reference: {case['source']}")
    if "none" in case["reductions"] and "sum" in case["grad"]:
        # under "none" each row is the derivative of that example's own weighted loss: the gradient of the sum
        got = loss.grad(pred, target, reduction="none", sample_weight=sw)
        np.testing.assert_allclose(got, np.asarray(case["grad"]["sum"]), rtol=RTOL, atol=ATOL)


# A loss that no fixture library ships is checked against SciPy / mpmath in a file of its own, by this name.
OWN_REFERENCE = {p.stem.removeprefix("test_reference_") for p in Path(__file__).parent.glob("test_reference_*.py")}


def test_fixtures_cover_every_builtin_loss() -> None:
    builtin = {entry["name"] for entry in losslab.catalog() if entry["builtin"]} - OWN_REFERENCE
    covered = {losslab.get(c["loss"]).name for c in CASES}
    with_grad = {losslab.get(c["loss"]).name for c in GRAD_CASES}
    assert builtin <= covered, f"no reference case for {sorted(builtin - covered)}"
    assert builtin <= with_grad, f"no reference gradient for {sorted(builtin - with_grad)}"


def test_fixtures_cover_every_parameter() -> None:
    """Every parameter of every built-in loss is set away from its default in at least one case."""
    changed: dict[str, set[str]] = {}
    for c in CASES:
        name = losslab.get(c["loss"]).name
        defaults = {p["name"]: p["default"] for p in next(e for e in losslab.catalog() if e["name"] == name)["params"]}
        for key, value in c["params"].items():
            if value != defaults[key]:
                changed.setdefault(name, set()).add(key)
    missing = [
        f"{e['name']}.{p['name']}" for e in losslab.catalog() if e["builtin"] and e["name"] not in OWN_REFERENCE
        for p in e["params"] if p["name"] not in changed.get(e["name"], set()) and p["name"] != "eps"
    ]
    assert not missing, f"parameters never exercised against a reference: {missing}"


KERAS_NAMED = {
    "mse", "mae", "huber", "log_cosh", "msle", "mape", "poisson", "binary_cross_entropy",
    "categorical_cross_entropy", "sparse_categorical_cross_entropy", "binary_focal", "categorical_focal", "hinge",
    "squared_hinge", "kl_divergence",
}


@pytest.mark.skipif(DATA["meta"]["libraries"]["keras"] is None, reason="fixtures were made without Keras")
def test_keras_covers_the_keras_named_losses() -> None:
    covered = {losslab.get(c["loss"]).name for c in CASES if c["library"].startswith("keras")}
    assert covered >= KERAS_NAMED, f"no Keras reference for {sorted(KERAS_NAMED - covered)}"
