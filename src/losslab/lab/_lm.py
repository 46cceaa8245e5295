"""The lab's next-token panel (issue 13): what a language model's loss is made of, position by position.

``POST /api/lm/tokens`` answers the per-token view of a text (:func:`losslab.lm.true_view` for the synthetic
corpora's true distribution, :func:`losslab.lm.token_view` for a fitted unigram / bigram or a trained MLP):
per position −ln p, p, 1/p, bits, the entropy, the top-k predictions and the gradient p − onehot on the logits.
``POST /api/lm/sample`` draws text with temperature, top-k and top-p (:func:`losslab.lm.sample`) and quotes the
training loss, which sampling settings never change; ``POST /api/lm/memory`` is :func:`losslab.lm.logits_memory`.
Live training is in :mod:`._lm_runs`. Every number is the library's; the page draws it.

Bad settings are answered 422 in the request's language (:class:`LMRefusal`), never 500.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Literal

import numpy as np
from fastapi import FastAPI, Query
from pydantic import Field

from .. import lm
from .._texts import normalize_lang
from ..errors import LossInputError
from . import _figures as F
from ._error_words import translate
from ._errors import LabError, WordedInputError
from ._limits import Limits
from ._lm_runs import LMJobs, LMRunRequest, fitted
from ._models import Lang, _Strict
from ._texts import lab_text

__all__ = ["MAX_SAMPLE_TOKENS", "MAX_TEXT_CHARS", "LMRefusal", "install", "sample_text", "token_rows"]

MAX_TEXT_CHARS = 2000
"""Longest text of the per-token view (about 2,000 character tokens: one answer stays well under 100 ms)."""
MAX_PROMPT_CHARS = 200
MAX_SAMPLE_TOKENS = 400
MAX_TOP = 20
SEED_TEXT = {"en": "The weather today is sunny", "ja": "今日はいい天気"}
"""The first screen: the synthetic corpus's seed example, whose last word has p = 0.6 and H = 0.9503."""
Corpus = Literal["ja-synthetic", "en-synthetic", "en-hamlet"]
Tokenizer = Literal["char", "byte", "bpe"]
Model = Literal["true", "unigram", "bigram", "mlp"]


class LMRefusal(LabError):
    """A 422 whose words (expected, hint, message) are in the request's language (``lab/texts`` ``[lm.errors]``)."""

    def __init__(self, lang: str, key: str, argument: str, got: str, **fmt: Any) -> None:
        words = {part: lab_text(f"lm.errors.{key}_{part}", lang, **fmt) for part in ("expected", "hint")}
        super().__init__(422, argument, words["expected"], got, words["hint"])
        message = lab_text("lm.errors.message", lang, argument=argument, expected=words["expected"], got=got,
                           hint=words["hint"])
        self.error = WordedInputError(self.error, message)


class ModelChoice(_Strict):
    """Which next-token distribution to read: the corpus's true one, a fitted count model, or a trained run."""

    corpus: Corpus = "ja-synthetic"
    tokenizer: Tokenizer = "char"
    model: Model = "true"
    run: str | None = Field(default=None, max_length=32, description="model 'mlp': the id of a finished LM run")
    lang: Lang = "en"


class TokensRequest(ModelChoice):
    text: str = Field(max_length=4 * MAX_TEXT_CHARS, description="the text read position by position")
    top: int = Field(default=5, ge=1, le=MAX_TOP)


class SampleRequest(ModelChoice):
    model: Model = "bigram"
    prompt: str = Field(default="", max_length=4 * MAX_PROMPT_CHARS)
    length: int = Field(default=60, ge=1, le=MAX_SAMPLE_TOKENS)
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


class MemoryRequest(_Strict):
    tokens: int = Field(default=8192, ge=1, le=10**9)
    vocab: int = Field(default=32000, ge=1, le=10**8)
    bytes_per: Literal[1, 2, 4, 8] = 4
    chunk: int = Field(default=1024, ge=1, le=10**9)
    lang: Lang = "en"


def _model(body: ModelChoice, jobs: LMJobs, lang: str) -> lm.LMRun:
    if body.model == "mlp":
        if body.run is None:
            raise LMRefusal(lang, "run", "run", "nothing")
        return jobs.finished(body.run, lang)
    return fitted(body.corpus, body.tokenizer, body.model)


