"""The lab's teacher-and-student panel (issue 14): KL divergence and distillation, from :mod:`losslab.distill`.

``POST /api/distill`` scores a teacher row against a student row at a temperature: forward and reverse KL, the
generalised JSD(β), total variation, the gradient on the student's logits with and without T² (and its L1 norm),
the softened distributions, and the call that gives the same number in PyTorch, Keras, optax and TRL.
``POST /api/distill/modes`` is :func:`losslab.distill.fit_modes` (forward KL covers, reverse KL seeks a mode) with
its figure. ``POST /api/distill/experiment`` is :func:`losslab.distill.distill_experiment` with bounded settings:
it takes 1 to 5 s, so it runs in a worker thread, at most :data:`MAX_EXPERIMENTS` at a time (429 beyond).

Every number is the library's; the page draws it. The library's refusals (rows that do not sum to 1, negative
probabilities, different lengths, T ≤ 0, β outside [0, 1]) are answered 422 in the request's language.
"""

from __future__ import annotations

import asyncio
import functools
import re
import threading
import time
from typing import Any

import numpy as np
from fastapi import FastAPI
from pydantic import Field

from .. import distill
from .._texts import normalize_lang
from ..distill._inputs import soften
from ..errors import LossInputError
from . import _figures as F
from ._distill_calls import lab_text, library_calls, modes_figure
from ._errors import LabError, WordedInputError
from ._models import Lang, _Strict
from ._texts import flat

__all__ = ["MAX_CLASSES", "MAX_EXPERIMENTS", "DistillRefusal", "install", "score"]

MAX_CLASSES = 64
MAX_EXPERIMENTS = 1
"""Experiments running at once (each keeps a core busy for 1 to 5 s); one more is answered 429."""
SEED = {"teacher": [0.6, 0.2, 0.2], "student": [0.5, 0.3, 0.2]}
"""The issue's seed example: KL = 0.02830 at T = 1, 0.00758 at T = 2, 0.00191 at T = 4."""

# which words of lab/texts [distill.errors] explain a refusal, from the library's "expected"
_KINDS = (("probabilities (no negative", "negative"), ("rows of probabilities that sum", "sum"),
          ("the teacher's shape", "shape"), ("probabilities (finite", "finite"), ("logits (finite", "logits"),
          ("at least one finite logit", "logits"), ("one row", "rows"), ("an array of numbers", "rows"))
# the number the library quotes in "got", for the kinds whose "got" the lab words again ([distill.errors] *_got)
_GOT = {"sum": re.compile(r"summing to (\S+?)\.?$"), "negative": re.compile(r"the first (\S+) at row"),
        "shape": re.compile(r"^shape \((\d+),\)$")}


class DistillRefusal(LabError):
    """The library's refusal as a 422: its own words in English, the lab's (``[distill.errors]``) in Japanese."""

    def __init__(self, exc: LossInputError, lang: str) -> None:
        super().__init__(422, exc.argument, exc.expected, exc.got, exc.hint, part=exc.loss)
        if lang == "en":
            self.error = exc
            return
        kind = next((k for prefix, k in _KINDS if exc.expected.startswith(prefix)), None)
        if f"distill.errors.{exc.argument}_expected" in flat(lang):  # a setting with its own words
            kind = exc.argument
        kind = kind or "other"
        expected = lab_text(f"distill.errors.{kind}_expected", lang)
        hint = lab_text(f"distill.errors.{kind}_hint", lang)
        found = _GOT[kind].search(exc.got) if kind in _GOT else None
        got = lab_text(f"distill.errors.{kind}_got", lang, value=found.group(1)) if found else exc.got
        message = lab_text("distill.errors.message", lang, where=exc.loss, argument=exc.argument,
                           expected=expected, got=got, hint=hint)
        self.error = WordedInputError(LossInputError(exc.loss, exc.argument, expected, got, hint), message)


class DistillRequest(_Strict):
    teacher: list[float] = Field(default=SEED["teacher"], min_length=1, max_length=MAX_CLASSES)
    student: list[float] = Field(default=SEED["student"], min_length=1, max_length=MAX_CLASSES)
    temperature: float = 1.0
    beta: float = 0.5
    direction: str = Field(default="forward", max_length=16)
    from_logits: bool = False
    lang: Lang = "en"


class ModesRequest(_Strict):
    vocab: int = Field(default=40, ge=10, le=80)
    weight: float = Field(default=0.55, ge=0.5, le=0.9, description="the first (left) peak's weight")
    lang: Lang = "en"


class ExperimentRequest(_Strict):
    temperature: float = Field(default=4.0, ge=0.5, le=10.0)
    alpha: float = Field(default=0.5, ge=0.0, le=1.0)
    seed: int = Field(default=0, ge=0, le=99)
    student_epochs: int = Field(default=150, ge=10, le=150)
    lang: Lang = "en"


def _l1(grad: np.ndarray) -> float:
    return float(np.abs(grad).sum())


