"""Live training of a next-token MLP in the lab: :func:`losslab.lm.train` in a thread, streamed to the page.

A run starts at once (``POST /api/lm/runs``) and reports every step's training loss through ``train``'s callback;
``/api/lm/runs/{id}/stream`` (WebSocket) sends the new steps at most ``Limits.frames_per_second`` times a second,
and ``GET /api/lm/runs/{id}`` answers the same for a page that polls. The classification lab's run machinery
(``lab._runs``) drives ``losslab.training.fit`` epoch by epoch with pause and reset; an LM run has no epochs and is
short, so it is a job of its own, held to the same bounds of :class:`~losslab.lab.Limits`: runs per client and in
all, ``max_run_seconds`` of wall time, and a run that no page streams from or polls for ``attach_seconds`` is
stopped (the callback raises, so the thread ends within one step). A finished run is kept
``evidence_keep_seconds`` for the per-token view and sampling, then forgotten.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
import threading
import time
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from pydantic import Field

from .. import lm
from .._jsonable import jsonable
from .._texts import normalize_lang
from ._errors import LabError, json_safe
from ._limits import Limits
from ._models import Lang, _Strict

__all__ = ["LMJob", "LMJobs", "LMRunRequest", "fitted"]

STEPS_PER_SECOND = 400.0
"""Most training steps per second: a fast machine still shows the curve being drawn (1,000 steps ≥ 2.5 s)."""
MAX_KEPT = 8
"""Finished runs kept on the whole server (the oldest is forgotten first)."""
_FITS = threading.Lock()  # one fit at a time: two pages asking for the same model wait for one fit, not two


@functools.lru_cache(maxsize=12)
def _fitted(corpus: str, tokenizer: str, model: str) -> lm.LMRun:
    return lm.train(corpus, tokenizer=tokenizer, model=model)


def fitted(corpus: str, tokenizer: str, model: str) -> lm.LMRun:
    """A count model (unigram, bigram) fitted on a built-in corpus, kept for the next request (12 at most)."""
    with _FITS:
        return _fitted(corpus, tokenizer, model)


class LMRunRequest(_Strict):
    """An MLP trained live on a built-in corpus (the bounds keep one run to seconds on a CPU)."""

    corpus: Literal["ja-synthetic", "en-synthetic", "en-hamlet"] = "ja-synthetic"
    tokenizer: Literal["char", "byte", "bpe"] = "char"
    steps: int = Field(default=1000, ge=1, le=5000)
    context: int = Field(default=6, ge=1, le=8)
    hidden: int = Field(default=64, ge=4, le=256)
    lr: float = Field(default=0.01, gt=0, le=1)
    init_scale: float = Field(default=0.01, gt=0, le=10, description="output weights start at init_scale/√hidden")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    lang: Lang = "en"

    @classmethod
    def bounds(cls) -> dict[str, list[Any]]:
        """``{"run_steps": [lowest, highest], ...}``, read from the fields' constraints (one place for them)."""
        out = {}
        for name in ("steps", "context", "hidden"):
            meta = cls.model_fields[name].metadata
            out[f"run_{name}"] = [next(getattr(m, key) for m in meta if hasattr(m, key)) for key in ("ge", "le")]
        return out


class _Stopped(Exception):
    """Raised from the training callback to end a run (cancelled, past its wall time, or left by its page)."""