def _check_text(text: str, limit: int, argument: str, lang: str) -> None:
    if len(text) > limit:
        raise LMRefusal(lang, "long", argument, f"{len(text)}", limit=limit)


def token_rows(body: TokensRequest, jobs: LMJobs) -> dict[str, Any]:
    """The per-token view of ``body.text`` with the mean loss, the mean entropy and the position shown first."""
    lang = normalize_lang(body.lang)
    _check_text(body.text, MAX_TEXT_CHARS, "text", lang)
    started = time.perf_counter()
    try:
        if body.model == "true":
            if not body.corpus.endswith("-synthetic"):
                raise LMRefusal(lang, "true", "model", repr(body.corpus))
            language = lm.synthetic_language(body.corpus.split("-", 1)[0])
            rows, prefix = lm.true_view(language, body.text, top=body.top), ""
            source = lm.texts.get("explain.source_true", lang, corpus=body.corpus)
        else:
            run = _model(body, jobs, lang)
            rows = lm.token_view(run.model, run.tokenizer, body.text, top=body.top)
            prefix = rows[0].context if rows else ""
            source = lm.texts.get("explain.source_model", lang, model=run.model.name, corpus=run.corpus,
                                  tokenizer=run.tokenizer.name)
    except LossInputError as exc:  # the library's own check of the text (a word outside the grammar, too short)
        # the library's English detail, in ``lang`` when [errors.patterns] knows it (issue 16), else left out
        raise LMRefusal(lang, "text", "text", exc.got, detail=translate(exc.expected, lang) or "…") from None
    if not rows:
        raise LMRefusal(lang, "text", "text", repr(body.text), detail="…")
    losses = [r.loss for r in rows]
    mean = math.fsum(losses) / len(rows)
    entropy = math.fsum(r.entropy for r in rows) / len(rows)
    return {"source": "true" if body.model == "true" else "model", "source_text": source, "prefix": prefix,
            "tokens": [{"index": i, **r.to_dict()} for i, r in enumerate(rows)], "focus": len(rows) - 1,
            "mean": {"loss": mean, "bits": lm.bits(mean), "perplexity": lm.perplexity(mean), "entropy": entropy},
            "seconds": time.perf_counter() - started}


def _settings(body: SampleRequest, lang: str) -> None:
    """Refuse bad sampling settings in the request's language, with the library's own rules (filter_probs)."""
    try:
        lm.filter_probs(np.zeros(1), body.temperature, body.top_k, body.top_p)
    except LossInputError as exc:
        key = exc.argument if exc.argument in ("temperature", "top_k", "top_p") else "sampling"
        raise LMRefusal(lang, key, exc.argument, exc.got) from None


def sample_text(body: SampleRequest, jobs: LMJobs) -> dict[str, Any]:
    """Text drawn from the model, the next-token distribution after the prompt at T = 1 and as sampled, and the
    training loss (validation loss at T = 1), which is the same whatever the sampling settings."""
    lang = normalize_lang(body.lang)
    _settings(body, lang)
    _check_text(body.prompt, MAX_PROMPT_CHARS, "prompt", lang)
    if body.model == "true":
        raise LMRefusal(lang, "sample_true", "model", "'true'")
    run = _model(body, jobs, lang)
    text = lm.sample(run.model, run.tokenizer, body.prompt, body.length, temperature=body.temperature,
                     top_k=body.top_k, top_p=body.top_p, seed=body.seed)
    ids = run.tokenizer.encode(body.prompt)
    k = run.model.context_size
    context = ([run.model.pad] * k + ids.tolist())[ids.size:] if k else []
    z = run.model.logits(np.array([context], dtype=np.int64).reshape(1, k))[0]
    model_p = lm.filter_probs(z)  # T = 1, every token: the distribution the loss is taken on
    sampled = lm.filter_probs(z, body.temperature, body.top_k, body.top_p)
    order = np.argsort(-model_p, kind="stable")[:10]
    loss = run.history["val_loss"][-1]
    return {"text": text, "prompt": body.prompt, "training_loss": loss, "training_bits": lm.bits(loss),
            "note": lm.texts.get("sample.note", lang, loss=f"{loss:.4f}"),
            "next": [{"token": run.tokenizer.token_text(int(j)), "model": float(model_p[j]),
                      "sampled": float(sampled[j])} for j in order],
            "settings": {"temperature": body.temperature, "top_k": body.top_k, "top_p": body.top_p,
                         "length": body.length, "seed": body.seed}}


