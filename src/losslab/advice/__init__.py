"""Choosing a loss for your own data: analysis, a ranked recommendation with reasons, and the evidence.

>>> import numpy as np
>>> from losslab.advice import recommend
>>> rng = np.random.default_rng(0)
>>> x = rng.uniform(-2, 2, 300)
>>> y = 3 * x + 1 + rng.normal(0, 0.5, 300)
>>> y[:30] += rng.uniform(8, 15, 30)           # 10% of the rows are outliers
>>> advice = recommend(x[:, None], target=y)
>>> advice.first.label
'huber, delta=0.775'
>>> advice.loss()
losslab.get('huber', delta=0.775)

``recommend`` reads a DataFrame, a CSV/Parquet path (``target="column"``), or arrays; it measures the target (task,
label format, class balance, outliers by robust z-scores, skew and tails, scale), ranks the catalog losses that fit,
derives their parameters from the data, and says why, with the pitfalls of the others computed on the same data.
``evidence=True`` trains the candidates with :mod:`losslab.training` under k-fold cross-validation and reports
them side by side, overturning the rules when the numbers say so. See ``docs/advice.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._analysis import TASK_HINTS, Analysis, Question, analyze
from ._data import read_input
from ._result import SCHEMA_VERSION, Recommendation
from ._rules import OUTPUTS, PRIORITIES, Candidate, Hints, rank
from ._texts import Note, normalize_lang

__all__ = [
    "OUTPUTS",
    "PRIORITIES",
    "SCHEMA_VERSION",
    "TASK_HINTS",
    "Analysis",
    "Candidate",
    "Hints",
    "Note",
    "Question",
    "Recommendation",
    "recommend",
]


def recommend(
    data: Any,
    target: Any = None,
    *,
    features: Sequence[str] | None = None,
    task: str | None = None,
    output: str | None = None,
    priority: str | None = None,
    cost_ratio: float | None = None,
    quantile: float | None = None,
    errors: str | None = None,
    positive: Any = None,
    evidence: bool = False,
    folds: int = 5,
    epochs: int | None = None,
    model: str = "linear",
    max_rows: int | None = 5000,
    seed: int = 0,
    also: Sequence[Any] = (),
    lang: str | None = "en",
) -> Recommendation:
    """Which loss to use for ``data``, why, and (with ``evidence=True``) how the candidates actually do.

    Parameters
    ----------
    data : DataFrame, mapping, path, tuple or array
        A pandas DataFrame or a mapping of columns (``target`` names the target column, or a list of columns for
        one-hot / multi-label targets); a path to a ``.csv``, ``.tsv`` or ``.parquet`` file (same); a tuple
        ``(X, y)``; an array ``X`` with ``target=y``; or the targets alone (no features: no evidence).
    target : str, list of str or array
        The target column(s), or the target values when ``data`` is ``X``.
    features : list of str, optional
        The feature columns (default: every other column; text columns with 2–30 values are one-hot encoded).
    task : {"regression", "counts", "classification", "binary", "multiclass", "multilabel"}, optional
        Say what the target is when the data cannot tell (the advice asks through this option).
    output : {"logits", "probabilities"}, optional
        What your model outputs: raw scores or probabilities (sets ``from_logits``). Assumed ``"logits"``.
    priority : {"recall", "precision", "balanced"}, optional
        For classification: catch every rare case, raise few false alarms, or balance both (default).
    cost_ratio : float, optional
        For regression: how many times more an under-prediction costs than an over-prediction of the same size;
        gives the quantile loss with ``q = r / (1 + r)``.
    quantile : float, optional
        For regression: the quantile to predict, instead of ``cost_ratio``.
    errors : {"absolute", "relative"}, optional
        For regression: whether errors matter in the target's units or relative to its size.
    positive : optional
        For binary targets with labels other than 0/1 and ±1: which label is the positive class.
    evidence : bool
        Train every ranked candidate with k-fold cross-validation and compare them (takes seconds to minutes).
    folds, epochs, model, max_rows, seed
        The evidence run: number of folds, epochs per fit (default by data size), the model (``"linear"`` or
        ``"mlp"``), the most rows used (a random sample beyond that; None for all), and the seed.
    also : sequence of str or Loss
        More losses for the evidence to train beside the candidates on the same folds: names or
        :class:`~losslab.Loss` objects, your own formula losses (``losslab.custom``) included.
    lang : {"en", "ja"}
        The default language of the texts (every view also takes ``lang``).

    Returns
    -------
    Recommendation
        ``.first`` (the rule-based first choice), ``.ranked``, ``.avoid``, ``.analysis``, ``.questions``,
        ``.evidence``, ``.choice`` and ``.loss()`` (the chosen loss), ``to_dict()`` / ``to_json()`` /
        ``to_text()``; printable with Rich.

    Raises
    ------
    LossInputError
        For data it cannot read or hints it does not understand (one line: argument, expected, got, hint).
    """
    lang = normalize_lang(lang)
    hints = Hints(task=task, output=output, priority=priority, cost_ratio=cost_ratio, quantile=quantile,
                  errors=errors, positive=positive)
    table = read_input(data, target, features)
    analysis = analyze(table, task=task, positive=positive)
    ranked, avoid, notes = rank(analysis, hints)
    result = Recommendation(analysis=analysis, ranked=ranked, avoid=avoid, notes=notes, hints=hints, lang=lang,
                            source=table.source)
    if evidence:
        from ._evidence import run_evidence

        result.evidence = run_evidence(result, folds=folds, epochs=epochs, model=model, max_rows=max_rows, seed=seed,
                                       also=also)
    return result
