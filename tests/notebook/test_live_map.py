"""The live widget's decision map (Python side): every update sent carries the map of the model as it was at that
epoch, checked against the model's own layers run again in PyTorch on a grid built here; only 2-D classification
data get one, other data get a sentence (en/ja) saying why; the map is computed only for the updates sent."""

from __future__ import annotations

import base64
import math
import time
from typing import Any

import numpy as np
import pytest

pytest.importorskip("anywidget")
pytest.importorskip("torch")

import torch

from losslab import notebook as nb
from losslab.notebook import _live
from losslab.training import fit, load_dataset

N = _live.MAP_GRID


def snapshots(w: Any) -> list[tuple[dict[str, Any], list[np.ndarray], list[np.ndarray]]]:
    """Wrap the widget's push (in the training thread, where the model stands still): each update's map with a
    copy of the layers it was drawn from."""
    seen: list[tuple[dict[str, Any], list[np.ndarray], list[np.ndarray]]] = []
    push = w._push

    def recording(now: float) -> None:
        push(now)
        net = w._net
        seen.append((dict(w.decision), [a.copy() for a in net.weights], [b.copy() for b in net.biases]))

    w._push = recording
    return seen


def reference(weights: list[np.ndarray], biases: list[np.ndarray], extent: float, activation: str) -> Any:
    """The scores on the map's grid by PyTorch: rows from +extent (top) down, columns from -extent."""
    axis = np.linspace(-extent, extent, N)
    X = torch.tensor([[x, y] for y in axis[::-1] for x in axis], dtype=torch.float64)
    act = {"relu": torch.relu, "tanh": torch.tanh}[activation]
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        X = X @ torch.from_numpy(W) + torch.from_numpy(b)
        if i < len(weights) - 1:
            X = act(X)
    return X


def decoded(d: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(d["data"]), dtype=np.uint8)


def test_each_update_carries_the_binary_map_of_the_model_at_that_epoch() -> None:
    w = nb.live_fit("moons", model="mlp", epochs=80, seed=0, start=False)
    seen = snapshots(w)
    run = w.wait(120)
    ds = load_dataset("moons")
    extent = math.ceil(1.1 * float(np.abs(np.concatenate([ds.X_train, ds.X_val])).max()) * 2) / 2
    assert len(seen) == w.updates >= 2
    epochs = []
    for d, weights, biases in seen:
        assert (d["n"], d["extent"], d["kind"], d["classes"]) == (N, extent, "probability", 2)
        got = decoded(d)
        assert got.shape == (N * N,)
        p = torch.sigmoid(reference(weights, biases, extent, "relu")[:, 0]).numpy()
        assert np.abs(got.astype(float) - p * 255).max() <= 0.5 + 1e-9  # one byte: the probability rounded
        epochs.append(d["epoch"])
    assert epochs == sorted(epochs) and epochs[-1] == 80 == w.epoch
    assert not np.array_equal(decoded(seen[0][0]), decoded(seen[-1][0]))  # the map moves as the model learns
    # the last update is the trained model's: most training points fall on their class's side of the map
    idx = np.clip(np.round((ds.X_train + extent) / (2 * extent) * (N - 1)).astype(int), 0, N - 1)
    at = decoded(w.decision).reshape(N, N)[N - 1 - idx[:, 1], idx[:, 0]]
    assert np.mean((at >= 128) == (ds.y_train == 1)) > 0.9
    assert run.model.weights[0].shape == seen[-1][1][0].shape
    assert w.points["label"] == ds.y_train.astype(int).tolist() and w.points["names"] == list(ds.class_names)
    assert w.map_note == ""


def test_a_multiclass_map_is_the_arg_max_class_and_its_probability() -> None:
    w = nb.live_fit("blobs", model="mlp", hidden=[8], activation="tanh", epochs=20, seed=1, start=False)
    seen = snapshots(w)
    w.wait(120)
    d, weights, biases = seen[-1]
    assert (d["kind"], d["classes"], d["n"]) == ("classes", 3, N)
    got = decoded(d).reshape(N * N, 2)
    prob = torch.softmax(reference(weights, biases, d["extent"], "tanh"), dim=1).numpy()
    sure = np.sort(prob, axis=1)[:, -1] - np.sort(prob, axis=1)[:, -2] > 1e-9  # no tie to break
    np.testing.assert_array_equal(got[sure, 0], prob[sure].argmax(axis=1))
    assert np.abs(got[:, 1] - prob.max(axis=1) * 255).max() <= 0.5 + 1e-9


def test_a_hinge_loss_is_mapped_as_a_score() -> None:
    w = nb.live_fit("moons", model="logistic", loss="hinge", epochs=5, seed=0)
    w.wait(60)
    assert w.decision["kind"] == "score" and w.decision["epoch"] == 5


def test_the_map_is_computed_only_for_the_updates_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = _live.decision_map
    monkeypatch.setattr(_live, "decision_map", lambda *a: calls.append(1) or real(*a))
    w = nb.live_fit("moons", model="mlp", epochs=200, seed=0)
    w.wait(120)
    assert len(calls) == w.updates and w.updates <= 200


@pytest.mark.parametrize(("data", "en", "ja"), [
    ("iris", "iris has 4 features", "iris の特徴量は 4 個"),
    ("sine", "sine is a regression set", "sine は回帰のデータ"),
])
def test_other_data_get_the_curves_and_say_why_there_is_no_map(data: str, en: str, ja: str) -> None:
    w = nb.live_fit(data, model="mlp", epochs=3, seed=0, lang="ja")
    w.wait(60)
    assert w.decision == {} and w.points == {} and w.curves["epoch"] == [1, 2, 3]
    assert ja in w.map_note and w.map_note.startswith("決定領域は表示しません")
    w.lang = "en"
    assert en in w.map_note and w.map_note.startswith("No decision map")


def test_live_fit_keeps_fits_hooks_for_itself() -> None:
    with pytest.raises(TypeError, match="on_start"):
        nb.live_fit("moons", on_start=print)


def test_fit_hands_on_start_the_model_it_trains_before_the_first_step() -> None:
    got: list[tuple[Any, ...]] = []
    epochs: list[int] = []
    run = fit("moons", model="mlp", epochs=3, seed=0, on_start=lambda *a: got.append(a),
              on_epoch=lambda r: epochs.append(r["epoch"]) if got else None)
    assert len(got) == 1 and epochs == [1, 2, 3]
    net, objective, ds = got[0]
    assert net is run.model and objective is run.objective and ds is run.dataset


def test_the_title_names_the_trainers_loss_while_it_trains() -> None:
    w = nb.live_fit("moons", model="mlp", epochs=100_000, seed=0)
    deadline = time.monotonic() + 60
    while not w.decision and time.monotonic() < deadline:
        time.sleep(0.01)
    assert w.status == "running" and "binary_cross_entropy" in w.title  # chosen by task, before the run ends
    w.stop()
    assert w.wait(60).history.stopped == "cancelled"
