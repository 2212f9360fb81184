"""Chapter 3's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from exercise_cases import Case, assert_rejected
from nnbook.exercises import chapter03 as ch
from nnbook.exercises import check

X, W1, B1, W2, B2 = ch.BY_HAND.values()
Z1 = W1 @ X + B1
A1 = F.relu(Z1)
Z2 = W2 @ A1 + B2
A2 = F.softmax(Z2, dim=0)


def _four(**changes):
    answer = {"z1": Z1.tolist(), "a1": A1.tolist(), "z2": Z2.tolist(), "a2": A2.tolist()}
    return {**answer, **changes}


def _softmax_exp_only(logits):
    return torch.exp(logits)


def _softmax_columns(logits):
    e = torch.exp(logits)
    return e / e.sum(dim=0, keepdim=True)


def _softmax_all(logits):
    e = torch.exp(logits)
    return e / e.sum()


def _softmax_no_keepdim(logits):
    e = torch.exp(logits)
    return e / e.sum(dim=1)


def _softmax_naive(logits):
    e = torch.exp(logits)
    return e / e.sum(dim=1, keepdim=True)


def _softmax_stable(logits):
    e = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)


def _merged(fc1, fc2, weight, bias):
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    return layer


def _merge(fc1, fc2):
    return _merged(fc1, fc2, fc2.weight @ fc1.weight, fc2.weight @ fc1.bias + fc2.bias)


WRONG: list[Case] = [
    ("03.1", lambda: {"weight": (4, 10), "bias": (10,), "w1": (4, 10)}, ch.SHAPES_WEIGHT),
    ("03.1", lambda: {"weight": (10, 4), "bias": (1, 10), "w1": (4, 10)}, ch.SHAPES_BIAS),
    ("03.1", lambda: {"weight": (10, 4), "bias": (10,), "w1": (10, 4)}, ch.SHAPES_W1),
    ("03.1", lambda: {"weight": (10, 4), "bias": 10, "w1": (4, 10)}, ch.SHAPES_NOT_TUPLE),
    ("03.1", lambda: {"weight": (10, 4), "bias": (4,), "w1": (4, 10)}, ch.SHAPES_WRONG),
    ("03.2", lambda: _four(z1=(W1 @ X).tolist()), ch.FOUR_Z1_NO_BIAS),
    ("03.2", lambda: _four(z1=[1.0, 1.0]), ch.FOUR_Z1_OTHER),
    ("03.2", lambda: _four(a1=Z1.tolist()), ch.FOUR_A1),
    ("03.2", lambda: _four(z2=(W2 @ Z1 + B2).tolist()), ch.FOUR_Z2_NO_RELU),
    ("03.2", lambda: _four(z2=(A1 @ W2 + B2).tolist()), ch.FOUR_Z2_TRANSPOSED),
    ("03.2", lambda: _four(z2=(W2 @ A1).tolist()), ch.FOUR_Z2_NO_BIAS),
    ("03.2", lambda: _four(a2=torch.exp(Z2).tolist()), ch.FOUR_A2_SUM),
    ("03.2", lambda: _four(a2=[0.5, 0.5]), ch.FOUR_A2_OTHER),
    ("03.2", lambda: _four(z1=[1.0, 2.0, 3.0]), ch.FOUR_NOT_TWO),
    ("03.3", lambda: lambda logits: F.softmax(logits, dim=1), ch.SOFTMAX_BUILTIN),
    ("03.3", lambda: lambda logits: logits.softmax(dim=-1), ch.SOFTMAX_BUILTIN),
    ("03.3", lambda: _softmax_columns, ch.SOFTMAX_COLUMNS),
    ("03.3", lambda: _softmax_all, ch.SOFTMAX_ALL),
    ("03.3", lambda: _softmax_no_keepdim, ch.SOFTMAX_KEEPDIM),
    ("03.3", lambda: _softmax_naive, ch.SOFTMAX_OVERFLOW),
    ("03.3", lambda: _softmax_exp_only, ch.SOFTMAX_OTHER),
    ("03.4", lambda: "A", ch.DIM_ROWS),
    ("03.4", lambda: "C", ch.DIM_LAST),
    ("03.5", lambda: lambda fc1, fc2: nn.Sequential(fc1, fc2), ch.MERGE_NOT_LINEAR),
    ("03.5", lambda: lambda fc1, fc2: _merged(fc1, fc2, (fc2.weight @ fc1.weight).T,
                                              fc2.weight @ fc1.bias + fc2.bias),
     ch.MERGE_TRANSPOSED),
    ("03.5", lambda: lambda fc1, fc2: _merged(fc1, fc2, fc2.weight @ fc1.weight,
                                              fc1.bias.sum() + fc2.bias), ch.MERGE_BIAS),
    ("03.5", lambda: lambda fc1, fc2: _merged(fc1, fc2, fc2.weight @ fc1.weight * 2,
                                              fc2.bias), ch.MERGE_OTHER),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


RIGHT = [
    ("03.1", lambda: {"weight": torch.Size([10, 4]), "bias": (10,), "w1": (4, 10)}),
    ("03.2", lambda: {"z1": [-2, 1.5], "a1": [0, 1.5], "z2": torch.tensor([3.5, 1.5]),
                      "a2": [0.881, 0.119]}),
    ("03.3", lambda: _softmax_stable),
    ("03.4", lambda: "B"),
    ("03.5", lambda: _merge),
]


@pytest.mark.parametrize(("name", "make_answer"), RIGHT)
def test_a_right_answer_passes(name, make_answer):
    assert check(name, make_answer())


def test_pytorch_softmax_works_again_after_a_check():
    check("03.3", lambda logits: F.softmax(logits, dim=1))
    logits = torch.tensor([[0.0, 1.0]])
    assert torch.allclose(F.softmax(logits, dim=1), logits.softmax(dim=1))
    assert torch.allclose(torch.softmax(logits, dim=1), _softmax_stable(logits))
    assert "softmax" not in torch.Tensor.__dict__
