"""Backpropagation is right: the trainer's gradient equals finite differences and PyTorch autograd."""

from __future__ import annotations

import numpy as np
import pytest

import losslab
from losslab.training import MLP, Linear, Penalty, from_arrays, make_objective
from losslab.training.optim import SGD, Adam, Momentum

NO_PENALTY = Penalty()


def _data(task: str, n_classes: int = 3, seed: int = 0, n: int = 12, d: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if task == "regression":
        y = X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n) + 3.0
    else:
        y = np.arange(n) % (2 if task == "binary" else n_classes)
    return from_arrays(X, y, task=task, val_split=0.0)


def trainer_gradient(model, objective, X, T, penalty=NO_PENALTY):
    """Exactly the trainer's steps 1-5: forward, output layer, loss.grad, chain rule back, penalty."""
    z = model.forward(X)
    pred = objective.output(z)
    dpred = objective.loss.grad(pred, T, reduction=objective.reduction)
    model.backward(objective.head_backward(dpred, z, pred))
    penalty.add_grad(model)
    return model.grad.copy()


def objective_value(model, objective, X, T, penalty=NO_PENALTY):
    pred = objective.output(model.scores(X))
    return float(objective.loss(pred, T, reduction=objective.reduction)) + penalty.value(model)


def numeric_gradient(model, objective, X, T, penalty=NO_PENALTY, h=1e-6):
    out = np.zeros_like(model.params)
    for i in range(model.params.size):
        keep = model.params[i]
        model.params[i] = keep + h
        up = objective_value(model, objective, X, T, penalty)
        model.params[i] = keep - h
        down = objective_value(model, objective, X, T, penalty)
        model.params[i] = keep
        out[i] = (up - down) / (2 * h)
    return out


CASES = [
    # (task, loss, params, output)
    ("regression", "mse", {}, "auto"),
    ("regression", "huber", {"delta": 0.5}, "auto"),
    ("regression", "log_cosh", {}, "auto"),
    ("regression", "quantile", {"q": 0.8}, "auto"),
    ("regression", "sse", {}, "auto"),
    ("regression", "rmse", {}, "auto"),
    ("regression", "poisson", {}, "auto"),  # log_input: exp link
    ("regression", "msle", {}, "auto"),  # softplus output
    ("binary", "binary_cross_entropy", {}, "auto"),  # from logits
    ("binary", "binary_cross_entropy", {"pos_weight": 3.0}, "sigmoid"),  # probabilities through a sigmoid
    ("binary", "binary_focal", {"gamma": 2.0, "alpha": 0.75}, "auto"),
    ("binary", "squared_hinge", {}, "auto"),
    ("multiclass", "sparse_categorical_cross_entropy", {}, "auto"),
    ("multiclass", "categorical_cross_entropy", {"label_smoothing": 0.1}, "softmax"),
    ("multiclass", "categorical_focal", {}, "auto"),
    ("multiclass", "kl_divergence", {}, "auto"),
    ("multiclass", "multi_margin", {"p": 2}, "auto"),
]


