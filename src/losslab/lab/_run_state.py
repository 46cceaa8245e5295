"""One training run of the classification lab: the trainer of :mod:`losslab.training` driven from the page.

A run is :func:`losslab.training.fit` working in a thread of its own, on a model and an optimizer that the lab
keeps, so that the page can pause it, take one epoch at a time, change the learning rate while it goes on, and
start again from the very same initial weights. The trainer reports every epoch through its ``on_epoch``
callback; the run keeps those records (and the model's current decision map) for the messages of the WebSocket
(``lab._run_socket``), at most ``Limits.frames_per_second`` of them per second. Pausing is the callback waiting;
stopping is the trainer's own ``cancel``. A change of the regularization starts a new call of ``fit`` from the
current weights (the trainer's penalty is fixed for one call); the epochs keep counting.

Here are the run's state and its stepping; what the page sees of the model is drawn by ``lab._run_views``.
Nothing here trains, scores or differentiates: the numbers are the trainer's and the catalog's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from .._jsonable import jsonable
from ..errors import LossInputError
from ..training._common import TrainingError
from ..training.decision_map import data_extent
from ..training.diagnosis import DiagnosisMemo
from ..training.models import Model, make_model
from ..training.objective import Objective, make_objective
from ..training.optim import Optimizer, make_optimizer
from ..training.trainer import RECORD_KEYS, fit
from . import _run_views as views
from ._errors import LabError
from ._limits import Limits
from ._models import RunControl, RunRequest
from ._run_data import dataset_payload, load_lab_dataset, training_error
from ._turns import CPU_TURNS
from ._uploads import UploadStore

__all__ = ["DIAGNOSIS_SHARE", "LabRun"]

DIAGNOSIS_SHARE = 0.1
"""While a run plays, its diagnosis is refreshed once a second, or less often so that it takes at most this part of
the time the run gets at the interpreter (lab/_turns.py)."""


class LabRun:
    """One training run of the page: settings, data, model, optimizer and the thread that trains."""

    def __init__(self, run_id: str, req: RunRequest, client: str, limits: Limits,
                 uploads: UploadStore | None = None) -> None:
        self.id = run_id
        self.client = client
        self.limits = limits
        self.req = req
        self.created = time.monotonic()
        self.lang = req.lang
        self.dataset = load_lab_dataset(req.data, uploads, limits.max_samples)
        self.extent = data_extent(self.dataset)
        try:
            self.objective: Objective = make_objective(req.loss, self.dataset, loss_params=req.loss_params)
        except TrainingError as exc:
            raise training_error(exc, "loss") from None
        except LossInputError as exc:  # an unknown loss or parameter: the catalog's words, about "loss"
            argument = "loss" if exc.argument == "name" else f"loss_params.{exc.argument}"
            raise LossInputError(exc.loss, argument, exc.expected, exc.got, exc.hint) from None
        self.max_epochs = min(req.epochs, limits.max_epochs)
        self.epoch_block = self.max_epochs  # Play on a finished run adds this many epochs, up to limits.max_epochs
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
        self._map_wanted = False  # the stream has sent the last map: draw the next at the next epoch's end
        self._last_epoch = time.monotonic()
        self._diagnosis: dict[str, Any] | None = None
        self._diagnosis_at = 0.0
        self._diagnosis_due = False
        self._diagnosis_every = 1.0  # seconds between two diagnoses while playing (DIAGNOSIS_SHARE)
        self._steps_left = 0
        self._restart = False
        self._generation = 0
        self._thread: threading.Thread | None = None
        self.version = 0  # bumps on reset, so the page can drop frames of the old run
        self.attached = False
        self.detached_at = time.monotonic()
        self._listener: Callable[[], None] | None = None  # the stream's wake-up call (lab/_run_socket.py)
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
            raise training_error(exc, "model") from None
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
        self._memo = DiagnosisMemo()  # this model's curves: each diagnosis computes only what the last did not

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

            CPU_TURNS.take()  # an epoch is computed in a turn at the CPUs (lab/_turns.py); waits give it back
            try:
                result = self._fit(remaining, stop, on_epoch)
            except (TrainingError, LossInputError, FloatingPointError) as exc:  # pragma: no cover - defensive
                with self._lock:
                    self.state = "diverged"
                    self._error = str(exc)
                continue
            finally:
                CPU_TURNS.give()
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
            self._ping()

    def _on_epoch(self, record: dict[str, Any], offset: int, generation: int) -> None:
        """The trainer's per-epoch callback (in the training thread): keep the record, draw, pace, pause."""
        if generation != self._generation:
            return  # an epoch of a model that was reset meanwhile
        row = {k: record.get(k) for k in RECORD_KEYS}
        row["epoch"] = offset + int(record["epoch"])
        now = time.monotonic()
        # the decision map of the model as it is now (here, where the model is not moving), once per frame of the
        # stream: as soon as the stream has taken the last one, so that each frame it sends carries a new map (at
        # most twice per frame period, and once per period when no stream asks)
        fresh = None
        period = 1.0 / self.limits.frames_per_second
        if now - self._map_at >= (0.5 * period if self._map_wanted else period):
            self._map_wanted = False
            self._map_at = now
            fresh = self.decision_map(self.model)
        if self.state == "playing" and now - self._diagnosis_at > self._diagnosis_every:
            self._diagnosis_at = now
            with self._lock:
                self.records.append(row)  # diagnose the curves including this epoch
            spent = time.thread_time()
            found = self.diagnosis()
            spent = time.thread_time() - spent
            with self._lock:
                self.records.pop()
                self._diagnosis = found
                self._diagnosis_due = True
            # Once a second, unless the diagnoses would take more than DIAGNOSIS_SHARE of this run's share of the
            # interpreter: with 40 runs playing (a class), a diagnosis of 10 ms every second would be a third of the
            # server's time, and every student's map would slow down for it. Then it comes less often (the same
            # findings for the curves it reads: only how often it is refreshed changes). With the run's DiagnosisMemo
            # a diagnosis takes 1-2 ms (12 ms without), so a class of 40 gets it every second; this is the guard for
            # longer runs and slower machines.
            # (the runs share one interpreter: a run's part of it is one over the runs computing now)
            share = 1.0 / max(1, CPU_TURNS.contenders())
            self._diagnosis_every = max(1.0, spent / (DIAGNOSIS_SHARE * share))
        waits = self._keep(row, record, offset, fresh)
        self._ping()  # the stream sends this epoch now, not at its next look
        if waits:
            CPU_TURNS.give()  # the pacing and a pause wait out of turn; the next epoch waits for one
            try:
                self._wait(generation)
            finally:
                CPU_TURNS.take()
        else:
            CPU_TURNS.rotate()  # the next epoch after the runs waiting now (each gets its epochs in turn)
        if self.speed >= 1000:
            time.sleep(0.0005)  # as fast as possible, yet let the server's other threads have the interpreter

    def _keep(self, row: dict[str, Any], record: dict[str, Any], offset: int, fresh: dict[str, Any] | None) -> bool:
        """Keep the epoch's record (and map); True when the run must now wait (pacing, or a pause)."""
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
            if self.state != "playing" or self.closed or (
                    self.speed < 1000 and self._last_epoch + 1.0 / self.speed > time.monotonic()):
                return True
            self._last_epoch = time.monotonic()
            return False

    def _wait(self, generation: int) -> None:
        """Pace the run (at most ``speed`` epochs per second while playing, counting the epoch's own time), and wait
        while it is paused."""
        with self._lock:
            if self.state == "playing" and self.speed < 1000:
                wait = self._last_epoch + 1.0 / self.speed - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
            while (not self.closed and not self._restart and self._generation == generation
                   and self.state != "playing" and self._steps_left == 0):
                self._wake.wait()
            self._last_epoch = time.monotonic()

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
            if cmd.action in ("play", "step") and self.state == "done" and self.max_epochs < self.limits.max_epochs:
                # a run that reached its epochs goes on for another block (issue 16: Play never does nothing)
                self.max_epochs = min(self.max_epochs + self.epoch_block, self.limits.max_epochs)
                self.state = "paused"
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
        self._ping()
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
        self._ping()

    def has_news(self) -> bool:
        """Whether :meth:`frame` has something to send (read without the lock: a hint for the stream)."""
        return bool(self._pending) or self._map_due or self._diagnosis_due or self.closed

    def listen(self, listener: Callable[[], None] | None) -> None:
        """``listener()`` is called (from any thread) whenever the run has something new for the stream; None: no
        one listens."""
        self._listener = listener

    def _ping(self) -> None:
        listener = self._listener
        if listener is not None:
            listener()

    # -- what the page sees ------------------------------------------------------------------------------------
    def _viewer(self) -> Model:
        """A copy of the model at its current parameters (the training thread keeps using its own)."""
        copy = make_model(self.kind, self.dataset.n_features, self.objective.n_outputs,
                          hidden=self.model.hidden or None, activation=self.model.activation, seed=0)
        copy.set_params(self.model.get_params())
        return copy

    def decision_map(self, model: Model | None = None) -> dict[str, Any]:
        """The model's answer on a grid over the data (:func:`lab._run_views.decision_map`).

        ``model``: the training thread passes its own model (it is not moving then); others get a copy.
        """
        return views.decision_map(model or self._viewer(), self.objective, self.extent, self.limits.grid,
                                  self.dataset.n_classes)

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
        """The trainer's diagnosis of the curves so far, in the run's language (None before two epochs), with the
        same facts as ``Run.diagnose``: what a k-nearest-neighbours predictor reaches on this data (computed once per
        run) and the model's dead ReLU units now."""
        with self._lock:
            records = list(self.records)  # a record is never changed once kept (_on_epoch): the list is enough
        return views.diagnosis(self.dataset.task, self.objective.loss.name, records, dict(self.initial),
                               dict(self.baseline), self.lang, facts=self._facts() if len(records) >= 2 else None,
                               memo=self._memo)

    def _facts(self) -> Any:
        from ..training.facts import RunFacts, dead_units, reachable

        try:
            if "_reference" not in self.__dict__:
                self.__dict__["_reference"] = reachable(self.dataset, seed=self.dataset.seed)
            return RunFacts(reference=self.__dict__["_reference"], dead=dead_units(self.model, self.dataset.X_train))
        except (ValueError, FloatingPointError, MemoryError):  # the diagnosis then says it judged without them
            return None

    def settings(self) -> dict[str, Any]:
        return {**self.req.model_dump(), "init_seed": self.init_seed, "lr": self.optimizer.lr,
                "regularization": self.regularization, "reg_rate": self.reg_rate, "speed": self.speed,
                "max_epochs": self.max_epochs, "model_kind": self.kind,
                "objective": self.objective.describe(), "n_params": self.model.n_params}

    def snapshot(self, full: bool) -> dict[str, Any]:
        with self._lock:
            out: dict[str, Any] = {"type": "state", "id": self.id, "version": self.version, "state": self.state,
                                   "epoch": len(self.records), "lr": self.optimizer.lr,
                                   "max_epochs": self.max_epochs, "epoch_limit": self.limits.max_epochs,
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
            self._map_wanted = True
            state, epoch, lr, version = self.state, len(self.records), self.optimizer.lr, self.version
            cached = self._map if self._map is not None and self._map_epoch == epoch else None
            diagnosis_due, self._diagnosis_due = self._diagnosis_due, False
            diagnosis = self._diagnosis
        out: dict[str, Any] = {"type": "frame", "id": self.id, "version": version, "state": state, "epoch": epoch,
                               "lr": lr, "records": jsonable(pending),
                               "max_epochs": self.max_epochs, "epoch_limit": self.limits.max_epochs}
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
        """Every point with the model's current answer (:func:`lab._run_views.predictions`)."""
        return views.predictions(self._viewer(), self.objective, self.dataset)

    # -- one example, traced --------------------------------------------------------------------------------
    def trace(self, index: int, split: str) -> dict[str, Any]:
        """Example ``index`` of ``split`` and the update it causes (:func:`lab._run_views.trace`), at the current
        learning rate, on a copy of the model."""
        return views.trace(self._viewer(), self.objective, self.dataset, index, split, float(self.optimizer.lr),
                           self.lang)


def _sum(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return float(a) + float(b)
