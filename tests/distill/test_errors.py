"""Bad input is refused with a LossInputError that names the function, the argument, what was expected, what was
given, and a hint; unnormalised rows never become a (possibly negative) number."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

import losslab
from losslab import LossInputError, distill

T, S = [0.6, 0.2, 0.2], [0.5, 0.3, 0.2]


def _refused(call, where: str, argument: str) -> LossInputError:  # type: ignore[no-untyped-def]
    with pytest.raises(LossInputError) as info:
        call()
    err = info.value
    assert err.loss == where and err.argument == argument
    assert err.expected and err.got and str(err).startswith(f"{where}: argument '{argument}' expected")
    pickle.loads(pickle.dumps(err))
    return err


def test_logits_passed_as_probabilities_get_the_from_logits_hint() -> None:
    err = _refused(lambda: distill.kl([2.0, -1.0, 0.5], S), "distill.kl", "teacher")
    assert err.hint == "these look like logits: pass from_logits=True"
    err = _refused(lambda: distill.kl(T, [3.0, 1.0, 0.2]), "distill.kl", "student")
    assert "from_logits=True" in (err.hint or "") and "sum to 1" in err.expected


@pytest.mark.parametrize("student", [[0.5, 0.3, 0.1], [0.5, 0.3, 0.3], [[0.5, 0.3, 0.2], [0.5, 0.5, 0.5]]])
def test_rows_that_do_not_sum_to_one_are_refused_never_a_negative_kl(student: list) -> None:
    teacher = np.broadcast_to(T, np.shape(student))
    err = _refused(lambda: distill.kl(teacher, student), "distill.kl", "student")
    assert "1e-06" in err.expected and "summing to" in err.got
    assert "normalise" in (err.hint or "") or "from_logits" in (err.hint or "")


def test_the_row_sum_tolerance_is_one_in_a_million() -> None:
    assert distill.ROW_SUM_TOLERANCE == 1e-6
    distill.kl(T, [0.5, 0.3, 0.2 + 9e-7])  # inside: accepted, and renormalised by the softening
    _refused(lambda: distill.kl(T, [0.5, 0.3, 0.2 + 2e-6]), "distill.kl", "student")


def test_percentages_get_their_own_hint() -> None:
    err = _refused(lambda: distill.kl([60, 20, 20], S), "distill.kl", "teacher")
    assert err.hint == "these look like percentages: divide by 100"
    err = _refused(lambda: distill.total_variation(T, [0.5, 0.3, 9.2]), "distill.total_variation", "student")
    assert err.hint == "these look like logits: pass from_logits=True"


def test_negative_probabilities() -> None:
    err = _refused(lambda: distill.kl(T, [0.7, 0.5, -0.2]), "distill.kl", "student")
    assert "negative" in err.got and "-0.2" in err.got and err.hint and "from_logits" in err.hint


def test_non_finite_values() -> None:
    _refused(lambda: distill.kl([np.nan, 0.5, 0.5], S), "distill.kl", "teacher")
    _refused(lambda: distill.kl([0.0, 1.0, 0.0], [1.0, np.nan, 0.0], from_logits=True), "distill.kl", "student")
    _refused(lambda: distill.kl([0.0, np.inf, 0.0], S, from_logits=True), "distill.kl", "teacher")
    err = _refused(lambda: distill.kl([-np.inf] * 3, S, from_logits=True), "distill.kl", "teacher")
    assert "masked" in err.got


def test_mismatched_vocabularies() -> None:
    err = _refused(lambda: distill.kl(T, [0.25] * 4), "distill.kl", "student")
    assert "(3,)" in err.expected and "(4,)" in err.got and "vocabular" in (err.hint or "")
    _refused(lambda: distill.generalized_jsd([T, T], [S]), "distill.generalized_jsd", "student")
    _refused(lambda: distill.total_variation([T], S), "distill.total_variation", "student")


def test_shapes_and_types() -> None:
    err = _refused(lambda: distill.kl(np.ones((2, 2, 3)) / 3, np.ones((2, 2, 3)) / 3), "distill.kl", "teacher")
    assert "reshape" in (err.hint or "")
    _refused(lambda: distill.kl([], []), "distill.kl", "teacher")
    _refused(lambda: distill.kl(["a", "b"], S), "distill.kl", "teacher")


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf"), "2", True, None])
def test_temperature_must_be_positive(temperature: object) -> None:
    err = _refused(lambda: distill.kl(T, S, temperature=temperature), "distill.kl", "temperature")
    assert "T > 0" in err.expected and err.hint
    _refused(lambda: distill.generalized_jsd(T, S, temperature=temperature), "distill.generalized_jsd", "temperature")
    _refused(lambda: distill.total_variation(T, S, temperature=temperature), "distill.total_variation",
             "temperature")


@pytest.mark.parametrize("beta", [-0.1, 1.5, float("nan"), "0.5", None])
def test_beta_in_the_unit_interval(beta: object) -> None:
    err = _refused(lambda: distill.generalized_jsd(T, S, beta), "distill.generalized_jsd", "beta")
    assert "[0, 1]" in err.expected and "forward" in (err.hint or "")


@pytest.mark.parametrize("direction", ["backward", "Forward", None, 1])
def test_direction_is_forward_or_reverse(direction: object) -> None:
    err = _refused(lambda: distill.kl(T, S, direction=direction), "distill.kl", "direction")
    assert "KL(teacher || student)" in (err.hint or "")


def test_value_and_grad_names_its_divergence() -> None:
    _refused(lambda: distill.value_and_grad("cross_entropy", T, S), "distill.value_and_grad", "divergence")
    assert distill.value_and_grad("total_variation", T, S).value == pytest.approx(0.1)


def test_losslab_distill_is_lazy_and_cheap() -> None:
    assert losslab.distill is distill
    code = ("import sys, time; t = time.perf_counter(); import losslab; "
            "print(time.perf_counter() - t, 'losslab.distill' in sys.modules)")
    times = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        assert out[1] == "False"  # import losslab does not load the distill package
        times.append(float(out[0]))
    assert min(times) < 0.3
