"""Chapters 2-5: the networks' shapes, that they learn, that the training helper can be
resumed; chapter 8: a weights file is loaded safely and strictly."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from nnbook.data import iris, separable_points
from nnbook.fullbatch import accuracy_of, train_full_batch
from nnbook.models import (
    CifarResNet,
    IrisNet,
    Perceptron,
    SmallNet,
    pretrained_resnet,
    verify_checksum,
)


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
    before = accuracy_of(model, X, y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = train_full_batch(model, optimizer, X, y, epochs=200, loss_fn=torch.nn.BCELoss())
    assert losses[-1] < losses[0] / 10
    assert before < 1.0 and accuracy_of(model, X, y) == 1.0


def test_iris_net_learns(iris_tensors):
    X_train, X_test, y_train, y_test = iris_tensors
    torch.manual_seed(0)
    model = IrisNet()
    assert accuracy_of(model, X_test, y_test) < 0.6
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    train_full_batch(model, optimizer, X_train, y_train, epochs=150)
    assert accuracy_of(model, X_test, y_test) >= 0.95


def test_accuracy_uses_eval_mode_and_restores_it(iris_tensors):
    X_train, _, y_train, _ = iris_tensors
    model = IrisNet(dropout=0.5)
    model.train()
    first = accuracy_of(model, X_train, y_train)
    assert accuracy_of(model, X_train, y_train) == first  # dropout off while measuring
    assert model.training


def test_train_full_batch_is_the_five_step_loop_and_can_be_resumed(iris_tensors):
    """The helper does exactly chapter 4's five steps, keeps no state of its own between
    calls (so chapter 5 can stop and go on), and reports the loss before each step."""
    X_train, _, y_train, _ = iris_tensors
    torch.manual_seed(1)
    reference = IrisNet()
    helped = IrisNet()
    helped.load_state_dict(reference.state_dict())
    optimizer = torch.optim.Adam(reference.parameters(), lr=0.01)
    by_hand = []
    for _ in range(20):  # chapter 4's loop, written out
        optimizer.zero_grad()
        loss = F.cross_entropy(reference(X_train), y_train)
        loss.backward()
        optimizer.step()
        by_hand.append(loss.item())
    optimizer = torch.optim.Adam(helped.parameters(), lr=0.01)
    helped.eval()  # the helper switches to training mode itself
    losses = train_full_batch(helped, optimizer, X_train, y_train, 10)
    assert helped.training
    losses += train_full_batch(helped, optimizer, X_train, y_train, 10)  # resumed
    assert len(losses) == 20 and losses == by_hand
    pairs = zip(reference.parameters(), helped.parameters(), strict=True)
    assert all(torch.equal(p, q) for p, q in pairs)
    assert losses[-1] < losses[0]


def _named_by_checksum(folder: Path, blob: bytes) -> Path:
    """A weights file whose name carries its own sha256 prefix, as verify_checksum expects."""
    path = folder / f"resnet20-{hashlib.sha256(blob).hexdigest()[:8]}.th"
    path.write_bytes(blob)
    return path


def test_pretrained_resnet_never_runs_code_from_a_checkpoint(tmp_path):
    ran = tmp_path / "code-ran"

    class Surprise:
        def __reduce__(self):
            return (os.mkdir, (str(ran),))

    buffer = io.BytesIO()
    state = {f"module.{k}": v for k, v in CifarResNet(20).state_dict().items()}
    torch.save({"state_dict": state, "extra": Surprise()}, buffer)
    path = _named_by_checksum(tmp_path, buffer.getvalue())
    assert verify_checksum(path)  # the checksum is right: only weights_only can stop it
    with pytest.raises(pickle.UnpicklingError):
        pretrained_resnet(20, path=path)
    assert not ran.exists()


def test_pretrained_resnet_refuses_a_checkpoint_that_does_not_fit(tmp_path):
    state = {f"module.{k}": v for k, v in CifarResNet(20).state_dict().items()}
    buffer = io.BytesIO()
    torch.save({"state_dict": state}, buffer)
    good = _named_by_checksum(tmp_path, buffer.getvalue())
    loaded = pretrained_resnet(20, path=good)
    assert torch.equal(loaded.conv1.weight, state["module.conv1.weight"]) and not loaded.training
    del state["module.linear.bias"]
    buffer = io.BytesIO()
    torch.save({"state_dict": state}, buffer)
    with pytest.raises(RuntimeError, match="linear.bias"):  # strict=True: every weight must fit
        pretrained_resnet(20, path=_named_by_checksum(tmp_path, buffer.getvalue()))