class LMJob:
    """One live run: its settings, the steps so far, and the trained run once done."""

    def __init__(self, job_id: str, req: LMRunRequest, client: str, limits: Limits) -> None:
        self.id, self.req, self.client, self.limits = job_id, req, client, limits
        self.created = self.seen = time.monotonic()
        self.state = "running"  # running | done | cancelled | timeout | failed
        self.reason = ""
        self.steps: list[float] = []  # the training loss of each step, appended by the thread
        self.vals: list[tuple[int, float]] = []  # (step, validation loss) as the run measures them
        self.references: dict[str, Any] | None = None
        self.vocab = 0
        self.result: lm.LMRun | None = None
        self.finished_at: float | None = None
        self.attached = False
        self._cancel = threading.Event()
        self.thread = threading.Thread(target=self._work, name=f"lm-run-{job_id}", daemon=True)

    def cancel(self) -> None:
        self._cancel.set()

    def _check(self, step: int, _loss: float) -> None:
        now = time.monotonic()
        if self._cancel.is_set():
            raise _Stopped("cancelled")
        if now - self.created > self.limits.max_run_seconds:
            raise _Stopped("timeout")
        if not self.attached and now - self.seen > self.limits.attach_seconds:
            raise _Stopped("cancelled")
        ahead = (step + 1) / STEPS_PER_SECOND - (now - self.started)
        if ahead > 0:
            time.sleep(ahead)

    def _work(self) -> None:
        req = self.req
        self.started = time.monotonic()
        try:
            counts = fitted(req.corpus, req.tokenizer, "bigram")  # the reference lines, known before step 1
            self.references, self.vocab = dict(counts.references), counts.tokenizer.vocab_size

            def callback(step: int, loss: float, val: float | None) -> None:
                if val is not None:
                    self.vals.append((step, val))
                self.steps.append(loss)
                self._check(step, loss)

            self.result = lm.train(req.corpus, tokenizer=req.tokenizer, model="mlp", steps=req.steps, seed=req.seed,
                                   context=req.context, hidden=req.hidden, lr=req.lr, output_scale=req.init_scale,
                                   callback=callback)
            self.state = "done"
        except _Stopped as stop:
            self.state = str(stop)
        except Exception as exc:  # a bug or an odd corpus: the page is told, the server goes on
            self.state, self.reason = "failed", type(exc).__name__
        self.finished_at = time.monotonic()

    def curves(self) -> dict[str, Any]:
        """The run so far as :func:`losslab.figures.lm_curves` takes it (its whole history once done)."""
        if self.result is not None:
            return {"history": self.result.history, "references": self.result.references}
        steps, vals = list(self.steps), list(self.vals)
        return {"history": {"step": list(range(len(steps))), "train_loss": steps, "val_step": [s for s, _ in vals],
                            "val_loss": [v for _, v in vals]},
                "references": self.references or {}}

    def view(self, since: int = 0, lang: str = "en") -> dict[str, Any]:
        """The steps from ``since`` on, and once done the whole history, the validation rates and the
        initialisation check in ``lang``."""
        self.seen = time.monotonic()
        steps = self.steps[since:]
        out: dict[str, Any] = {"id": self.id, "state": self.state, "reason": self.reason, "steps": self.req.steps,
                               "done": len(self.steps), "since": since, "train": steps,
                               "val_points": [[s, v] for s, v in self.vals],  # ~20 points: all, every frame
                               "references": self.references, "settings": self.req.model_dump(exclude={"lang"})}
        if self.result is not None and self.state == "done":
            r = self.result
            out.update(history=r.history, val=r.val.to_dict(), vocab_size=r.tokenizer.vocab_size,
                       init_check=r.init.to_dict(lang) if r.init else None, references=r.references,
                       seconds=r.seconds)
        elif self.steps and self.vocab:  # the check needs only the first step: say it while the run goes on
            out["init_check"] = lm.init_check(self.steps[0], self.vocab).to_dict(lang)
        return jsonable(out)


def _unknown(job_id: str) -> LabError:
    return LabError(404, "run_id", "the id of an LM run of this server", repr(job_id)[:40],
                    "runs end when their page closes, after max_run_seconds, or when deleted")


