"""multilabel_margin against torch.nn.MultiLabelMarginLoss (value and autograd, every reduction, float32): index
rows padded with -1, entries after the first -1 ignored, rows listing no class or every class, scores exactly one
margin apart, saturated scores, one class; and the errors for targets that are not such lists."""

import numpy as np
import pytest

import losslab
from losslab import LossInputError

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(172)
Z = RNG.normal(0.0, 2.0, (8, 5))
LISTS = np.array([[3, 0, -1, -1, -1], [-1, 2, 2, 9, 9], [0, 1, 2, 3, 4], [4, -1, 0, 0, 0], [1, 3, -1, 2, -1],
                  [2, -1, -1, -1, -1], [0, 4, 1, -1, -1], [-1, -1, -1, -1, -1]])
# after the first -1 anything goes for PyTorch; losslab asks for indices or -1 there too
LISTS_OK = np.where(np.cumsum(LISTS == -1, axis=1) > 0, -1, LISTS)


def _torch(z: np.ndarray, y: np.ndarray, reduction: str) -> tuple[np.ndarray, np.ndarray]:
    zt = torch.tensor(z, requires_grad=True)
    value = torch.nn.MultiLabelMarginLoss(reduction=reduction)(zt, torch.from_numpy(y))
    (g,) = torch.autograd.grad(value.sum(), zt)
    return value.detach().numpy(), g.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch(reduction: str) -> None:
    ref, grad = _torch(Z, LISTS_OK, reduction)
    loss = losslab.get("multilabel_margin")
    np.testing.assert_allclose(loss(Z, LISTS_OK, reduction=reduction), ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(loss.grad(Z, LISTS_OK, reduction=reduction), grad, rtol=1e-13, atol=1e-15)
    got32 = loss(Z.astype(np.float32), LISTS_OK, reduction=reduction)
    ref32, _ = _torch(Z.astype(np.float32), LISTS_OK, reduction)
    np.testing.assert_allclose(got32, ref32, rtol=1e-5, atol=1e-6)


def test_edges_against_torch() -> None:
    # scores exactly one margin apart (the hinge's corner: slope 0 in both), ties, saturation, all or no classes
    z = np.array([[1.0, 0.0, 0.0], [2.0, 1.0, 1.0], [0.0, 0.0, 0.0], [1e6, -1e6, 0.0], [-500.0, 500.0, 0.0],
                  [0.5, -0.5, 0.5]])
    y = np.array([[0, -1, -1], [0, -1, -1], [1, -1, -1], [1, 2, -1], [0, 1, 2], [-1, -1, -1]])
    ref, grad = _torch(z, y, "none")
    loss = losslab.get("multilabel_margin")
    np.testing.assert_allclose(loss(z, y, reduction="none"), ref, rtol=1e-15, atol=0)
    np.testing.assert_allclose(loss.grad(z, y, reduction="none"), grad, rtol=1e-15, atol=0)
    assert float(loss(z[4:5], y[4:5])) == 0.0 and float(loss(z[5:], y[5:])) == 0.0  # every class / none listed
    one = np.array([[3.0], [-2.0]])
    np.testing.assert_array_equal(loss(one, np.array([[0], [-1]]), reduction="none"), [0.0, 0.0])


def test_sample_weight_weighs_examples() -> None:
    w = RNG.uniform(0.0, 2.0, len(Z))
    per, _ = _torch(Z, LISTS_OK, "none")
    got = losslab.get("multilabel_margin")(Z, LISTS_OK, sample_weight=w)
    assert float(got) == pytest.approx(float(np.sum(w * per) / np.sum(w)), rel=1e-13)


@pytest.mark.parametrize(("target", "words"), [
    (np.array([[0, 5, -1]]), "class indices in 0..2"),
    (np.array([[0, -2, -1]]), "class indices in 0..2"),
    (np.array([[0.5, -1, -1]]), "whole numbers"),
    (np.array([[1, 1, -1]]), "at most once"),
    (np.array([[0, 1]]), "same shape"),
])
def test_bad_targets_are_refused(target: np.ndarray, words: str) -> None:
    with pytest.raises(LossInputError, match=words) as info:
        losslab.get("multilabel_margin")(np.zeros((1, 3)), target)
    assert info.value.hint


def test_dask_reads_whole_rows() -> None:
    da = pytest.importorskip("dask.array")
    z, y = da.from_array(Z, chunks=(3, 2)), da.from_array(LISTS_OK, chunks=(3, 2))
    loss = losslab.get("multilabel_margin")
    np.testing.assert_allclose(loss(z, y).compute(), loss(Z, LISTS_OK), rtol=1e-15)
    with pytest.raises(LossInputError, match="at most once"):
        loss(da.from_array(np.zeros((4, 3))), da.from_array(np.array([[0, 0, -1]] * 4), chunks=(2, 1))).compute()
