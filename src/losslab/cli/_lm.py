"""`losslab lm ...`: next-token prediction (issue 13) from the command line.

``train`` fits a unigram, bigram or MLP model on a corpus and prints its losses beside the reference lines,
``explain`` shows a text token by token (the loss, p, 1/p, bits, the top predictions and the gradient on the
logits; on a synthetic corpus with the exact true distribution), ``sample`` draws text with temperature, top-k and
top-p, and ``memory`` gives the size of the full logits. The words come from ``lm/texts/{en,ja}.toml``; errors are
one line and exit code 2; ``--json`` prints the data.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from .._texts import normalize_lang
from ..errors import LossInputError
from ..lm import (
    MEMORY_PRESETS,
    LMRun,
    TokenRow,
    filter_probs,
    logits_memory,
    perplexity,
    sample,
    synthetic_language,
    token_view,
    train,
    true_view,
)
from ..lm import texts as T
from ..training import TrainingError
from ._app import JsonOpt, LangOpt, _out, _print_json, friendly
from ._inputs import UsageError, detect_lang

__all__ = ["register"]

F = TypeVar("F", bound=Callable[..., Any])

lm_app = typer.Typer(
    name="lm",
    help="Next-token prediction: train unigram, bigram and MLP language models on a synthetic corpus with a known "
    "entropy floor (en, ja), an excerpt of Hamlet or your own text; read a text token by token; sample; and size "
    "the logits.\n\nTry: losslab lm explain 今日はいい天気 --lang ja",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

CorpusOpt = Annotated[str | None, typer.Option("--corpus", help="ja-synthetic | en-synthetic | en-hamlet | a UTF-8 "
                                               "text file (default: the synthetic corpus of --lang).")]
TokenizerOpt = Annotated[str, typer.Option("--tokenizer", help="char | byte | bpe")]
StepsOpt = Annotated[int, typer.Option("--steps", help="Training steps of the MLP (mini-batches).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the corpus, the initialisation and the batches.")]
ContextOpt = Annotated[int, typer.Option("--context", help="Tokens of context of the MLP.")]
VocabOpt = Annotated[int, typer.Option("--vocab-size", help="BPE vocabulary (256 bytes + merges).")]

_RENAMED = {"n_tokens": "--tokens", "bytes_per": "--bytes", "text": "TEXT"}
"""Library arguments whose option is not ``--`` + the argument with dashes (``top_k`` is ``--top-k``)."""


def _cli_errors(fn: F) -> F:
    """The library's refusals in the command line's words (the option instead of the argument), one line."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LossInputError as exc:
            option = _RENAMED.get(exc.argument, "--" + exc.argument.replace("_", "-"))
            hint = f". Hint: {exc.hint}" if exc.hint else ""
            raise UsageError(f"{option}: expected {exc.expected}, got {exc.got}{hint}") from None
        except TrainingError as exc:
            raise UsageError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _lang(lang: str | None) -> str:
    return normalize_lang(detect_lang(lang))


def _positive(value: int, option: str) -> int:
    if value < 1:
        raise UsageError(f"{option} must be an integer ≥ 1, not {value}")
    return value


def _train(corpus: str | None, language: str, **kwargs: Any) -> LMRun:
    return train(corpus or f"{language}-synthetic", **kwargs)


def register(app: typer.Typer) -> None:
    """Add the `lm` command group to the `losslab` app."""
    app.add_typer(lm_app, name="lm")


