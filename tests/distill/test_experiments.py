"""distill.fit_modes (forward KL covers, reverse KL seeks a mode) and distill.distill_experiment (teacher, student
alone, distilled student on digits)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from losslab import distill
from losslab.errors import LossInputError


def test_reverse_kl_seeks_one_mode_and_forward_kl_covers_both() -> None:
    m = distill.fit_modes()
    fwd, rev = m.forward, m.reverse
    # reverse: one peak, on the heavier one (0.55), with almost nothing on the other
    assert rev.peak_mass[0] > 0.95 and rev.peak_mass[1] < 1e-6
    assert abs(rev.mu - 10) < 0.05 and abs(rev.sigma - 2) < 0.05
    # it matches that component exactly, so KL(s || t) = -ln 0.55 (the other component's mass is left out)
    assert rev.kl_reverse == pytest.approx(-math.log(0.55), rel=1e-4)
    # forward: a wide peak between the two, some mass on each, far more spread than the teacher's width 2
    assert min(fwd.peak_mass) > 0.2 and 10 < fwd.mu < 30 and fwd.sigma > 5
    # each fit wins in its own direction and loses in the other
    assert fwd.kl_forward < rev.kl_forward and rev.kl_reverse < fwd.kl_reverse
    assert m.teacher.sum() == pytest.approx(1.0) and fwd.probs.sum() == pytest.approx(1.0)
    d = m.to_dict()
    assert set(d) == {"teacher", "peaks", "window", "forward", "reverse"} and d["reverse"]["direction"] == "reverse"


def test_fit_modes_bad_arguments() -> None:
    with pytest.raises(LossInputError, match="vocab"):
        distill.fit_modes(vocab=2)
    with pytest.raises(LossInputError, match="peaks"):
        distill.fit_modes(peaks=(5.0, 5.0))
    with pytest.raises(LossInputError, match="width"):
        distill.fit_modes(width=0)


def test_distill_experiment_one_seed() -> None:
    run = distill.distill_experiment(seed=0)
    teacher, alone, taught = (run.row(r) for r in ("teacher", "student", "distilled"))
    assert teacher.n_params == 8970 and alone.n_params == taught.n_params == 610
    assert teacher.val_accuracy > 0.95 and min(alone.val_accuracy, taught.val_accuracy) > 0.9
    assert taught.val_kl_to_teacher < alone.val_kl_to_teacher
    assert run.distilled_wins  # its time (target < 20 s) is reported by the CLI and the docs, not asserted here
    assert run.settings["temperature"] == 4.0 and run.settings["n_val"] == 359
    assert run.to_dict()["rows"][2]["role"] == "distilled"


@pytest.mark.slow
def test_the_distilled_student_beats_the_student_alone_on_most_seeds() -> None:
    """The claim of docs/distill.md: lower validation loss on at least 3 of 5 seeds (it is 5 of 5)."""
    wins = [distill.distill_experiment(seed=seed).distilled_wins for seed in range(5)]
    assert sum(wins) >= 3


def test_alpha_one_is_the_student_alone() -> None:
    run = distill.distill_experiment(seed=1, alpha=1.0, student_epochs=5, teacher_epochs=2)
    assert run.row("distilled").val_loss == run.row("student").val_loss


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"temperature": 0}, "temperature"), ({"alpha": 1.5}, "alpha"), ({"student": ()}, "student"),
    ({"teacher": (0,)}, "teacher"), ({"data": "nope"}, "data"), ({"data": "diabetes"}, "data"),
    ({"student_epochs": 0}, "student_epochs"),
])
def test_distill_experiment_bad_arguments(kwargs: dict, argument: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(LossInputError) as info:
        distill.distill_experiment(**kwargs)
    assert info.value.argument == argument


def test_the_gradient_used_for_the_student_is_the_loss_gradient() -> None:
    """The soft-target part of the student's gradient: (1 - alpha) T (s_T - t_T) / B, by kl_result with T²."""
    rng = np.random.default_rng(3)
    a, z = rng.normal(size=(5, 10)), rng.normal(size=(5, 10))
    g = distill.kl_result(a, z, temperature=4.0, scale_t2=True, from_logits=True).grad
    t = np.exp(a / 4) / np.exp(a / 4).sum(1, keepdims=True)
    s = np.exp(z / 4) / np.exp(z / 4).sum(1, keepdims=True)
    np.testing.assert_allclose(g, 4.0 * (s - t) / 5, rtol=1e-12)
