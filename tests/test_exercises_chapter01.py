"""Chapter 1's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch
import torch.nn.functional as F

from exercise_cases import Case, assert_rejected
from nnbook.exercises import chapter01 as ch


def _update_without_no_grad(parameters, learning_rate):
    for p in parameters:
        p -= learning_rate * p.grad  # autograd refuses: a leaf that requires grad


def _update_rebinding(parameters, learning_rate):
    for p in parameters:
        p = p - learning_rate * p.grad  # noqa: PLW2901 - the mistake under test


def _update_without_zeroing(parameters, learning_rate):
    with torch.no_grad():
        for p in parameters:
            p -= learning_rate * p.grad


WRONG: list[Case] = [
    ("01.1", lambda: lambda X, w1, b1, w2, b2: (X @ w1 + b1) @ w2 + b2, ch.FORWARD_NO_RELU),
    ("01.1", lambda: lambda X, w1, b1, w2, b2: F.relu(X @ w1) @ w2 + b2, ch.FORWARD_NO_BIAS),
    ("01.1", lambda: lambda X, w1, b1, w2, b2: F.relu(X[:2] @ w1 + b1) @ w2 + b2,
     ch.FORWARD_SHAPE),
    ("01.2", lambda: {"w1": (3, 6), "b1": (6, 1), "w2": (6, 1), "b2": (1, 1)},
     ch.SHAPES_BIAS_COLUMN),
    ("01.2", lambda: {"w1": (6, 3), "b1": (1, 6), "w2": (6, 1), "b2": (1, 1)}, ch.SHAPES_WRONG),
    ("01.3", lambda: lambda y_hat, y: (y_hat - y).mean(), ch.GRAD_NO_TWO),
    ("01.3", lambda: lambda y_hat, y: 2 * (y_hat - y).sum(), ch.GRAD_NO_MEAN),
    ("01.3", lambda: lambda y_hat, y: 2 * (y - y_hat).mean(), ch.GRAD_SIGN),
    ("01.4", lambda: 0.5 + 0.1 * -2, ch.STEP_SIGN),
    ("01.4", lambda: 0.5 - (-2), ch.STEP_NO_RATE),
    ("01.5", lambda: _update_rebinding, ch.UPDATE_NOTHING),
    ("01.5", lambda: _update_without_zeroing, ch.UPDATE_NO_ZERO),
    ("01.5", lambda: _update_without_no_grad, ch.UPDATE_GRAPH),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)
