"""The trainer's per-batch loss calls (``Loss.for_target``): a data set's target is laid out once and each batch is a
row index into it. The numbers must be the very same as a plain ``loss.grad(pred, T[idx])`` — bit for bit, for
every trainable loss of the catalog, both dtypes and every nan_policy — and so must the errors and warnings (a
diverging model's NaN, a prediction outside the loss's domain). The reference here is the catalog's own plain call,
itself tested against PyTorch, Keras, optax, scikit-learn and autograd in tests/losses."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import losslab
from losslab.losses import Loss
from losslab.losses._target_rows import TargetRows
from losslab.training import fit, load_dataset, make_objective

TASKS = {"regression": "diabetes", "binary": "breast_cancer", "multiclass": "wine"}


def _call(f):
    """(value, grad, error, warnings) of one call, comparable across the two paths."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = f()
        except Exception as exc:  # the same error, type and words, is the point
            return None, None, (type(exc), str(exc)), [str(w.message) for w in caught]
    value, g = out if isinstance(out, tuple) else (None, out)
    return value, g, None, [str(w.message) for w in caught]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _preds(objective, n: int, dtype, rng) -> list[np.ndarray]:
    """Predictions as the trainer makes them, and as a diverging or broken model would."""
    k = objective.n_outputs
    z = rng.standard_normal((n, k)).astype(dtype)
    good = objective.output(z)
    with np.errstate(all="ignore"):
        huge = objective.output((z * 1e4).astype(dtype))
    nan_row = good.copy()
    nan_row[n // 2] = np.nan
    inf_row = good.copy()
    inf_row[0, 0] = np.inf
    outside = good.copy()
    outside[-1, 0] = -0.5  # outside [0, 1] and below 0: a loss with such a domain says so
    return [good, huge, nan_row, inf_row, outside, -good, good * 0]


def _entries():
    out = []
    for entry in losslab.catalog():
        if entry["trainable"]:
            out.append(entry["name"])
    return out


@pytest.mark.parametrize("name", _entries())
def test_each_trainable_loss_gives_the_plain_calls_numbers_and_errors_batch_by_batch(name):
    task = next(e["task"] for e in losslab.catalog() if e["name"] == name)
    data = load_dataset(TASKS[task if task != "distribution" else "multiclass"], seed=0)
    objective = make_objective(name, data)
    loss: Loss = objective.loss
    rng = np.random.default_rng(0)
    shortcut = 0
    for dtype in (np.float64, np.float32):
        T = objective.encode(data.y_train, dtype)
        n = len(T)
        for policy in ("propagate", "omit", "raise"):
            rows = loss.for_target(T, (n, objective.n_outputs), dtype, reduction=objective.reduction,
                                   nan_policy=policy)
            shortcut += rows.whole is not None
            order = rng.permutation(n)
            for idx in (order[:7], order[7:8], order):
                for pred in _preds(objective, len(idx), dtype, rng):
                    kw = dict(reduction=objective.reduction, nan_policy=policy)
                    want = _call(lambda: loss.value_and_grad(pred, T[idx], **kw))  # noqa: B023
                    got = _call(lambda: rows.value_and_grad(pred, idx))  # noqa: B023
                    assert want[2] == got[2] and want[3] == got[3], (name, dtype, policy)
                    assert _same(want[0], got[0]) and _same(want[1], got[1]), (name, dtype, policy)
                    want_g = _call(lambda: loss.grad(pred, T[idx], **kw))  # noqa: B023
                    got_g = _call(lambda: rows.grad(pred, idx))  # noqa: B023
                    assert want_g[2] == got_g[2] and _same(want_g[1], got_g[1]), (name, dtype, policy)
                    want_v = _call(lambda: loss(pred, T[idx], **kw))  # noqa: B023
                    got_v = _call(lambda: rows.value(pred, idx))  # noqa: B023
                    assert want_v[2] == got_v[2] and _same(want_v[1], got_v[1]), (name, dtype, policy)
            for pred in _preds(objective, n, dtype, rng):  # the whole set, as the trainer's evaluation scores it
                want = _call(lambda: loss(pred, T, reduction=objective.reduction, nan_policy=policy))  # noqa: B023
                got = _call(lambda: rows.value(pred))  # noqa: B023
                assert want[2] == got[2] and _same(want[1], got[1]), (name, dtype, policy)
    assert shortcut > 0 or loss.definition.kind not in ("elementwise", "rows"), name


def test_the_lean_gradient_is_taken_for_the_lab_default_and_refused_where_a_step_would_change_a_number():
    """The lean gradient (the definition's grad over the batch size) is what the classification lab trains with,
    and never where the ordinary batch does more: weights, a domain check on pred, a finalizing sqrt."""
    def rows(name, data, **kw):
        ds = load_dataset(data, seed=0)
        objective = make_objective(name, ds, **kw)
        T = objective.encode(ds.y_train, np.float64)
        return objective.loss.for_target(T, (len(T), objective.n_outputs), np.float64,
                                         reduction=objective.reduction, nan_policy="propagate")

    assert rows("bce", "moons").lean and rows("mse", "diabetes").lean and rows(None, "iris").lean
    assert not rows("rmse", "diabetes").lean  # sqrt of the mean: the gradient needs the value
    assert not rows("kl_divergence", "wine").lean  # probability rows: pred's domain is checked each batch
    weighted = rows("categorical_cross_entropy", "wine", loss_params={"class_weight": [1.0, 2.0, 3.0]})
    assert not weighted.lean
    lean = rows("bce", "moons")
    pred = np.zeros((3, 1))
    pred[1, 0] = np.nan  # a diverging model: the ordinary path marks the row NaN
    g = lean.grad(pred, np.arange(3))
    assert np.isnan(g[1, 0]) and np.isfinite(g[[0, 2], 0]).all()


def _plain(monkeypatch):
    """The trainer as it was: every batch through the plain call (no layout done once)."""
    original = TargetRows.__init__

    def plain(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.whole = None
        self.lean = False

    monkeypatch.setattr(TargetRows, "__init__", plain)


RUNS = [
    dict(data="moons", model="mlp", hidden=(8, 8), loss="bce", batch_size=10, lr=0.03, epochs=15),
    dict(data="moons", model="mlp", hidden=(8, 8), loss="bce", batch_size=10, lr=0.03, epochs=5, dtype="float32"),
    dict(data="iris", model="softmax", epochs=10, batch_size=16),
    dict(data="wine", model="mlp", loss="categorical_hinge", epochs=8),
    dict(data="diabetes", model="linear", loss="huber", epochs=10, l2=0.01),
    dict(data="diabetes", model="linear", loss="poisson", epochs=10),
    dict(data="imbalanced", model="linear", loss="binary_focal", epochs=10),
    # a diverging model: the NaN is caught at the same step, and the run stops the same way
    dict(data="outliers", model="linear", loss="mse", optimizer="sgd", lr=1.5, epochs=40),
    dict(data="moons", model="mlp", loss="bce", optimizer="sgd", lr=50.0, epochs=30),
]


def _record_bytes(records):
    return [{k: np.float64(np.nan if v is None else v).tobytes() for k, v in r.items()} for r in records]


@pytest.mark.parametrize("spec", RUNS, ids=lambda s: f"{s['data']}-{s.get('loss', 'default')}-{s.get('dtype', '64')}")
@pytest.mark.parametrize("steps", [False, True])
def test_a_run_is_the_same_bit_for_bit_with_the_target_laid_out_once(spec, steps, monkeypatch):
    spec = dict(spec)
    data = spec.pop("data")
    seen: list[list] = [[], []]

    def run(k):
        on_step = (lambda s: seen[k].append((s["loss"], s["grad_norm"]))) if steps else None
        return fit(data, seed=3, on_step=on_step, **spec)

    fast = run(0)
    with monkeypatch.context() as m:
        _plain(m)
        slow = run(1)
    assert fast.history.stopped == slow.history.stopped
    assert _record_bytes(fast.history.records) == _record_bytes(slow.history.records)
    assert fast.model.get_params().tobytes() == slow.model.get_params().tobytes()
    assert np.array_equal(np.array(seen[0], dtype=float), np.array(seen[1], dtype=float), equal_nan=True)
    assert [np.float64(np.nan if v is None else v).tobytes() for pair in seen[0] for v in pair] == [
        np.float64(np.nan if v is None else v).tobytes() for pair in seen[1] for v in pair]


def test_the_trainer_lays_the_target_out_once_for_the_default_losses():
    for data, loss in (("moons", "bce"), ("iris", None), ("diabetes", "mse")):
        ds = load_dataset(data, seed=0)
        objective = make_objective(loss, ds)
        T = objective.encode(ds.y_train, np.float64)
        rows = objective.loss.for_target(T, (len(T), objective.n_outputs), np.float64,
                                         reduction=objective.reduction, nan_policy="propagate")
        assert rows.whole is not None, data


@pytest.mark.parametrize("name, damage", [
    ("binary_cross_entropy", 2.0),  # a label outside {0, 1}
    ("binary_cross_entropy", np.nan),  # a missing label
    ("hinge", -1.0),  # -1 beside 0: two encodings mixed
    ("mse", np.inf),
    ("sparse_categorical_cross_entropy", 7.0),  # a class that pred has no column for
    ("sparse_categorical_cross_entropy", 0.5),  # not an integer
    ("kl_divergence", 0.7),  # a probability row that does not add up to 1 (a warning, batch by batch)
])
@pytest.mark.parametrize("policy", ["propagate", "omit", "raise"])
def test_a_damaged_target_gives_each_batch_the_plain_calls_error(name, damage, policy):
    task = next(e["task"] for e in losslab.catalog() if e["name"] == name)
    data = load_dataset(TASKS[task if task != "distribution" else "multiclass"], seed=0)
    objective = make_objective(name, data)
    loss = objective.loss
    T = objective.encode(data.y_train, np.float64).astype(np.float64)  # (labels as floats, to hold the damage)
    T.reshape(len(T), -1)[5, 0] = damage
    n = len(T)
    rows = loss.for_target(T, (n, objective.n_outputs), np.float64, reduction=objective.reduction, nan_policy=policy)
    rng = np.random.default_rng(1)
    for idx in (np.arange(0, 10), np.arange(10, 20), np.array([5]), rng.permutation(n)):
        pred = objective.output(rng.standard_normal((len(idx), objective.n_outputs)))
        want = _call(lambda: loss.value_and_grad(pred, T[idx], reduction=objective.reduction,  # noqa: B023
                                                 nan_policy=policy))
        got = _call(lambda: rows.value_and_grad(pred, idx))  # noqa: B023
        assert want[2] == got[2] and want[3] == got[3], (want[2], got[2])
        assert _same(want[0], got[0]) and _same(want[1], got[1])
