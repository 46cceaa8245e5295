"""The diagnosis: each pathology on a run built to show it, with the epoch where it starts; silence on healthy runs."""

from __future__ import annotations

import json
import math
import re

import pytest

from losslab.training import CODES, History, Thresholds, TrainingError, diagnose, fit, load_dataset

PATHOLOGIES = {"divergence", "collapse", "oscillation", "overfitting", "plateau", "underfitting", "dead_units"}
POLITE = re.compile(r"(です|ます|ません|ました|でしょう|ましょう|ください)。?$")


def codes(run):
    return run.diagnose().codes


# ----------------------------------------------------------------------------------------- each pathology
def test_divergence_to_nan():
    run = fit("outliers", loss="mse", optimizer="sgd", lr=30.0, epochs=100, batch_size=None, seed=0)
    finding = run.diagnose().primary
    assert run.history.stopped == "diverged"
    assert finding.code == "divergence" and finding.evidence["kind"] == "nonfinite"
    assert finding.epoch <= finding.evidence["nonfinite_epoch"] == run.history.epochs
    assert finding.severity == "error"


def test_divergence_exploding():
    run = fit("outliers", loss="mse", optimizer="sgd", lr=1.5, epochs=40, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "divergence" and finding.evidence["kind"] == "exploding"
    assert finding.epoch == 1  # the very first epoch already overshot
    assert finding.evidence["last_loss"] > 1e6 * finding.evidence["min_loss"]


@pytest.mark.parametrize(("optimizer", "lr"), [("adam", 0.5), ("momentum", 1.0)])
def test_oscillation_from_a_learning_rate_too_high(optimizer, lr):
    run = fit("moons", model="mlp", loss="bce", optimizer=optimizer, lr=lr, epochs=60, seed=0)
    diagnosis = run.diagnose()
    assert diagnosis.primary.code == "oscillation"
    assert 1 <= diagnosis.primary.epoch <= 8  # adam: the first step already overshoots (0.64 -> 2.15)
    calm = fit("moons", model="mlp", loss="bce", optimizer=optimizer, lr=lr / 50, epochs=60, seed=0)
    assert "oscillation" not in codes(calm)


def test_overfitting_starts_after_the_best_validation_epoch():
    data = load_dataset("moons", n_samples=60, noise=0.35, seed=0)
    run = fit(data, model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "overfitting"
    best = finding.evidence["best_epoch"]
    assert finding.epoch == best + 1
    v = run.history["val_loss"]
    assert v[-1] > 1.3 * v[best - 1] and run.history["train_loss"][-1] < run.history["train_loss"][best - 1]
    regularized = fit(data, model="linear", loss="bce", lr=0.01, epochs=300, seed=0)
    assert "overfitting" not in codes(regularized)


def test_overfitting_with_early_stopping_says_it_restored():
    data = load_dataset("moons", n_samples=60, noise=0.35, seed=0)
    run = fit(data, model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300, patience=15, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "overfitting" and finding.evidence["restored_best"]
    assert "restored" in finding.message


def test_plateau_stalled_by_a_tiny_learning_rate():
    run = fit("moons", model="mlp", loss="bce", optimizer="sgd", lr=1e-5, epochs=40, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "plateau" and finding.evidence["kind"] == "stalled" and finding.epoch == 1
    assert finding.evidence["update_ratio"] < 1e-4


def test_plateau_escaped_by_saturated_sigmoid_units():
    run = fit("xor", model="mlp", hidden=(2,), activation="sigmoid", loss="bce", optimizer="sgd", lr=1.0,
              epochs=400, batch_size=None, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "plateau" and finding.evidence["kind"] == "escaped"
    assert finding.epoch <= 5 and 30 <= finding.evidence["until"] <= 120
    assert finding.evidence["later_min"] < 0.5 * finding.evidence["level"]


@pytest.mark.parametrize("data", ["circles", "xor"])
def test_underfitting_of_a_linear_model_on_nonlinear_data(data):
    run = fit(data, model="linear", loss="bce", epochs=60, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "underfitting" and finding.epoch <= 5
    assert finding.evidence["kind"] == "accuracy" and finding.evidence["gap_pts"] >= 20  # far below k-NN
    baseline = diagnose(run.history).primary  # without the reference: against the trivial baseline
    assert baseline.code == "underfitting" and baseline.evidence["ratio_pct"] > 95
    fixed = fit(data, model="mlp", hidden=(16, 16), loss="bce", epochs=80, seed=0)
    assert "underfitting" not in codes(fixed)


def test_still_improving_when_stopped_too_early():
    run = fit("iris", model="softmax", lr=0.002, epochs=30, seed=0)
    finding = run.diagnose().primary
    assert finding.code == "still_improving" and finding.epoch == 30 and finding.severity == "info"
    assert run.diagnose().healthy


# -------------------------------------------------------------------------------------------- healthy runs
HEALTHY = [
    ("blobs", dict(model="linear", lr=0.1, epochs=40)),
    ("iris", dict(model="softmax", lr=0.05, epochs=60)),
    ("moons", dict(model="mlp", hidden=(16, 16), epochs=40)),
    ("sine", dict(model="mlp", hidden=(16, 16), epochs=100)),
    ("diabetes", dict(model="linear", epochs=60)),
    ("breast_cancer", dict(model="logistic", epochs=40, l2=0.01)),
    ("wine", dict(model="mlp", hidden=(8,), epochs=40)),
    ("circles", dict(model="mlp", hidden=(16, 16), epochs=80)),
    ("outliers", dict(model="linear", loss="huber", epochs=50, lr=0.05)),
    ("xor", dict(model="mlp", hidden=(8,), epochs=80, lr=0.02)),
]


@pytest.mark.parametrize(("data", "kwargs"), HEALTHY, ids=[h[0] for h in HEALTHY])
def test_no_pathology_fires_on_healthy_runs(data, kwargs):
    for seed in (0, 1):
        run = fit(data, seed=seed, **kwargs)
        diagnosis = run.diagnose()
        warnings = {f.code for f in diagnosis.findings if f.severity in ("error", "warning")}
        assert not PATHOLOGIES & warnings, (data, seed, diagnosis.to_text())  # a few dead units are "info"
        assert diagnosis.healthy and diagnosis.primary.code == "healthy"
        assert 1 <= diagnosis.primary.epoch <= run.history.epochs  # where the curve flattens


# ------------------------------------------------------------------------------------ hand-made histories
def _history(train, val=None, **extra):
    h = History(task="binary", loss="binary_cross_entropy")
    val = val or [None] * len(train)
    h.initial = {"train_loss": extra.pop("initial", train[0] * 1.2), "val_loss": None if val[0] is None else 1.0}
    h.baseline = {"train_loss": extra.pop("baseline", 0.7), "val_loss": 0.7}
    for i, (t, v) in enumerate(zip(train, val, strict=True), start=1):
        h.records.append({"epoch": i, "train_loss": t, "val_loss": v, "penalty": 0.0, "objective": t,
                          "train_accuracy": None, "val_accuracy": None, "train_mae": None, "val_mae": None,
                          "train_rmse": None, "val_rmse": None, "grad_norm": 1.0, "lr": 0.01,
                          "update_ratio": extra.get("update_ratio", 0.01)})
    for key, value in extra.items():
        if hasattr(h, key) and key != "update_ratio":
            setattr(h, key, value)
    return h


def test_too_short_and_empty():
    assert diagnose(_history([0.6, 0.5])).primary.code == "too_short"
    assert diagnose(History(task="binary", loss="bce")).primary.code == "too_short"
    nan = diagnose(_history([0.6, math.nan], stopped="diverged"))
    assert nan.primary.code == "divergence" and nan.primary.evidence["nonfinite_epoch"] == 2


def test_textbook_overfitting_curve():
    train = [0.6 * 0.9**i for i in range(30)]
    val = [0.6 * 0.9**i if i < 10 else 0.6 * 0.9**10 * (1 + 0.05 * (i - 10)) for i in range(30)]
    finding = diagnose(_history(train, val)).primary
    assert finding.code == "overfitting" and finding.epoch in (11, 12, 13)


def test_thresholds_can_be_tuned():
    train = [0.7 - 0.001 * i for i in range(30)]
    assert diagnose(_history(train, initial=0.7)).primary.code == "underfitting"
    assert diagnose(_history(train, initial=0.7), thresholds=Thresholds(high=0.99)).primary.code != "underfitting"


# ------------------------------------------------------------------------------------------------ words
def test_findings_in_japanese_are_polite_and_complete():
    runs = [fit("circles", model="linear", epochs=30, seed=0),
            fit("outliers", loss="mse", optimizer="sgd", lr=1.5, epochs=20, seed=0),
            fit("iris", model="softmax", lr=0.05, epochs=40, seed=0)]
    for run in runs:
        ja, en = run.diagnose("ja"), run.diagnose("en")
        assert ja.codes == en.codes
        for f in ja.findings:
            assert "{" not in f.message and "}" not in f.message
            assert POLITE.search(f.message.split("。")[-2] + "。") or POLITE.search(f.message)
            assert all(POLITE.search(a) for a in f.advice)
        text = json.dumps(ja.to_dict(), ensure_ascii=False, allow_nan=False)
        assert ja.primary.title in text
        assert str(en).startswith(en.primary.title)


def test_codes_are_documented():
    assert set(CODES) == PATHOLOGIES | {"still_improving", "healthy", "too_short"}


API_ONLY = ("lr_schedule", "patience", "restore_best", "losslab compare", "l2=", "epochs=")


def test_the_lab_is_advised_only_what_its_controls_can_do():
    """Advice names only actions available where the user is: in the lab, its own controls (issue 12)."""
    from losslab._texts import load_toml_texts

    for lang in ("en", "ja"):
        table = load_toml_texts("losslab.training", lang)["diagnosis"]
        for code, entry in table.items():
            if not isinstance(entry, dict):
                continue
            lists = [v for k, v in entry.items() if k.startswith("advice") and k != "advice_lab"]
            shown = [entry["advice_lab"]] if "advice_lab" in entry else lists
            for advice in shown:
                for line in advice:
                    assert not any(word in line for word in API_ONLY), (lang, code, line)


def test_where_picks_the_advice():


    run = fit("moons", model="mlp", hidden=(8, 8), epochs=60, seed=0)
    api = diagnose(run.history, "en")
    lab = diagnose(run.history, "en", where="lab")
    assert [f.code for f in api.findings] == [f.code for f in lab.findings]
    assert [f.message for f in api.findings] == [f.message for f in lab.findings]
    with pytest.raises(TrainingError, match="where"):
        diagnose(run.history, "en", where="notebook")
