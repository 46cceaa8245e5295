"""The package's shared chores, each written once: the JSON conversion, the sigmoid, the text loader."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import expit

from losslab._jsonable import jsonable
from losslab._numeric import sigmoid
from losslab._texts import load_toml_texts


def test_jsonable_turns_numpy_into_plain_json_with_non_finite_as_null() -> None:
    data = {"a": np.float32(1.5), 1: np.array([1.0, np.nan, np.inf, -np.inf]), "t": (np.int64(3), np.bool_(True)),
            "s": "x", "n": None, "nan": float("nan")}
    out = jsonable(data)
    assert out == {"a": 1.5, "1": [1.0, None, None, None], "t": [3, True], "s": "x", "n": None, "nan": None}
    assert type(out["t"][0]) is int and type(out["t"][1]) is bool
    json.dumps(out, allow_nan=False)
    with pytest.raises(TypeError):
        jsonable(object())


def test_sigmoid_is_stable_and_exact_everywhere() -> None:
    z = np.concatenate([np.linspace(-50, 50, 2001), [-1e308, -800.0, -700.0, 700.0, 800.0, 1e308]])
    np.testing.assert_allclose(sigmoid(z), expit(z), rtol=1e-15, atol=0)
    assert sigmoid(np.array([-np.inf, np.inf])).tolist() == [0.0, 1.0]
    assert math.isnan(float(sigmoid(np.array([np.nan]))[0]))
    assert sigmoid(np.float32([0.5, -30.0])).dtype == np.float32
    assert sigmoid([0, 1]).dtype == np.float64 and float(sigmoid(0)) == 0.5


def test_the_text_loader_reads_each_package_and_language_once() -> None:
    en = load_toml_texts("losslab.explain", "en")
    assert isinstance(en, dict) and en
    assert load_toml_texts("losslab.explain", "en") is en  # cached
    assert load_toml_texts("losslab.explain", "ja") is not en
