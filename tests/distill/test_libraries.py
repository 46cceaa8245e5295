"""losslab.distill against the libraries' own calls: torch (always here), the catalog, TRL's formula, finite
differences, Keras (``KLDivergence``, ``keras.distillation.LogitsDistillation``) and optax (``kl_divergence``,
``convex_kl_divergence``), which are dev dependencies: nothing here skips.

torch's ``KLDivLoss(reduction="batchmean")(input, target)`` takes the *student's log-probabilities first* and the
teacher's probabilities second, and computes KL(target || exp(input)) = KL(teacher || student) (pytorch#57459).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import losslab
from losslab import distill

F = torch.nn.functional

RNG = np.random.default_rng(1414)
TEACHER_LOGITS = RNG.normal(0, 3, (4, 7))
STUDENT_LOGITS = RNG.normal(0, 3, (4, 7))


def _torch_kl(teacher: np.ndarray, student: np.ndarray, temperature: float, direction: str,
              scale_t2: bool) -> tuple[float, np.ndarray]:
    """The PyTorch distillation loss as people write it, and its autograd on the student's logits."""
    z = torch.tensor(student, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(teacher, dtype=torch.float64)
    log_s = F.log_softmax(z / temperature, dim=-1)
    log_t = F.log_softmax(a / temperature, dim=-1)
    if direction == "forward":  # KL(teacher || student): the student's log-probabilities go first
        loss = torch.nn.KLDivLoss(reduction="batchmean")(log_s, log_t.exp())
    else:  # KL(student || teacher): swap the roles, with log_target to keep the student differentiable
        loss = torch.nn.KLDivLoss(reduction="batchmean", log_target=True)(log_t, log_s)
    if scale_t2:
        loss = loss * temperature**2
    loss.backward()
    assert z.grad is not None
    return float(loss.detach()), z.grad.numpy()


@pytest.mark.parametrize("temperature", [0.25, 1.0, 2.0, 4.0, 10.0])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize("scale_t2", [False, True])
def test_kl_equals_torch_kldivloss_batchmean_and_its_autograd(temperature: float, direction: str,
                                                              scale_t2: bool) -> None:
    got = distill.kl_result(TEACHER_LOGITS, STUDENT_LOGITS, temperature=temperature, direction=direction,
                            scale_t2=scale_t2, from_logits=True)
    value, grad = _torch_kl(TEACHER_LOGITS, STUDENT_LOGITS, temperature, direction, scale_t2)
    assert got.value == pytest.approx(value, rel=1e-12)
    # entries far below the largest carry the rounding of the largest (both here and in torch): ~1e-16 absolute
    np.testing.assert_allclose(got.grad, grad, rtol=1e-9, atol=1e-13 * float(np.abs(grad).max()))


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_torch_mean_reduction_is_not_batchmean() -> None:
    """The 'mean' mistake: torch's reduction='mean' divides by N * C, not by the number of rows."""
    log_s = F.log_softmax(torch.tensor(STUDENT_LOGITS), dim=-1)
    t = F.softmax(torch.tensor(TEACHER_LOGITS), dim=-1)
    mean = float(torch.nn.KLDivLoss(reduction="mean")(log_s, t))
    ours = distill.kl(TEACHER_LOGITS, STUDENT_LOGITS, from_logits=True)
    assert mean == pytest.approx(ours / TEACHER_LOGITS.shape[1], rel=1e-12)


def test_probability_input_matches_torch_on_log_p() -> None:
    t = np.array([[0.6, 0.2, 0.2], [0.1, 0.7, 0.2]])
    s = np.array([[0.5, 0.3, 0.2], [0.3, 0.3, 0.4]])
    for temperature in (1.0, 2.0, 4.0):
        got = distill.kl_result(t, s, temperature=temperature)
        value, grad = _torch_kl(np.log(t), np.log(s), temperature, "forward", False)  # grad on log p_student
        assert got.value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(got.grad, grad, rtol=1e-9, atol=1e-16)


def test_forward_kl_at_t1_is_the_catalogs_kl_divergence() -> None:
    t = np.array([[0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.0, 0.5, 0.5]])
    s = np.array([[0.5, 0.3, 0.2], [0.3, 0.3, 0.4], [0.2, 0.4, 0.4]])
    catalog = losslab.get("kl_divergence")  # pred = student first, target = teacher: KL(target || pred)
    assert distill.kl(t, s) == pytest.approx(float(catalog(s, t, reduction="mean")), rel=1e-13)
    np.testing.assert_allclose(distill.kl_result(t, s).rows, catalog(s, t, reduction="none"), rtol=1e-13)


def test_generalized_jsd_at_one_half_is_four_times_the_catalogs_js_divergence() -> None:
    t = np.array([[0.6, 0.2, 0.2], [0.0, 0.5, 0.5]])
    s = np.array([[0.5, 0.3, 0.2], [0.2, 0.4, 0.4]])
    js = float(losslab.get("js_divergence")(s, t, reduction="mean"))
    assert distill.generalized_jsd(t, s, 0.5, normalize=False) == pytest.approx(js, rel=1e-13)
    assert distill.generalized_jsd(t, s, 0.5) == pytest.approx(4 * js, rel=1e-13)


def _trl_generalized_jsd(student_logits: torch.Tensor, teacher_logits: torch.Tensor, beta: float,
                         temperature: float) -> torch.Tensor:
    """TRL's ``GKDTrainer.generalized_jsd_loss`` formula (reduction 'batchmean', no labels), restated."""
    student_log_probs = F.log_softmax(student_logits / temperature, dim=-1)
    teacher_log_probs = F.log_softmax(teacher_logits / temperature, dim=-1)
    if beta == 0:
        jsd = F.kl_div(student_log_probs, teacher_log_probs, reduction="none", log_target=True)
    elif beta == 1:
        jsd = F.kl_div(teacher_log_probs, student_log_probs, reduction="none", log_target=True)
    else:
        b = torch.tensor(beta, dtype=student_log_probs.dtype)
        mixture_log_probs = torch.logsumexp(
            torch.stack([student_log_probs + torch.log1p(-b), teacher_log_probs + torch.log(b)]), dim=0)
        kl_teacher = F.kl_div(mixture_log_probs, teacher_log_probs, reduction="none", log_target=True)
        kl_student = F.kl_div(mixture_log_probs, student_log_probs, reduction="none", log_target=True)
        jsd = b * kl_teacher + (1 - b) * kl_student
    return jsd.sum() / jsd.size(0)


@pytest.mark.parametrize("beta", [0.0, 0.1, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_generalized_jsd_is_trls_formula(beta: float, temperature: float) -> None:
    z = torch.tensor(STUDENT_LOGITS, requires_grad=True)
    trl = _trl_generalized_jsd(z, torch.tensor(TEACHER_LOGITS), beta, temperature)
    trl.backward()
    assert z.grad is not None
    trl_value = float(trl.detach())
    raw = distill.generalized_jsd_result(TEACHER_LOGITS, STUDENT_LOGITS, beta, temperature=temperature,
                                         from_logits=True, normalize=False)
    assert raw.value == pytest.approx(trl_value, rel=1e-12)
    np.testing.assert_allclose(raw.grad, z.grad.numpy(), rtol=1e-9, atol=1e-16)
    normalized = distill.generalized_jsd(TEACHER_LOGITS, STUDENT_LOGITS, beta, temperature=temperature,
                                         from_logits=True)
    scale = 1.0 if beta in (0.0, 1.0) else beta * (1 - beta)
    assert normalized * scale == pytest.approx(trl_value, rel=1e-12)


def _finite_difference(f, z: np.ndarray, h: float = 1e-6) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (f(up) - f(down)) / (2 * h)
    return out


@pytest.mark.parametrize("call", [
    lambda s, **k: distill.kl_result(TEACHER_LOGITS, s, temperature=2.0, from_logits=True, **k),
    lambda s, **k: distill.kl_result(TEACHER_LOGITS, s, temperature=0.5, direction="reverse", from_logits=True,
                                     scale_t2=True, **k),
    lambda s, **k: distill.generalized_jsd_result(TEACHER_LOGITS, s, 0.2, from_logits=True, **k),
    lambda s, **k: distill.generalized_jsd_result(TEACHER_LOGITS, s, 0.7, temperature=3.0, from_logits=True, **k),
    lambda s, **k: distill.total_variation_result(TEACHER_LOGITS, s, temperature=1.5, from_logits=True, **k),
], ids=["kl-forward", "kl-reverse-t2", "gjsd0.2", "gjsd0.7", "tv"])
def test_the_gradient_is_the_finite_difference(call) -> None:  # type: ignore[no-untyped-def]
    z = STUDENT_LOGITS.copy()
    np.testing.assert_allclose(call(z).grad, _finite_difference(lambda x: call(x).value, z), rtol=1e-5, atol=1e-9)


# Keras and optax are dev dependencies (requirements/dev.lock): these comparisons run, they do not skip.
# KERAS_BACKEND=jax is set in tests/conftest.py before Keras is first imported.
T_PROBS = np.array([[0.6, 0.2, 0.2], [0.1, 0.7, 0.2]])
S_PROBS = np.array([[0.5, 0.3, 0.2], [0.3, 0.3, 0.4]])


def test_keras_kl_divergence() -> None:
    import keras

    # Keras takes y_true (the teacher) first and probabilities on both sides, clipped to [1e-7, 1]; its default
    # reduction ("sum_over_batch_size") averages the rows: batchmean
    got = float(keras.losses.KLDivergence()(T_PROBS, S_PROBS))
    assert got == pytest.approx(distill.kl(T_PROBS, S_PROBS), rel=1e-5)
    rows = np.asarray(keras.losses.kl_divergence(T_PROBS, S_PROBS))
    np.testing.assert_allclose(rows, distill.kl_result(T_PROBS, S_PROBS).rows, rtol=1e-5)


@pytest.mark.parametrize("temperature", [1.0, 2.0, 4.0])
def test_keras_logits_distillation_with_a_kldivergence_instance_includes_t2(temperature: float) -> None:
    """keras.distillation.LogitsDistillation(loss=keras.losses.KLDivergence()): teacher logits first,
    softmax(z / T) on both sides, KLDivergence, times T² -- distill.kl(..., from_logits=True, scale_t2=True)."""
    import keras

    loss = keras.distillation.LogitsDistillation(temperature=temperature, loss=keras.losses.KLDivergence())
    got = float(loss.compute_loss(TEACHER_LOGITS.astype("float32"), STUDENT_LOGITS.astype("float32")))
    want = distill.kl(TEACHER_LOGITS, STUDENT_LOGITS, temperature=temperature, from_logits=True, scale_t2=True)
    assert got == pytest.approx(want, rel=1e-4)


def test_keras_logits_distillation_default_loss_string() -> None:
    """With its default loss="kl_divergence" (Keras 3.15.1), keras.losses.get returns the *function*
    kl_divergence, not a KLDivergence instance, so LogitsDistillation skips its softmax-and-T² branch and computes
    kl_divergence on the scaled logits themselves (clipped to [1e-7, 1]). Pinned here so that a Keras that fixes
    it shows up: then the default equals the T² KL."""
    import keras

    temperature = 4.0
    a, z = TEACHER_LOGITS.astype("float32"), STUDENT_LOGITS.astype("float32")
    got = float(keras.distillation.LogitsDistillation(temperature=temperature).compute_loss(a, z))
    right = distill.kl(TEACHER_LOGITS, STUDENT_LOGITS, temperature=temperature, from_logits=True, scale_t2=True)
    on_logits = float(np.mean(np.asarray(keras.losses.kl_divergence(a / temperature, z / temperature))))
    assert got == pytest.approx(right, rel=1e-4) or got == pytest.approx(on_logits, rel=1e-5)


def test_optax_kl_divergence_and_its_gradient() -> None:
    import jax
    import optax

    jax.config.update("jax_enable_x64", True)
    try:
        def loss(z: jax.Array, temperature: float) -> jax.Array:
            log_s = jax.nn.log_softmax(z / temperature)
            t = jax.nn.softmax(TEACHER_LOGITS / temperature)
            # optax.kl_divergence(log_predictions, targets): the student's log-probabilities first, one value per row
            return optax.kl_divergence(log_s, t).mean() * temperature**2

        for temperature in (1.0, 4.0):
            value, grad = jax.value_and_grad(loss)(jax.numpy.asarray(STUDENT_LOGITS), temperature)
            ours = distill.kl_result(TEACHER_LOGITS, STUDENT_LOGITS, temperature=temperature, from_logits=True,
                                     scale_t2=True)
            assert float(value) == pytest.approx(ours.value, rel=1e-12)
            np.testing.assert_allclose(np.asarray(grad), ours.grad, rtol=1e-9, atol=1e-15)
    finally:
        jax.config.update("jax_enable_x64", False)


@pytest.mark.filterwarnings("ignore:The function convex_kl_divergence is deprecated")
def test_optax_convex_kl_divergence_equals_kl_on_normalised_rows() -> None:
    """optax.losses.convex_kl_divergence (deprecated in optax 0.2.8 for its new name) = generalized_kl_divergence
    = KL(t || s) + sum(s - t), the Bregman form that stays >= 0 on unnormalised rows; on normalised rows the
    extra sum is 0 and it is KL."""
    import optax

    log_s = np.log(S_PROBS)
    for fn in (optax.losses.convex_kl_divergence, optax.losses.generalized_kl_divergence):
        np.testing.assert_allclose(np.asarray(fn(log_s, T_PROBS)), distill.kl_result(T_PROBS, S_PROBS).rows,
                                   rtol=1e-6)
    # unnormalised rows: plain KL can go negative, the convex form cannot; losslab refuses the rows instead
    t_bad, s_bad = np.array([0.3, 0.1, 0.1]), np.array([0.6, 0.3, 0.3])
    assert float(np.sum(t_bad * np.log(t_bad / s_bad))) < 0
    assert float(optax.losses.convex_kl_divergence(np.log(s_bad), t_bad)) >= 0
    with pytest.raises(losslab.LossInputError, match="sum to 1"):
        distill.kl(t_bad, s_bad)


def test_the_issue_numbers_from_torch_too() -> None:
    t, s = np.log([[0.6, 0.2, 0.2]]), np.log([[0.5, 0.3, 0.2]])
    norms = [float(np.abs(_torch_kl(t, s, T, "forward", False)[1]).sum()) for T in (1.0, 2.0, 4.0)]
    assert [round(n, 3) for n in norms] == [0.2, 0.054, 0.014]
    assert math.isclose(_torch_kl(t, s, 1.0, "reverse", False)[0], 0.030478754, rel_tol=1e-8)
