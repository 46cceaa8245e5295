"""`losslab recommend FILE --target COL`: which loss to use for the data in a file, why, and the evidence.

The command is a thin layer over :func:`losslab.advice.recommend`; every word it prints comes from the advice's
texts (en/ja). Errors are one line on stderr with exit code 2 (see docs/advice.md for the JSON layout).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import JsonOpt, LangOpt, _err, _print_json, friendly
from ._inputs import UsageError, detect_lang


def _choice(value: str | None, option: str, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    key = value.strip().lower()
    if key not in allowed:
        raise UsageError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")
    return key


def register(app: typer.Typer) -> None:
    """Add the `recommend` command to the `losslab` app."""

    @app.command("recommend")
    @friendly
    def recommend_command(
        file: Annotated[str, typer.Argument(help="A CSV, TSV or Parquet file with a header row.")],
        target: Annotated[str, typer.Option("--target", "-t", help="The target column (several, comma-separated, "
                                            "for one-hot or multi-label targets).")],
        output: Annotated[str | None, typer.Option("--output", help="What your model outputs: logits (raw "
                                                   "scores) or probabilities.")] = None,
        priority: Annotated[str | None, typer.Option("--priority", help="Classification: recall, precision or "
                                                     "balanced.")] = None,
        task: Annotated[str | None, typer.Option("--task", help="regression, counts, classification, binary, "
                                                 "multiclass or multilabel, when the data cannot tell.")] = None,
        features: Annotated[str | None, typer.Option("--features", help="Feature columns, comma-separated "
                                                     "(default: all others).")] = None,
        cost_ratio: Annotated[float | None, typer.Option("--cost-ratio", help="Regression: cost of an "
                                                         "under-prediction / cost of an over-prediction.")] = None,
        quantile: Annotated[float | None, typer.Option("--quantile", help="Regression: the quantile to "
                                                       "predict (0-1).")] = None,
        errors: Annotated[str | None, typer.Option("--errors", help="Regression: absolute or relative.")] = None,
        positive: Annotated[str | None, typer.Option("--positive", help="Binary: the label of the positive "
                                                     "class.")] = None,
        evidence: Annotated[bool, typer.Option("--evidence", help="Cross-validate the candidates with the "
                                               "trainer and compare them.")] = False,
        folds: Annotated[int, typer.Option("--folds", help="Folds of the evidence run.")] = 5,
        epochs: Annotated[int | None, typer.Option("--epochs", help="Epochs per fit of the evidence run "
                                                   "(default: by data size).")] = None,
        model: Annotated[str, typer.Option("--model", help="Model of the evidence run: linear or mlp.")] = "linear",
        max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows the evidence run uses (0: all).")]
        = 5000,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the folds and the initial weights.")] = 0,
        figure: Annotated[str | None, typer.Option("--figure", help="Save the evidence figure (png, svg, html, "
                                                   "json) when the figures are installed.")] = None,
        lang: LangOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Recommend a loss for the data in FILE: analysis, ranked losses with reasons, and optional evidence."""
        from ..advice import OUTPUTS, PRIORITIES, recommend
        from ..advice._texts import normalize_lang, say

        language = normalize_lang(detect_lang(lang))
        targets = [t.strip() for t in target.split(",") if t.strip()]
        if not targets:
            raise UsageError("--target names no column")
        if folds < 2:
            raise UsageError(f"--folds must be at least 2, not {folds}")
        if model not in ("linear", "mlp"):
            raise UsageError(f"--model must be linear or mlp, not {model!r}")
        if figure and not evidence:
            raise UsageError("--figure draws the evidence: add --evidence")
        feature_list = [f.strip() for f in features.split(",") if f.strip()] if features else None
        show_status = evidence and not as_json and _err().is_terminal
        kwargs = dict(
            features=feature_list, task=_choice(task, "--task", ("regression", "counts", "classification", "binary",
                                                                 "multiclass", "multilabel")),
            output=_choice(output, "--output", OUTPUTS), priority=_choice(priority, "--priority", PRIORITIES),
            cost_ratio=cost_ratio, quantile=quantile, errors=_choice(errors, "--errors", ("absolute", "relative")),
            positive=positive, evidence=evidence, folds=folds, epochs=epochs, model=model,
            max_rows=max_rows or None, seed=seed, lang=language,
        )
        the_target = targets[0] if len(targets) == 1 else targets
        if show_status:
            with _err().status("…"):
                result = recommend(file, the_target, **kwargs)  # type: ignore[arg-type]
        else:
            result = recommend(file, the_target, **kwargs)  # type: ignore[arg-type]
        saved = None
        if figure:
            chart = result.evidence.figure if result.evidence is not None else None
            if chart is not None:
                from ..figures import save

                save(chart, figure)
                saved = figure
        if as_json:
            data = result.to_dict(language)
            data["figure_path"] = saved
            _print_json(data)
            return
        from rich.console import Console

        out = Console(highlight=False)  # panels wrap their text (the shared console does not wrap)
        out.print(result.rich(language))
        if saved:
            out.print(say("ui.figure_saved", language, path=saved), markup=False)
