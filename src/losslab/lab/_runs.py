"""Training runs of the classification lab: the trainer of :mod:`losslab.training` driven from the page.

A run is :func:`losslab.training.fit` working in a thread of its own, on a model and an optimizer that the lab
keeps, so that the page can pause it, take one epoch at a time, change the learning rate while it goes on, and
start again from the very same initial weights. The trainer reports every epoch through its ``on_epoch``
callback; the lab turns those records (and the model's current decision map) into messages on a WebSocket, at
most ``Limits.frames_per_second`` of them per second. Pausing is the callback waiting; stopping is the trainer's
own ``cancel``. A change of the regularization starts a new call of ``fit`` from the current weights (the
trainer's penalty is fixed for one call); the epochs keep counting.

Nothing here trains, scores or differentiates: the numbers are the trainer's and the catalog's.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from ..errors import LossInputError
from ..training._common import TrainingError, jsonable
from ..training.data import Dataset, load_dataset
from ..training.models import Model, make_model
from ..training.objective import Objective, make_objective
from ..training.optim import Optimizer, make_optimizer
from ..training.trainer import RECORD_KEYS, History, fit
from ._errors import LabError, validation_error
from ._limits import Limits
from ._models import DatasetRequest, RunControl, RunRequest

__all__ = ["LabRun", "RunManager", "dataset_payload", "load_lab_dataset"]

LAB_DATASETS = ("moons", "circles", "xor", "spirals", "blobs", "imbalanced")


def _training_error(exc: TrainingError, argument: str = "settings") -> LossInputError:
    return LossInputError("training", argument, "settings the trainer can use", str(exc))


# ----------------------------------------------------------------------------------------------------- data sets
def generator_params(req: DatasetRequest) -> dict[str, Any]:
    """The generator parameters of :func:`losslab.training.load_dataset` for the lab's few knobs.

    ``noise`` is the generators' own noise for moons, circles, XOR and spirals; for blobs it sets the spread
    (``5 × noise``) and for the imbalanced set the overlap (separation ``3 × (1 − noise)``).
    """
    params: dict[str, Any] = {"n_samples": req.n_samples}
    if req.name in ("moons", "circles", "xor", "spirals"):
        params["noise"] = req.noise
    if req.name in ("spirals", "blobs"):
        params["n_classes"] = req.n_classes
    if req.name == "blobs":
        params["spread"] = max(0.05, 5.0 * req.noise)
        params["n_features"] = 2
    if req.name == "imbalanced":
        params["ratio"] = req.ratio
        params["n_features"] = 2
        params["separation"] = max(0.1, 3.0 * (1.0 - req.noise))
    return params


def load_lab_dataset(req: DatasetRequest) -> Dataset:
    try:
        return load_dataset(req.name, seed=req.seed, val_split=req.val_split, **generator_params(req))
    except TrainingError as exc:
        raise _training_error(exc, "data") from None


def _extent(ds: Dataset) -> float:
    both = np.concatenate([ds.X_train, ds.X_val])
    reach = float(np.max(np.abs(both))) if both.size else 1.0
    return float(math.ceil(reach * 1.1 * 2) / 2)


def dataset_payload(ds: Dataset) -> dict[str, Any]:
    """The points as the page draws them: standardized x1, x2, the class index and name, train or val."""
    names = list(ds.class_names or [])
    points = []
    for split, X, y in (("train", ds.X_train, ds.y_train), ("val", ds.X_val, ds.y_val)):
        for i, (row, label) in enumerate(zip(X.tolist(), y.tolist(), strict=True)):
            points.append({"index": i, "x1": row[0], "x2": row[1], "label": int(label),
                           "class": names[int(label)] if names else str(label), "split": split})
    return {"info": ds.info(), "points": points, "extent": _extent(ds)}


# ------------------------------------------------------------------------------------------------------- a run
class LabRun:
    """One training run of the page: settings, data, model, optimizer and the thread that trains."""

    def __init__(self, run_id: str, req: RunRequest, client: str, limits: Limits) -> None:
        self.id = run_id
        self.client = client
        self.limits = limits
        self.req = req
        self.created = time.monotonic()
        self.lang = req.lang
        self.dataset = load_lab_dataset(req.data)
        self.extent = _extent(self.dataset)
        try:
            self.objective: Objective = make_objective(req.loss, self.dataset, loss_params=req.loss_params)
        except TrainingError as exc:
            raise _training_error(exc, "loss") from None
        except LossInputError as exc:  # an unknown loss or parameter: the catalog's words, about "loss"
            argument = "loss" if exc.argument == "name" else f"loss_params.{exc.argument}"
            raise LossInputError(exc.loss, argument, exc.expected, exc.got, exc.hint) from None
        self.max_epochs = min(req.epochs, limits.max_epochs)
        self.kind = "mlp" if req.model.kind == "mlp" else ("logistic" if self.dataset.task == "binary" else "softmax")
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self.state = "paused"  # paused | playing | done | diverged | closed
        self.closed = False
        self.speed = 30.0  # epochs per second while playing
        self.records: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []  # records not yet streamed
        self._map_due = True
        self._map: dict[str, Any] | None = None
        self._map_epoch = -1
        self._map_at = 0.0
        self._last_epoch = time.monotonic()
        self._diagnosis: dict[str, Any] | None = None
        self._diagnosis_at = 0.0
        self._diagnosis_due = False
        self._steps_left = 0
        self._restart = False
        self._generation = 0
        self._thread: threading.Thread | None = None
        self.version = 0  # bumps on reset, so the page can drop frames of the old run
        self.attached = False
        self.detached_at = time.monotonic()
        self._build(req.init_seed, req.lr, req.regularization, req.reg_rate)

    # -- building ---------------------------------------------------------------------------------------------
    def _build(self, init_seed: int, lr: float, regularization: str, reg_rate: float) -> None:
        """A fresh model (from ``init_seed``) and optimizer, and the initial evaluation (epoch 0)."""
        req = self.req
        try:
            hidden = tuple(req.model.hidden) if self.kind == "mlp" else None
            if hidden is not None:
                if len(hidden) > self.limits.max_hidden_layers:
                    raise LabError(422, "model.hidden", f"at most {self.limits.max_hidden_layers} hidden layers",
                                   str(len(hidden)))
                if max(hidden) > self.limits.max_width:
                    raise LabError(422, "model.hidden", f"at most {self.limits.max_width} neurons per layer",
                                   str(max(hidden)))
            self.model: Model = make_model(self.kind, self.dataset.n_features, self.objective.n_outputs,
                                           hidden=hidden, activation=req.model.activation, seed=init_seed)
            self.optimizer: Optimizer = make_optimizer(req.optimizer, lr)
        except TrainingError as exc:
            raise _training_error(exc, "model") from None
        self.init_seed = init_seed
        self.regularization = regularization
        self.reg_rate = reg_rate
        self.initial_params = self.model.get_params()
        self.segment = 0
        # epoch 0: the trainer's own evaluation of the untouched model (cancelled before its first step)
        first = self._fit(epochs=1, cancel=lambda: True, on_epoch=None)
        self.initial = {k: first.history.initial.get(k) for k in RECORD_KEYS}
        self.initial.update(epoch=0, objective=_sum(self.initial.get("train_loss"), self.initial.get("penalty")),
                            lr=self.optimizer.lr)
        self.baseline = dict(first.history.baseline)
        self.records = []
        self._pending = []
        self._map_due = True
        self._map = None
        self._map_epoch = -1
        self._diagnosis = None

    def _penalty(self) -> tuple[float, float]:
        rate = float(self.reg_rate)
        return (rate, 0.0) if self.regularization == "l1" else ((0.0, rate) if self.regularization == "l2"
                                                                else (0.0, 0.0))

    def _fit(self, epochs: int, cancel: Callable[[], bool], on_epoch: Callable[[dict[str, Any]], Any] | None) -> Any:
        l1, l2 = self._penalty()
        return fit(self.dataset, model=self.model, loss=self.req.loss, loss_params=self.req.loss_params,
                   optimizer=self.optimizer, epochs=epochs, batch_size=self.req.batch_size, l1=l1, l2=l2,
                   seed=self.init_seed * 7919 + self.segment, on_epoch=on_epoch, cancel=cancel)

    # -- the training thread ----------------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, args=(self._generation,),
                                            name=f"losslab-run-{self.id}", daemon=True)
            self._thread.start()

    def _work(self, generation: int) -> None:
        """The training thread of one model (a reset starts a new generation, and this thread ends)."""

        def stop() -> bool:
            return self.closed or self._restart or self._generation != generation

        while True:
            with self._lock:
                while not stop() and not (self.state == "playing" or self._steps_left > 0):
                    self._wake.wait()
                if self.closed or self._generation != generation:
                    return
                remaining = self.max_epochs - len(self.records)
                if remaining <= 0:
                    self.state = "done"
                    self._steps_left = 0
                    self._map_due = True
                    continue
                self._restart = False
                self.segment += 1
            offset = len(self.records)

            def on_epoch(rec: dict[str, Any], offset: int = offset) -> None:
                self._on_epoch(rec, offset, generation)

            try:
                result = self._fit(remaining, stop, on_epoch)
            except (TrainingError, LossInputError, FloatingPointError) as exc:  # pragma: no cover - defensive
                with self._lock:
                    self.state = "diverged"
                    self._error = str(exc)
                continue
            with self._lock:
                if self._generation != generation:
                    return
                if result.history.stopped == "diverged":
                    self.state = "diverged"
                    self._steps_left = 0
                elif result.history.stopped == "completed" and len(self.records) >= self.max_epochs:
                    self.state = "done"
                    self._steps_left = 0
                self._map_due = True
                self._diagnosis_at = 0.0

    def _on_epoch(self, record: dict[str, Any], offset: int, generation: int) -> None:
        """The trainer's per-epoch callback (in the training thread): keep the record, draw, pace, pause."""
        if generation != self._generation:
            return  # an epoch of a model that was reset meanwhile
        row = {k: record.get(k) for k in RECORD_KEYS}
        row["epoch"] = offset + int(record["epoch"])
        now = time.monotonic()
        # the decision map of the model as it is now, at most once per frame (here, where the model is not moving)
        fresh = None
        if now - self._map_at >= 1.0 / self.limits.frames_per_second:
            self._map_at = now
            fresh = self.decision_map(self.model)
        if self.state == "playing" and now - self._diagnosis_at > 1.0:
            self._diagnosis_at = now
            with self._lock:
                self.records.append(row)  # diagnose the curves including this epoch
            found = self.diagnosis()
            with self._lock:
                self.records.pop()
                self._diagnosis = found
                self._diagnosis_due = True
        with self._lock:
            self.records.append(row)
            self._pending.append(row)
            if fresh is not None:
                self._map = fresh
                self._map_epoch = offset + int(record["epoch"])
                self._map_due = True
            if self._steps_left > 0:
                self._steps_left -= 1
                if self._steps_left == 0 and self.state != "playing":
                    self.state = "paused"
                    self._map_due = True
            # pace the run: at most `speed` epochs per second while playing (counting the epoch's own time)
            if self.state == "playing" and self.speed < 1000:
                wait = self._last_epoch + 1.0 / self.speed - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
            while (not self.closed and not self._restart and self._generation == generation
                   and self.state != "playing" and self._steps_left == 0):
                self._wake.wait()
            self._last_epoch = time.monotonic()
        if self.speed >= 1000:
            time.sleep(0.0005)  # as fast as possible, yet let the server's other threads have the interpreter

    # -- commands -------------------------------------------------------------------------------------------
    def control(self, cmd: RunControl) -> None:
        with self._lock:
            if self.closed:
                raise LabError(409, "run", "a run that is still open", "a closed run", "start a new run")
            if cmd.lr is not None:
                self.optimizer.lr = float(cmd.lr)
            if cmd.speed is not None:
                self.speed = float(cmd.speed)
            if cmd.lang is not None:
                from ..explain.texts import normalize_lang

                self.lang = normalize_lang(cmd.lang)
                self._diagnosis_at = 0.0
                self._map_due = True
            if cmd.regularization is not None or cmd.reg_rate is not None:
                self.regularization = cmd.regularization or self.regularization
                self.reg_rate = float(cmd.reg_rate) if cmd.reg_rate is not None else self.reg_rate
                self._restart = True  # the trainer's penalty is fixed per call: go on in a new call
            if cmd.action == "play":
                if self.state in ("paused",):
                    self.state = "playing"
                    self._last_epoch = time.monotonic()
            elif cmd.action == "pause":
                if self.state == "playing":
                    self.state = "paused"
                self._steps_left = 0
            elif cmd.action == "step":
                if self.state in ("paused",):
                    self._steps_left += 1
            elif cmd.action == "reset":
                self._reset(cmd)
                return
            self._map_due = True  # the page hears about every change of state, lr or speed
            self._wake.notify_all()
        if cmd.action in ("play", "step") or self._restart:
            self._ensure_thread()

    def _reset(self, cmd: RunControl) -> None:
        """Back to epoch 0: the same initial weights (``keep_weights``) or new ones from the next seed."""
        self._generation += 1  # the training thread of the old model ends
        self.state = "paused"
        self._steps_left = 0
        self._wake.notify_all()
        thread = self._thread
        self._lock.release()
        try:
            if thread is not None and thread.is_alive():
                thread.join(timeout=5)
        finally:
            self._lock.acquire()
        self._thread = None
        seed = self.init_seed if cmd.keep_weights else self.init_seed + 1
        self._build(seed, cmd.lr if cmd.lr is not None else self.optimizer.lr,
                    cmd.regularization or self.regularization,
                    cmd.reg_rate if cmd.reg_rate is not None else self.reg_rate)
        self.version += 1

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self.state = "closed"
            self._wake.notify_all()

    # -- what the page sees ------------------------------------------------------------------------------------
    def _viewer(self) -> Model:
        """A copy of the model at its current parameters (the training thread keeps using its own)."""
        copy = make_model(self.kind, self.dataset.n_features, self.objective.n_outputs,
                          hidden=self.model.hidden or None, activation=self.model.activation, seed=0)
        copy.set_params(self.model.get_params())
        return copy

    def decision_map(self, model: Model | None = None) -> dict[str, Any]:
        """The model's answer on a grid over the data: probability of class 1 (binary), or the class and its
        probability (multiclass), one byte each, base64; hinge scores are shown through a sigmoid.

        ``model``: the training thread passes its own model (it is not moving then); others get a copy.
        """
        n = self.limits.grid
        axis = np.linspace(-self.extent, self.extent, n)
        gx, gy = np.meshgrid(axis, axis[::-1])  # first row at the top
        grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
        with np.errstate(all="ignore"):
            Z = (model or self._viewer()).scores(grid)
        if self.objective.n_outputs == 1:
            z = np.clip(Z[:, 0], -40, 40)
            p = 1.0 / (1.0 + np.exp(-z))
            p = np.nan_to_num(p, nan=0.5)
            data = np.round(p * 255).astype(np.uint8).tobytes()
            kind = "probability" if self.objective.probabilistic else "score"
        else:
            Zc = np.nan_to_num(Z - Z.max(axis=1, keepdims=True), nan=0.0)
            e = np.exp(Zc)
            prob = e / e.sum(axis=1, keepdims=True)
            cls = np.argmax(prob, axis=1).astype(np.uint8)
            conf = np.round(prob.max(axis=1) * 255).astype(np.uint8)
            data = np.stack([cls, conf], axis=1).tobytes()
            kind = "classes"
        return {"n": n, "extent": self.extent, "kind": kind, "classes": self.dataset.n_classes,
                "data": base64.b64encode(data).decode("ascii")}

    def history_rows(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = [dict(self.initial)] + [dict(r) for r in self.records]
        return list(jsonable(rows))

    def history_dict(self) -> dict[str, Any]:
        """The run so far in ``History.to_dict()`` layout (epoch 0 alone before the first epoch)."""
        with self._lock:
            records = [dict(r) for r in self.records]
            initial = dict(self.initial)
        if not records:
            records, initial = [{k: initial.get(k) for k in RECORD_KEYS}], {}
        return jsonable({"task": self.dataset.task, "loss": self.objective.loss.name, "records": records,
                         "initial": initial, "baseline": self.baseline, "stopped": "completed",
                         "best_epoch": None})

    def diagnosis(self) -> dict[str, Any] | None:
        """The trainer's diagnosis of the curves so far, in the run's language (None before two epochs)."""
        with self._lock:
            records = [dict(r) for r in self.records]
        if len(records) < 2:
            return None
        try:
            from ..training.diagnosis import diagnose
        except ImportError:  # pragma: no cover - depends on the trainer's version
            return None
        history = History(task=self.dataset.task, loss=self.objective.loss.name, records=records,
                          initial=dict(self.initial), baseline=dict(self.baseline))
        try:
            result = diagnose(history, lang=self.lang)
        except (TrainingError, ValueError, KeyError):  # pragma: no cover - defensive
            return None
        return jsonable(result.to_dict() if hasattr(result, "to_dict") else result)

    def settings(self) -> dict[str, Any]:
        return {**self.req.model_dump(), "init_seed": self.init_seed, "lr": self.optimizer.lr,
                "regularization": self.regularization, "reg_rate": self.reg_rate, "speed": self.speed,
                "max_epochs": self.max_epochs, "model_kind": self.kind,
                "objective": self.objective.describe(), "n_params": self.model.n_params}

    def snapshot(self, full: bool) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {"type": "state", "id": self.id, "version": self.version, "state": self.state,
                                   "epoch": len(self.records), "lr": self.optimizer.lr,
                                   "initial": jsonable(self.initial), "baseline": jsonable(self.baseline),
                                   "records": jsonable(list(self.records)) if full else [],
                                   "latest": jsonable(self.records[-1] if self.records else self.initial)}
            self._pending = [] if full else self._pending
        out["map"] = self.decision_map()
        if full:
            out["settings"] = jsonable(self.settings())
            out["dataset"] = dataset_payload(self.dataset)
            out["diagnosis"] = self.diagnosis()
            with self._lock:
                self._diagnosis = out["diagnosis"]
        return out

    def frame(self) -> dict[str, Any] | None:
        """What changed since the last frame (None if nothing did).

        While the run plays, the training thread has already drawn the map and diagnosed the curves, so this is
        cheap; when it stands still, the map and the diagnosis are computed here.
        """
        with self._lock:
            if not self._pending and not self._map_due and not self._diagnosis_due:
                return None
            pending, self._pending = self._pending, []
            map_due, self._map_due = self._map_due, False
            state, epoch, lr, version = self.state, len(self.records), self.optimizer.lr, self.version
            cached = self._map if self._map is not None and self._map_epoch == epoch else None
            diagnosis_due, self._diagnosis_due = self._diagnosis_due, False
            diagnosis = self._diagnosis
        out: dict[str, Any] = {"type": "frame", "id": self.id, "version": version, "state": state, "epoch": epoch,
                               "lr": lr, "records": jsonable(pending)}
        if map_due:
            out["map"] = cached or self.decision_map()
        if state != "playing" and (map_due or pending):
            diagnosis = self.diagnosis()
            with self._lock:
                self._diagnosis = diagnosis
            diagnosis_due = True
        if diagnosis_due:
            out["diagnosis"] = diagnosis
        return out

    def playing(self) -> bool:
        return self.state == "playing"

    def predictions(self) -> list[dict[str, Any]]:
        """Every point with the model's current answer: predicted class and probability of the true class
        (score for hinge losses) — the decision map as a table."""
        net = self._viewer()
        out: list[dict[str, Any]] = []
        names = list(self.dataset.class_names or [])
        for split, X, y in (("train", self.dataset.X_train, self.dataset.y_train),
                            ("val", self.dataset.X_val, self.dataset.y_val)):
            if len(y) == 0:
                continue
            with np.errstate(all="ignore"):
                Z = net.scores(X)
            pred = self.objective.predict(Z)
            proba = self.objective.proba(Z)
            for i in range(len(y)):
                label = int(y[i])
                out.append({"split": split, "index": i, "x1": float(X[i, 0]), "x2": float(X[i, 1]), "label": label,
                            "class": names[label] if names else str(label), "predicted": int(pred[i]),
                            "right": bool(pred[i] == label),
                            "p_true": None if proba is None else float(proba[i, label]),
                            "score": float(Z[i, 0]) if Z.shape[1] == 1 else None})
        return list(jsonable(out))

    # -- one example, traced --------------------------------------------------------------------------------
    def trace(self, index: int, split: str) -> dict[str, Any]:
        """Example ``index`` of ``split``: its prediction, error, loss and gradient, and the update it causes.

        The update shown is one plain gradient step (``θ ← θ − lr · g``) on this example alone, at the current
        learning rate, applied to a copy of the model; the loss before and after it says what the step did.
        """
        ds = self.dataset
        X, y = (ds.X_train, ds.y_train) if split == "train" else (ds.X_val, ds.y_val)
        if index >= len(y):
            raise LabError(422, "index", f"an example index below {len(y)} (the {split} part's size)", str(index))
        net = self._viewer()
        obj = self.objective
        loss = obj.loss
        x = X[index:index + 1].astype(net.dtype)
        t = obj.encode(y[index:index + 1], net.dtype)
        z = net.forward(x)
        pred = obj.output(z)
        value, dpred = loss.value_and_grad(pred, t, reduction="sum")
        dz = obj.head_backward(dpred, z, pred)
        net.backward(dz)
        grad = net.grad.copy()
        lr = float(self.optimizer.lr)
        before_params = net.get_params()
        net.set_params(before_params - lr * grad)
        z_after = net.scores(x)
        pred_after = obj.output(z_after)
        value_after = loss(pred_after, t, reduction="sum")
        proba = obj.proba(z)
        proba_after = obj.proba(z_after)
        label = int(y[index])
        explanation = None
        try:
            from ..explain import explain

            explanation = explain(loss, pred, t, lang=self.lang).to_dict()
        except LossInputError:  # pragma: no cover - defensive
            explanation = None
        return jsonable({
            "index": index, "split": split, "x": X[index].tolist(), "label": label,
            "class": (ds.class_names or [str(label)])[label] if ds.class_names else str(label),
            "loss": loss.name, "params": dict(loss.params), "head": obj.head,
            "score": z[0].tolist(), "pred": pred[0].tolist(), "target": np.asarray(t)[0].tolist()
            if np.asarray(t).ndim > 1 else np.asarray(t).tolist(),
            "p_true": None if proba is None else float(proba[0, label]),
            "error": _error(proba, label),
            "margin": float(np.asarray(t, dtype=float).reshape(-1)[0] * z[0, 0])
            if obj.target_format == "signed" else None,
            "value": float(value), "dloss_dpred": np.asarray(dpred)[0].tolist(), "dloss_dscore": dz[0].tolist(),
            "grad_norm": float(np.linalg.norm(grad)), "lr": lr,
            "update_norm": float(np.linalg.norm(lr * grad)),
            "layers": [{"weights_grad_norm": float(np.linalg.norm(g)), "bias_grad_norm": float(np.linalg.norm(b))}
                       for g, b in zip(net.weight_grads, net.bias_grads, strict=True)],
            "score_after": z_after[0].tolist(), "value_after": float(value_after),
            "p_true_after": None if proba_after is None else float(proba_after[0, label]),
            "explanation": explanation,
        })

    # -- figures of the run -----------------------------------------------------------------------------------
    def figure(self, name: str, lang: str, log_scale: bool = False) -> dict[str, Any]:
        from . import _figures

        return _figures.run_figure(self, name, lang, log_scale)


def _error(proba: np.ndarray | None, label: int) -> Any:
    """The prediction's error in probability: p(class 1) − y (binary), or the probabilities − one-hot row."""
    if proba is None:
        return None
    row = np.asarray(proba[0], dtype=float)
    if row.size == 2:
        return float(row[1] - (1.0 if label == 1 else 0.0))
    onehot = np.zeros_like(row)
    onehot[label] = 1.0
    return (row - onehot).tolist()


def _sum(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return float(a) + float(b)


# ---------------------------------------------------------------------------------------------------- the runs
class RunManager:
    """Every live run of the server: creation within the bounds, lookup, streaming, cancellation."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.runs: dict[str, LabRun] = {}
        self._lock = threading.Lock()
        self._janitor: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._janitor = asyncio.get_running_loop().create_task(self._sweep())

    async def stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._janitor
        for run_id in list(self.runs):
            with contextlib.suppress(LabError):
                self.cancel(run_id)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.sweep()

    def sweep(self) -> None:
        """Cancel runs past their wall time, and runs no page has streamed from for ``attach_seconds``."""
        now = time.monotonic()
        for run in list(self.runs.values()):
            if run is None:  # a slot reserved while its run is being built
                continue
            expired = now - run.created > self.limits.max_run_seconds
            orphaned = not run.attached and now - run.detached_at > self.limits.attach_seconds
            if expired or orphaned:
                self.cancel(run.id)

    def create(self, req: RunRequest, client: str) -> LabRun:
        limits = self.limits
        if req.data.n_samples > limits.max_samples:
            raise LabError(422, "data.n_samples", f"at most {limits.max_samples} examples", str(req.data.n_samples))
        with self._lock:
            mine = sum(1 for r in self.runs.values() if r is None or r.client == client)
            if mine >= limits.max_runs_per_client:
                raise LabError(429, "runs", f"at most {limits.max_runs_per_client} open runs per client",
                               f"{mine} open", "close another lab tab, or DELETE /api/runs/{id}")
            if len(self.runs) >= limits.max_runs_total:
                raise LabError(429, "runs", f"at most {limits.max_runs_total} open runs on this server",
                               f"{len(self.runs)} open", "try again when another run has ended")
            run_id = secrets.token_urlsafe(9)
            placeholder = None
            self.runs[run_id] = placeholder  # type: ignore[assignment]  # reserve the slot while building
        try:
            run = LabRun(run_id, req, client, limits)
        except BaseException:
            with self._lock:
                self.runs.pop(run_id, None)
            raise
        with self._lock:
            self.runs[run_id] = run
        return run

    def get(self, run_id: str) -> LabRun:
        run = self.runs.get(run_id) if isinstance(run_id, str) else None
        if run is None:
            raise LabError(404, "run_id", "the id of an open run", repr(run_id),
                           "runs end when their page closes, after max_run_seconds, or when deleted")
        return run

    def cancel(self, run_id: str) -> None:
        with self._lock:
            run = self.runs.get(run_id)
            if run is not None:
                del self.runs[run_id]
        if run is None:
            raise LabError(404, "run_id", "the id of an open run", repr(run_id))
        run.close()

    async def stream(self, websocket: WebSocket, run_id: str) -> None:
        """Send the run's state, then a frame whenever something changed (paced), and obey the page's commands.

        The run is cancelled when the socket closes: a closed page stops its training.
        """
        await websocket.accept()
        run = self.runs.get(run_id)
        if run is None or run.attached:
            reason = "no open run with this id" if run is None else "another page already streams this run"
            error = LossInputError("lab", "run_id", "the id of an open run that no other page streams",
                                   repr(run_id), reason)
            await websocket.send_json({"type": "error", "error": error.to_dict()})
            await websocket.close(code=4404 if run is None else 4409)
            return
        run.attached = True
        period = 1.0 / max(self.limits.frames_per_second, 1.0)
        try:
            await websocket.send_json(await asyncio.to_thread(run.snapshot, True))
            receiver = asyncio.create_task(self._receive(websocket, run))
            try:
                while not receiver.done():
                    started = time.monotonic()
                    if run.closed:
                        await websocket.send_json({"type": "closed", "id": run.id})
                        break
                    # playing, a frame is cheap (the training thread drew it); standing still, it may not be
                    frame = run.frame() if run.playing() else await asyncio.to_thread(run.frame)
                    if frame is not None:
                        await websocket.send_json(frame)
                    await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))
            finally:
                receiver.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                    await receiver
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            run.attached = False
            run.detached_at = time.monotonic()
            if run_id in self.runs:
                with contextlib.suppress(LabError):
                    self.cancel(run_id)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()

    async def _receive(self, websocket: WebSocket, run: LabRun) -> None:
        while True:
            message = await websocket.receive_json()
            try:
                cmd = RunControl.model_validate(message)
                await asyncio.to_thread(run.control, cmd)
            except ValidationError as exc:
                from fastapi.exceptions import RequestValidationError

                error = validation_error(RequestValidationError(exc.errors()))
                await websocket.send_json({"type": "error", "error": error.to_dict()})
            except LabError as exc:
                await websocket.send_json({"type": "error", "error": exc.error.to_dict()})
            except LossInputError as exc:
                await websocket.send_json({"type": "error", "error": exc.to_dict()})
            if cmd_is_reset(message):
                await websocket.send_json(await asyncio.to_thread(run.snapshot, True))


def cmd_is_reset(message: Any) -> bool:
    return isinstance(message, dict) and message.get("action") == "reset"