# --------------------------------------------------------------------------------------------------------- train
def _show_run(run: LMRun, language: str) -> None:
    w = T.section("train", language)
    out = _out()
    title = w["title"].format(model=run.model.name, corpus=run.corpus, tokenizer=run.tokenizer.name,
                              vocab=run.tokenizer.vocab_size)
    out.print(f"[bold]{escape(title)}[/]")
    h = run.history
    table = Table(header_style="bold")
    for key in ("step", "train_loss", "val_loss"):
        table.add_column(w[key], justify="right")
    train_at = dict(zip(h["step"], h["train_loss"], strict=True))
    for step, val in zip(h["val_step"], h["val_loss"], strict=True):
        tr = train_at.get(step)
        table.add_row(str(step), "" if tr is None else f"{tr:.4f}", f"{val:.4f}")
    out.print(table)
    v = run.val
    out.print(w["final"].format(loss=f"{v.nats_per_token:.4f}", ppl=f"{v.perplexity:.3f}"), markup=False)
    out.print(w["units"].format(bpt=f"{v.bits_per_token:.4f}", bpc=f"{v.bits_per_char:.4f}",
                                bpb=f"{v.bits_per_byte:.4f}"), markup=False)
    refs = Table(title=w["references"], header_style="bold")
    refs.add_column("")
    refs.add_column(w["nats"], justify="right")
    for key, label in (("ln_v", "ln_v"), ("unigram_entropy", "unigram"), ("bigram_val_loss", "bigram"),
                       ("true_nats_per_token", "true")):
        value = run.references[key]
        if value is not None:
            refs.add_row(w[label], f"{value:.4f}")
    out.print(refs)
    bpc = run.references["true_bits_per_char"]
    if bpc is not None:
        out.print(w["true_bpc"].format(bpc=f"{bpc:.4f}"), markup=False)
    if run.init is not None:
        out.print(run.init.message(language), markup=False)
        below = v.nats_per_token < (run.references["bigram_val_loss"] or math.inf)
        out.print(w["below_bigram" if below else "above_bigram"], markup=False)
    out.print(w["seconds"].format(seconds=f"{run.seconds:.2f}"), markup=False)


