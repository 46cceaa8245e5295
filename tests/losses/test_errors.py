"""Every way a loss can refuse its input, and the words it uses.

Each refusal is a :class:`losslab.LossInputError` (a ``ValueError``) whose attributes say which loss, which argument,
what was expected and what was got, and whose message repeats all four (plus a hint where one can be guessed).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import losslab
from losslab import LossInputError, LossInputWarning

NAN = float("nan")
INF = float("inf")


def check_error(
    call: Callable[[], Any],
    *,
    loss: str,
    argument: str,
    expected: str | tuple[str, ...] = (),
    got: str | tuple[str, ...] = (),
    hint: str | tuple[str, ...] = (),
) -> LossInputError:
    """Run ``call``; assert it raises a complete LossInputError; return it for further checks."""
    with pytest.raises(LossInputError) as info:
        call()
    err = info.value
    assert type(err) is LossInputError
    assert isinstance(err, ValueError)
    assert err.loss == loss
    assert err.argument == argument
    message = str(err)
    assert message.startswith(f"{loss}: argument '{argument}' expected ")
    assert err.expected and err.expected in message
    assert err.got and err.got in message
    for fragment in (expected,) if isinstance(expected, str) else expected:
        assert fragment in err.expected, (fragment, err.expected)
    for fragment in (got,) if isinstance(got, str) else got:
        assert fragment in err.got, (fragment, err.got)
    for fragment in (hint,) if isinstance(hint, str) else hint:
        assert err.hint is not None and fragment in err.hint, (fragment, err.hint)
        assert fragment in message
    if err.hint:
        assert message.endswith(f"Hint: {err.hint}")
    data = err.to_dict()
    assert data["loss"] == loss and data["argument"] == argument and data["message"] == message
    return err


def test_error_type_and_message_layout() -> None:
    err = LossInputError("mse", "pred", "finite numbers", "nan at index 3", "clean the data")
    assert isinstance(err, ValueError)
    assert str(err) == "mse: argument 'pred' expected finite numbers, got nan at index 3. Hint: clean the data"
    assert (err.loss, err.argument, err.expected, err.got, err.hint) == (
        "mse", "pred", "finite numbers", "nan at index 3", "clean the data"
    )
    assert str(LossInputError("mse", "pred", "x", "y")) == "mse: argument 'pred' expected x, got y."


def test_error_survives_pickling() -> None:
    # errors cross process boundaries (multiprocessing, joblib, dask workers): they must unpickle intact. Run in a
    # fresh interpreter: importing dask.distributed (test_backends) installs pickling hooks that would hide a bug.
    code = (
        "import pickle\n"
        "from losslab import LossInputError\n"
        "err = LossInputError('mse', 'pred', 'finite numbers', 'nan at index 3', 'clean the data')\n"
        "back = pickle.loads(pickle.dumps(err))\n"
        "assert type(back) is LossInputError, type(back)\n"
        "fields = ('loss', 'argument', 'expected', 'got', 'hint')\n"
        "assert all(getattr(back, f) == getattr(err, f) for f in fields), back.__dict__\n"
        "assert str(back) == str(err)\n"
        "plain = pickle.loads(pickle.dumps(LossInputError('mse', 'pred', 'x', 'y')))\n"
        "assert plain.hint is None and str(plain) == \"mse: argument 'pred' expected x, got y.\"\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------------------- shapes
def test_shape_mismatch_elementwise() -> None:
    check_error(lambda: losslab.mse([1.0, 2.0, 3.0], [1.0, 2.0]), loss="mse", argument="target",
                expected="the same shape as pred (3,)", got=("pred of shape (3,)", "target of shape (2,)"),
                hint="pred first")
    check_error(lambda: losslab.huber(np.zeros((2, 3)), np.zeros((3, 2))), loss="huber", argument="target",
                expected="(2, 3)", got=("pred of shape (2, 3)", "target of shape (3, 2)"))
    # (N, K) against (N,) is not the (N, 1) / (N,) case that is lined up
    check_error(lambda: losslab.mae(np.zeros((2, 2)), np.zeros(2)), loss="mae", argument="target",
                got="target of shape (2,)")


def test_shape_mismatch_rows() -> None:
    p = np.full((2, 3), 1 / 3)
    check_error(lambda: losslab.cce(p, [0, 1]), loss="categorical_cross_entropy", argument="target",
                expected="same shape as pred (2, 3)", got="target of shape (2,)",
                hint="use 'sparse_categorical_cross_entropy'")
    check_error(lambda: losslab.sparse_cce(p, np.eye(3)[[0, 1]]), loss="sparse_categorical_cross_entropy",
                argument="target", expected="integer class labels of shape (2,)", got="target of shape (2, 3)",
                hint="use 'categorical_cross_entropy'")
    check_error(lambda: losslab.sparse_cce(p, [0, 1, 2]), loss="sparse_categorical_cross_entropy",
                argument="target", expected="shape (2,)", got="target of shape (3,)")
    check_error(lambda: losslab.kl_divergence(p, np.full((3, 2), 0.5)), loss="kl_divergence", argument="target",
                got=("pred of shape (2, 3)", "target of shape (3, 2)"))
    check_error(lambda: losslab.cce(np.zeros((2, 3, 4)), np.zeros((2, 3, 4))), loss="categorical_cross_entropy",
                argument="pred", expected="(N, C)", got="shape (2, 3, 4)")


@pytest.mark.parametrize(
    ("name", "pred", "target", "shape"),
    [
        ("mse", [], [], "(0,)"),
        ("mae", np.zeros((0, 3)), np.zeros((0, 3)), "(0, 3)"),
        ("binary_cross_entropy", np.zeros((4, 0)), np.zeros((4, 0)), "(4, 0)"),
        ("categorical_cross_entropy", np.zeros((0, 3)), np.zeros((0, 3)), "(0, 3)"),
        ("sparse_categorical_cross_entropy", np.zeros((0, 3)), np.zeros(0, dtype=int), "(0, 3)"),
        ("kl_divergence", np.zeros((2, 0)), np.zeros((2, 0)), "(2, 0)"),
    ],
)
def test_empty_input(name: str, pred: Any, target: Any, shape: str) -> None:
    check_error(lambda: losslab.get(name)(pred, target), loss=name, argument="pred", expected="at least one example",
                got=f"empty array of shape {shape}")
    check_error(lambda: losslab.get(name).grad(pred, target), loss=name, argument="pred")


def test_not_numbers() -> None:
    check_error(lambda: losslab.mse(["a", "b"], [1.0, 2.0]), loss="mse", argument="pred", expected="real numbers",
                got="dtype")
    check_error(lambda: losslab.mse([1.0, 2.0], [1 + 2j, 1.0]), loss="mse", argument="target",
                expected="real numbers", got="complex")
    check_error(lambda: losslab.mse([[1.0, 2.0], [3.0]], [1.0, 2.0]), loss="mse", argument="pred/target",
                expected="numbers")


# ------------------------------------------------------------------------------------------------------ NaN / inf
NAN_CASES = [
    ("mse", {}, [1.0, 2.0, 3.0], [1.0, 2.0, 5.0]),
    ("huber", {}, [1.0, 2.0, 3.0], [1.0, 2.0, 5.0]),
    ("binary_cross_entropy", {}, [0.3, 0.6, 0.9], [0.0, 1.0, 1.0]),
    ("binary_cross_entropy", {"from_logits": True}, [0.3, -2.0, 4.0], [0.0, 1.0, 1.0]),
    ("quantile", {"q": 0.3}, [1.0, 2.0, 3.0], [1.5, 2.0, 5.0]),
    ("hinge", {}, [0.3, -2.0, 4.0], [-1.0, 1.0, 1.0]),
    ("msle", {}, [0.3, 2.0, 4.0], [1.0, 1.0, 0.0]),
    ("poisson", {}, [0.3, 2.0, 4.0], [1.0, 1.0, 0.0]),
    ("categorical_cross_entropy", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
    ("categorical_cross_entropy", {"from_logits": True}, [[2.0, 0.5], [0.5, 1.5], [0.7, 3.0]],
     [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
    ("categorical_focal", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
    ("multi_margin", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
    ("categorical_hinge", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]]),
    ("kl_divergence", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.4, 0.6], [0.1, 0.9], [0.5, 0.5]]),
    ("js_divergence", {}, [[0.2, 0.8], [0.5, 0.5], [0.7, 0.3]], [[0.4, 0.6], [0.1, 0.9], [0.5, 0.5]]),
]
NAN_IDS = [f"{name}-{'-'.join(params)}" if params else name for name, params, _, _ in NAN_CASES]


def _spoil(x: list[Any], value: float) -> np.ndarray:
    """``x`` with its example 1 spoiled by ``value`` (the first element of that example)."""
    a = np.array(x, dtype=float)
    if a.ndim == 1:
        a[1] = value
    else:
        a[1, 0] = value
    return a


@pytest.mark.parametrize(("name", "params", "pred", "target"), NAN_CASES, ids=NAN_IDS)
@pytest.mark.parametrize("bad", [NAN, INF, -INF], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("where", ["pred", "target"])
def test_non_finite_input_raises(name: str, params: dict[str, Any], pred: Any, target: Any, bad: float,
                                 where: str) -> None:
    loss = losslab.get(name, **params)
    p, t = (_spoil(pred, bad), np.array(target, dtype=float)) if where == "pred" else (
        np.array(pred, dtype=float), _spoil(target, bad))
    err = check_error(lambda: loss(p, t), loss=loss.name, argument=where, expected="finite numbers",
                      got=("1 non-finite value(s)", f"the first {bad}"), hint=("nan_policy='omit'", "propagate"))
    assert "index" in err.got
    check_error(lambda: loss.grad(p, t), loss=loss.name, argument=where)
    check_error(lambda: loss.value_and_grad(p, t), loss=loss.name, argument=where)


@pytest.mark.parametrize(("name", "params", "pred", "target"), NAN_CASES, ids=NAN_IDS)
def test_nan_propagate(name: str, params: dict[str, Any], pred: Any, target: Any) -> None:
    loss = losslab.get(name, **params)
    p, t = _spoil(pred, NAN), np.array(target, dtype=float)
    assert np.isnan(float(loss(p, t, nan_policy="propagate")))
    assert np.isnan(float(loss(p, t, reduction="sum", nan_policy="propagate")))
    per = np.asarray(loss(p, t, reduction="none", nan_policy="propagate"))
    clean = np.asarray(loss(np.array(pred, dtype=float), t, reduction="none"))
    assert np.isnan(per[1])
    np.testing.assert_allclose(per[[0, 2]], clean[[0, 2]], rtol=1e-15)
    g = loss.grad(p, t, reduction="none", nan_policy="propagate")
    assert np.all(np.isfinite(g[[0, 2]]))
    assert np.any(np.isnan(g[1]))


@pytest.mark.parametrize(("name", "params", "pred", "target"), NAN_CASES, ids=NAN_IDS)
@pytest.mark.parametrize("where", ["pred", "target"])
def test_nan_omit_drops_the_example(name: str, params: dict[str, Any], pred: Any, target: Any, where: str) -> None:
    loss = losslab.get(name, **params)
    p0, t0 = np.array(pred, dtype=float), np.array(target, dtype=float)
    p, t = (_spoil(pred, NAN), t0) if where == "pred" else (p0, _spoil(target, NAN))
    rest = [0, 2]
    # the mean is over the other examples; 'none' gives 0 for the omitted one; the gradient is 0 there
    np.testing.assert_allclose(loss(p, t, nan_policy="omit"), loss(p0[rest], t0[rest]), rtol=1e-14)
    np.testing.assert_allclose(loss(p, t, reduction="sum", nan_policy="omit"),
                               loss(p0[rest], t0[rest], reduction="sum"), rtol=1e-14)
    per = np.asarray(loss(p, t, reduction="none", nan_policy="omit"))
    assert per[1] == 0.0
    np.testing.assert_allclose(per[rest], loss(p0[rest], t0[rest], reduction="none"), rtol=1e-14)
    g = loss.grad(p, t, nan_policy="omit")
    assert np.all(g[1] == 0.0)
    np.testing.assert_allclose(g[rest], loss.grad(p0[rest], t0[rest]), rtol=1e-14)
    w = np.array([2.0, 5.0, 0.5])
    np.testing.assert_allclose(loss(p, t, sample_weight=w, nan_policy="omit"),
                               loss(p0[rest], t0[rest], sample_weight=w[rest]), rtol=1e-14)


def test_nan_omit_drops_the_whole_example_of_several_elements() -> None:
    p = np.array([[1.0, NAN], [3.0, 4.0]])
    t = np.array([[1.0, 2.0], [5.0, 4.0]])
    mse = losslab.get("mse")
    np.testing.assert_array_equal(mse(p, t, reduction="none", nan_policy="omit"), [0.0, 2.0])
    assert float(mse(p, t, nan_policy="omit")) == 2.0
    np.testing.assert_array_equal(mse.grad(p, t, nan_policy="omit"), [[0.0, 0.0], [-2.0, 0.0]])


def test_nan_omit_every_example_refuses_the_mean() -> None:
    check_error(lambda: losslab.mse([NAN, NAN], [1.0, 2.0], nan_policy="omit"), loss="mse", argument="sample_weight",
                expected="positive total weight", got="omitted", hint="reduction='sum'")
    assert float(losslab.mse([NAN, NAN], [1.0, 2.0], nan_policy="omit", reduction="sum")) == 0.0


@pytest.mark.parametrize("policy", ["omit", "propagate"])
def test_nan_label_for_sparse_losses(policy: str) -> None:
    p = np.array([[0.2, 0.8], [0.5, 0.5], [0.6, 0.4]])
    y = np.array([1.0, NAN, 0.0])
    loss = losslab.get("sparse_categorical_cross_entropy")
    check_error(lambda: loss(p, y), loss=loss.name, argument="target", expected="finite numbers", got="nan")
    per = np.asarray(loss(p, y, reduction="none", nan_policy=policy))
    clean = np.asarray(loss(p[[0, 2]], [1, 0], reduction="none"))
    np.testing.assert_allclose(per[[0, 2]], clean, rtol=1e-15)
    if policy == "omit":
        # a missing label leaves the example out, exactly like a missing prediction
        assert per[1] == 0.0
        np.testing.assert_allclose(loss(p, y, nan_policy="omit"), loss(p[[0, 2]], [1, 0]), rtol=1e-14)
        assert np.all(loss.grad(p, y, nan_policy="omit")[1] == 0.0)
    else:
        assert np.isnan(per[1])
        assert np.isnan(float(loss(p, y, nan_policy="propagate")))


def test_error_position_is_given_in_the_callers_layout() -> None:
    # a flat (N,) input is laid out as (N, 1) internally; the message must point at index 3 of what the user passed
    err = check_error(lambda: losslab.mse([1.0, 2.0, 3.0, NAN], [0.0] * 4), loss="mse", argument="pred")
    assert err.got.endswith("at index 3"), err.got
    err = check_error(lambda: losslab.hinge([1.0, 2.0, 3.0], [1.0, 1.0, 2.0]), loss="hinge", argument="target")
    assert "at index 2" in err.got and "(2, 0)" not in err.got, err.got
    err = check_error(lambda: losslab.mse([[1.0, 2.0], [3.0, NAN]], np.zeros((2, 2))), loss="mse", argument="pred")
    assert err.got.endswith("at index (1, 1)"), err.got


# ---------------------------------------------------------------------------------------------------- domains
PROBABILITY_LOSSES = [
    ("binary_cross_entropy", [0.5, 1.5], [0.0, 1.0], "1.5"),
    ("binary_cross_entropy", [0.5, -0.5], [0.0, 1.0], "-0.5"),
    ("binary_focal", [0.5, 3.0], [0.0, 1.0], "3"),
    ("categorical_cross_entropy", [[0.5, 3.0]], [[0.0, 1.0]], "3"),
    ("sparse_categorical_cross_entropy", [[-2.0, 0.5]], [1], "-2"),
    ("categorical_focal", [[0.5, 3.0]], [[0.0, 1.0]], "3"),
]


@pytest.mark.parametrize(("name", "pred", "target", "first"), PROBABILITY_LOSSES)
def test_probabilities_outside_0_1_suggest_from_logits(name: str, pred: Any, target: Any, first: str) -> None:
    loss = losslab.get(name)
    err = check_error(lambda: loss(pred, target), loss=name, argument="pred", expected="probabilities in [0, 1]",
                      got=("1 value(s) outside it", f"the first {first}"), hint="from_logits=True")
    assert "all values lie in [" in err.got
    check_error(lambda: loss.grad(pred, target), loss=name, argument="pred", hint="from_logits=True")
    # ...and the suggestion works
    assert np.isfinite(float(losslab.get(name, from_logits=True)(pred, target)))


@pytest.mark.parametrize("name", ["kl_divergence", "js_divergence"])
def test_divergences_refuse_non_probabilities(name: str) -> None:
    check_error(lambda: losslab.get(name)([[0.5, 3.0]], [[0.5, 0.5]]), loss=name, argument="pred",
                expected="probabilities in [0, 1]", got="the first 3", hint="softmax")
    check_error(lambda: losslab.get(name)([[0.5, 0.5]], [[-1.0, 2.0]]), loss=name, argument="target",
                expected="probabilities in [0, 1]", got=("2 value(s) outside it", "the first -1"))


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_focal"])
def test_binary_targets_outside_0_1(name: str) -> None:
    for params in ({}, {"from_logits": True}):
        check_error(lambda params=params: losslab.get(name, **params)([0.5, 0.5], [0.0, 2.0]), loss=name,
                    argument="target", expected="probabilities in [0, 1]", got="the first 2")


@pytest.mark.parametrize("bad", [-1.0, -2.0, -1e9])
def test_msle_refuses_values_at_or_below_minus_one(bad: float) -> None:
    check_error(lambda: losslab.msle([bad, 2.0], [1.0, 2.0]), loss="msle", argument="pred",
                expected="greater than -1", got=f"the first {bad:g}", hint="log1p")
    check_error(lambda: losslab.msle([1.0, 2.0], [1.0, bad]), loss="msle", argument="target",
                expected="greater than -1", hint="log1p")
    # just above -1 is fine
    assert np.isfinite(float(losslab.msle([-0.5, 2.0], [1.0, 2.0])))


def test_poisson_negative_pred_mentions_log_input() -> None:
    check_error(lambda: losslab.poisson([-1.0, 2.0], [1.0, 2.0]), loss="poisson", argument="pred",
                expected="non-negative", got="the first -1", hint="log_input=True")
    assert np.isfinite(float(losslab.poisson([-1.0, 2.0], [1.0, 2.0], log_input=True)))
    check_error(lambda: losslab.poisson([1.0, 2.0], [-1.0, 2.0]), loss="poisson", argument="target",
                expected="non-negative", got="the first -1")
    check_error(lambda: losslab.poisson([1.0, 2.0], [-1.0, 2.0], log_input=True), loss="poisson", argument="target")


# ------------------------------------------------------------------------------------------------------- labels
SPARSE = ["sparse_categorical_cross_entropy", "categorical_hinge", "multi_margin"]


@pytest.mark.parametrize("name", SPARSE)
def test_non_integer_labels(name: str) -> None:
    p = [[0.2, 0.8], [0.5, 0.5]]
    check_error(lambda: losslab.get(name)(p, [0.0, 0.5]), loss=name, argument="target",
                expected="integer class labels", got=("1 non-integer value(s)", "the first 0.5", "index 1"))
    # whole numbers given as floats are labels
    assert float(losslab.get(name)(p, [1.0, 0.0])) == float(losslab.get(name)(p, [1, 0]))


@pytest.mark.parametrize("name", SPARSE)
@pytest.mark.parametrize("label", [2, 7, -1, -100])
def test_labels_out_of_range(name: str, label: int) -> None:
    p = [[0.2, 0.8], [0.5, 0.5]]
    err = check_error(lambda: losslab.get(name)(p, [0, label]), loss=name, argument="target",
                      expected=("class labels in 0..1", "C=2"), got=(f"the first {label}", "index 1"),
                      hint="labels count from 0")
    if label < 0 and name == "sparse_categorical_cross_entropy":
        assert f"ignore_index={label}" in err.hint
    else:
        assert "ignore_index" not in err.hint


def test_ignore_index() -> None:
    p = np.array([[0.2, 0.8], [0.5, 0.5], [0.6, 0.4]])
    loss = losslab.get("sparse_categorical_cross_entropy", ignore_index=-100)
    y = [1, -100, 0]
    np.testing.assert_allclose(loss(p, y), loss(p[[0, 2]], [1, 0]), rtol=1e-15)
    assert np.asarray(loss(p, y, reduction="none"))[1] == 0.0
    assert np.all(loss.grad(p, y)[1] == 0.0)
    # other negative labels are still refused
    check_error(lambda: loss(p, [1, -5, 0]), loss=loss.name, argument="target", got="the first -5")
    check_error(lambda: loss(p, [1, 2, 0]), loss=loss.name, argument="target", got="the first 2")
    # and a batch of nothing but ignored examples has no mean
    check_error(lambda: loss(p, [-100, -100, -100]), loss=loss.name, argument="sample_weight",
                expected="positive total weight", got="ignore_index", hint="reduction='sum'")
    assert float(loss(p, [-100, -100, -100], reduction="sum")) == 0.0


@pytest.mark.parametrize("name", ["hinge", "squared_hinge"])
def test_hinge_label_encodings(name: str) -> None:
    loss = losslab.get(name)
    check_error(lambda: loss([0.5, 0.5, 1.0], [-1.0, 0.0, 1.0]), loss=name, argument="target",
                expected="all in {-1, +1} or all in {0, 1}", got="a mix of -1, 0 and 1", hint="ambiguous")
    check_error(lambda: loss([0.5, 0.5], [-1.0, 0.0]), loss=name, argument="target", got="a mix")
    for bad in (2.0, 0.5, -2.0):
        check_error(lambda bad=bad: loss([0.5, 0.5], [bad, 1.0]), loss=name, argument="target",
                    expected="{-1, +1}", got=("1 other value(s)", f"the first {bad:g}"), hint="-1 and +1")
    # both encodings on their own are fine, and mean the same
    assert float(loss([0.5, -0.3], [0.0, 1.0])) == float(loss([0.5, -0.3], [-1.0, 1.0]))


# ------------------------------------------------------------------------------------------------ sample weights
def test_negative_sample_weight() -> None:
    check_error(lambda: losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[-1.0, 1.0]), loss="mse",
                argument="sample_weight", expected="non-negative weights", got=("1 value(s)", "the first -1"))
    check_error(lambda: losslab.get("mse").grad([1.0, 2.0], [1.0, 3.0], sample_weight=[1.0, -0.5]), loss="mse",
                argument="sample_weight", got="the first -0.5")
    check_error(lambda: losslab.cce([[0.5, 0.5]], [[1.0, 0.0]], sample_weight=-2.0), loss="categorical_cross_entropy",
                argument="sample_weight", got="the first -2")


def test_non_finite_sample_weight() -> None:
    check_error(lambda: losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[NAN, 1.0]), loss="mse",
                argument="sample_weight", expected="finite numbers", got="the first nan")
    check_error(lambda: losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[1.0, INF]), loss="mse",
                argument="sample_weight", got="the first inf")


@pytest.mark.parametrize("weights", [[1.0, 1.0, 1.0], [[1.0, 1.0]], np.ones((2, 2))], ids=["long", "row", "elements"])
def test_sample_weight_shape(weights: Any) -> None:
    shape = f"shape {tuple(np.shape(weights))}"
    check_error(lambda: losslab.mse(np.zeros((2, 2)), np.ones((2, 2)), sample_weight=weights), loss="mse",
                argument="sample_weight", expected="one weight per example, shape (2,)", got=shape,
                hint="weights belong to examples")
    check_error(lambda: losslab.get("mse").grad(np.zeros((2, 2)), np.ones((2, 2)), sample_weight=weights),
                loss="mse", argument="sample_weight")


def test_sample_weight_not_numbers() -> None:
    check_error(lambda: losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=["a", "b"]), loss="mse",
                argument="sample_weight", expected="weight")


def test_all_zero_weights_with_mean() -> None:
    check_error(lambda: losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0]), loss="mse",
                argument="sample_weight", expected="a positive total weight for the mean",
                got="the weights sum to 0", hint="reduction='sum'")
    check_error(lambda: losslab.get("mse").grad([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0]), loss="mse",
                argument="sample_weight")
    check_error(lambda: losslab.rmse([1.0, 2.0], [1.0, 3.0], sample_weight=0.0), loss="rmse", argument="sample_weight")
    check_error(lambda: losslab.cce([[0.5, 0.5]], [[1.0, 0.0]], class_weight=[0.0, 1.0]),
                loss="categorical_cross_entropy", argument="sample_weight")
    # sum and none are well defined
    assert float(losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0], reduction="sum")) == 0.0
    np.testing.assert_array_equal(losslab.mse([1.0, 2.0], [1.0, 3.0], sample_weight=[0.0, 0.0], reduction="none"),
                                  [0.0, 0.0])


def test_class_weight_errors() -> None:
    p, t = [[0.5, 0.5]], [[1.0, 0.0]]
    check_error(lambda: losslab.cce(p, t, class_weight=[1.0, 2.0, 3.0]), loss="categorical_cross_entropy",
                argument="class_weight", expected="one weight per class, length 2", got="length 3")
    check_error(lambda: losslab.cce(p, t, class_weight={5: 1.0}), loss="categorical_cross_entropy",
                argument="class_weight", expected="class indices 0..1", got="5")
    check_error(lambda: losslab.get("cce", class_weight=[1.0, -1.0]), loss="categorical_cross_entropy",
                argument="class_weight", expected="non-negative weights", got="[1.0, -1.0]")


def test_pos_weight_must_match_the_labels() -> None:
    p, t = np.full((2, 3), 0.5), np.ones((2, 3))
    check_error(lambda: losslab.bce(p, t, pos_weight=[1.0, 2.0]), loss="binary_cross_entropy", argument="pos_weight",
                expected="one weight per label: 3", got="2 weights")
    check_error(lambda: losslab.bce([0.5, 0.5], [1.0, 0.0], pos_weight=[1.0, 2.0, 3.0]),
                loss="binary_cross_entropy", argument="pos_weight", expected="one weight per label: 1", got="3")
    assert np.isfinite(float(losslab.bce(p, t, pos_weight=[1.0, 2.0, 3.0])))


# ----------------------------------------------------------------------------------------------------- parameters
def test_unknown_parameter_with_close_match() -> None:
    check_error(lambda: losslab.get("huber", dleta=1.0), loss="huber", argument="dleta",
                expected="one of its parameters: delta", got="an unknown parameter 'dleta'",
                hint="did you mean 'delta'?")
    check_error(lambda: losslab.huber([1.0], [2.0], dleta=1.0), loss="huber", argument="dleta", hint="'delta'")
    check_error(lambda: losslab.get("bce", from_logit=True), loss="binary_cross_entropy", argument="from_logit",
                hint="did you mean 'from_logits'?")
    check_error(lambda: losslab.get("quantile", quantile=0.3), loss="quantile", argument="quantile",
                expected="q")
    check_error(lambda: losslab.get("mse", delta=1.0), loss="mse", argument="delta",
                expected="no parameters (it has none)", got="'delta'")
    # call arguments given to get() are pointed back at the call
    check_error(lambda: losslab.get("huber", reduction="sum"), loss="huber", argument="reduction",
                hint="belongs to the call")
    check_error(lambda: losslab.get("huber", sample_weight=[1.0]), loss="huber", argument="sample_weight",
                hint="belongs to the call")


INVALID_PARAMS = [
    ("huber", "delta", 0.0, "> 0"),
    ("huber", "delta", -1.0, "> 0"),
    ("huber", "delta", NAN, "> 0"),
    ("huber", "delta", "1", "a number"),
    ("huber", "delta", True, "a number"),
    ("smooth_l1", "beta", -0.5, ">= 0"),
    ("quantile", "q", 0.0, "> 0 and < 1"),
    ("quantile", "q", 1.0, "> 0 and < 1"),
    ("quantile", "q", 1.5, "> 0 and < 1"),
    ("quantile", "q", -0.2, "> 0 and < 1"),
    ("mape", "eps", 0.0, "> 0"),
    ("poisson", "eps", -1e-8, "> 0"),
    ("poisson", "log_input", 1, "True or False"),
    ("binary_cross_entropy", "label_smoothing", 1.0, ">= 0 and < 1"),
    ("binary_cross_entropy", "label_smoothing", -0.1, ">= 0 and < 1"),
    ("binary_cross_entropy", "from_logits", "yes", "True or False"),
    ("binary_cross_entropy", "pos_weight", -1.0, "number > 0"),
    ("binary_cross_entropy", "pos_weight", [], "number > 0"),
    ("binary_cross_entropy", "eps", 0.5, "< 0.5"),
    ("categorical_cross_entropy", "label_smoothing", 1.0, ">= 0 and < 1"),
    ("sparse_categorical_cross_entropy", "label_smoothing", 2.0, ">= 0 and < 1"),
    ("sparse_categorical_cross_entropy", "ignore_index", 1.5, "None or an integer"),
    ("binary_focal", "gamma", -1.0, ">= 0"),
    ("binary_focal", "alpha", 1.5, "<= 1"),
    ("categorical_focal", "gamma", -0.5, ">= 0"),
    ("categorical_focal", "alpha", 0.0, "> 0"),
    ("multi_margin", "p", 3, "1 or 2"),
    ("multi_margin", "p", 0, "1 or 2"),
    ("multi_margin", "p", True, "1 or 2"),
    ("multi_margin", "margin", 0.0, "> 0"),
    ("kl_divergence", "eps", 0.0, "> 0"),
]


@pytest.mark.parametrize(("name", "param", "value", "expected"), INVALID_PARAMS,
                         ids=[f"{n}-{p}={v!r}" for n, p, v, _ in INVALID_PARAMS])
def test_invalid_parameter_values(name: str, param: str, value: Any, expected: str) -> None:
    check_error(lambda: losslab.get(name, **{param: value}), loss=name, argument=param, expected=expected,
                got=repr(value))
    # the shortcut validates the same way
    check_error(lambda: getattr(losslab, name)([0.5], [1.0], **{param: value}), loss=name, argument=param)


def test_boundary_parameter_values_are_accepted() -> None:
    losslab.get("smooth_l1", beta=0.0)
    losslab.get("binary_focal", gamma=0.0, alpha=0.0)
    losslab.get("binary_focal", alpha=1.0)
    losslab.get("binary_cross_entropy", label_smoothing=0.0)
    losslab.get("quantile", q=1e-9)
    losslab.get("multi_margin", p=2)


# ------------------------------------------------------------------------------------------------ names, reductions
@pytest.mark.parametrize(("typo", "suggestion"), [("msee", "mse"), ("hubber", "huber"), ("Huber-Loss", "huber"),
                                                   ("crossentropy", "categorical_cross_entropy"),
                                                   ("kl_divergense", "kl_divergence")])
def test_unknown_loss_name_suggests_close_matches(typo: str, suggestion: str) -> None:
    err = check_error(lambda: losslab.get(typo), loss="losslab", argument="name",
                      expected="the name of a registered loss", got=repr(typo), hint="did you mean")
    assert repr(suggestion) in err.hint


def test_unknown_loss_name_without_close_match() -> None:
    check_error(lambda: losslab.get("xyzzy"), loss="losslab", argument="name", got="'xyzzy'", hint="catalog()")
    check_error(lambda: losslab.get(3), loss="losslab", argument="name", expected="a string", got="int 3")
    with pytest.raises(AttributeError):
        losslab.not_a_loss  # noqa: B018


def test_reduction_not_allowed() -> None:
    for reduction in ("none", "sum"):
        check_error(lambda reduction=reduction: losslab.rmse([1.0, 2.0], [1.0, 3.0], reduction=reduction),
                    loss="rmse", argument="reduction", expected="one of 'mean'", got=repr(reduction),
                    hint="use mse for per-example losses")
        check_error(lambda reduction=reduction: losslab.get("rmse").grad([1.0, 2.0], [1.0, 3.0], reduction=reduction),
                    loss="rmse", argument="reduction")
    check_error(lambda: losslab.mse([1.0], [2.0], reduction="avg"), loss="mse", argument="reduction",
                expected="'mean', 'sum', 'none'", got="'avg'")
    check_error(lambda: losslab.mse([1.0], [2.0], nan_policy="ignore"), loss="mse", argument="nan_policy",
                expected="'raise', 'propagate', 'omit'", got="'ignore'")


def test_out_argument() -> None:
    mse = losslab.get("mse")
    check_error(lambda: mse.grad([1.0, 2.0], [1.0, 3.0], out=np.empty(3)), loss="mse", argument="out",
                expected="shape (2,)", got="shape (3,)")
    check_error(lambda: mse.grad([1.0, 2.0], [1.0, 3.0], out=[0.0, 0.0]), loss="mse", argument="out",
                expected="NumPy array", got="list")


def test_catalog_unknown_task() -> None:
    check_error(lambda: losslab.catalog(task="clustering"), loss="catalog", argument="task",
                expected="regression, binary, multiclass, distribution", got="'clustering'")


# ------------------------------------------------------------------------------------------------------- warnings
UNNORMALIZED = [
    ("categorical_cross_entropy", [[0.5, 0.6], [0.3, 0.7]], [[1.0, 0.0], [0.0, 1.0]], "pred", "1.1"),
    ("sparse_categorical_cross_entropy", [[0.2, 0.2], [0.3, 0.7]], [0, 1], "pred", "0.4"),
    ("categorical_focal", [[0.5, 0.6], [0.3, 0.7]], [[1.0, 0.0], [0.0, 1.0]], "pred", "1.1"),
    ("kl_divergence", [[0.5, 0.6], [0.3, 0.7]], [[0.5, 0.5], [0.3, 0.7]], "pred", "1.1"),
    ("kl_divergence", [[0.5, 0.5], [0.3, 0.7]], [[0.7, 0.7], [0.3, 0.7]], "target", "1.4"),
    ("js_divergence", [[0.5, 0.5], [0.3, 0.7]], [[0.7, 0.7], [0.3, 0.7]], "target", "1.4"),
]


@pytest.mark.parametrize(("name", "pred", "target", "argument", "total"), UNNORMALIZED)
def test_rows_not_summing_to_one_warn(name: str, pred: Any, target: Any, argument: str, total: str) -> None:
    loss = losslab.get(name)
    with pytest.warns(LossInputWarning, match=rf"{name}: 1 row\(s\) of '{argument}' do not sum to 1") as record:
        value = loss(pred, target)
    assert f"the first sums to {total}" in str(record[0].message)
    assert record[0].filename == __file__  # the warning points at the caller's line
    assert np.isfinite(float(value))
    with pytest.warns(LossInputWarning):
        loss.grad(pred, target)
    # normalized rows are silent (filterwarnings=error turns any LossInputWarning into a failure)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossInputWarning)
        loss([[0.4, 0.6], [0.3, 0.7]], target if argument == "pred" else [[0.5, 0.5], [0.3, 0.7]])


@pytest.mark.parametrize(("name", "pred", "target", "argument", "total"), UNNORMALIZED)
def test_unnormalized_warning_only_suggests_parameters_the_loss_has(
    name: str, pred: Any, target: Any, argument: str, total: str
) -> None:
    loss = losslab.get(name)
    with pytest.warns(LossInputWarning) as record:
        loss(pred, target)
    if "from_logits" not in loss.params or argument == "target":
        # kl_divergence has no from_logits (get('kl_divergence', from_logits=True) is an error), and a target is
        # never a logit: the advice must be one the user can follow
        assert "from_logits" not in str(record[0].message), str(record[0].message)
    else:
        assert "from_logits=True" in str(record[0].message)


def test_warning_is_not_an_error() -> None:
    assert issubclass(LossInputWarning, UserWarning)
    assert not issubclass(LossInputWarning, LossInputError)
