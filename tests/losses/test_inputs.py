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


# ------------------------------------------------------------------------------------------------- extra inputs
RNG = np.random.default_rng(17)
A, P, N = (RNG.normal(size=(5, 3)) for _ in range(3))
Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])


def _input_error_cases() -> list[tuple[str, object, str, str]]:
    """(id, call, the argument named, a word the message must hold)."""
    triplet = losslab.get("triplet_margin")
    gnll = losslab.get("gaussian_nll")
    return [
        ("missing", lambda: triplet(A, P), "negative", "not passed"),
        ("misspelt", lambda: triplet(A, P, negatve=N), "negatve", "'negative'"),
        ("a parameter in the call", lambda: triplet(A, P, negative=N, margn=2.0), "margn", "parameter"),
        ("an input in get", lambda: losslab.get("triplet_margin", negative=N), "negative", "belongs to the call"),
        ("an input to a loss without any", lambda: losslab.get("mse")([1.0], [1.0], var=[1.0]), "var", "no inputs"),
        ("shape", lambda: triplet(A, P, negative=N[:3]), "negative", "(3, 3)"),
        ("text", lambda: triplet(A, P, negative=[["a"] * 3] * 5), "negative", "real"),
        ("non-finite", lambda: triplet(A, P, negative=np.where(N > 1, np.nan, N)), "negative", "finite"),
        ("labels outside +-1", lambda: losslab.cosine_embedding(A, P, y=(Y + 1) / 2), "y", "2 * y - 1"),
        ("per-example shape", lambda: losslab.cosine_embedding(A, P, y=np.ones((5, 3))), "y", "one value"),
        ("ranking labels", lambda: losslab.margin_ranking(A, P, y=np.zeros_like(A)), "y", "-1 or +1"),
        ("contrastive labels", lambda: losslab.contrastive(A, P, y=Y), "y", "(y + 1) / 2"),
        ("variance 0", lambda: gnll(A, P, var=np.zeros_like(A)), "var", "softplus"),
        ("negative variance", lambda: gnll(A, P, var=-np.ones(5)), "var", "> 0"),
        ("variance shape", lambda: gnll(A, P, var=np.ones((5, 2))), "var", "last axis"),
        ("wrt unknown", lambda: gnll.grad(A, P, var=np.ones(5), wrt="mean"), "wrt", "'pred'"),
        ("wrt a label", lambda: losslab.get("contrastive").grad(A, P, y=Y > 0, wrt="y"), "wrt", "label"),
        ("wrt the target", lambda: gnll.grad(A, P, var=np.ones(5), wrt="target"), "wrt", "target"),
        ("wrt nothing", lambda: triplet.grad(A, P, negative=N, wrt=[]), "wrt", "pred"),
        ("out with wrt", lambda: triplet.grad(A, P, negative=N, wrt="negative", out=np.empty_like(A)), "out", "out"),
        ("omit in a batch loss", lambda: losslab.info_nce(A, P, nan_policy="omit"), "nan_policy", "drop"),
        ("fair with one member", lambda: losslab.crps_ensemble(A[:, :1], P[:, 0], fair=True), "pred", "fair"),
        ("ensemble target", lambda: losslab.crps_ensemble(A, P), "target", "one value per example"),
    ]


@pytest.mark.parametrize(("call", "argument", "word"), [c[1:] for c in _input_error_cases()],
                         ids=[c[0] for c in _input_error_cases()])
def test_extra_input_errors_name_the_loss_the_input_and_a_hint(call: object, argument: str, word: str) -> None:
    with pytest.raises(LossInputError) as info:
        call()  # type: ignore[operator]
    err = info.value
    assert err.argument == argument and err.hint and err.expected and err.got, str(err)
    assert err.loss in {d.name for d in definitions()}, str(err)
    assert word in str(err), str(err)