@pytest.mark.parametrize(("task", "loss", "params", "output"), CASES,
                         ids=[f"{c[1]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("kind", ["linear", "mlp-tanh", "mlp-relu", "mlp-sigmoid"])
def test_backprop_matches_finite_differences(task, loss, params, output, kind):
    data = _data(task)
    objective = make_objective(loss, data, output=output, loss_params=params)
    if kind == "linear":
        model = Linear(data.n_features, objective.n_outputs)
        model.params[:] = np.random.default_rng(1).standard_normal(model.params.size) * 0.3
    else:
        model = MLP(data.n_features, (5, 4), objective.n_outputs, activation=kind.split("-")[1], seed=3)
    X = data.X_train
    T = objective.encode(data.y_train)
    analytic = trainer_gradient(model, objective, X, T)
    numeric = numeric_gradient(model, objective, X, T)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kind", ["linear", "mlp"])
def test_penalty_gradient_matches_finite_differences(kind):
    data = _data("binary")
    objective = make_objective("bce", data)
    model = (Linear(3, 1) if kind == "linear" else MLP(3, (4,), 1, activation="tanh", seed=0))
    model.params[:] += np.random.default_rng(2).standard_normal(model.params.size) * 0.5
    penalty = Penalty(l1=0.01, l2=0.05)
    X, T = data.X_train, objective.encode(data.y_train)
    np.testing.assert_allclose(trainer_gradient(model, objective, X, T, penalty),
                               numeric_gradient(model, objective, X, T, penalty), rtol=1e-5, atol=1e-7)
    w = model.params[:model.n_weights]
    assert penalty.value(model) == pytest.approx(0.01 * np.abs(w).sum() + 0.05 * (w**2).sum())


def test_linear_activation_and_hinge_subgradient():
    """hinge's kink is measure-zero: away from it the gradient matches finite differences too."""
    data = _data("binary", seed=4)
    objective = make_objective("hinge", data)
    model = MLP(3, (4,), 1, activation="linear", seed=1)
    X, T = data.X_train, objective.encode(data.y_train)
    np.testing.assert_allclose(trainer_gradient(model, objective, X, T),
                               numeric_gradient(model, objective, X, T), rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------------------------------- torch
torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: threads only add overhead


def _torch_mlp(model: MLP, activation):
    layers = []
    for i, (W, b) in enumerate(zip(model.weights, model.biases, strict=True)):
        lin = torch.nn.Linear(*W.shape).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(lin)
        if i < len(model.weights) - 1:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def _flat_torch_grads(net):
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    weights = [m.weight.grad.numpy().T.ravel() for m in linears]
    biases = [m.bias.grad.numpy().ravel() for m in linears]
    return np.concatenate(weights + biases)


@pytest.mark.parametrize(("loss", "torch_loss"), [
    ("sparse_categorical_cross_entropy", lambda z, y: torch.nn.functional.cross_entropy(z, y)),
    ("multi_margin", lambda z, y: torch.nn.functional.multi_margin_loss(z, y)),
])
def test_mlp_gradient_matches_torch_autograd_multiclass(loss, torch_loss):
    data = _data("multiclass", n=20, d=4)
    objective = make_objective(loss, data)
    model = MLP(4, (6, 5), 3, activation="tanh", seed=0)
    ours = trainer_gradient(model, objective, data.X_train, objective.encode(data.y_train))
    net = _torch_mlp(model, torch.nn.Tanh)
    out = torch_loss(net(torch.from_numpy(data.X_train)), torch.from_numpy(data.y_train))
    out.backward()
    np.testing.assert_allclose(ours, _flat_torch_grads(net), rtol=1e-10, atol=1e-12)


def test_mlp_gradient_matches_torch_autograd_regression_with_penalty():
    data = _data("regression", n=16, d=3)
    objective = make_objective("huber", data, loss_params={"delta": 0.7})
    model = MLP(3, (8,), 1, activation="relu", seed=5)
    penalty = Penalty(l2=0.01)
    X, T = data.X_train, objective.encode(data.y_train)
    ours = trainer_gradient(model, objective, X, T, penalty)
    net = _torch_mlp(model, torch.nn.ReLU)
    # training runs on standardized targets, so delta (given in the target's units) is scaled to match
    delta = objective.loss.params["delta"]
    assert delta == pytest.approx(0.7 / objective.y_scale) and objective.user_loss.params["delta"] == 0.7
    out = torch.nn.functional.huber_loss(net(torch.from_numpy(X)), torch.from_numpy(T), delta=delta)
    out = out + 0.01 * sum((m.weight**2).sum() for m in net if isinstance(m, torch.nn.Linear))
    out.backward()
    np.testing.assert_allclose(ours, _flat_torch_grads(net), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("ours", "theirs"), [
    (lambda: SGD(lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: Momentum(lr=0.05, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (lambda: Momentum(lr=0.05, momentum=0.8, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6),
     lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
])
def test_optimizers_follow_pytorch_update_rules(ours, theirs):
    rng = np.random.default_rng(0)
    start = rng.standard_normal(7)
    params = start.copy()
    tensor = torch.tensor(start.copy(), requires_grad=True)
    opt, topt = ours(), theirs([tensor])
    for step in range(6):
        grad = rng.standard_normal(7) * (step + 1)
        opt.step(params, grad)
        tensor.grad = torch.tensor(grad)
        topt.step()
    np.testing.assert_allclose(params, tensor.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_loss_grad_is_where_backprop_starts():
    """d(loss)/d(pred) handed to the model is exactly the catalog's loss.grad."""
    data = _data("regression")
    objective = make_objective("mse", data)
    model = Linear(3, 1)
    pred = objective.output(model.forward(data.X_train))
    T = objective.encode(data.y_train)
    np.testing.assert_array_equal(objective.head_backward(losslab.get("mse").grad(pred, T), None, pred),
                                  losslab.get("mse").grad(pred, T))
