"""The lab's web application: JSON endpoints over the catalog, the explanations, the figures and the trainer,
a WebSocket that streams training progress, and the page itself (plain HTML, CSS and ES modules, no build step).

Everything is served from the package: the page, its scripts, Vega / Vega-Lite / Vega-Embed (the copies shipped in
:mod:`losslab.figures`) and the Japanese font, so the lab works with no internet.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import html
import io
import json
import sys
from collections.abc import Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from .._jsonable import jsonable
from .._palette import PALETTE
from .._version import __version__
from ..errors import LossInputError
from ..explain import texts as T
from ..losses import TASKS, catalog
from ..losses._registry import definitions
from . import _compute as C
from . import _distill, _formula, _lm, _texts
from . import _figures as F
from ._advice import EvidenceManager, advise
from ._error_words import ErrorWords
from ._errors import BodyLimit, LabError, SafeJSONResponse, install_handlers
from ._limits import Limits
from ._models import (
    AdviceRequest,
    ComputeRequest,
    CurvesRequest,
    DartsRequest,
    DatasetRequest,
    EvidenceRequest,
    ExplainRequest,
    FigureRequest,
    FitRequest,
    RunControl,
    RunRequest,
)
from ._runs import RunManager, dataset_payload, load_lab_dataset
from ._security import TOKEN_COOKIE, RequestGuard
from ._uploads import EXAMPLES, Table, UploadStore, example, parse_csv, summary

__all__ = ["create_app"]

STATIC = Path(str(resources.files("losslab.lab").joinpath("static")))
VENDOR = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def _lang(lang: str | None) -> str:
    return T.normalize_lang(lang)


def _count(argument: str, n: int, maximum: int, what: str) -> None:
    if n > maximum:
        raise LabError(422, argument, f"at most {maximum} {what}", f"{n}",
                       "the lab's bounds are listed at /api/limits")


def _numbers_count(x: Any) -> int:
    if isinstance(x, list):
        return sum(_numbers_count(v) for v in x) if x and isinstance(x[0], list) else len(x)
    return 1


class LabApp(FastAPI):
    """FastAPI with the lab's request checks (:class:`RequestGuard`) in front of everything, even of the handler
    of unexpected errors, so that no answer leaves without them; and every error's message in the language of the
    request (:class:`ErrorWords`)."""

    guard_hosts: tuple[str, ...] = ()
    guard_csv_only: tuple[str, ...] = ()
    guard_token: str | None = None
    guard_cookie: str = TOKEN_COOKIE

    def build_middleware_stack(self) -> ASGIApp:
        guarded = RequestGuard(super().build_middleware_stack(), hosts=self.guard_hosts,
                               csv_only=self.guard_csv_only, token=self.guard_token, cookie=self.guard_cookie)
        return ErrorWords(guarded)  # outermost: the guard's refusals too are worded in the user's language


UPLOADS = "/api/uploads"


def create_app(limits: Limits | None = None, *, hosts: Iterable[str] = (), token: str | None = None,
               cookie: str = TOKEN_COOKIE) -> FastAPI:
    """The lab as an ASGI application (serve it with uvicorn, or test it with FastAPI's TestClient).

    It answers requests sent to 127.0.0.1, localhost or [::1] (any port) and to the names in ``hosts`` (the address
    the server listens on); with ``token``, only requests that carry it (``?token=``, its cookie ``cookie``, or
    ``Authorization: Bearer``); see :mod:`losslab.lab._security` for the checks of every request.
    """
    limits = limits or Limits()
    uploads = UploadStore(limits)
    runs = RunManager(limits, uploads)
    evidence = EvidenceManager(limits)

    async def sweep_evidence() -> None:
        while True:
            await asyncio.sleep(1.0)
            evidence.sweep()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        # the training threads hold the interpreter between their numpy calls; the event loop that streams their
        # frames gets it back within 1 ms instead of 5 (benchmarks/bench_lab.py: the map's gaps while training)
        switch = sys.getswitchinterval()
        sys.setswitchinterval(min(switch, 0.001))
        runs.start()
        warm = asyncio.create_task(asyncio.to_thread(_prewarm))
        sweeper = asyncio.create_task(sweep_evidence())
        try:
            yield
        finally:
            warm.cancel()
            sweeper.cancel()
            await runs.stop()
            await asyncio.to_thread(evidence.stop)
            sys.setswitchinterval(switch)

    app = LabApp(
        title="losslab lab",
        version=__version__,
        description="The losslab lab: losses, explanations, figures and training, for the page and for scripts. "
                    "Every error answer is {\"error\": {loss, argument, expected, got, hint, message}}.",
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
        docs_url=None,  # the interactive pages load their scripts from a CDN: the schema is at /openapi.json
        redoc_url=None,
    )
    app.guard_hosts = tuple(hosts)
    app.guard_csv_only = (UPLOADS,)
    app.guard_token, app.guard_cookie = token, cookie
    app.state.limits = limits
    app.state.runs = runs
    app.state.uploads = uploads
    app.state.evidence = evidence
    install_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes,  # the formula endpoints' bound is smaller
                       large={UPLOADS: limits.max_upload_bytes, **_formula.BODY_LIMITS},
                       seconds=limits.body_seconds)

    # ------------------------------------------------------------------------------------------------ the page
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request, lang: str | None = None) -> HTMLResponse:
        """The page in the language of the address (``?lang=ja``), else in the browser's (``Accept-Language``)."""
        try:
            chosen = _lang(lang) if lang else _texts.preferred_lang(request.headers.get("accept-language"))
        except LossInputError:
            chosen = "en"
        return HTMLResponse(_index_html(chosen), headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/vendor/{name}", include_in_schema=False)
    def vendor(name: str) -> FileResponse:
        if name not in VENDOR:
            raise LabError(404, "name", "one of " + ", ".join(VENDOR), repr(name))
        from ..figures import static_file

        return FileResponse(static_file(name), media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/fonts/ja.ttf", include_in_schema=False)
    def font() -> Response:
        path = _ja_font()
        if path is None:
            raise LabError(404, "font", "a Japanese font (pip install matplotlib-fontja)", "none installed")
        return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"})

    # ------------------------------------------------------------------------------------------- about the lab
    @app.get("/api/health", tags=["lab"])
    def health() -> dict[str, Any]:
        """Whether the server is up, and its version."""
        return {"ok": True, "version": __version__}

    @app.get("/api/limits", tags=["lab"])
    def get_limits() -> dict[str, Any]:
        """The bounds of every request (body size, array length, epochs, wall time, concurrent runs)."""
        return limits.to_dict()

    @app.get("/api/texts", tags=["lab"])
    def texts(lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """Every string of the page in ``lang``: the lab's texts, the catalog's labels, the losses' titles."""
        return _texts.bundle(_lang(lang))

    # ----------------------------------------------------------------------------------------------- catalog
    @app.get("/api/catalog", tags=["catalog"])
    def get_catalog(task: str | None = Query(None, max_length=32),
                    lang: str = Query("en", max_length=16)) -> list[dict[str, Any]]:
        """Every loss (``losslab.catalog()``), with its title and short description in ``lang``."""
        chosen = _lang(lang)
        if task is not None and task not in TASKS:
            raise LossInputError("catalog", "task", "one of " + ", ".join(TASKS), repr(task))
        out = []
        for entry in catalog(task):
            text = T.loss_text(entry["name"], chosen)
            out.append({**entry, "title": text["title"], "short": text["short"], "text": text})
        return out

    @app.post("/api/compute", tags=["catalog"])
    def compute(body: ComputeRequest, request: Request) -> dict[str, Any]:
        """``loss(pred, target)``, the per-example losses and ``loss.grad(pred, target)``; the warnings in
        ``lang`` (else the Accept-Language header's language)."""
        for arg in ("pred", "target"):
            _count(arg, _numbers_count(getattr(body, arg)), limits.max_values, "numbers")
        if body.sample_weight is not None:
            _count("sample_weight", len(body.sample_weight), limits.max_values, "numbers")
        lang = _lang(body.lang) if body.lang else _texts.preferred_lang(request.headers.get("accept-language"))
        return C.compute(body.loss, body.params, body.pred, body.target, body.reduction, body.sample_weight,
                         body.grad, lang)

    @app.post("/api/explain", tags=["catalog"])
    def explain(body: ExplainRequest) -> dict[str, Any]:
        """The loss computed step by step (``loss.explain(...).to_dict()``), with texts in ``lang``."""
        for arg in ("pred", "target"):
            _count(arg, _numbers_count(getattr(body, arg)), limits.max_values, "numbers")
        if body.sample_weight is not None:
            _count("sample_weight", len(body.sample_weight), limits.max_values, "numbers")
        return C.explain(body.loss, body.params, body.pred, body.target, body.reduction, body.sample_weight,
                         _lang(body.lang), body.max_rows)

    # ------------------------------------------------------------------------------------------- loss panels
    @app.post("/api/explorer/curves", tags=["panels"])
    def explorer_curves(body: CurvesRequest) -> dict[str, Any]:
        """Panel 1: every chosen loss's value and gradient on the explorer's grid (the page reads them as you
        drag the sliders), with the legend label of each series."""
        _count("losses", len(body.losses), limits.max_losses, "losses")
        return C.curves(body.task, [(c.name, c.params) for c in body.losses], _lang(body.lang))

    @app.post("/api/explorer/figure", tags=["panels"])
    async def explorer_figure(body: CurvesRequest) -> dict[str, Any]:
        """Panel 1: the figure of the chosen losses (shapes for regression, against the margin for
        classification) as a Vega-Lite spec."""
        _count("losses", len(body.losses), limits.max_losses, "losses")
        items = [(c.name, c.params) for c in body.losses]
        for name, params in items:
            C.explorer_loss(body.task, name, params)  # the same checks as the curves
        return await asyncio.to_thread(F.explorer_figure, body.task, items, _lang(body.lang))

    @app.post("/api/darts", tags=["panels"])
    async def darts(body: DartsRequest) -> dict[str, Any]:
        """Panel 2: each dart's loss under MSE, MAE and Huber(delta), the cost of the throw, and (optionally)
        the dart-board figure."""
        _count("darts", len(body.darts), limits.max_darts, "darts")
        out = C.darts(body.darts, body.delta)
        if body.figure:
            out["figure"] = await asyncio.to_thread(F.darts_figure, body.darts, body.delta, _lang(body.lang))
        return out

    @app.post("/api/fit", tags=["panels"])
    def fit(body: FitRequest) -> dict[str, Any]:
        """Panel 3: the best line of each loss through the points, and each point's share of the focus loss."""
        _count("points", len(body.points), limits.max_points, "points")
        _count("losses", len(body.losses), limits.max_losses, "losses")
        if body.focus >= len(body.losses):
            raise LabError(422, "focus", f"the index of one of the {len(body.losses)} losses", str(body.focus))
        return F.fit_lines(body.points, [(c.name, c.params) for c in body.losses], body.focus, body.start,
                           body.precise)

    @app.post("/api/figures/{name}", tags=["figures"])
    async def figure(name: str, body: FigureRequest) -> dict[str, Any]:
        """A figure of :mod:`losslab.figures` by name, as a Vega-Lite spec (its data inside, in ``datasets``)."""
        return await asyncio.to_thread(F.figure, name, body.args, _lang(body.lang), limits)

    @app.get("/api/loss-vs-accuracy", tags=["panels"])
    async def loss_vs_accuracy(lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """Panel 6: two classifiers with the same accuracy and clearly different loss, with the figure."""
        return await asyncio.to_thread(F.loss_vs_accuracy, _lang(lang))

    # ------------------------------------------------------------------------------------------------ data sets
    @app.get("/api/datasets", tags=["data"])
    def datasets(lang: str = Query("en", max_length=16)) -> list[dict[str, Any]]:
        """The 2-D classification data sets of the lab, with their parameters."""
        return F.dataset_list(_lang(lang))

    @app.post("/api/datasets", tags=["data"])
    def dataset(body: DatasetRequest) -> dict[str, Any]:
        """The points of a data set (standardized features, class, split) as the trainer sees them."""
        if body.name != "upload":
            _count("n_samples", body.n_samples, limits.max_samples, "examples")
        return dataset_payload(load_lab_dataset(body, uploads, limits.max_samples))

    @app.post("/api/datasets/csv", tags=["data"], response_class=PlainTextResponse)
    def dataset_csv(body: DatasetRequest) -> PlainTextResponse:
        """The same data set as CSV (x1, x2, label, split)."""
        if body.name != "upload":
            _count("n_samples", body.n_samples, limits.max_samples, "examples")
        payload = dataset_payload(load_lab_dataset(body, uploads, limits.max_samples))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["x1", "x2", "label", "class", "split"])
        for p in payload["points"]:
            writer.writerow([repr(p["x1"]), repr(p["x2"]), p["label"], p["class"], p["split"]])
        return PlainTextResponse(out.getvalue(), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="{_filename(body.name)}.csv"'})

    # ----------------------------------------------------------------------------------------- uploaded files
    @app.post(UPLOADS, tags=["data"], status_code=201, openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}})
    async def upload(request: Request, name: str = Query("data.csv", max_length=200,
                                                         description="the file's name, for display")) -> dict[str, Any]:
        """Upload a CSV file (its bytes as the request body; UTF-8 or Shift-JIS; comma, semicolon or tab
        separated; a header row): its columns, their kinds and its first rows. The file is kept in memory under
        the returned ``id`` (for ``/api/advice`` and the classification lab's ``data.upload``), at most
        ``max_upload_bytes`` and ``max_upload_rows``."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind.startswith("multipart/") or kind == "application/x-www-form-urlencoded":
            raise LabError(415, "body", "the file's bytes as the request body (Content-Type: text/csv)", kind,
                           "send the file itself, not a form")
        raw = await request.body()
        table = await asyncio.to_thread(parse_csv, raw, _display_name(name), limits)
        uploads.add(table, _client(request))
        return summary(table)

    @app.get("/api/uploads/{upload_id}", tags=["data"])
    def get_upload(upload_id: str) -> dict[str, Any]:
        """An uploaded file's columns and first rows."""
        return summary(uploads.get(upload_id, "upload_id"))

    @app.delete("/api/uploads/{upload_id}", tags=["data"])
    def delete_upload(upload_id: str) -> dict[str, Any]:
        """Forget an uploaded file."""
        uploads.remove(upload_id)
        return {"id": upload_id, "deleted": True}

    # ------------------------------------------------------------------------------------------ choose a loss
    def table_of(body: AdviceRequest) -> Table:
        if (body.example is None) == (body.upload is None):
            raise LabError(422, "example", "either example (one of " + ", ".join(EXAMPLES) + ") or upload (an id)",
                           "both" if body.example is not None else "neither")
        return example(body.example) if body.example is not None else uploads.get(body.upload, "upload")

    def hints(body: AdviceRequest) -> dict[str, Any]:
        return {"task": body.task, "output": body.output, "priority": body.priority, "errors": body.errors,
                "positive": body.positive}

    @app.get("/api/advice/examples", tags=["advice"])
    def advice_examples(lang: str = Query("en", max_length=16)) -> list[dict[str, Any]]:
        """Panel 7: the built-in example tables (name, title, what they show, their columns and first rows)."""
        chosen = _lang(lang)
        out = []
        for name in EXAMPLES:
            table = example(name)
            out.append({"name": name, "title": _texts.lab_text(f"choose.example_{name}", chosen),
                        "description": _texts.lab_text(f"choose.about_{name}", chosen), "target": table.target,
                        "data": summary(table)})
        return out

    @app.post("/api/advice", tags=["advice"])
    async def advice(body: AdviceRequest) -> dict[str, Any]:
        """Panel 7: ``losslab.advice.recommend`` for the target of an example table or an uploaded file: the
        analysis, the ranked losses with reasons, derived parameters and pitfalls, the questions it could not
        decide, and what an evidence run would train. Texts in ``lang``."""
        table = table_of(body)
        target = body.target if body.target is not None else table.target
        if target is None:
            raise LabError(422, "target", "the target column", "nothing")
        return await asyncio.to_thread(advise, table, target, hints(body), body.features, _lang(body.lang))

    @app.post("/api/advice/evidence", tags=["advice"], status_code=202)
    def start_evidence(body: EvidenceRequest, request: Request) -> dict[str, Any]:
        """Panel 7: start the evidence — every candidate loss trained with the same k folds, model and epochs —
        in the background. Poll ``GET /api/advice/evidence/{id}`` (progress, then the result); ``DELETE`` it to
        cancel. Bounded in folds, epochs, rows, wall time and runs at once."""
        table = table_of(body)
        target = body.target if body.target is not None else table.target
        if target is None:
            raise LabError(422, "target", "the target column", "nothing")
        options = {"folds": body.folds, "epochs": body.epochs, "model": body.model, "seed": body.seed}
        job = evidence.start(table, target, hints(body), body.features, options, _lang(body.lang), _client(request))
        return job.view(_lang(body.lang))

    @app.get("/api/advice/evidence/{job_id}", tags=["advice"])
    def get_evidence(job_id: str, lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """An evidence run: its state (running, done, failed, cancelled, timeout), fits done of fits planned,
        seconds so far, and once done the recommendation with its evidence (table data, verdict) in ``lang``.
        A run that no page asks about for ``evidence_attach_seconds`` is stopped."""
        return evidence.get(job_id).view(_lang(lang))

    @app.get("/api/advice/evidence/{job_id}/figure", tags=["advice"])
    async def evidence_figure(job_id: str, lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """The evidence figure (``losslab.figures.evidence``) of a finished run, as a Vega-Lite spec."""
        chosen = _lang(lang)
        return await asyncio.to_thread(evidence.figure, job_id, chosen)

    @app.delete("/api/advice/evidence/{job_id}", tags=["advice"])
    def cancel_evidence(job_id: str, lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """Cancel an evidence run (its process is stopped at once); its state as ``GET`` answers it, in ``lang``."""
        return evidence.cancel(job_id).view(_lang(lang))

    _formula.install(app)  # panel 8, your own loss: POST /api/formula, /api/formula/register
    app.state.lm_runs = _lm.install(app, limits)  # panel 9, next-token prediction: /api/lm/...
    app.state.distill_runs = _distill.install(app)  # panel 10, teacher and student: /api/distill/...

    # ----------------------------------------------------------------------------------------------- training
    @app.post("/api/runs", tags=["training"], status_code=201)
    def create_run(body: RunRequest, request: Request) -> dict[str, Any]:
        """Start a training run (paused at epoch 0). Stream it from ``/api/runs/{id}/stream`` (WebSocket);
        a run that no page streams from is cancelled after ``attach_seconds``."""
        return runs.create(body, _client(request)).snapshot(full=True)

    @app.get("/api/runs/{run_id}", tags=["training"])
    def get_run(run_id: str) -> dict[str, Any]:
        """The run's state: epoch, settings, the latest numbers, the decision map and the diagnosis."""
        return runs.get(run_id).snapshot(full=True)

    @app.post("/api/runs/{run_id}/control", tags=["training"])
    def control(run_id: str, body: RunControl) -> dict[str, Any]:
        """Play, pause, one step (one epoch), reset (same initial weights, or new), or change the learning rate
        or the regularization while the run goes on."""
        run = runs.get(run_id)
        run.control(body)
        return run.snapshot(full=False)

    @app.get("/api/runs/{run_id}/history", tags=["training"], response_model=None)
    def history(run_id: str, format: str = Query("json", pattern="^(json|csv)$")) -> Response | dict[str, Any]:
        """The curves so far: per epoch, train and validation loss and accuracy, data loss and penalty."""
        run = runs.get(run_id)
        rows = run.history_rows()
        if format == "csv":
            out = io.StringIO()
            fields = list(rows[0]) if rows else ["epoch"]
            writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            return PlainTextResponse(out.getvalue(), media_type="text/csv",
                                     headers={"Content-Disposition": f'attachment; filename="curves-{run_id}.csv"'})
        return {"id": run_id, "rows": rows}

    @app.get("/api/runs/{run_id}/predictions", tags=["training"])
    def predictions(run_id: str) -> dict[str, Any]:
        """Every point with the model's current answer (the decision map as a table)."""
        run = runs.get(run_id)
        return {"id": run_id, "epoch": len(run.records), "points": run.predictions()}

    @app.get("/api/runs/{run_id}/trace", tags=["training"])
    def trace(run_id: str, index: int = Query(..., ge=0, le=10_000_000),
              split: str = Query("train", pattern="^(train|val)$")) -> dict[str, Any]:
        """Panel 5: one example traced: prediction, error, its loss, its gradient, and the update it causes."""
        return runs.get(run_id).trace(index, split)

    @app.get("/api/runs/{run_id}/figures/{name}", tags=["training"])
    async def run_figure(run_id: str, name: str, lang: str = Query("en", max_length=16),
                         log: bool = Query(False, description="loss axis on a log scale")) -> dict[str, Any]:
        """A figure of the run so far (``curves``: losslab.figures.training_curves) as a Vega-Lite spec."""
        run = runs.get(run_id)
        return await asyncio.to_thread(F.run_figure, run, name, _lang(lang), log)

    @app.delete("/api/runs/{run_id}", tags=["training"])
    def delete_run(run_id: str) -> dict[str, Any]:
        """Cancel a run and forget it."""
        runs.cancel(run_id)
        return {"id": run_id, "cancelled": True}

    @app.websocket("/api/runs/{run_id}/stream")
    async def stream(websocket: WebSocket, run_id: str) -> None:
        """Progress of a run, as JSON messages, as fast as the page can draw them (at most
        ``frames_per_second``); the page may send the same commands as ``/control``. Closing it cancels the run."""
        await runs.stream(websocket, run_id)

    return app


def _prewarm() -> None:
    """Build what the first page load needs (the page, the default figure) before anyone asks."""
    with contextlib.suppress(Exception):
        _index_html("en")
        for lang in ("en", "ja"):
            F.explorer_figure("regression", [("mse", {}), ("mae", {}), ("huber", {"delta": 1.0})], lang)
            _index_html(lang)
            F.darts_figure(F.default_darts(), 1.0, lang)
            F.loss_vs_accuracy(lang)


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in base if ch.isprintable())[:120] or "data.csv"


def _filename(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:80] or "data"


def _client(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


@functools.lru_cache(maxsize=1)
def _ja_font() -> Path | None:
    try:
        from ..figures import _fonts

        font = _fonts.japanese_font()
    except ImportError:  # pragma: no cover
        return None
    return None if font is None else font.path


def _index_html(lang: str) -> str:
    """The page, with its strings and the catalog for ``lang`` inlined (one request fewer before it can draw).

    Built once per language and catalog: a loss registered (or redefined) since is on the next page load.
    """
    return _page(lang, tuple(map(id, definitions())))


def boot_catalog(lang: str) -> list[dict[str, Any]]:
    """Every loss of the catalog (``losslab.catalog()``: its parameters with their role, units, kink and slider),
    with its title and short name in ``lang``: the page builds its loss choices and sliders from this."""
    out = []
    for entry in catalog():
        text = T.loss_text(entry["name"], lang)
        out.append({**entry, "title": text["title"], "short": text["short"]})
    return out


def _symbols() -> dict[str, dict[str, str]]:
    """How each parameter is written in a legend ("δ"), per language (empty without losslab's figures)."""
    try:
        from ..figures._text import symbols
    except ImportError:  # pragma: no cover - figures not installed
        return {}
    return {lang: symbols(lang) for lang in _texts.LANGS}


@functools.lru_cache(maxsize=4)
def _page(lang: str, _catalog: tuple[int, ...]) -> str:
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    panels = C.panels()
    boot = {"texts": _texts.bundle(lang), "catalog": boot_catalog(lang), "symbols": _symbols(), "panels": panels,
            "explorer": {task: p["losses"] for task, p in panels["explorer"].items()}, "grid": C.GRID,
            "datasets": F.dataset_list(lang), "version": __version__,
            "darts": F.default_darts(), "points": F.default_points(), "limits": Limits().to_dict(),
            "font": _ja_font() is not None, "palette": list(PALETTE)}  # the figures' colours, for the JS and CSS
    payload = json.dumps(jsonable(boot), ensure_ascii=False).replace("</", "<\\/")
    title = _texts.lab_text("page.title", lang)
    return (template.replace("{{lang}}", lang).replace("{{title}}", html.escape(title))
            .replace("{{boot}}", payload).replace("{{version}}", __version__))


def json_response(data: Any) -> JSONResponse:
    return SafeJSONResponse(jsonable(data))