def test_a_non_finite_input_follows_nan_policy() -> None:
    var = RNG.uniform(0.5, 2.0, (5, 3))
    var[2, 1] = np.nan
    loss = losslab.get("gaussian_nll")
    every = loss(A, P, var=np.where(np.isnan(var), 1.0, var), reduction="none")
    omitted = loss(A, P, var=var, reduction="none", nan_policy="omit")
    np.testing.assert_array_equal(omitted, np.where(np.arange(5) == 2, 0.0, every))
    assert float(loss(A, P, var=var, nan_policy="omit")) == pytest.approx(float(np.delete(every, 2).mean()),
                                                                          rel=1e-14)
    propagated = loss(A, P, var=var, reduction="none", nan_policy="propagate")
    assert np.isnan(propagated[2]) and np.isfinite(np.delete(propagated, 2)).all()
    g = loss.grad(A, P, var=var, nan_policy="omit", wrt=["pred", "var"])
    assert np.all(g["pred"][2] == 0.0) and np.all(g["var"][2] == 0.0) and np.isfinite(g["var"]).all()


def test_inputs_travel_with_the_shortcut_explain_and_prepare() -> None:
    loss = losslab.get("triplet_margin", margin=0.5)
    value = loss(A, P, negative=N)
    assert losslab.triplet_margin(A, P, negative=N, margin=0.5) == value
    e = loss.explain(A, P, negative=N)
    assert e.value == float(value) and "distance_negative" in e.columns
    from losslab.explain import explain

    assert explain("triplet_margin", A, P, negative=N, margin=0.5).value == float(value)
    batch = loss.prepare(A, P, negative=N)
    np.testing.assert_array_equal(batch.inputs["negative"], N)
    info = losslab.catalog()
    entry = next(e for e in info if e["name"] == "triplet_margin")
    assert entry["inputs"][0]["name"] == "negative" and entry["wrt"] == ["pred", "target", "negative"]
    assert entry["trainable"] is False and entry["kind"] == "rows"


def test_integer_and_float16_inputs() -> None:
    y = np.array([1, -1, 1, 1, -1])
    loss = losslab.get("cosine_embedding")
    np.testing.assert_array_equal(loss(A, P, y=y), loss(A, P, y=y.astype(float)))
    g = losslab.get("gaussian_nll").grad(A.astype(np.float16), P.astype(np.float16),
                                         var=np.ones(5, np.float16), wrt=["pred", "var"])
    assert g["pred"].dtype == np.float16 and g["var"].dtype == np.float16 and g["var"].shape == (5,)


# ---------------------------------------------------------------------------------------- sequences (kind="sequence")
def _ctc_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((3, 6, 4))
    lp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return lp, np.array([[1, 2, 2], [3, 0, 0], [9, 9, 9]]), np.array([6, 4, 2]), np.array([3, 1, 0])


def test_sequence_metadata_is_declarative() -> None:
    d = losslab.losses.definition("ctc")
    assert (d.kind, d.target_format, d.example_ndim, d.trainable, d.why_untrainable, d.autograd) == (
        "sequence", "padded_labels", 2, False, "sequence", False)
    assert d.mean_divisor is not None and d.wrt == ("pred",)
    info = d.info()
    assert [(i["name"], i["shape"], i["length_of"]) for i in info["inputs"]] == [
        ("input_lengths", "per_example", "pred"), ("target_lengths", "per_example", "target")]
    assert info["untrainable_reason"] == "sequence"


