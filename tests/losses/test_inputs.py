"""Input rules of the catalog core: half precision, eps against the dtype, finite parameters, real weights, sizes
that cannot be processed, and a hint on every error."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.errors import LossInputError
from losslab.losses import definitions

from ._cases import CASES


def test_float16_is_computed_in_float32() -> None:
    # mse of 300 is 90000, beyond float16's largest 65504: computed in float16 it would be inf
    v = losslab.mse(np.array([300.0], np.float16), np.array([0.0], np.float16))
    assert v.dtype == np.float32 and float(v) == 90000.0
    # bce at p = 1 (true label 1): the clip at 1 - 1e-7 is below float16's spacing, not float32's
    v = losslab.bce(np.array([1.0, 0.5], np.float16), np.array([1.0, 0.0], np.float16))
    np.testing.assert_allclose(float(v), 0.5 * (1e-7 + np.log(2)), rtol=1e-5)  # -log(1 - 1e-7) and -log(1/2)
    g = losslab.get("rmse").grad(np.array([1e-3, 2e-3], np.float16), np.zeros(2, np.float16))
    assert g.dtype == np.float16 and np.all(g > 0)
    np.testing.assert_allclose(g.astype(float), [1 / np.sqrt(10), 2 / np.sqrt(10)], rtol=2e-3)


def test_bfloat16_torch_gradient_comes_back_in_bfloat16() -> None:
    torch = pytest.importorskip("torch")
    pred = torch.tensor([0.3, 0.7], dtype=torch.bfloat16, requires_grad=True)
    value = losslab.bce(pred, torch.tensor([0.0, 1.0]))
    assert value.dtype == torch.float32
    value.backward()
    assert pred.grad is not None and pred.grad.dtype == torch.bfloat16
    expected = losslab.get("bce").grad(pred.detach().float().numpy().astype(float), np.array([0.0, 1.0]))
    np.testing.assert_allclose(pred.grad.float().numpy(), expected, rtol=1e-2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_eps_below_the_dtype_spacing_is_refused(dtype: type) -> None:
    eps = float(np.finfo(dtype).epsneg) / 4
    for name in ("binary_cross_entropy", "categorical_cross_entropy", "kl_divergence"):
        pred = np.full((2, 2), 0.5, dtype)
        target = np.array([[1.0, 0.0], [0.0, 1.0]], dtype)
        with pytest.raises(LossInputError) as info:
            losslab.get(name, eps=eps)(pred, target)
        assert info.value.argument == "eps" and np.dtype(dtype).name in info.value.expected and info.value.hint


@pytest.mark.parametrize("name, param", [(d.name, p.name) for d in definitions() if d.builtin for p in d.params
                                         if p.type in ("float", "float_or_none")])
@pytest.mark.parametrize("bad", [float("inf"), -float("inf"), float("nan")])
def test_non_finite_parameters_are_refused(name: str, param: str, bad: float) -> None:
    with pytest.raises(LossInputError) as info:
        losslab.get(name, **{param: bad})
    assert info.value.argument == param and info.value.hint


@pytest.mark.parametrize("weights", [[1 + 1j, 2.0], ["1", "2"], np.array([1, 2], dtype=complex)])
@pytest.mark.parametrize("array", [list, np.asarray])
def test_weights_must_be_real_numbers(weights: object, array: object) -> None:
    pred = np.array([1.0, 2.0])
    with pytest.raises(LossInputError) as info:
        losslab.mse(pred, np.zeros(2), sample_weight=weights)
    assert info.value.argument == "sample_weight" and info.value.hint


def test_class_weight_dict_with_a_text_key() -> None:
    with pytest.raises(LossInputError) as info:
        losslab.get("cce", class_weight={"a": 1.0})
    assert info.value.argument == "class_weight" and info.value.hint
    # decimal text keys (JSON's) are class indices
    assert dict(losslab.get("cce", class_weight={"1": 2.0}).params["class_weight"]) == {1: 2.0}


def test_a_size_that_cannot_be_processed_is_refused_with_its_size() -> None:
    huge = np.broadcast_to(0.0, (10**6, 10**6))
    with pytest.raises(LossInputError) as info:
        losslab.mse(huge, huge)
    assert "1,000,000,000,000 elements" in info.value.got and info.value.hint


def _error_cases() -> list[tuple[str, object]]:
    cases: list[tuple[str, object]] = [
        ("unknown name", lambda: losslab.get(3)),  # type: ignore[arg-type]
        ("unknown task", lambda: losslab.catalog("vision")),
        ("reduction", lambda: losslab.mse([1.0], [1.0], reduction="avg")),
        ("nan_policy", lambda: losslab.mse([1.0], [1.0], nan_policy="skip")),
        ("empty", lambda: losslab.mse([], [])),
        ("complex", lambda: losslab.mse(np.array([1j]), np.array([1.0]))),
        ("ragged", lambda: losslab.mse([[1.0], [1.0, 2.0]], [1.0, 2.0])),
        ("rows 3-d", lambda: losslab.cce(np.ones((2, 2, 2)), np.ones((2, 2, 2)))),
        ("labels", lambda: losslab.sparse_cce([[0.5, 0.5]], [1.5])),
        ("domain", lambda: losslab.msle([-2.0], [1.0])),
        ("out shape", lambda: losslab.get("mse").grad(np.ones(2), np.ones(2), out=np.empty(3))),
        ("class weight length", lambda: losslab.get("cce", class_weight=[1.0])([[0.5, 0.5]], [[1.0, 0.0]])),
    ]
    for case in CASES:
        for p in case.loss.definition.params:
            if p.type == "float":
                cases.append((f"{case.id}.{p.name}", lambda c=case, n=p.name: losslab.get(c.name, **{n: "x"})))
    return cases


@pytest.mark.parametrize("call", [c for _, c in _error_cases()], ids=[i for i, _ in _error_cases()])
def test_every_error_has_a_hint(call: object) -> None:
    with pytest.raises(LossInputError) as info:
        call()  # type: ignore[operator]
    assert info.value.hint, str(info.value)
