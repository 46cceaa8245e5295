"""The training runs of the classification lab's server: each created within the bounds of ``Limits`` (runs
per client and in all, examples), found by id, streamed, and cancelled when it expires, when its page has gone
or when it is deleted.

A run itself is :class:`~losslab.lab._run_state.LabRun`; its WebSocket is ``lab._run_socket``; its data set is
``lab._run_data``. ``LabRun``, ``dataset_payload`` and ``load_lab_dataset`` are re-exported: the app imports them
from here, as it did before a run's parts had modules of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time

from fastapi import WebSocket

from .._texts import normalize_lang
from ..errors import LossInputError
from . import _run_socket
from ._errors import LabError
from ._limits import Limits
from ._models import RunRequest
from ._run_data import dataset_payload, load_lab_dataset
from ._run_state import LabRun
from ._texts import lab_text
from ._uploads import UploadStore

__all__ = ["LabRun", "RunManager", "dataset_payload", "load_lab_dataset"]


class RunManager:
    """Every live run of the server: creation within the bounds, lookup, streaming, cancellation."""

    def __init__(self, limits: Limits, uploads: UploadStore | None = None) -> None:
        self.limits = limits
        self.uploads = uploads
        self.runs: dict[str, LabRun] = {}
        self._building: dict[str, str] = {}  # run id -> its client: slots reserved while their runs are built
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
            expired = now - run.created > self.limits.max_run_seconds
            orphaned = not run.attached and now - run.detached_at > self.limits.attach_seconds
            if expired or orphaned:
                self.cancel(run.id)

    def create(self, req: RunRequest, client: str) -> LabRun:
        limits = self.limits
        if req.data.name != "upload" and req.data.n_samples > limits.max_samples:
            raise LabError(422, "data.n_samples", f"at most {limits.max_samples} examples", str(req.data.n_samples))
        with self._lock:
            # a slot being built counts against its own client only, and against the server's total
            mine = (sum(1 for r in self.runs.values() if r.client == client)
                    + sum(1 for c in self._building.values() if c == client))
            if mine >= limits.max_runs_per_client:
                raise LabError(429, "runs", f"at most {limits.max_runs_per_client} open runs per client",
                               f"{mine} open", "close another lab tab, or DELETE /api/runs/{id}",
                               words=self._busy("busy.client", req.lang, mine, limits.max_runs_per_client),
                               headers={"Retry-After": str(round(limits.attach_seconds))})
            total = len(self.runs) + len(self._building)
            if total >= limits.max_runs_total:
                raise LabError(429, "runs", f"at most {limits.max_runs_total} open runs on this server",
                               f"{total} open", "try again when another run has ended",
                               words=self._busy("busy.server", req.lang, total, limits.max_runs_total),
                               headers={"Retry-After": str(round(limits.attach_seconds))})
            run_id = secrets.token_urlsafe(9)
            self._building[run_id] = client  # reserve the slot while building
        try:
            run = LabRun(run_id, req, client, limits, self.uploads)
        except BaseException:
            with self._lock:
                self._building.pop(run_id, None)
            raise
        with self._lock:
            self._building.pop(run_id, None)
            self.runs[run_id] = run
        return run

    def _busy(self, key: str, lang: str, open_runs: int, limit: int) -> str:
        """Why no run can start now and what to do, in the user's language."""
        try:
            lang = normalize_lang(lang)
        except LossInputError:
            lang = "en"
        return lab_text(key, lang, open=open_runs, limit=limit, seconds=round(self.limits.attach_seconds),
                        minutes=max(1, round(self.limits.max_run_seconds / 60)))

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
        await _run_socket.stream(websocket, run_id, self.runs, self.limits.frames_per_second, self.cancel)
