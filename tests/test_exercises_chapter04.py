"""Chapter 4's checkers accept the chapter's solutions and reject the typical mistakes, each
with its own hint."""

import math

import numpy as np
import pytest
import torch

from exercise_cases import Case, assert_rejected
from nnbook import i18n
from nnbook.exercises import chapter04 as ch
from nnbook.exercises import check


def _step(model, optimizer, criterion, X, y):
    optimizer.zero_grad()
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_without_zero_grad(model, optimizer, criterion, X, y):
    loss = criterion(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_before_backward(model, optimizer, criterion, X, y):
    optimizer.zero_grad()
    optimizer.step()
    loss = criterion(model(X), y)
    loss.backward()
    return loss.item()


def _step_with_softmax(model, optimizer, criterion, X, y):
    optimizer.zero_grad()
    loss = criterion(torch.softmax(model(X), dim=1), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_returning_the_new_loss(model, optimizer, criterion, X, y):
    _step(model, optimizer, criterion, X, y)
    with torch.no_grad():
        return criterion(model(X), y).item()


def _accuracy(model, X, y):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        right = model(X).argmax(dim=1) == y
    model.train(was_training)
    return right.float().mean().item()


def _accuracy_in_training_mode(model, X, y):
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def _accuracy_with_graph(model, X, y):
    was_training = model.training
    model.eval()
    right = model(X).argmax(dim=1) == y
    model.train(was_training)
    return right.float().mean().item()


def _accuracy_left_in_eval(model, X, y):
    model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def _accuracy_as(change, dim=1):
    def accuracy(model, X, y):
        was_training = model.training
        model.eval()
        with torch.no_grad():
            right = (model(X).argmax(dim=dim) == y).float()
        model.train(was_training)
        return change(right)
    return accuracy


def _choose(history):
    return min(range(len(history["val"])), key=history["val"].__getitem__) + 1


LOOP = dict(ch.LOOP_CHANGES)
WRONG: list[Case] = [
    ("04.1", lambda: {**LOOP, "float_targets": "B"}, ch.LOOP_HINTS["float_targets"]),
    ("04.1", lambda: {**LOOP, "softmax_in_model": "C"}, ch.LOOP_HINTS["softmax_in_model"]),
    ("04.1", lambda: {**LOOP, "zero_grad_last": "B"}, ch.LOOP_HINTS["zero_grad_last"]),
    ("04.1", lambda: {**LOOP, "lr_10": "A"}, ch.LOOP_HINTS["lr_10"]),
    ("04.2", lambda: math.log(math.exp(1) / (math.exp(2) + math.exp(1) + math.exp(0.1))),
     ch.CE_SIGN),
    ("04.2", lambda: math.exp(1) / (math.exp(2) + math.exp(1) + math.exp(0.1)),
     ch.CE_PROBABILITY),
    ("04.2", lambda: -math.log10(math.exp(1) / (math.exp(2) + math.exp(1) + math.exp(0.1))),
     ch.CE_LOG10),
    ("04.2", lambda: torch.nn.CrossEntropyLoss()(torch.softmax(torch.tensor([[2.0, 1.0, 0.1]]),
                                                               dim=1), torch.tensor([1])),
     ch.CE_TWICE),
    ("04.2", lambda: -math.log(math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1))),
     ch.CE_CLASS),
    ("04.3", lambda: _step_without_zero_grad, ch.STEP_NO_ZERO),
    ("04.3", lambda: _step_before_backward, ch.STEP_NOT_MOVED),
    ("04.3", lambda: _step_with_softmax, ch.STEP_SOFTMAX),
    ("04.3", lambda: _step_returning_the_new_loss, ch.STEP_LOSS_AFTER),
    ("04.4", lambda: _accuracy_in_training_mode, ch.ACC_TRAIN_MODE),
    ("04.4", lambda: _accuracy_with_graph, ch.ACC_GRAPH),
    ("04.4", lambda: _accuracy_left_in_eval, ch.ACC_MODE_LEFT),
    ("04.4", lambda: _accuracy_as(lambda right: right.sum().item()), ch.ACC_COUNT),
    ("04.4", lambda: _accuracy_as(lambda right: 100 * right.mean().item()), ch.ACC_PERCENT),
    ("04.4", lambda: _accuracy_as(lambda right: right.mean().item(), dim=0), ch.ACC_DIM),
    ("04.5", lambda: lambda h: int(np.argmin(h["test"])) + 1, ch.EPOCHS_TEST),
    ("04.5", lambda: lambda h: int(np.argmin(h["train"])) + 1, ch.EPOCHS_TRAIN),
    ("04.5", lambda: lambda h: np.argmin(h["val"]), ch.EPOCHS_INDEX),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


@pytest.mark.parametrize(("name", "answer"), [
    ("04.1", LOOP),
    ("04.2", -math.log(math.exp(1) / (math.exp(2) + math.exp(1) + math.exp(0.1)))),
    ("04.2", 1.42),
    ("04.3", _step),
    ("04.4", _accuracy),
    ("04.5", _choose),
    ("04.5", lambda h: np.argmin(h["val"]) + 1),
])
def test_a_right_answer_passes(name, answer):
    i18n.activate("sv")
    assert check(name, answer)
