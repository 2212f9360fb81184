"""Chapter 1, tensors and gradients by hand: the checkers of exercises 01.1–01.5."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_


def _network(rows: int, inputs: int, hidden: int, seed: int):
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(rows, inputs, generator=generator)
    w1 = torch.randn(inputs, hidden, generator=generator)
    b1 = torch.randn(1, hidden, generator=generator)
    w2 = torch.randn(hidden, 1, generator=generator)
    b2 = torch.randn(1, 1, generator=generator)
    return X, w1, b1, w2, b2


FORWARD_NO_RELU = N_("your function gives what the network would give without its activation. "
                     "Where does ReLU go between the two layers?")
FORWARD_NO_BIAS = N_("one of the two biases is missing from your sum.")
FORWARD_SHAPE = N_("for 5 rows your function gives the shape {got}; the network gives one "
                   "value per row, {want}.")
FORWARD_OTHER = N_("your function gives other numbers than the network for the same weights. "
                   "Compare it with the chapter’s forward pass, step by step.")


@exercise("01.1")
def forward(answer) -> None:
    """A function forward(X, w1, b1, w2, b2) giving the chapter's network's output."""
    fn = expect.function(answer)
    for seed, rows in [(1, 5), (2, 1), (3, 7)]:
        X, w1, b1, w2, b2 = _network(rows, 3, 4, seed)
        got = fn(X, w1, b1, w2, b2)
        expect.tensor(got)
        if tuple(got.shape) != (rows, 1):
            raise Wrong(FORWARD_SHAPE, got=tuple(got.shape), want=(rows, 1))
        want = F.relu(X @ w1 + b1) @ w2 + b2
        if torch.allclose(got, want, atol=1e-5):
            continue
        if torch.allclose(got, (X @ w1 + b1) @ w2 + b2, atol=1e-5):
            raise Wrong(FORWARD_NO_RELU)
        if any(torch.allclose(got, other, atol=1e-5) for other in (
                F.relu(X @ w1) @ w2 + b2, F.relu(X @ w1 + b1) @ w2, F.relu(X @ w1) @ w2)):
            raise Wrong(FORWARD_NO_BIAS)
        raise Wrong(FORWARD_OTHER)


SHAPES_KEYS = ["w1", "b1", "w2", "b2"]
SHAPES_BIAS_COLUMN = N_("a bias of shape (6, 1) does not fit the product X @ w1, which has one "
                        "row per example and one column per neuron. Which dimension must match?")
SHAPES_NOT_TUPLE = N_("write each shape as a tuple of whole numbers, like (2, 3).")
SHAPES_WRONG = N_("at least one shape does not fit: {names}. Multiply the shapes out, layer by "
                  "layer, as the chapter does.")


@exercise("01.2")
def shapes(answer) -> None:
    """The shapes of w1, b1, w2, b2 when the hidden layer has 6 neurons (3 inputs, 1 output)."""
    given = expect.dictionary(answer, SHAPES_KEYS)
    want = {"w1": (3, 6), "b1": (1, 6), "w2": (6, 1), "b2": (1, 1)}
    for name in SHAPES_KEYS:
        value = given[name]
        if isinstance(value, torch.Size):
            value = tuple(value)
        if not isinstance(value, tuple) or not all(isinstance(n, int) for n in value):
            raise Wrong(SHAPES_NOT_TUPLE)
        given[name] = value
    if given["b1"] == (6, 1):
        raise Wrong(SHAPES_BIAS_COLUMN)
    wrong = [name for name in SHAPES_KEYS if given[name] != want[name]]
    if wrong:
        raise Wrong(SHAPES_WRONG, names=", ".join(wrong))


GRAD_NO_TWO = N_("your gradient is half of autograd’s. What does differentiating a square "
                 "bring down in front?")
GRAD_NO_MEAN = N_("your gradient is n times autograd’s: the loss is a mean, not a sum.")
GRAD_SIGN = N_("your gradient has the opposite sign: the derivative of (ŷ − y)² with respect "
               "to ŷ is positive where ŷ is too large.")
GRAD_OTHER = N_("your gradient differs from autograd’s for the same ŷ and y. Apply the chain "
                "rule to the mean of (ŷ − y)².")


@exercise("01.3")
def grad_b2(answer) -> None:
    """A function grad_b2(y_hat, y): dL/db2 of the mean squared error, by the chain rule."""
    fn = expect.function(answer)
    for seed, rows in [(4, 2), (5, 6)]:
        generator = torch.Generator().manual_seed(seed)
        y_hat = torch.randn(rows, 1, generator=generator)
        y = torch.randn(rows, 1, generator=generator)
        b2 = torch.zeros(1, 1, requires_grad=True)
        F.mse_loss(y_hat + b2, y).backward()
        want = b2.grad.item()
        got = expect.number(fn(y_hat.clone(), y.clone()))

        def close(value: float, got: float = got) -> bool:
            return abs(got - value) <= 1e-5 * max(1.0, abs(value))

        if close(want):
            continue
        if close(want / 2):
            raise Wrong(GRAD_NO_TWO)
        if close(want * rows) or close(want * rows / 2):
            raise Wrong(GRAD_NO_MEAN)
        if close(-want):
            raise Wrong(GRAD_SIGN)
        raise Wrong(GRAD_OTHER)


STEP_SIGN = N_("you stepped uphill: with a negative gradient the parameter must grow.")
STEP_NO_RATE = N_("you subtracted the whole gradient; only the learning rate’s share of it "
                  "is subtracted.")
STEP_OTHER = N_("not the value one step of gradient descent gives. Write the update rule with "
                "the numbers in it.")


# The exercise's numbers; the pages glue them into its text.
ONE_STEP = {"value": 0.5, "gradient": -2, "learning_rate": 0.1}


@exercise("01.4")
def one_step(answer) -> None:
    """By hand: a parameter after one step of gradient descent (the numbers of ONE_STEP)."""
    got = expect.number(answer)
    value, gradient, rate = ONE_STEP["value"], ONE_STEP["gradient"], ONE_STEP["learning_rate"]
    if abs(got - (value - rate * gradient)) < 1e-6:
        return
    if abs(got - (value + rate * gradient)) < 1e-6:
        raise Wrong(STEP_SIGN)
    if abs(got - (value - gradient)) < 1e-6:
        raise Wrong(STEP_NO_RATE)
    raise Wrong(STEP_OTHER)


UPDATE_NOTHING = N_("after your function the parameters are unchanged. A line like p = p − … "
                    "only gives a new tensor a local name; change the tensor itself with −= .")
UPDATE_NO_ZERO = N_("the parameters moved, but their gradients are still there: the next "
                    "backward() would add to them.")
UPDATE_SIGN = N_("the parameters moved with the gradient, uphill; gradient descent goes the "
                 "other way.")
UPDATE_GRAPH = N_("your update was recorded by autograd: the parameters are no longer leaf "
                  "tensors. Do the update inside torch.no_grad().")
UPDATE_OTHER = N_("the parameters did not move by the learning rate times their gradient.")


@exercise("01.5")
def gradient_step(answer) -> None:
    """A function gradient_step(parameters, learning_rate): one update in place, gradients
    zeroed afterwards."""
    fn = expect.function(answer)
    X, *weights = _network(4, 3, 4, seed=6)
    parameters = [w.clone().requires_grad_(True) for w in weights]
    w1, b1, w2, b2 = parameters
    y = torch.ones(4, 1)
    F.mse_loss(F.relu(X @ w1 + b1) @ w2 + b2, y).backward()
    before = [p.detach().clone() for p in parameters]
    grads = [p.grad.clone() for p in parameters]
    try:
        fn(parameters, 0.1)
    except RuntimeError as err:
        if "leaf Variable" in str(err):
            raise Wrong(UPDATE_GRAPH) from err
        raise
    if any(not p.is_leaf for p in parameters):
        raise Wrong(UPDATE_GRAPH)
    after = [p.detach() for p in parameters]
    if all(torch.equal(a, b) for a, b in zip(after, before, strict=True)):
        raise Wrong(UPDATE_NOTHING)
    moves = [(a - b, 0.1 * g) for a, b, g in zip(after, before, grads, strict=True)]
    if all(torch.allclose(moved, step) for moved, step in moves):
        raise Wrong(UPDATE_SIGN)
    if not all(torch.allclose(moved, -step) for moved, step in moves):
        raise Wrong(UPDATE_OTHER)
    if any(p.grad is not None and p.grad.abs().sum() > 0 for p in parameters):
        raise Wrong(UPDATE_NO_ZERO)
