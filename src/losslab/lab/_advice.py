"""The "Choose a loss" panel on the server: :func:`losslab.advice.recommend` on a table, and its evidence run in
the background.

The recommendation itself (analysis, ranked losses, reasons, pitfalls) takes milliseconds and is answered at once.
The evidence trains every candidate under k-fold cross-validation and takes seconds to minutes, so it runs in a
process of its own (``python -m losslab.lab._worker``): the page starts it, polls it
(``GET /api/advice/evidence/{id}``, which also shows the progress: fits done out of fits planned) and may cancel
it; the server stops it after ``max_evidence_seconds``, or when no page has asked about it for
``evidence_attach_seconds``, and runs at most ``max_evidence_jobs`` at once. A process, rather than a thread,
because the evidence has no way to be interrupted between its fits: stopping its process is immediate and leaves
nothing behind. A fresh interpreter, rather than a fork of the server, so that no thread or lock of the server is
inherited and no main module is imported again.

Nothing here analyses, ranks or trains: the numbers and the words are the advice's and the trainer's.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._jsonable import jsonable
from ..errors import LossInputError
from ._error_words import error_in, sentence_in
from ._errors import LabError
from ._limits import Limits
from ._uploads import Table, summary

__all__ = ["EvidenceJob", "EvidenceManager", "advise", "hints_of"]

LANGS = ("en", "ja")


def hints_of(table: Table, target: str, hints: dict[str, Any]) -> dict[str, Any]:
    """The hints as :func:`recommend` takes them (``positive`` as a number when the labels are numbers)."""
    out = {k: v for k, v in hints.items() if v is not None}
    positive = out.get("positive")
    col = table.columns.get(target)
    if isinstance(positive, str) and col is not None and col.dtype != object:
        with contextlib.suppress(ValueError):
            number = float(positive)
            out["positive"] = int(number) if number.is_integer() else number
    return out


def _recommend(table: Table, target: str, hints: dict[str, Any], features: Sequence[str] | None,
               lang: str, **evidence: Any) -> Any:
    from ..advice import recommend

    if target not in table.columns:
        import difflib

        names = list(table.columns)
        close = difflib.get_close_matches(str(target), names, n=1)
        raise LabError(422, "target", "a column of the table: " + ", ".join(names[:20]), repr(target),
                       f"did you mean {close[0]!r}?" if close else None)
    rec = recommend(table.columns, target=target, features=list(features) if features is not None else None,
                    lang=lang, **hints_of(table, target, hints), **evidence)
    rec.source = table.name
    return rec


def advise(table: Table, target: str, hints: dict[str, Any], features: Sequence[str] | None,
           lang: str) -> dict[str, Any]:
    """The recommendation for ``target`` of ``table`` (no evidence), in ``lang``, with the table's summary."""
    rec = _recommend(table, target, hints, features, lang)
    return jsonable({"data": summary(table), "target": target, "recommendation": rec.to_dict(lang),
                     "text": rec.to_text(lang), "evidence_plan": _plan(rec, 5)})


def _plan(rec: Any, folds: int) -> dict[str, Any]:
    """What an evidence run would train: the candidates and the number of fits (0 when it cannot run)."""
    a = rec.analysis
    ranked = [c.label for c in rec.ranked]
    candidates = ranked + [c.label for c in rec.avoid if c.label not in ranked]
    possible = bool(ranked) and a.task in ("regression", "binary", "multiclass") and a.X is not None \
        and a.X.shape[1] > 0
    k = folds
    if possible and a.task != "regression" and a.classes:
        k = max(0, min(folds, min(int(c["count"]) for c in a.classes)))
        possible = k >= 2
    return {"possible": possible, "candidates": candidates if possible else [],
            "fits": len(candidates) * k if possible else 0, "folds": k if possible else 0}


