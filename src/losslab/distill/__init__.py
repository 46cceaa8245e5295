"""Teacher and student: KL divergence and distillation (issue 14).

Named roles, teacher first: ``kl(teacher, student, temperature=..., direction=..., scale_t2=..., from_logits=...)``,
``generalized_jsd(teacher, student, beta)``, ``total_variation(teacher, student)``; each is the mean over rows
("batchmean"), and :func:`value_and_grad` (or the ``*_result`` functions) adds the gradient on the student's logits.

>>> from losslab import distill
>>> [round(distill.kl([0.6, 0.2, 0.2], [0.5, 0.3, 0.2], temperature=T), 5) for T in (1, 2, 4)]
[0.0283, 0.00758, 0.00191]

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
from ._inputs import ROW_SUM_TOLERANCE

__all__ = [
    "ROW_SUM_TOLERANCE",
    "Divergence",
    "generalized_jsd",
    "generalized_jsd_result",
    "kl",
    "kl_result",
    "total_variation",
    "total_variation_result",
    "value_and_grad",
]
