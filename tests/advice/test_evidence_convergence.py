"""The evidence compares converged fits only (issue 12): the known case, 2 folds × 20 epochs on the clean line,
recommended MAE over MSE because nothing had converged; now a note says so and the rules' choice stands. Each
metric is shown with its standard error over the folds, labelled so."""

from __future__ import annotations

import math

import numpy as np

from losslab.advice import recommend
from losslab.advice._evidence import _converged

from . import _data as D


def test_unconverged_fits_do_not_overturn_the_rules_and_are_named():
    X, y = D.line()
    r = recommend((X, y), evidence=True, folds=2, epochs=20)
    ev = r.evidence
    assert r.first.loss == "mse" and not ev.overturned and r.choice.loss == "mse"
    assert ev.verdict.key == "evidence.unconverged_stands"
    unconverged = [n for n in ev.notes if n.key == "evidence.unconverged"]
    assert {n.values["label"] for n in unconverged} == {res.label for res in ev.results if not res.converged}
    assert unconverged and all(n.values["epochs"] == 20 for n in unconverged)
    data = ev.to_dict("ja")
    assert all("converged" in res and "unconverged_folds" in res for res in data["results"])
    for lang in ("en", "ja"):
        text = r.to_text(lang)
        assert ev.verdict.text(lang) in text and "{" not in text


def test_converged_fits_are_compared_as_before():
    X, y = D.line()
    r = recommend((X, y), evidence=True, folds=3)
    ev = r.evidence
    assert all(res.converged for res in ev.results)
    assert not [n for n in ev.notes if n.key == "evidence.unconverged"]
    assert r.choice.loss == "mse"


def test_the_spread_is_a_standard_error_and_is_labelled():
    X, y, _ = D.outlier_line()
    r = recommend((X, y), evidence=True, folds=3, epochs=40)
    ev = r.evidence
    for res in ev.results:
        for key, se in res.se.items():
            vals = [f[key] for f in res.per_fold if f.get(key) is not None]
            assert se is not None and math.isclose(se, np.std(vals, ddof=1) / math.sqrt(len(vals)))
            assert math.isclose(se, res.spread[key] / math.sqrt(len(vals)))
    lines = ev.text_lines("en")
    assert any("standard error" in line for line in lines)
    assert any("標準誤差" in line for line in ev.text_lines("ja"))
    first = ev.results[0]
    assert f"{first.metrics['mae']:.4g} ± {first.se['mae']:.2g}" in "\n".join(lines)


def test_the_convergence_check_on_plain_curves():
    n = np.arange(40, dtype=float)
    assert not _converged(1.0 + np.exp(-n / 30))  # still falling at the end
    assert _converged(1.0 + np.exp(-n / 3))  # flat at the end
    rng = np.random.default_rng(0)
    assert _converged(1.0 + 0.05 * rng.standard_normal(40))  # flat within noise