def memory(body: MemoryRequest) -> dict[str, Any]:
    full = lm.logits_memory(body.tokens, body.vocab, body.bytes_per)
    chunk = lm.logits_memory(min(body.chunk, body.tokens), body.vocab, body.bytes_per)
    return {"bytes": full, "chunk_bytes": chunk, "ratio": full / chunk, "tokens": body.tokens, "vocab": body.vocab,
            "bytes_per": body.bytes_per, "chunk": body.chunk}


def curves_figure(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """:func:`losslab.figures.lm_curves` as a spec, with the legend names the page gives the rows it appends."""
    figures = F._figures()
    from ..figures._text import fig_text  # the figures are optional: imported once they are known to be there

    with F._lock:
        chart = figures.lm_curves(data, lang=lang)
    spec = F._spec(chart)
    series = {row["kind"]: row["series"] for row in spec["datasets"]["curves"]}
    series = {kind: series.get(kind) or fig_text(f"lm.{kind}", lang) for kind in ("train", "val")}
    return {"figure": "lm_curves", "spec": spec, "series": series}


def options(lang: str, limits: Limits) -> dict[str, Any]:
    """What the panel offers: corpora, tokenizers, models, presets, the seed example and the bounds."""
    return {"corpora": list(lm.CORPORA), "tokenizers": list(lm.TOKENIZERS), "models": ["true", *lm.MODELS],
            "seed_text": SEED_TEXT, "presets": lm.MEMORY_PRESETS,
            "bounds": {"text_chars": MAX_TEXT_CHARS, "prompt_chars": MAX_PROMPT_CHARS,
                       "sample_tokens": MAX_SAMPLE_TOKENS, "top": MAX_TOP, **LMRunRequest.bounds(),
                       "runs_per_client": limits.max_runs_per_client, "run_seconds": limits.max_run_seconds},
            "lang": lang}


def install(app: FastAPI, limits: Limits) -> LMJobs:
    """Add the next-token endpoints to the lab's app (its request guard and body limit apply to them)."""
    jobs = LMJobs(limits)

    @app.get("/api/lm", tags=["lm"])
    def lm_options(lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """The next-token panel's choices (corpora, tokenizers, models, memory presets) and bounds."""
        return options(normalize_lang(lang), limits)

    @app.post("/api/lm/tokens", tags=["lm"])
    def lm_tokens(body: TokensRequest) -> dict[str, Any]:
        """Per position of ``text``: −ln p of the actual next token, p, 1/p, bits, the entropy (the best possible
        average there), the top predictions and the gradient p − onehot on the logits."""
        return token_rows(body, jobs)

    @app.post("/api/lm/sample", tags=["lm"])
    def lm_sample(body: SampleRequest) -> dict[str, Any]:
        """Text sampled with temperature, top-k and top-p; the training loss quoted is taken at T = 1 and does
        not depend on them. 422 (in ``lang``) for temperature ≤ 0, top-p outside (0, 1] or top-k < 1."""
        return sample_text(body, jobs)

    @app.post("/api/lm/memory", tags=["lm"])
    def lm_memory(body: MemoryRequest) -> dict[str, Any]:
        """Bytes of the full N × V logits (``losslab.lm.logits_memory``) and of one chunk of ``chunk`` rows."""
        return memory(body)

    @app.get("/api/lm/runs/{run_id}/figure", tags=["lm"])
    async def lm_run_figure(run_id: str, lang: str = Query("en", max_length=16)) -> dict[str, Any]:
        """The run's training curves with their reference lines (``losslab.figures.lm_curves``) as a Vega-Lite
        spec; the page appends the new steps to its ``curves`` dataset as they come."""
        data = jobs.get(run_id).curves()
        return await asyncio.to_thread(curves_figure, data, normalize_lang(lang))

    jobs.install(app)
    return jobs
