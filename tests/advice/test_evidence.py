"""The evidence: k-fold training of the candidates with losslab.training (small folds and epochs here)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from losslab import LossInputError
from losslab.advice import recommend
from losslab.advice._evidence import CandidateResult, Evidence, _decide, _ece, _fit_params
from losslab.advice._rules import Candidate

from . import _data

FAST = {"evidence": True, "folds": 3, "epochs": 15}


def test_outliers_the_robust_losses_beat_mse_on_mae():
    X, y, _ = _data.outlier_line(n=180)
    r = recommend(X, target=y, **FAST)
    ev = r.evidence
    assert ev.primary == "mae" and ev.folds == 3 and ev.rows == 180
    rows = {res.loss: res for res in ev.results}
    assert set(rows) == {"huber", "mae", "mse"}
    assert rows["mse"].ranked is False  # the loss advised against is trained too, to show why
    assert rows["huber"].metrics["mae"] < rows["mse"].metrics["mae"]
    assert rows["huber"].metrics["median_ae"] < rows["mse"].metrics["median_ae"]
    assert len(rows["huber"].per_fold) == 3
    assert not ev.overturned and r.choice.loss in {"huber", "mae"}
    assert ev.verdict.key in {"evidence.agrees", "evidence.close"}
    data = json.loads(r.to_json())
    assert data["evidence"]["primary"] == "mae" and len(data["evidence"]["results"]) == 3
    assert data["evidence"]["verdict"]["text"]


def test_imbalanced_weighted_bce_beats_plain_bce_on_balanced_accuracy():
    X, y = _data.imbalanced(n=420)
    r = recommend(X, target=y, output="logits", **FAST)
    ev = r.evidence
    assert ev.primary == "balanced_accuracy"
    assert {"accuracy", "minority_recall", "minority_precision", "log_loss", "ece"} <= set(ev.columns)
    rows = {res.label: res for res in ev.results}
    weighted = rows["binary_cross_entropy, pos_weight=20"]
    plain = rows["binary_cross_entropy"]
    assert weighted.metrics["balanced_accuracy"] > plain.metrics["balanced_accuracy"]
    assert weighted.metrics["minority_recall"] > plain.metrics["minority_recall"]
    assert weighted.per_class[1]["label"] == "1" and weighted.per_class[1]["recall"] is not None
    assert weighted.metrics["ece"] is not None


def test_hinge_has_no_probabilities_and_the_real_sets_run():
    X, y = _data.margin(n=160)
    ev = recommend(X, target=y, **FAST).evidence
    hinge = next(res for res in ev.results if res.loss == "hinge")
    assert hinge.metrics["log_loss"] is None and hinge.metrics["accuracy"] > 0.9
    assert "no probabilities" in "\n".join(ev.text_lines("en"))
    ev = recommend(_data.sklearn_frame("iris"), target="target", **FAST).evidence
    assert all(res.metrics["accuracy"] > 0.8 for res in ev.results)


def test_counts_evidence_trains_poisson():
    X, y = _data.counts(n=150)
    ev = recommend(X, target=y, **FAST).evidence
    assert ev.primary == "rmse" and ev.results[0].loss == "poisson" and ev.results[0].error is None


def test_the_decision_rule_overturns_only_beyond_the_noise():
    def result(label, values):
        return CandidateResult(label=label, loss=label, params={}, metrics={"mae": float(np.mean(values))},
                               per_fold=[{"mae": v} for v in values])

    def evidence(first, other):
        return Evidence(task="regression", folds=5, epochs=1, model="linear", rows=10, total_rows=10, seed=0,
                        primary="mae", primary_values={}, columns=["mae"], results=[first, other], first=first.label,
                        winner=None, overturned=False, recommended=first.label, verdict=None)

    clear = evidence(result("huber", [2.0, 2.1, 2.2, 2.0, 2.1]), result("mae", [1.0, 1.1, 1.0, 1.2, 1.1]))
    _decide(clear)
    assert clear.overturned and clear.recommended == "mae" and clear.verdict.key == "evidence.overturned"
    assert "mae" in clear.verdict.text("en") and "MAE" in clear.verdict.text("en")
    assert "「mae」" in clear.verdict.text("ja")
    noisy = evidence(result("huber", [2.0, 1.0, 2.2, 1.0, 2.1]), result("mae", [1.9, 1.3, 2.0, 1.2, 1.8]))
    _decide(noisy)
    assert not noisy.overturned and noisy.verdict.key == "evidence.close" and noisy.recommended == "huber"
    agree = evidence(result("huber", [1.0] * 5), result("mae", [2.0] * 5))
    _decide(agree)
    assert agree.verdict.key == "evidence.agrees" and agree.winner == "huber"


def test_an_overturn_changes_the_choice():
    X, y, _ = _data.outlier_line(n=120)
    r = recommend(X, target=y)
    ev = Evidence(task="regression", folds=3, epochs=1, model="linear", rows=120, total_rows=120, seed=0,
                  primary="mae", primary_values={}, columns=["mae"], results=[], first=r.first.label,
                  winner="mae", overturned=True, recommended="mae", verdict=None)
    r.evidence = ev
    assert r.choice.loss == "mae" and r.loss().name == "mae"
    assert r.to_dict()["choice"]["by"] == "evidence"


def test_evidence_is_unavailable_with_a_reason():
    rng = np.random.default_rng(0)
    assert recommend(rng.normal(size=50), **FAST).evidence.notes[0].key == "evidence.unavailable_features"
    multilabel = (rng.normal(size=(60, 2)), (rng.random((60, 2)) < 0.4).astype(int))
    assert recommend(multilabel, **FAST).evidence.notes[0].key == "evidence.unavailable_task"
    ambiguous = recommend(rng.normal(size=(90, 2)), target=rng.choice([0, 1, 2], 90, p=[0.8, 0.15, 0.05]), **FAST)
    assert ambiguous.evidence.notes[0].key == "evidence.unavailable_question"
    y = np.r_[np.zeros(30, int), np.ones(30, int), [2]]
    single = recommend(rng.normal(size=(61, 2)), target=y, task="multiclass", **FAST)
    assert single.evidence.notes[0].key == "evidence.too_few" and single.evidence.results == []
    for r in (ambiguous, single):
        assert r.evidence.to_dict()["results"] == [] and r.to_text("ja")


def test_folds_shrink_to_the_smallest_class_and_rows_are_sampled():
    X, y = _data.imbalanced(n=120, ratio=40)  # 2 rows of the rare class
    ev = recommend(X, target=y, evidence=True, folds=5, epochs=5).evidence
    assert ev.folds == 2 and ev.notes[0].key == "evidence.folds_reduced"
    X, y = _data.line(n=300)
    ev = recommend(X, target=y, evidence=True, folds=2, epochs=5, max_rows=100).evidence
    assert ev.rows == 100 and ev.total_rows == 300 and ev.notes[0].key == "evidence.subsampled"


def test_unit_parameters_are_passed_in_target_units():
    """The trainer rescales thresholds for standardized targets itself: the advice must not do it a second time."""
    from losslab.training import make_objective
    from losslab.training.data import from_arrays

    class Fold:
        y_scale = 4.0

    assert _fit_params(Candidate("huber", {"delta": 2.0}), Fold()) == {"delta": 2.0}
    assert _fit_params(Candidate("mse"), Fold()) is None
    rng = np.random.default_rng(0)
    data = from_arrays(rng.normal(size=(40, 1)), 4.0 * rng.normal(size=40), seed=0)
    objective = make_objective("huber", data, loss_params={"delta": 2.0})
    assert objective.loss.params["delta"] == pytest.approx(2.0 / data.y_scale)
    assert objective.user_loss.params["delta"] == 2.0


def test_calibration_error():
    y = np.array([0, 1, 1, 0])
    perfect = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert _ece(y, perfect) == 0.0
    overconfident = np.array([[0.99, 0.01]] * 4)
    assert _ece(y, overconfident) == pytest.approx(0.49)


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"folds": 1}, "folds"), ({"epochs": 0}, "epochs"), ({"model": "forest"}, "model"), ({"max_rows": 3}, "max_rows"),
])
def test_bad_evidence_settings(kwargs, argument):
    X, y = _data.line(n=40)
    with pytest.raises(LossInputError) as info:
        recommend(X, target=y, evidence=True, **kwargs)
    assert info.value.argument == argument


def test_figure_or_a_note_about_it():
    X, y = _data.line(n=60)
    ev = recommend(X, target=y, evidence=True, folds=2, epochs=3).evidence
    assert ev.figure is not None or ev.figure_note.key.startswith("evidence.figure_")
