"""Chapters 2-5: the networks' shapes, that they learn, and that saving and resuming are exact."""

from __future__ import annotations

import io

import pytest
import torch
import torch.nn.functional as F

from nnbook.data import iris, separable_points
from nnbook.fullbatch import accuracy, train_full_batch
from nnbook.models import IrisNet, Perceptron, SmallNet


@pytest.fixture(scope="module")
def iris_tensors():
    d = iris(test_size=0.2, seed=0)
    as_float = [torch.tensor(a, dtype=torch.float32) for a in (d.X_train, d.X_test)]
    as_long = [torch.tensor(a, dtype=torch.long) for a in (d.y_train, d.y_test)]
    return as_float[0], as_float[1], as_long[0], as_long[1]


def test_shapes():
    assert Perceptron(2)(torch.zeros(5, 2)).shape == (5,)
    assert SmallNet()(torch.zeros(3)).shape == (2,)
    assert SmallNet()(torch.zeros(4, 3)).shape == (4, 2)
    assert IrisNet()(torch.zeros(7, 4)).shape == (7, 3)
    assert IrisNet().fc1.weight.shape == (10, 4)  # nn.Linear keeps (out, in)


def test_small_net_is_linear_relu_linear_softmax():
    torch.manual_seed(0)
    net, x = SmallNet(), torch.randn(6, 3)
    by_hand = F.relu(x @ net.fc1.weight.T + net.fc1.bias) @ net.fc2.weight.T + net.fc2.bias
    probs = net(x)
    assert torch.allclose(probs, torch.exp(by_hand) / torch.exp(by_hand).sum(dim=1, keepdim=True))
    assert torch.allclose(probs.sum(dim=1), torch.ones(6))


def test_separable_points_are_separated_by_their_line():
    points, labels = separable_points(n=100, seed=0)
    assert len(points) == len(labels) == 100 and 0 < sum(labels) < 100
    for (x1, x2), label in zip(points, labels, strict=True):
        assert (x1 + 2 * x2 - 1 > 0) == bool(label)


def test_perceptron_reaches_full_training_accuracy():
    points, labels = separable_points(n=100, seed=0)
    X, y = torch.tensor(points), torch.tensor(labels, dtype=torch.float32)
    torch.manual_seed(0)
    model = Perceptron(2)
    before = accuracy(model, X, y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = train_full_batch(model, optimizer, X, y, epochs=200, loss_fn=torch.nn.BCELoss())
    assert losses[-1] < losses[0] / 10
    assert before < 1.0 and accuracy(model, X, y) == 1.0


def test_iris_net_learns(iris_tensors):
    X_train, X_test, y_train, y_test = iris_tensors
    torch.manual_seed(0)
    model = IrisNet()
    assert accuracy(model, X_test, y_test) < 0.6
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    train_full_batch(model, optimizer, X_train, y_train, epochs=150)
    assert accuracy(model, X_test, y_test) >= 0.95


def test_accuracy_uses_eval_mode_and_restores_it(iris_tensors):
    X_train, _, y_train, _ = iris_tensors
    model = IrisNet(dropout=0.5)
    model.train()
    first = accuracy(model, X_train, y_train)
    assert accuracy(model, X_train, y_train) == first  # dropout off while measuring
    assert model.training


def test_state_dict_round_trip(iris_tensors):
    X_train, X_test, y_train, _ = iris_tensors
    torch.manual_seed(0)
    model = IrisNet()
    train_full_batch(model, torch.optim.Adam(model.parameters(), lr=0.01), X_train, y_train, 20)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = IrisNet()
    assert not torch.equal(fresh(X_test), model(X_test))
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(fresh(X_test), model(X_test))


def _resumed(X, y, with_optimizer_state: bool):
    torch.manual_seed(1)
    model = IrisNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    before = train_full_batch(model, optimizer, X, y, 10)
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)
    buffer.seek(0)
    checkpoint = torch.load(buffer, weights_only=True)
    model = IrisNet()
    model.load_state_dict(checkpoint["model"])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    if with_optimizer_state:
        optimizer.load_state_dict(checkpoint["optimizer"])
    return model, before + train_full_batch(model, optimizer, X, y, 10)


def test_resume_from_checkpoint_is_exact(iris_tensors):
    X_train, _, y_train, _ = iris_tensors
    torch.manual_seed(1)
    model = IrisNet()
    full = train_full_batch(model, torch.optim.Adam(model.parameters(), lr=0.01), X_train,
                            y_train, 20)
    resumed, losses = _resumed(X_train, y_train, with_optimizer_state=True)
    assert losses == full
    pairs = zip(model.parameters(), resumed.parameters(), strict=True)
    assert all(torch.equal(p, q) for p, q in pairs)
    # without the optimizer's state the run is a different one: the check above can fail
    other, _ = _resumed(X_train, y_train, with_optimizer_state=False)
    assert not torch.equal(model.fc1.weight, other.fc1.weight)


def test_weights_only_refuses_code():
    class Surprise:
        def __reduce__(self):
            return (eval, ("6 * 7",))

    buffer = io.BytesIO()
    torch.save({"extra": Surprise()}, buffer)
    buffer.seek(0)
    with pytest.raises(Exception, match="Unsupported global"):
        torch.load(buffer, weights_only=True)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=False)["extra"] == 42
