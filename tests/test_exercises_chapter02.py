"""Chapter 2's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch
from torch import nn

from exercise_cases import Case, assert_rejected
from nnbook.exercises import chapter02 as ch
from nnbook.exercises import check
from nnbook.models import Perceptron


def _dtypes(**changes):
    answer = dict(ch.DTYPE_EXPRESSIONS)
    for key, value in changes.items():
        answer[getattr(ch, key)] = value
    return answer


def _features_bool_int(words):
    return torch.tensor([[w[0].isupper(), len(w)] for w in words])


def _features_per_column(words):
    return torch.tensor([[float(w[0].isupper()) for w in words], [float(len(w)) for w in words]])


def _features_swapped(words):
    return torch.tensor([[float(len(w)), float(w[0].isupper())] for w in words])


def _train(points, labels, as_float=True, epochs=200):
    X = torch.tensor(points, dtype=torch.float32) if as_float else torch.tensor(points)
    y = torch.tensor(labels, dtype=torch.float32) if as_float else torch.tensor(labels)
    model = Perceptron(input_dim=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.BCELoss()(model(X), y).backward()
        optimizer.step()
    return model


def _train_labels_long(points, labels):
    X = torch.tensor(points, dtype=torch.float32)
    return _train(X.tolist(), labels, as_float=False)


class _Logit(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.fc1(x).squeeze(-1) * 10  # no sigmoid


WRONG: list[Case] = [
    ("02.1", lambda: _dtypes(INTS=torch.float32), ch.DTYPE_INTS),
    ("02.1", lambda: _dtypes(MIXED=torch.int64), ch.DTYPE_MIXED),
    ("02.1", lambda: _dtypes(NUMPY=torch.float32), ch.DTYPE_NUMPY),
    ("02.1", lambda: _dtypes(SUM=torch.float32), ch.DTYPE_SUM),
    ("02.1", lambda: _dtypes(INTS="int64"), ch.DTYPE_NOT_DTYPE),
    ("02.1", lambda: _dtypes(INTS=torch.int32), ch.DTYPE_OTHER),
    ("02.2", lambda: _features_bool_int, ch.FEATURES_DTYPE),
    ("02.2", lambda: _features_per_column, ch.FEATURES_TRANSPOSED),
    ("02.2", lambda: _features_swapped, ch.FEATURES_ORDER),
    ("02.2", lambda: lambda words: torch.tensor([[1.0, float(len(w))] for w in words]),
     ch.FEATURES_CAPITAL),
    ("02.3", lambda: 1.5 * 2.0 - 2.0 * 1.0 + 0.5, ch.BY_HAND_SUM),
    ("02.3", lambda: 1 / (1 + torch.exp(torch.tensor(-1.0)).item()), ch.BY_HAND_NO_BIAS),
    ("02.3", lambda: 1 / (1 + torch.exp(torch.tensor(1.5)).item()), ch.BY_HAND_SIGN),
    ("02.3", lambda: 3.0, ch.BY_HAND_RANGE),
    ("02.4", lambda: "A", ch.BIAS_ROTATES),
    ("02.4", lambda: "c", ch.BIAS_SHRINKS),
    ("02.4", lambda: "D", ch.BIAS_STAYS),
    ("02.5", lambda: lambda points, labels: _train(points, labels, as_float=False),
     ch.TRAIN_POINTS_LONG),
    ("02.5", lambda: _train_labels_long, ch.TRAIN_LABELS_LONG),
    ("02.5", lambda: lambda points, labels: Perceptron(input_dim=2), ch.TRAIN_UNTRAINED),
    ("02.5", lambda: lambda points, labels: _Logit(_train(points, labels)),
     ch.TRAIN_NOT_PROBABILITY),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


RIGHT = [
    ("02.1", lambda: dict(ch.DTYPE_EXPRESSIONS)),
    ("02.2", lambda: lambda words: torch.tensor([[float(w[0].isupper()), len(w)] for w in words])),
    ("02.3", lambda: 0.8176),
    ("02.4", lambda: " b "),
    ("02.5", lambda: _train),
]


@pytest.mark.parametrize(("name", "make_answer"), RIGHT)
def test_a_right_answer_passes(name, make_answer):
    assert check(name, make_answer())


def test_the_checker_leaves_the_reader_random_state_alone():
    torch.manual_seed(1)
    expected = torch.rand(1)
    torch.manual_seed(1)
    check("02.5", _train)
    assert torch.equal(torch.rand(1), expected)
