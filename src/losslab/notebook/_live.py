"""Live training curves in a notebook: ``losslab.training.fit`` runs in a thread while the widget shows its curves,
its progress and, at the end, the diagnosis; Pause, Resume and Stop reach the run through ``fit``'s ``cancel``.

The kernel is never blocked: :func:`live_fit` starts the run and returns the widget at once, so the buttons' messages
reach the kernel while it trains (a thread that waits while paused, and stops when asked). :meth:`LiveFit.wait`
blocks for the result when a script needs it, up to a timeout. The curves are the trainer's own epoch records (its
``on_epoch`` callback); the widget sends them to the page at most :data:`UPDATES_PER_SECOND` times a second, and
always the last one. The diagnosis is ``Run.diagnose`` shown by the notebook's HTML view.

On 2-D classification data each update also carries the decision map (``training.decision_map``, the lab's map):
``fit``'s ``on_start`` hands the widget the model, and the map is computed from it in ``on_epoch`` (where the model
stands still), only for the updates that are sent. Other data get the curves and a sentence saying why no map.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import traitlets

from ..training import fit
from ..training.decision_map import data_extent, decision_map, map_reason
from ..training.history import RECORD_KEYS
from ._views import view
from ._widget_base import Widget, esm

__all__ = ["MAP_GRID", "MAP_POINTS", "SHOWN", "UPDATES_PER_SECOND", "LiveFit"]

UPDATES_PER_SECOND = 30.0
"""The most curve updates sent to the page per second (each one carries the whole curves so far)."""
SHOWN = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy")
"""The record keys the page draws or prints (a subset of ``RECORD_KEYS``)."""
assert set(SHOWN) <= set(RECORD_KEYS)
MAP_GRID = 48
"""The decision map's side in cells (the lab's default): 2304 cells, one or two bytes each, per update."""
MAP_POINTS = 400
"""The most training points drawn over the map (an even subset of larger sets; sent once)."""


def _html(diagnosis: Any, lang: str) -> str:
    """The diagnosis as the notebook shows it (escaped HTML, no figure)."""
    shown = view(diagnosis, lang, False)
    return shown.to_html() if shown is not None else ""


class LiveFit(Widget):
    """One training run shown while it runs: ``LiveFit(data, **fit_kwargs)``, then :meth:`start`."""

    SECTION = "live"
    _esm = esm("live.js")
    title = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("starting").tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    epochs = traitlets.Int(0).tag(sync=True)
    curves = traitlets.Dict().tag(sync=True)
    updates = traitlets.Int(0).tag(sync=True)
    diagnosis_html = traitlets.Unicode("").tag(sync=True)
    decision = traitlets.Dict().tag(sync=True)
    """The decision map at the last update (``training.decision_map``'s payload and its ``epoch``), or empty."""
    points = traitlets.Dict().tag(sync=True)
    """The training points drawn over the map: ``x1``, ``x2``, ``label`` (at most :data:`MAP_POINTS`), and the
    class ``names``."""
    map_note = traitlets.Unicode("").tag(sync=True)
    """Why there is no map (regression, or not 2 features), in the widget's language; empty when there is one."""

    def __init__(self, data: Any, *, lang: str | None = None, **fit_kwargs: Any) -> None:
        if {"on_epoch", "cancel", "on_start"} & set(fit_kwargs):
            raise TypeError("LiveFit sets fit's on_epoch, cancel and on_start itself")
        self._data, self._kwargs = data, fit_kwargs
        self._records: dict[str, list[Any]] = {k: [] for k in SHOWN}
        self._resume, self._stop, self._done = threading.Event(), threading.Event(), threading.Event()
        self._resume.set()
        self._thread: threading.Thread | None = None
        self._last_push = 0.0
        self._net: Any = None  # the model being trained and its objective, from fit's on_start (2-D classes only)
        self._objective: Any = None
        self._extent, self._classes = 1.0, 2
        self._no_map: tuple[str, dict[str, Any]] | None = None
        self._loss = ""
        self.run: Any = None
        """The :class:`~losslab.training.Run` once the training ended (None before, or when it failed)."""
        self.failure: Exception | None = None
        epochs = fit_kwargs.get("epochs", 100)  # fit's default; a wrong one is fit's to refuse, in words
        super().__init__(lang=lang, epochs=epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else 0)
        self.title = self._title()
        self.on_msg(self._on_message)

    def _title(self) -> str:
        if self.run is not None:  # the trainer's own account of what it did (the loss it chose by task)
            config = self.run.config
            return str(self.words["title"].format(model=config["model"], loss=config["loss"], data=config["data"]))
        loss = self._kwargs.get("loss") or self._loss or "…"  # the trainer's choice by task once it started
        return str(self.words["title"].format(model=self._kwargs.get("model", "linear"),
                                              loss=getattr(loss, "name", loss),
                                              data=getattr(self._data, "name", self._data)))

    # --------------------------------------------------------------------------------------------- controls
    def start(self) -> LiveFit:
        """Start the training in a background thread (once) and return the widget."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._train, name="losslab-live-fit", daemon=True)
            self._thread.start()
        return self

    def pause(self) -> None:
        if self.status == "running":
            self._resume.clear()
            self.status = "paused"

    def resume(self) -> None:
        if self.status == "paused":
            self._resume.set()
            self.status = "running"

    def stop(self) -> None:
        """Stop after the current step (the run ends with ``stopped="cancelled"``)."""
        self._stop.set()
        self._resume.set()
        if self.status in ("running", "paused", "starting"):
            self.status = "stopping"

    def wait(self, timeout: float | None = 600.0) -> Any:
        """Block until the run ends and return it (:attr:`run`); the widget keeps its curves.

        Raises
        ------
        TimeoutError
            When the run is not over after ``timeout`` seconds (it goes on; :meth:`stop` ends it).
        ValueError
            The run's own error (bad settings), also shown in words in the widget.
        """
        self.start()
        if not self._done.wait(timeout):
            raise TimeoutError(self.words["timeout"].format(seconds=timeout))
        if self.failure is not None:
            raise self.failure
        return self.run

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        handler = {"pause": self.pause, "resume": self.resume, "stop": self.stop}.get(str(action))
        if handler is not None:
            handler()

    # ------------------------------------------------------------------------------------------- the thread
    def _cancel(self) -> bool:
        """fit's ``cancel``, checked before every step: waits while paused, True once Stop was pressed."""
        while not self._resume.wait(0.1):
            if self._stop.is_set():
                return True
        return self._stop.is_set()

    def _on_start(self, net: Any, objective: Any, dataset: Any) -> None:
        """fit's ``on_start``: keep the model for the map (2-D classification data), or say why there is none."""
        self._loss = str(objective.loss.name)
        self.title = self._title()
        reason = map_reason(dataset)
        if reason is not None:
            self._no_map = ("no_map_" + reason, {"data": dataset.name, "features": dataset.n_features})
            self.map_note = self._note()
            return
        self._net, self._objective = net, objective
        self._extent, self._classes = data_extent(dataset), int(dataset.n_classes)
        X, y = dataset.X_train, dataset.y_train
        keep = np.linspace(0, max(len(y) - 1, 0), min(len(y), MAP_POINTS)).round().astype(int)  # an even subset
        names = [str(c) for c in (dataset.class_names or range(self._classes))]
        self.points = {"x1": X[keep, 0].tolist(), "x2": X[keep, 1].tolist(), "label": y[keep].astype(int).tolist(),
                       "names": names}

    def _note(self) -> str:
        return "" if self._no_map is None else str(self.words[self._no_map[0]].format(**self._no_map[1]))

    def _on_epoch(self, record: dict[str, Any]) -> None:
        for k in SHOWN:
            self._records[k].append(record.get(k))  # the trainer sends JSON-ready numbers (NaN as None)
        self.epochs = int(record.get("epochs", self.epochs))
        now = time.perf_counter()
        if now - self._last_push >= 1.0 / UPDATES_PER_SECOND:
            self._push(now)

    def _push(self, now: float) -> None:
        with self.hold_sync():
            self.curves = {k: list(v) for k, v in self._records.items()}
            self.epoch = len(self._records["epoch"])
            if self._net is not None:  # computed here only: the map of every update sent, and of no other
                self.decision = {**decision_map(self._net, self._objective, self._extent, MAP_GRID, self._classes),
                                 "epoch": self.epoch}
            self.updates += 1
        self._last_push = now

    def _train(self) -> None:
        self.status = "running"
        try:
            run = fit(self._data, on_epoch=self._on_epoch, cancel=self._cancel, on_start=self._on_start,
                      **self._kwargs)
            diagnosis = run.diagnose(self.lang)
        except Exception as e:  # the thread has no caller: every failure ends shown in words (wait() raises it)
            self.failure = e
            with self.hold_sync():
                self._push(time.perf_counter())
                self._fail(e)
                self.status = "failed"
        else:
            self.run = run
            with self.hold_sync():
                self._push(time.perf_counter())
                self.diagnosis_html = _html(diagnosis, self.lang)
                self.title = self._title()
                self.status = str(run.history.stopped or "completed")
        finally:
            self._done.set()

    def refresh(self) -> None:
        self.title = self._title()
        self.map_note = self._note()
        if self.run is not None:
            self.diagnosis_html = _html(self.run.diagnose(self.lang), self.lang)
