"""A labelled corpus of real training runs (issue 12): the diagnosis measured against labels it does not make.

Each run is a real :func:`losslab.training.fit` on a built-in data set, deterministic by seed. Its label comes from
plain facts about the run and the data, never from :func:`~losslab.training.diagnose`:

- ``divergence``: a loss that is not finite, or a training loss that ends above 3 × its start;
- ``collapse``: at the end the model gives every validation row one class, and its validation accuracy is within
  2 points of the share of that class, although some epoch was at least 10 points better;
- ``oscillation``: the training loss's rises add up to at least half of its whole fall (from epoch 0 to its
  lowest value), and the same run at a tenth of the learning rate ends at least 20% lower (the steps were too
  large);
- ``overfitting``: the validation loss's last 10 epochs average at least 10% and 2% of the baseline loss above
  its lowest 5-epoch mean, by at least 3 standard errors of the difference of the two means, while the training
  loss ends below where it was at that lowest stretch;
- ``stalled``: the training loss moved less than 5% over the whole run, while the same run at 1000 times the
  learning rate falls by at least 20% (the diagnosis calls it a plateau);
- ``underfitting``: the model's validation accuracy (R²) over its last 10 epochs is at least 10 points (0.15)
  below that of a bigger reference model (MLP 32-32 tanh, Adam, 150 epochs; trained once per data set), or the
  known truth where the data set has one (sine: the noise-free curve);
- otherwise ``healthy``.

Nothing is cached outside the test session: the references live in a dict of this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losslab.training import Run, fit, load_dataset

VERDICTS = ("divergence", "collapse", "oscillation", "overfitting", "stalled", "underfitting", "healthy")


@dataclass(frozen=True)
class Spec:
    data: str
    fit: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0

    @property
    def name(self) -> str:
        kw = ",".join(f"{k}={v}" for k, v in self.fit.items())
        dp = ",".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.data}[{dp}]({kw})s{self.seed}"


def _specs() -> list[Spec]:
    S = Spec
    mlp = dict(model="mlp", hidden=(16, 16))
    out: list[Spec] = []
    for seed in (0, 1, 2):
        out += [
            # healthy, several data sets, models and losses
            S("moons", dict(**mlp, loss="bce", epochs=60, batch_size=32), seed=seed),
            S("circles", dict(**mlp, activation="tanh", loss="bce", epochs=80, lr=0.02), seed=seed),
            S("sine", dict(**mlp, activation="tanh", loss="mse", epochs=120, lr=0.02), seed=seed),
            S("outliers", dict(model="linear", loss="huber", lr=0.05, epochs=50), seed=seed),
            S("outliers", dict(model="linear", loss="mse", epochs=60), {"fraction": 0.0}, seed=seed),
            S("blobs", dict(model="linear", lr=0.1, epochs=40), seed=seed),
            # underfitting: linear models on curved data
            S("sine", dict(model="linear", loss="mse", epochs=60), seed=seed),
            S("circles", dict(model="linear", loss="bce", epochs=60), seed=seed),
            S("xor", dict(model="linear", loss="bce", epochs=60), seed=seed),
            # too large a learning rate: divergence, oscillation, collapse
            S("outliers", dict(model="linear", loss="mse", optimizer="sgd", lr=1.5, epochs=40), seed=seed),
            S("moons", dict(model="mlp", loss="bce", optimizer="adam", lr=0.5, epochs=60), seed=seed),
            S("moons", dict(model="mlp", hidden=(6, 4), activation="relu", loss="bce", optimizer="sgd", lr=3.0,
                            batch_size=10, epochs=100), {"n_samples": 200, "noise": 0.2, "val_split": 0.3},
              seed=seed),
            # overfitting: a wide MLP on few noisy points
            S("moons", dict(model="mlp", hidden=(64, 64), loss="bce", lr=0.01, epochs=300),
              {"n_samples": 60, "noise": 0.35}, seed=seed),
            # stalled: a tiny learning rate
            S("moons", dict(model="mlp", loss="bce", optimizer="sgd", lr=1e-5, epochs=40), seed=seed),
        ]
    out += [
        S("digits", dict(model="softmax", epochs=20, lr=0.01)),
        S("iris", dict(model="softmax", lr=0.05, epochs=60)),
        S("wine", dict(model="mlp", hidden=(8,), epochs=40)),
        S("breast_cancer", dict(model="logistic", epochs=40, l2=0.01)),
        S("diabetes", dict(model="linear", epochs=60)),
        S("outliers", dict(model="linear", loss="mae", lr=0.05, epochs=60)),
        S("moons", dict(model="mlp", hidden=(8, 8), activation="tanh", loss="bce", optimizer="adam", lr=0.03,
                        batch_size=10, epochs=150), {"n_samples": 200, "noise": 0.2, "val_split": 0.3}),
        S("moons", dict(model="mlp", loss="bce", optimizer="momentum", lr=1.0, epochs=60)),
        S("outliers", dict(model="linear", loss="mse", optimizer="sgd", lr=30.0, epochs=40, batch_size=None)),
        S("spirals", dict(model="linear", loss="bce", epochs=60)),
        S("spirals", dict(model="mlp", hidden=(32, 32), activation="tanh", loss="bce", lr=0.02, epochs=150)),
        S("xor", dict(model="mlp", hidden=(8,), epochs=80, lr=0.02)),
        S("xor", dict(model="mlp", hidden=(8,), epochs=80, lr=0.02), seed=1),
        S("imbalanced", dict(model="logistic", loss="bce", epochs=40)),
        S("blobs", dict(model="mlp", hidden=(8,), epochs=40)),
        S("sine", dict(model="mlp", hidden=(32,), loss="huber", lr=0.02, epochs=120)),
        S("circles", dict(model="mlp", hidden=(16, 16), activation="relu", loss="hinge", epochs=80, lr=0.02)),
        S("outliers", dict(model="linear", loss="mse", optimizer="momentum", lr=0.05, epochs=60)),
        S("wine", dict(model="softmax", lr=0.05, epochs=40)),
        S("moons", dict(model="mlp", loss="bce", optimizer="momentum", lr=1.0, epochs=60), seed=1),
    ]
    return out


SPECS = _specs()
_REFS: dict[tuple[str, tuple[tuple[str, Any], ...], int], float] = {}


def dataset(spec: Spec) -> Any:
    return load_dataset(spec.data, seed=spec.seed, **spec.params)


def _score(run: Run) -> np.ndarray:
    """The validation accuracy (R²) of every epoch, from the history."""
    h = run.history
    if h.task == "regression":
        var = float(np.var(run.dataset.y_val))
        return 1.0 - h.column("val_rmse") ** 2 / var
    return h.column("val_accuracy")


def reference(spec: Spec) -> float:
    """What the data allow on the validation rows: the noise-free truth for sine, else a bigger model."""
    key = (spec.data, tuple(sorted(spec.params.items())), spec.seed)
    if key not in _REFS:
        ds = dataset(spec)
        if spec.data == "sine":
            truth = ds.truth
            x = ds.inverse_transform(ds.X_val)[:, 0]
            pred = truth["amplitude"] * np.sin(truth["frequency"] * x)
            _REFS[key] = 1.0 - float(np.mean((ds.y_val - pred) ** 2)) / float(np.var(ds.y_val))
        else:
            epochs = 150 if ds.n_train < 500 else 30
            big = fit(ds, model="mlp", hidden=(32, 32), activation="tanh", lr=0.01, epochs=epochs, seed=spec.seed)
            _REFS[key] = float(np.nanmax(_score(big)[-10:]))
    return _REFS[key]


def label(spec: Spec, run: Run) -> str:
    """The verdict from facts about the run (see the module docstring), never from the diagnosis."""
    h = run.history
    t, v = h.column("train_loss"), h.column("val_loss")
    start = float(h.initial["train_loss"])
    if h.stopped == "diverged" or not (np.isfinite(t).all() and np.isfinite(v).all()) or t[-1] > 3 * start:
        return "divergence"
    score = _score(run)
    if h.task != "regression":
        pred = run.predict(run.dataset.X_val)
        values = np.unique(pred)
        share = float(np.mean(run.dataset.y_val == values[0])) if len(values) == 1 else math.nan
        if len(values) == 1 and abs(score[-1] - share) <= 0.02 and float(score.max()) >= share + 0.1:
            return "collapse"
    series = np.concatenate([[start], t])
    rises = float(np.sum(np.maximum(np.diff(series), 0.0)))
    if rises >= 0.5 * (start - float(t.min())) and _rerun(spec, 0.1)[-1] <= 0.8 * t[-1]:
        return "oscillation"
    s = 5
    ma = np.convolve(v, np.ones(s) / s, mode="valid")
    j = int(np.argmin(ma))
    last, best = float(np.mean(v[-10:])), float(ma[j])
    se = math.sqrt(float(np.var(v[-10:], ddof=1)) / 10 + float(np.var(v[j:j + s], ddof=1)) / s)
    rise = last - best
    if (rise >= 0.1 * best and rise >= 0.02 * float(h.baseline["val_loss"]) and rise >= 3 * se
            and t[-1] < float(np.mean(t[j:j + s]))):
        return "overfitting"
    if abs(t[-1] - start) < 0.05 * start and _rerun(spec, 1000.0)[-1] <= 0.8 * start:
        return "stalled"
    gap = 0.15 if h.task == "regression" else 0.1
    if float(np.mean(score[-10:])) <= reference(spec) - gap:
        return "underfitting"
    return "healthy"


def _rerun(spec: Spec, factor: float) -> np.ndarray:
    """The training loss of the same run with the learning rate times ``factor``."""
    again = fit(dataset(spec), **{**spec.fit, "lr": spec.fit.get("lr", 0.01) * factor}, seed=spec.seed)
    return again.history.column("train_loss")


def verdict(codes: tuple[str, ...]) -> str:
    """The diagnosis's headline in the corpus's terms: a plateau is "stalled", still improving is "healthy"."""
    code = codes[0]
    return {"plateau": "stalled", "still_improving": "healthy"}.get(code, code)


def run(spec: Spec) -> Run:
    return fit(dataset(spec), seed=spec.seed, **spec.fit)
