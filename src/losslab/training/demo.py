"""Loss is not accuracy: two classifiers with the same accuracy and very different log loss.

Accuracy only asks "which side of 1/2 is the probability?"; log loss asks "how much probability went to the truth?".
:func:`loss_vs_accuracy` builds two classifiers' predicted probabilities for the same examples, right on exactly the
same examples — so their accuracy is identical — but with opposite habits:

- **A** is confident when right (p(true) 0.85–0.98) and only mildly wrong when wrong (p(true) 0.35–0.49);
- **B** is barely right when right (p(true) 0.51–0.62) and confidently wrong when wrong (p(true) 0.01–0.05).

>>> from losslab.training import loss_vs_accuracy
>>> demo = loss_vs_accuracy(seed=0)
>>> demo.accuracy_a == demo.accuracy_b
True
>>> demo.log_loss_b > 3 * demo.log_loss_a
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..losses import get
from . import texts as T
from ._common import TrainingError, jsonable

__all__ = ["LossVsAccuracy", "loss_vs_accuracy"]


@dataclass(frozen=True, eq=False)
class LossVsAccuracy:
    """The demonstration's data and numbers.

    Attributes
    ----------
    y : ndarray of int, shape (n,)
        True classes, 0 or 1.
    proba_a, proba_b : ndarray of shape (n,)
        Each classifier's probability of class 1.
    correct : ndarray of bool
        Where both classifiers are right (the same examples for both).
    accuracy_a, accuracy_b : float
        Equal by construction.
    log_loss_a, log_loss_b : float
        Binary cross-entropy (``losslab.get("binary_cross_entropy")``) of each classifier.
    """

    y: np.ndarray
    proba_a: np.ndarray
    proba_b: np.ndarray
    correct: np.ndarray
    accuracy_a: float
    accuracy_b: float
    log_loss_a: float
    log_loss_b: float
    seed: int

    def groups(self) -> dict[str, dict[str, float]]:
        """Mean p(true class) and mean loss of each classifier on the right and on the wrong examples."""
        bce = get("binary_cross_entropy")
        out: dict[str, dict[str, float]] = {}
        for name, p in (("a", self.proba_a), ("b", self.proba_b)):
            p_true = np.where(self.y == 1, p, 1.0 - p)
            losses = np.asarray(bce(p, self.y.astype(float), reduction="none"))
            for part, mask in (("right", self.correct), ("wrong", ~self.correct)):
                out[f"{name}_{part}"] = {"p_true": float(p_true[mask].mean()), "loss": float(losses[mask].mean()),
                                         "n": int(mask.sum())}
        return out

    def explain(self, lang: str | None = "en") -> str:
        """The lesson in words, with the numbers, in ``lang``."""
        g = self.groups()
        return T.get("demo.explanation", lang, accuracy=100 * self.accuracy_a, loss_a=self.log_loss_a,
                     loss_b=self.log_loss_b, a_right=g["a_right"]["p_true"], a_wrong=g["a_wrong"]["p_true"],
                     b_right=g["b_right"]["p_true"], b_wrong=g["b_wrong"]["p_true"],
                     b_wrong_loss=g["b_wrong"]["loss"], a_wrong_loss=g["a_wrong"]["loss"])

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seed": self.seed, "n": len(self.y), "y": self.y, "proba_a": self.proba_a, "proba_b": self.proba_b,
            "correct": self.correct, "accuracy_a": self.accuracy_a, "accuracy_b": self.accuracy_b,
            "log_loss_a": self.log_loss_a, "log_loss_b": self.log_loss_b, "groups": self.groups(),
        }
        if lang is not None:
            out["text"] = {"title": T.get("demo.title", lang), "a": T.get("demo.a", lang),
                           "b": T.get("demo.b", lang), "explanation": self.explain(lang)}
        return jsonable(out)


def loss_vs_accuracy(n: int = 200, accuracy: float = 0.85, *, seed: int = 0) -> LossVsAccuracy:
    """Two classifiers, right on exactly the same examples, with very different log loss.

    Parameters
    ----------
    n : int
        Number of examples (half of each class).
    accuracy : float
        The accuracy both classifiers share, in (0.5, 1).
    seed : int
        The same seed gives the same examples and probabilities.
    """
    if not isinstance(n, int) or n < 10:
        raise TrainingError(f"n must be an integer >= 10, not {n!r}")
    if not 0.5 < accuracy < 1.0:
        raise TrainingError(f"accuracy must be between 0.5 and 1 (exclusive), not {accuracy!r}")
    rng = np.random.default_rng([int(seed), 4])
    y = rng.permutation(np.arange(n) % 2)
    correct = np.zeros(n, dtype=bool)
    correct[rng.choice(n, size=round(accuracy * n), replace=False)] = True
    n_right, n_wrong = int(correct.sum()), int((~correct).sum())
    p_true_a, p_true_b = np.empty(n), np.empty(n)
    p_true_a[correct] = rng.uniform(0.85, 0.98, n_right)  # A: confident when right ...
    p_true_a[~correct] = rng.uniform(0.35, 0.49, n_wrong)  # ... and only mildly wrong when wrong
    p_true_b[correct] = rng.uniform(0.51, 0.62, n_right)  # B: barely right ...
    p_true_b[~correct] = rng.uniform(0.01, 0.05, n_wrong)  # ... and confidently wrong
    proba_a = np.where(y == 1, p_true_a, 1.0 - p_true_a)
    proba_b = np.where(y == 1, p_true_b, 1.0 - p_true_b)
    bce = get("binary_cross_entropy")
    target = y.astype(np.float64)
    return LossVsAccuracy(
        y=y, proba_a=proba_a, proba_b=proba_b, correct=correct,
        accuracy_a=float(np.mean((proba_a > 0.5) == (y == 1))), accuracy_b=float(np.mean((proba_b > 0.5) == (y == 1))),
        log_loss_a=float(bce(proba_a, target)), log_loss_b=float(bce(proba_b, target)), seed=seed,
    )
