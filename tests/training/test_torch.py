"""PyTorch users: a torch.nn.Module trained with a losslab loss through autograd (the example of docs/training.md)."""

from __future__ import annotations

import numpy as np
import pytest

import losslab

torch = pytest.importorskip("torch")  # installed in the dev environment: then this runs, it does not skip
torch.set_num_threads(1)  # tiny tensors: threads only add overhead (and contend on a shared machine)


def test_torch_module_trains_with_a_losslab_loss_through_autograd():
    # --- the example of docs/training.md, "PyTorch: a losslab loss in your own training loop" ---------------
    torch.manual_seed(0)
    X = torch.randn(256, 2)
    y = (X[:, 0] * X[:, 1] > 0).long()  # XOR of the signs: needs a hidden layer

    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    loss_fn = losslab.get("sparse_categorical_cross_entropy", from_logits=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)

    for _ in range(150):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)  # a torch tensor with a grad_fn: autograd sees every operation
        loss.backward()
        optimizer.step()
    # -------------------------------------------------------------------------------------------------------
    assert isinstance(loss, torch.Tensor) and loss.grad_fn is not None
    accuracy = (model(X).argmax(dim=1) == y).float().mean().item()
    assert accuracy > 0.9
    assert loss.item() < 0.3


def test_losslab_loss_gradient_through_autograd_equals_loss_grad():
    pred = torch.randn(8, 1, dtype=torch.float64, requires_grad=True)
    target = torch.randn(8, 1, dtype=torch.float64)
    huber = losslab.get("huber", delta=0.5)
    huber(pred, target).backward()
    np.testing.assert_allclose(pred.grad.numpy(), np.asarray(huber.grad(pred.detach().numpy(), target.numpy())))
    torch_value = torch.nn.functional.huber_loss(pred, target, delta=0.5)
    assert huber(pred, target).item() == pytest.approx(torch_value.item())


def test_weighted_losslab_loss_in_a_torch_loop():
    torch.manual_seed(1)
    X = torch.randn(200, 3)
    y = (X[:, 0] > 1.0).double()  # rare positives
    model = torch.nn.Linear(3, 1).double()
    loss_fn = losslab.get("binary_cross_entropy", from_logits=True, pos_weight=5.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(100):
        optimizer.zero_grad()
        loss_fn(model(X.double()).squeeze(1), y).backward()
        optimizer.step()
    recall = ((model(X.double()).squeeze(1) > 0) & (y == 1)).sum() / (y == 1).sum()
    assert recall.item() > 0.8