# ------------------------------------------------------------------------------------------------ the jobs
@dataclass
class EvidenceJob:
    """One evidence run: its process, its progress, and (once done) its result in both languages."""

    id: str
    client: str
    settings: dict[str, Any]
    total: int
    limit: float
    process: subprocess.Popen[bytes] | None = None
    state: str = "running"  # running | done | failed | cancelled | timeout
    done: int = 0
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    seen: float = field(default_factory=time.monotonic)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    stop_as: str | None = None  # why the process was stopped: cancelled | timeout | orphaned
    watcher: threading.Thread | None = None
    log: Any = None  # the process's standard error (a temporary file)
    killer: threading.Timer | None = None  # sends SIGKILL if SIGTERM did not end the process in time

    @property
    def running(self) -> bool:
        return self.state == "running"

    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.monotonic()
        return round(end - self.created, 2)

    def view(self, lang: str) -> dict[str, Any]:
        """The job as the page polls it, in ``lang``: its error too (the answer is 200, so the middleware that
        words refusals does not see it)."""
        out: dict[str, Any] = {"id": self.id, "state": self.state, "done": self.done, "total": self.total,
                               "elapsed": self.elapsed(), "limit_seconds": self.limit, "settings": self.settings,
                               "error": error_in(self.error, lang), "result": None}
        if self.state == "done" and self.result is not None:
            out["result"] = self.result.get(lang) or self.result.get("en")
        return out


def _worded_result(result: dict[str, Any]) -> dict[str, Any]:
    """The evidence's result per language, each English error it embeds (a candidate's training error, the
    trainer's or the figure's reason in a note) in the language of its copy; the English copy keeps the trainer's
    words. The advice writes its own sentences in each language but cannot word another package's error, so a
    Japanese note would read "検証を始められませんでした：X has NaN ..." (issue 16)."""
    for code, data in result.items():
        said: dict[str, str] = {}  # each English error of this copy -> its words in ``code``
        recommendation = data.get("recommendation") or {}
        evidence = recommendation.get("evidence") or {}
        for row in evidence.get("results") or []:
            if isinstance(row, dict) and isinstance(row.get("error"), str):
                said[row["error"]] = row["error"] = str(sentence_in(row["error"], code,
                                                                    "errors.sentences.candidate_failed"))
        for note in _notes(recommendation):
            error = note["values"]["error"]
            words = str(sentence_in(error, code, "errors.sentences.reason_english"))
            note["values"]["error"], note["text"] = words, note["text"].replace(error, words)
            said[error] = words
        if isinstance(data.get("text"), str):  # the text download: the same sentences, rendered by the advice
            for english, words in said.items():
                data["text"] = data["text"].replace(english, words)
    return result


def _notes(data: Any) -> Iterator[dict[str, Any]]:
    """Every note of the advice's JSON (``Note.to_dict``: ``key``, ``values``, ``text``) that embeds an error."""
    if isinstance(data, list):
        for item in data:
            yield from _notes(item)
    elif isinstance(data, dict):
        values = data.get("values")
        if isinstance(data.get("key"), str) and isinstance(data.get("text"), str) and isinstance(values, dict) \
                and isinstance(values.get("error"), str):
            yield data
            return
        for item in data.values():
            yield from _notes(item)


