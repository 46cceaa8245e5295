"""Teacher and student: KL divergence and distillation (issue 14).

Named roles, teacher first: ``kl(teacher, student, temperature=..., direction=..., scale_t2=..., from_logits=...)``,
``generalized_jsd(teacher, student, beta)``, ``total_variation(teacher, student)``; each is the mean over rows
("batchmean"), and :func:`value_and_grad` (or the ``*_result`` functions) adds the gradient on the student's logits.

>>> from losslab import distill
>>> [round(distill.kl([0.6, 0.2, 0.2], [0.5, 0.3, 0.2], temperature=T), 5) for T in (1, 2, 4)]
[0.0283, 0.00758, 0.00191]

Experiments and checks: :func:`fit_modes` (forward KL covers both peaks of a two-peaked teacher, reverse KL sits
on one), :func:`distill_experiment` (a teacher MLP, a student alone, the student distilled) and :func:`lint` (the
eight known distillation mistakes in a described setup or in code read as text, never run).

See docs/distill.md for the T² factor in numbers and the same calls in PyTorch, Keras, optax and TRL.
"""

from __future__ import annotations

from ._divergences import (
    Divergence,
    generalized_jsd,
    generalized_jsd_result,
    kl,
    kl_result,
    total_variation,
    total_variation_result,
    value_and_grad,
)
from ._experiment import DistillRow, DistillRun, distill_experiment
from ._inputs import ROW_SUM_TOLERANCE
from ._lint import CODES, SETUP_KEYS, SOURCES, LintFinding, lint
from ._modes import ModeFit, ModeFits, fit_modes

__all__ = [
    "CODES",
    "ROW_SUM_TOLERANCE",
    "SETUP_KEYS",
    "SOURCES",
    "DistillRow",
    "DistillRun",
    "Divergence",
    "LintFinding",
    "ModeFit",
    "ModeFits",
    "distill_experiment",
    "fit_modes",
    "generalized_jsd",
    "generalized_jsd_result",
    "kl",
    "kl_result",
    "lint",
    "total_variation",
    "total_variation_result",
    "value_and_grad",
]