def test_a_sequence_keeps_its_three_axes_and_its_gradient_the_shape_of_pred() -> None:
    lp, labels, il, tl = _ctc_batch()
    loss = losslab.get("ctc")
    batch = loss.prepare(lp, labels, input_lengths=il, target_lengths=tl)
    assert batch.pred.shape == (3, 6, 4) and batch.target.shape == (3, 3) and batch.n == 3
    assert batch.inputs["input_lengths"].shape == (3,)
    per = loss(lp, labels, reduction="none", input_lengths=il, target_lengths=tl)
    assert per.shape == (3,)
    # the mean divides each loss by max(S_n, 1) (PyTorch), "sum" does not; the gradients likewise
    np.testing.assert_allclose(loss(lp, labels, input_lengths=il, target_lengths=tl),
                               np.mean(per / np.maximum(tl, 1)), rtol=1e-14)
    g_none = loss.grad(lp, labels, reduction="none", input_lengths=il, target_lengths=tl)
    g_mean = loss.grad(lp, labels, input_lengths=il, target_lengths=tl)
    assert g_mean.shape == lp.shape
    np.testing.assert_allclose(g_mean, g_none / np.maximum(tl, 1)[:, None, None] / 3, rtol=1e-14)
    # weights: sum(w_n l_n / max(S_n, 1)) / sum(w_n)
    w = np.array([2.0, 0.0, 1.0])
    np.testing.assert_allclose(loss(lp, labels, sample_weight=w, input_lengths=il, target_lengths=tl),
                               np.sum(w * per / np.maximum(tl, 1)) / 3.0, rtol=1e-14)
    # one sequence: (T, C) and (S,), lengths as scalars; the value and the gradient of that sequence alone
    v1, g1 = loss.value_and_grad(lp[0], labels[0], input_lengths=6, target_lengths=3)
    np.testing.assert_allclose(v1, per[0] / 3, rtol=1e-14)
    assert g1.shape == (6, 4)
    np.testing.assert_allclose(g1, loss.grad(lp[:1], labels[:1], input_lengths=il[:1], target_lengths=tl[:1])[0],
                               rtol=1e-14)


@pytest.mark.parametrize(("call", "argument", "words"), [
    (lambda lp, y, il, tl: ((lp[:, :, 0], y), {}), "target", "padded integer labels"),
    (lambda lp, y, il, tl: ((lp[..., None], y), {}), "pred", "(N, T, C)"),
    (lambda lp, y, il, tl: ((lp, y[:2]), {}), "target", "(3, S)"),
    (lambda lp, y, il, tl: ((lp, y), {"input_lengths": il[:2]}), "input_lengths", "one value per example"),
    (lambda lp, y, il, tl: ((lp, y), {"target_lengths": -tl}), "target_lengths", "non-negative"),
    (lambda lp, y, il, tl: ((lp, y), {"target_lengths": None}), "target_lengths", "an array"),
    (lambda lp, y, il, tl: ((np.where(lp < -2, -np.inf, lp), y), {}), "pred", "finite"),
    (lambda lp, y, il, tl: ((lp + 1.0, y), {}), "pred", "<= 0"),
    (lambda lp, y, il, tl: ((lp, np.where(y == 2, 0, y)), {}), "target", "blank"),
    (lambda lp, y, il, tl: ((lp, y), {"input_lengths": np.array([3, 4, 2])}), "target", "frames"),
    (lambda lp, y, il, tl: ((lp, y), {"input_lengths": np.array([2, 4, 2])}), "target_lengths", "frames"),
])
def test_sequence_input_errors_name_the_argument(call, argument: str, words: str) -> None:
    lp, labels, il, tl = _ctc_batch()
    (pred, target), extra = call(lp, labels, il, tl)
    inputs = {"input_lengths": il, "target_lengths": tl, **extra}
    with pytest.raises(LossInputError) as info:
        losslab.get("ctc")(pred, target, **inputs)
    assert info.value.argument == argument, info.value
    assert words in f"{info.value.expected} {info.value.got}", info.value
    assert info.value.hint


def test_sequence_losses_refuse_nan_policies_other_than_raise() -> None:
    lp, labels, il, tl = _ctc_batch()
    for policy in ("omit", "propagate"):
        with pytest.raises(LossInputError) as info:
            losslab.get("ctc")(lp, labels, nan_policy=policy, input_lengths=il, target_lengths=tl)
        assert info.value.argument == "nan_policy" and info.value.hint


def test_lengths_as_floats_must_be_whole() -> None:
    lp, labels, il, tl = _ctc_batch()
    with pytest.raises(LossInputError) as info:
        losslab.get("ctc")(lp, labels, input_lengths=il + 0.5, target_lengths=tl)
    assert info.value.argument == "input_lengths" and "non-integer" in info.value.got