def _worker_env() -> dict[str, str]:
    """The environment of the worker: this one, with the directory that holds this losslab first on the path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # .../losslab/lab/_advice.py -> the folder holding losslab
    env["PYTHONPATH"] = os.pathsep.join([root, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    env.setdefault("PYTHONIOENCODING", "utf-8")
    return env


KILL_GRACE_SECONDS = 2.0
"""How long a stopped evidence process has to end after SIGTERM before it gets SIGKILL."""


class EvidenceManager:
    """Every evidence run of the server: started within the bounds, watched, polled, cancelled, forgotten."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.jobs: dict[str, EvidenceJob] = {}
        self._lock = threading.Lock()

    # -- starting ---------------------------------------------------------------------------------------------
    def start(self, table: Table, target: str, hints: dict[str, Any], features: Sequence[str] | None,
              options: dict[str, Any], lang: str, client: str) -> EvidenceJob:
        limits = self.limits
        folds = int(options["folds"])
        if folds > limits.max_evidence_folds:
            raise LabError(422, "folds", f"at most {limits.max_evidence_folds} folds", str(folds))
        epochs = options.get("epochs")
        if epochs is not None and epochs > limits.max_evidence_epochs:
            raise LabError(422, "epochs", f"at most {limits.max_evidence_epochs} epochs per fit", str(epochs))
        rec = _recommend(table, target, hints, features, lang)  # the input's errors, before any process starts
        plan = _plan(rec, folds)
        self.sweep()
        with self._lock:
            running = [j for j in self.jobs.values() if j.running]
            mine = sum(1 for j in running if j.client == client)
            if mine >= limits.max_evidence_per_client:
                raise LabError(429, "evidence", f"at most {limits.max_evidence_per_client} evidence run(s) at once "
                               "per client", f"{mine} running",
                               "wait for it, or cancel it (DELETE /api/advice/evidence/{id})")
            if len(running) >= limits.max_evidence_jobs:
                raise LabError(429, "evidence", f"at most {limits.max_evidence_jobs} evidence runs at once on this "
                               "server", f"{len(running)} running", "try again when one has finished")
            settings = {"data": table.name, "target": target, "features": list(features) if features else None,
                        "hints": hints_of(table, target, hints), **options, "max_rows": limits.max_evidence_rows,
                        "candidates": plan["candidates"]}
            job = EvidenceJob(id=secrets.token_urlsafe(9), client=client, settings=jsonable(settings),
                              total=plan["fits"], limit=limits.max_evidence_seconds)
            self.jobs[job.id] = job
        payload = pickle.dumps({
            "columns": table.columns, "name": table.name, "target": target,
            "features": list(features) if features is not None else None, "hints": hints_of(table, target, hints),
            "options": {"folds": folds, "epochs": epochs, "model": options["model"], "seed": options["seed"],
                        "max_rows": limits.max_evidence_rows},
            "lang": lang, "limit": limits.max_evidence_seconds}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            job.log = tempfile.TemporaryFile()  # noqa: SIM115 - it lives as long as the job; its watcher closes it
            job.process = subprocess.Popen(
                [sys.executable, "-m", "losslab.lab._worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=job.log, env=_worker_env(), close_fds=True)
        except OSError as exc:
            with self._lock:
                self.jobs.pop(job.id, None)
            raise LabError(503, "evidence", "a process for the evidence run", str(exc)) from None
        job.watcher = threading.Thread(target=self._watch, args=(job, payload),
                                       name=f"losslab-evidence-{job.id}", daemon=True)
        job.watcher.start()
        return job

    # -- watching ---------------------------------------------------------------------------------------------
    def _watch(self, job: EvidenceJob, payload: bytes) -> None:
        """Hand the job to the process and read its answers until it ends (or is stopped)."""
        process = job.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        outcome: dict[str, Any] | None = None
        try:
            with contextlib.suppress(OSError):
                process.stdin.write(payload)
                process.stdin.close()
            for line in process.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "progress" in message:
                    job.done = int(message["progress"])
                else:
                    outcome = message
                    break
        except (OSError, ValueError):
            outcome = None
        finally:
            self._end(process)
        if job.stop_as is not None:
            state = "cancelled" if job.stop_as in ("cancelled", "orphaned") else job.stop_as
            self._finish(job, state, self._stop_error(job))
        elif outcome is not None and "done" in outcome:
            done = outcome["done"]
            job.result = _worded_result(done["result"])
            if done.get("figure") is not None:
                job.figures[done["lang"]] = {"figure": "evidence", "spec": done["figure"]}
            job.done = max(job.done, job.total)
            self._finish(job, "done")
        elif outcome is not None and "error" in outcome:
            self._finish(job, "failed", outcome["error"])
        else:
            got = outcome["failed"] if outcome is not None and "failed" in outcome else \
                f"its process ended (exit code {process.returncode}){self._last_words(job)}"
            self._finish(job, "failed", LossInputError(
                "lab", "evidence", "an evidence run that finishes", str(got),
                "try fewer folds or epochs, or the linear model").to_dict())
        with contextlib.suppress(Exception):
            job.log.close()

    @staticmethod
    def _end(process: subprocess.Popen[bytes]) -> None:
        for stream in (process.stdin, process.stdout):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.close()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:  # a process that ignores SIGTERM
                process.kill()
                process.wait(timeout=3)

    @staticmethod
    def _last_words(job: EvidenceJob) -> str:
        try:
            job.log.seek(0)
            lines = [x for x in job.log.read().decode("utf-8", "replace").splitlines() if x.strip()]
        except (OSError, ValueError, AttributeError):
            return ""
        return f": {lines[-1][:300]}" if lines else ""

    def _stop_error(self, job: EvidenceJob) -> dict[str, Any] | None:
        if job.stop_as == "timeout":
            return LossInputError("lab", "evidence", f"an evidence run within {job.limit:g} s",
                                  f"stopped after {job.elapsed():.0f} s ({job.done} of {job.total} fits done)",
                                  "fewer folds or epochs, or the linear model").to_dict()
        if job.stop_as == "orphaned":
            return LossInputError("lab", "evidence", "a page that follows the run", "no page asked about it for "
                                  f"{self.limits.evidence_attach_seconds:g} s").to_dict()
        return None

    def _finish(self, job: EvidenceJob, state: str, error: dict[str, Any] | None = None) -> None:
        with self._lock:
            if job.state != "running":
                return
            job.state = state
            job.error = error
            job.finished = time.monotonic()

    def _stop(self, job: EvidenceJob, why: str) -> None:
        """Stop a running job's process (SIGTERM, then SIGKILL after ``KILL_GRACE_SECONDS`` if it is still there:
        a process that ignores SIGTERM ends all the same); its watcher records why."""
        if not job.running or job.process is None:
            return
        if job.stop_as is None:
            job.stop_as = why
        with contextlib.suppress(OSError):
            job.process.terminate()
        if job.killer is None:
            job.killer = threading.Timer(KILL_GRACE_SECONDS, self._kill, args=(job.process,))
            job.killer.daemon = True
            job.killer.start()

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()

    # -- the page's side --------------------------------------------------------------------------------------
    def get(self, job_id: str) -> EvidenceJob:
        job = self.jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise LabError(404, "job_id", "the id of an evidence run", repr(job_id),
                           f"finished runs are kept for {self.limits.evidence_keep_seconds:g} s")
        job.seen = time.monotonic()
        return job

    def cancel(self, job_id: str) -> EvidenceJob:
        job = self.get(job_id)
        if job.running:
            self._stop(job, "cancelled")
            if job.watcher is not None:
                job.watcher.join(timeout=5)
        return job

    def figure(self, job_id: str, lang: str) -> dict[str, Any]:
        job = self.get(job_id)
        if job.state != "done" or job.result is None:
            raise LabError(409, "job_id", "a finished evidence run", f"a run that is {job.state}",
                           "ask again when its state is 'done'")
        if lang not in job.figures:
            evidence = (job.result.get(lang) or job.result["en"])["recommendation"].get("evidence") or {}
            if not any(r.get("metrics") for r in evidence.get("results") or []):
                raise LabError(409, "job_id", "an evidence run with results", "a run without results",
                               "its notes say why (for example, a question to answer first)")
            from . import _figures

            job.figures[lang] = _figures.evidence_figure(evidence, lang)
        return dict(job.figures[lang])

    # -- housekeeping -----------------------------------------------------------------------------------------
    def sweep(self) -> None:
        """Stop runs past their wall time and runs no page asks about any more; forget finished runs after
        ``evidence_keep_seconds`` (and all but the latest 32)."""
        now = time.monotonic()
        with self._lock:
            jobs = list(self.jobs.values())
        for job in jobs:
            if job.running and now - job.created > job.limit:
                self._stop(job, "timeout")
            elif job.running and now - job.seen > self.limits.evidence_attach_seconds:
                self._stop(job, "orphaned")
        with self._lock:
            for job in jobs:
                if (not job.running and job.finished is not None
                        and now - job.finished > self.limits.evidence_keep_seconds):
                    self.jobs.pop(job.id, None)
            finished = sorted((j for j in self.jobs.values() if not j.running), key=lambda j: j.finished or 0.0)
            for job in finished[:-32]:
                self.jobs.pop(job.id, None)

    def stop(self) -> None:
        """Stop every run (the server is shutting down)."""
        jobs = list(self.jobs.values())
        for job in jobs:
            self._stop(job, "cancelled")
        for job in jobs:
            if job.watcher is not None:
                job.watcher.join(timeout=5)