class LMJobs:
    """Every LM run of the server, within the bounds of :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.jobs: dict[str, LMJob] = {}
        self._lock = threading.Lock()

    def sweep(self) -> None:
        """Forget finished runs past their keep time and the oldest beyond :data:`MAX_KEPT`."""
        now = time.monotonic()
        with self._lock:
            done = sorted((j for j in self.jobs.values() if j.finished_at is not None),
                          key=lambda j: j.finished_at or 0.0)
            for i, job in enumerate(done):
                if now - (job.finished_at or now) > self.limits.evidence_keep_seconds or i < len(done) - MAX_KEPT:
                    del self.jobs[job.id]

    def create(self, req: LMRunRequest, client: str) -> LMJob:
        self.sweep()
        with self._lock:
            running = [j for j in self.jobs.values() if j.finished_at is None]
            mine = sum(1 for j in running if j.client == client)
            if mine >= self.limits.max_runs_per_client:
                raise LabError(429, "runs", f"at most {self.limits.max_runs_per_client} open runs per client",
                               f"{mine} open", "stop another run, or DELETE /api/lm/runs/{id}")
            if len(running) >= self.limits.max_runs_total:
                raise LabError(429, "runs", f"at most {self.limits.max_runs_total} open runs on this server",
                               f"{len(running)} open", "try again when another run has ended")
            job = LMJob(secrets.token_urlsafe(9), req, client, self.limits)
            self.jobs[job.id] = job
        job.thread.start()
        return job

    def get(self, job_id: str) -> LMJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise _unknown(job_id)
        return job

    def finished(self, job_id: str, lang: str) -> lm.LMRun:
        """The trained run ``job_id`` (for the per-token view and sampling)."""
        job = self.get(job_id)
        if job.result is None:
            raise LabError(409, "run", "a finished LM run", job.state, "wait until the run is done")
        return job.result

    def install(self, app: FastAPI) -> None:
        @app.post("/api/lm/runs", tags=["lm"], status_code=201)
        def create_lm_run(body: LMRunRequest, request: Request) -> dict[str, Any]:
            """Train a next-token MLP live: stream ``/api/lm/runs/{id}/stream`` or poll ``GET`` with ``since``."""
            client = request.client.host if request.client is not None else "unknown"
            return self.create(body, client).view(0, normalize_lang(body.lang))

        @app.get("/api/lm/runs/{run_id}", tags=["lm"])
        def get_lm_run(run_id: str, since: int = Query(0, ge=0, le=10**6),
                       lang: str = Query("en", max_length=16)) -> dict[str, Any]:
            """The run's state and its steps from ``since`` on (then its history, validation and init check)."""
            return self.get(run_id).view(since, normalize_lang(lang))

        @app.delete("/api/lm/runs/{run_id}", tags=["lm"])
        def delete_lm_run(run_id: str) -> dict[str, Any]:
            """Stop a run (within one step)."""
            self.get(run_id).cancel()
            return {"id": run_id, "cancelled": True}

        @app.websocket("/api/lm/runs/{run_id}/stream")
        async def stream_lm_run(websocket: WebSocket, run_id: str, lang: str = "en") -> None:
            """The run's new steps, at most ``frames_per_second`` messages a second, then its result; any message
            from the page stops the run, and so does closing the socket."""
            await self.stream(websocket, run_id, lang)

    async def stream(self, websocket: WebSocket, run_id: str, lang: str) -> None:
        await websocket.accept()
        job = self.jobs.get(run_id)
        if job is None:  # the same error as GET's 404, worded in the socket's ?lang= by the lab's middleware
            await websocket.send_json(json_safe({"type": "error", "id": run_id,
                                                 "error": _unknown(run_id).error.to_dict()}))
            await websocket.close(code=4404)
            return
        with contextlib.suppress(Exception):
            lang = normalize_lang(lang)
        job.attached = True
        period = 1.0 / max(self.limits.frames_per_second, 1.0)
        sent = 0
        clock = asyncio.get_running_loop()
        due = clock.time()
        stopper = asyncio.create_task(websocket.receive())  # a command (or the socket closing) stops the run
        try:
            while True:
                finished = job.finished_at is not None  # read first: then the view below holds the result
                view = job.view(sent, lang)  # a slice of the new steps: cheap enough for the event loop
                sent += len(view["train"])
                await websocket.send_json(json_safe({"type": "frame", **view}))
                if finished:
                    break
                due = max(due + period, clock.time())  # a steady rate: the time spent sending counts
                done, _ = await asyncio.wait({stopper}, timeout=due - clock.time())
                if done:
                    job.cancel()
                    await asyncio.sleep(period)
        except (WebSocketDisconnect, RuntimeError):
            job.cancel()
        finally:
            stopper.cancel()
            job.attached = False
            job.seen = time.monotonic()
            if job.finished_at is None:
                job.cancel()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()