@lm_app.command("train")
@friendly
@_cli_errors
def train_command(
    corpus: CorpusOpt = None,
    tokenizer: TokenizerOpt = "char",
    model: Annotated[str, typer.Option("--model", help="unigram | bigram | mlp")] = "bigram",
    steps: StepsOpt = 1000,
    seed: SeedOpt = 0,
    context: ContextOpt = 4,
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden units of the MLP.")] = 128,
    batch: Annotated[int, typer.Option("--batch", help="Mini-batch size of the MLP.")] = 64,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = 0.01,
    optimizer: Annotated[str, typer.Option("--optimizer", help="adam | sgd | momentum")] = "adam",
    alpha: Annotated[float, typer.Option("--alpha", help="Add-α smoothing of the count models.")] = 0.1,
    vocab_size: VocabOpt = 512,
    init_scale: Annotated[float, typer.Option("--init-scale", help="Scale of the MLP's output weights at the start "
                                              "(0.01: first loss ≈ ln V; try 3 to see a bad start).")] = 0.01,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a next-token model; print train and validation losses, bits and the reference lines."""
    language = _lang(lang)
    for value, option in ((steps, "--steps"), (context, "--context"), (hidden, "--hidden"), (batch, "--batch")):
        _positive(value, option)
    run = _train(corpus, language, tokenizer=tokenizer, model=model, steps=steps, seed=seed, context=context,
                 hidden=hidden, batch=batch, lr=lr, optimizer=optimizer, alpha=alpha, vocab_size=vocab_size,
                 output_scale=init_scale)
    if as_json:
        _print_json({"lang": language, **run.to_dict(language)})
        return
    _show_run(run, language)


# ------------------------------------------------------------------------------------------------------- explain
def _bar(p: float, width: int = 10) -> str:
    return "█" * round(p * width)


def _rows_table(rows: list[TokenRow], w: dict[str, str], top: int) -> Table:
    """One row per position; the last column holds the top predictions as bars, each with its gradient entry."""
    table = Table(header_style="bold")
    for key in ("position", "token", "loss", "prob", "inv_p", "bits", "entropy"):
        table.add_column(w[key], justify="left" if key == "token" else "right")
    table.add_column(w["top"].format(k=top) + "  (" + w["grad"] + ")")
    for i, r in enumerate(rows, 1):
        d = r.to_dict()
        grad = dict(r.grad)
        shown = [*r.top, *[(t, r.p) for t, _ in r.grad if t not in dict(r.top)]]
        bars = "\n".join(f"{escape(repr(t))} {_bar(p)} {p:.3f} ({grad[t]:+.3f})" for t, p in shown)
        table.add_row(str(i), escape(repr(r.token)), f"{d['loss']:.4f}", f"{r.p:.3f}", f"{d['inv_p']:.3f}",
                      f"{d['bits']:.4f}", f"{r.entropy:.4f}", bars)
    return table


@lm_app.command("explain")
@friendly
@_cli_errors
def explain_command(
    text: Annotated[str, typer.Argument(help="The text to read token by token, e.g. 今日はいい天気.")],
    corpus: CorpusOpt = None,
    model: Annotated[str, typer.Option("--model", help="true (the exact distribution of a synthetic corpus) | "
                                       "unigram | bigram | mlp (default: true on a synthetic corpus, else "
                                       "bigram)")] = "",
    tokenizer: TokenizerOpt = "char",
    steps: StepsOpt = 1000,
    seed: SeedOpt = 0,
    context: ContextOpt = 4,
    top: Annotated[int, typer.Option("--top", help="Predictions shown per position.")] = 5,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Each token of TEXT: −ln p, p, 1/p, bits, the entropy, the top predictions and the gradient on the logits."""
    language = _lang(lang)
    _positive(top, "--top")
    name = corpus or f"{language}-synthetic"
    chosen = model or ("true" if name.endswith("-synthetic") else "bigram")
    w = T.section("explain", language)
    if chosen == "true":
        if not name.endswith("-synthetic"):
            raise UsageError(f"--model true needs a synthetic corpus (ja-synthetic, en-synthetic), not {name!r}")
        rows = true_view(synthetic_language(name.split("-")[0]), text, top)
        source = w["source_true"].format(corpus=name)
    else:
        run = train(name, tokenizer=tokenizer, model=chosen, steps=steps, seed=seed, context=context)
        rows = token_view(run.model, run.tokenizer, text, top)
        source = w["source_model"].format(model=chosen, corpus=name, tokenizer=tokenizer)
    mean = math.fsum(r.loss for r in rows) / len(rows)
    mean_h = math.fsum(r.entropy for r in rows) / len(rows)
    summary = {"loss": mean, "bits": mean / math.log(2), "perplexity": perplexity(mean), "entropy": mean_h}
    if as_json:
        _print_json({"text": text, "lang": language, "corpus": name, "model": chosen, "source": source,
                     "rows": [r.to_dict() for r in rows], "mean": summary})
        return
    out = _out()
    out.print(f"[bold]{escape(w['title'].format(text=text))}[/]")
    out.print(source, markup=False)
    out.print(_rows_table(rows, w, top))
    out.print(w["mean"].format(loss=f"{mean:.4f}", bits=f"{summary['bits']:.4f}", ppl=f"{perplexity(mean):.3f}",
                               entropy=f"{mean_h:.4f}"), markup=False)
    last = rows[-1].to_dict()
    out.print(w["row_note"].format(context=rows[-1].context, p=f"{rows[-1].p:.4g}", loss=f"{last['loss']:.4f}",
                                   bits=f"{last['bits']:.4f}", inv_p=f"{last['inv_p']:.3f}",
                                   entropy=f"{last['entropy']:.4f}"), markup=False)


# -------------------------------------------------------------------------------------------------------- sample
@lm_app.command("sample")
@friendly
@_cli_errors
def sample_command(
    corpus: CorpusOpt = None,
    model: Annotated[str, typer.Option("--model", help="unigram | bigram | mlp")] = "bigram",
    tokenizer: TokenizerOpt = "char",
    steps: StepsOpt = 1000,
    seed: SeedOpt = 0,
    context: ContextOpt = 4,
    prompt: Annotated[str, typer.Option("--prompt", help="Text to continue (default: none).")] = "",
    length: Annotated[int, typer.Option("--length", help="Tokens to draw.")] = 120,
    temperature: Annotated[float, typer.Option("--temperature", "-T", help="T > 0: softmax(logits / T).")] = 1.0,
    top_k: Annotated[int | None, typer.Option("--top-k", help="Keep the k most likely tokens (k ≥ 1).")] = None,
    top_p: Annotated[float | None, typer.Option("--top-p", help="Keep the smallest set with probability ≥ p, p in "
                                                "(0, 1].")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Draw text from a trained model with temperature, top-k and top-p."""
    language = _lang(lang)
    _positive(length, "--length")
    filter_probs(np.zeros(1), temperature, top_k, top_p)  # refuse bad settings before training
    run = _train(corpus, language, tokenizer=tokenizer, model=model, steps=steps, seed=seed, context=context)
    drawn = sample(run.model, run.tokenizer, prompt, length, temperature=temperature, top_k=top_k, top_p=top_p,
                   seed=seed)
    w = T.section("sample", language)
    note = w["note"].format(loss=f"{run.val.nats_per_token:.4f}")
    if as_json:
        _print_json({"lang": language, "corpus": run.corpus, "model": model, "tokenizer": tokenizer,
                     "prompt": prompt, "text": drawn, "temperature": temperature, "top_k": top_k, "top_p": top_p,
                     "seed": seed, "val_loss": run.val.nats_per_token, "note": note})
        return
    out = _out()
    out.print(f"[bold]{escape(w['title'].format(t=f'{temperature:g}', k=top_k or '-', p=top_p or '-'))}[/]")
    out.print(prompt + drawn, markup=False)
    out.print(note, markup=False)


# -------------------------------------------------------------------------------------------------------- memory
def _size(n: int, language: str) -> str:
    u = T.section("units", language)
    for key, scale in (("gib", 2**30), ("mib", 2**20), ("kib", 2**10)):
        if n >= scale:
            shown = str(u[key].format(x=f"{n / scale:.2f}"))
            # papers and blogs quote decimal GB: both, so 16.8 GB can be found in 15.62 GiB
            return f"{shown} ({n / 1e9:.2f} GB)" if n >= 10**9 else shown
    return str(u["b"].format(x=n))


@lm_app.command("memory")
@friendly
@_cli_errors
def memory_command(
    tokens: Annotated[int | None, typer.Option("--tokens", help="Tokens N in one step (batch × length).")] = None,
    vocab: Annotated[int | None, typer.Option("--vocab", help="Vocabulary size V.")] = None,
    n_bytes: Annotated[int, typer.Option("--bytes", help="Bytes per logit: 4 float32, 2 bfloat16.")] = 4,
    preset: Annotated[str | None, typer.Option("--preset", help="A published model: "
                                               + ", ".join(MEMORY_PRESETS) + " (V and its context length).")] = None,
    chunk: Annotated[int, typer.Option("--chunk", help="Rows per chunk of chunked cross-entropy.")] = 1024,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Bytes of the full N × V logits, and of one chunk of chunked cross-entropy."""
    language = _lang(lang)
    info = None
    if preset is not None:
        if preset not in MEMORY_PRESETS:
            raise UsageError(f"--preset must be one of {', '.join(MEMORY_PRESETS)}, not {preset!r}")
        info = MEMORY_PRESETS[preset]
        vocab = vocab or info["vocab"]
        tokens = tokens or info["context"]
        n_bytes = info.get("bytes", n_bytes) if n_bytes == 4 else n_bytes  # the preset's precision unless asked
    if tokens is None or vocab is None:
        raise UsageError("give --tokens and --vocab, or --preset")
    full = logits_memory(tokens, vocab, n_bytes)
    chunked = logits_memory(min(_positive(chunk, "--chunk"), tokens), vocab, n_bytes)
    if as_json:
        _print_json({"tokens": tokens, "vocab": vocab, "bytes_per": n_bytes, "bytes": full, "chunk": chunk,
                     "chunk_bytes": chunked, "preset": preset, "source": info["source"] if info else None})
        return
    w = T.section("memory", language)
    out = _out()
    out.print(f"[bold]{escape(w['title'])}[/]")
    if info is not None:
        out.print(w["preset"].format(name=preset, vocab=info["vocab"], context=info["context"],
                                     source=info["source"]), markup=False)
    out.print(w["line"].format(tokens=f"{tokens:,}", vocab=f"{vocab:,}", bytes=n_bytes, size=_size(full, language)),
              markup=False)
    out.print(w["chunk"].format(chunk=f"{min(chunk, tokens):,}", size=_size(chunked, language)), markup=False)