def score(body: DistillRequest) -> dict[str, Any]:
    """Every number of the panel for one teacher row, one student row and the settings."""
    lang = normalize_lang(body.lang)
    t, s, T, beta = body.teacher, body.student, body.temperature, body.beta
    started = time.perf_counter()
    try:
        common: dict[str, Any] = dict(temperature=T, from_logits=body.from_logits)
        fwd = distill.kl_result(t, s, **common)
        rev = distill.kl_result(t, s, direction="reverse", **common)
        jsd = distill.generalized_jsd_result(t, s, beta, **common)
        raw = distill.generalized_jsd(t, s, beta, normalize=False, **common)
        tv = distill.total_variation_result(t, s, **common)
        scaled = distill.kl_result(t, s, direction=body.direction, scale_t2=True, **common)
        chosen = rev if scaled.settings["direction"] == "reverse" else fwd
        lt, ls, _ = soften("distill.kl", t, s, chosen.settings["temperature"], body.from_logits)
        calls = library_calls(t, s, temperature=T, beta=float(beta), direction=chosen.settings["direction"],
                              from_logits=body.from_logits, lang=lang, kl=scaled.value, trl=raw)
    except LossInputError as exc:
        raise DistillRefusal(exc, lang) from None
    return {
        "teacher": t, "student": s,
        "settings": {"temperature": T, "beta": beta, "direction": body.direction, "from_logits": body.from_logits},
        "soft": {"teacher": np.exp(lt[0]).tolist(), "student": np.exp(ls[0]).tolist()},
        "kl_forward": fwd.value, "kl_reverse": rev.value, "jsd": jsd.value, "jsd_raw": raw, "tv": tv.value,
        "t2": T * T, "kl_t2": scaled.value,
        "grad": {"direction": body.direction, "plain": chosen.grad.tolist(), "t2": scaled.grad.tolist(),
                 "l1": _l1(chosen.grad), "l1_t2": _l1(scaled.grad)},
        "libraries": calls, "seconds": time.perf_counter() - started,
    }


@functools.lru_cache(maxsize=32)
def _fits(vocab: int, weight: float) -> distill.ModeFits:
    peaks = (round(vocab / 4), round(3 * vocab / 4))
    return distill.fit_modes(vocab=vocab, peaks=(float(peaks[0]), float(peaks[1])),
                             weights=(weight, 1.0 - weight))


def modes(body: ModesRequest) -> dict[str, Any]:
    """Both fitted students (μ, σ, both KLs, the mass near each peak) and the figure that draws them."""
    lang = normalize_lang(body.lang)
    fits = _fits(body.vocab, round(body.weight, 3))
    F._figures()  # 404 in words when the figures are not installed
    with F._lock:
        spec = modes_figure(fits, lang)
    data = fits.to_dict()
    for key in ("forward", "reverse"):
        data[key].pop("probs")
    data.pop("teacher")
    return {**data, "spec": spec, "lang": lang}


def run_experiment(**settings: Any) -> dict[str, Any]:
    """:func:`losslab.distill.distill_experiment` on digits as a plain dict (replaced by the tests' slow stub)."""
    result: dict[str, Any] = distill.distill_experiment(data="digits", teacher=(64, 64), student=(8,),
                                                        **settings).to_dict()
    return result


class Experiments:
    """At most :data:`MAX_EXPERIMENTS` experiments at once, each in a worker thread; finished ones are kept (by
    settings) so that asking again is instant."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.done: dict[tuple[Any, ...], dict[str, Any]] = {}

    async def run(self, body: ExperimentRequest) -> dict[str, Any]:
        lang = normalize_lang(body.lang)
        settings = body.model_dump(exclude={"lang"})
        key = tuple(settings.values())
        if key in self.done:
            return {**self.done[key], "cached": True}
        with self.lock:
            if self.running >= MAX_EXPERIMENTS:
                raise LabError(429, "experiment", lab_text("distill.errors.busy_expected", lang,
                                                           n=MAX_EXPERIMENTS),
                               lab_text("distill.errors.busy_got", lang), lab_text("distill.errors.busy_hint", lang))
            self.running += 1
        try:
            result = await asyncio.to_thread(run_experiment, **settings)
        except LossInputError as exc:
            raise DistillRefusal(exc, lang) from None
        finally:
            with self.lock:
                self.running -= 1
        if len(self.done) >= 64:
            self.done.pop(next(iter(self.done)))
        self.done[key] = result
        return {**result, "cached": False}


def install(app: FastAPI) -> Experiments:
    """Add the teacher-and-student endpoints to the lab's app (its request guard and body limit apply)."""
    experiments = Experiments()

    @app.post("/api/distill", tags=["distill"])
    def distill_scores(body: DistillRequest) -> dict[str, Any]:
        """Forward and reverse KL, JSD(β), TV, the gradient on the student's logits with and without T², the
        softened rows and the same call in PyTorch, Keras, optax and TRL. 422 (in ``lang``) for bad rows."""
        return score(body)

    @app.post("/api/distill/modes", tags=["distill"])
    async def distill_modes(body: ModesRequest) -> dict[str, Any]:
        """A one-peaked student fitted to a two-peaked teacher by forward KL (it covers both) and by reverse KL
        (it sits on one), with the Vega-Lite figure."""
        return await asyncio.to_thread(modes, body)

    @app.post("/api/distill/experiment", tags=["distill"])
    async def distill_run(body: ExperimentRequest) -> dict[str, Any]:
        """Teacher, student alone and distilled student on digits (1 to 5 s in a worker thread; 429 when
        :data:`MAX_EXPERIMENTS` are already running)."""
        return await experiments.run(body)

    return experiments
