"""Chapter 3, a small network by hand: the checkers of exercises 03.1–03.5."""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_

# Exercise 03.1's layer, as the page's cell writes it: torch.nn.Linear(4, 10).
LAYER_IN, LAYER_OUT = 4, 10

SHAPES_KEYS = ["weight", "bias", "w1"]
SHAPES_NOT_TUPLE = N_("write each shape as a tuple of whole numbers, like (2, 3) or (5,).")
SHAPES_WEIGHT = N_("nn.Linear stores its weights as (out, in): one row per neuron of the layer.")
SHAPES_BIAS = N_("nn.Linear’s bias is a vector, one number per neuron: a tuple with one "
                 "element.")
SHAPES_W1 = N_("in chapter 1 the product is X @ w1, and X has one column per input: w1 has one "
               "row per input.")
SHAPES_WRONG = N_("at least one shape does not fit: {names}.")


@exercise("03.1")
def shapes(answer) -> None:
    """The shapes of nn.Linear(4, 10)'s weight and bias, and of chapter 1's w1 for that layer."""
    given = expect.dictionary(answer, SHAPES_KEYS)
    for name in SHAPES_KEYS:
        value = tuple(given[name]) if isinstance(given[name], torch.Size) else given[name]
        if not isinstance(value, tuple) or not all(isinstance(n, int) for n in value):
            raise Wrong(SHAPES_NOT_TUPLE)
        given[name] = value
    want = {"weight": (LAYER_OUT, LAYER_IN), "bias": (LAYER_OUT,), "w1": (LAYER_IN, LAYER_OUT)}
    if given["weight"] == want["w1"]:
        raise Wrong(SHAPES_WEIGHT)
    if given["bias"] in {(1, LAYER_OUT), (LAYER_OUT, 1)}:
        raise Wrong(SHAPES_BIAS)
    if given["w1"] == want["weight"]:
        raise Wrong(SHAPES_W1)
    wrong = [name for name in SHAPES_KEYS if given[name] != want[name]]
    if wrong:
        raise Wrong(SHAPES_WRONG, names=", ".join(wrong))


# Exercise 03.2's network: SmallNet's shape with weights small enough for pencil and paper.
BY_HAND = {
    "x": torch.tensor([1.0, 2.0, 3.0]),
    "W1": torch.tensor([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0]]),
    "b1": torch.tensor([0.0, -1.0]),
    "W2": torch.tensor([[1.0, 2.0], [-1.0, 1.0]]),
    "b2": torch.tensor([0.5, 0.0]),
}

FOUR_KEYS = ["z1", "a1", "z2", "a2"]
FOUR_NOT_TWO = N_("{name} should be two numbers, one per neuron, as a list or a tensor.")
FOUR_Z1_NO_BIAS = N_("z1 lacks the bias b1.")
FOUR_Z1_OTHER = N_("z1 is not right. Each row of W1 holds one neuron’s weights: multiply it by "
                   "x element by element, add up, add the neuron’s bias.")
FOUR_A1 = N_("a1 is ReLU of z1: negative numbers become 0, the others stay as they are.")
FOUR_Z2_NO_RELU = N_("z2 is computed from z1; the second layer gets a1, after ReLU.")
FOUR_Z2_TRANSPOSED = N_("z2 used the columns of W2 as the neurons’ weights; in nn.Linear each "
                        "row is one neuron, so the product is a1 W2ᵀ.")
FOUR_Z2_NO_BIAS = N_("z2 lacks the bias b2.")
FOUR_Z2_OTHER = N_("z2 is not right. Compute it from a1 as z1 was computed from x.")
FOUR_A2_SUM = N_("a2 does not add up to 1: divide each e^z by the sum of both.")
FOUR_A2_OTHER = N_("a2 is not softmax of z2.")


def _two_numbers(name: str, value) -> torch.Tensor:
    try:
        got = torch.as_tensor(value, dtype=torch.float32).detach().reshape(-1)
    except (TypeError, ValueError, RuntimeError) as err:
        raise Wrong(FOUR_NOT_TWO, name=name) from err
    if got.numel() != 2:
        raise Wrong(FOUR_NOT_TWO, name=name)
    return got


@exercise("03.2")
def four_results(answer) -> None:
    """By hand: z1, a1, z2 (and a2 with exp) for the small network of BY_HAND."""
    given = expect.dictionary(answer, FOUR_KEYS)
    got = {name: _two_numbers(name, given[name]) for name in FOUR_KEYS}
    x, W1, b1, W2, b2 = BY_HAND.values()
    z1 = W1 @ x + b1
    a1 = F.relu(z1)
    z2 = W2 @ a1 + b2
    close = lambda a, b: torch.allclose(a, b, atol=2e-3)  # noqa: E731 - rounded by hand

    if not close(got["z1"], z1):
        raise Wrong(FOUR_Z1_NO_BIAS if close(got["z1"], W1 @ x) else FOUR_Z1_OTHER)
    if not close(got["a1"], a1):
        raise Wrong(FOUR_A1)
    if not close(got["z2"], z2):
        for wrong, hint in [(W2 @ z1 + b2, FOUR_Z2_NO_RELU), (W2.T @ a1 + b2, FOUR_Z2_TRANSPOSED),
                            (W2 @ a1, FOUR_Z2_NO_BIAS)]:
            if close(got["z2"], wrong):
                raise Wrong(hint)
        raise Wrong(FOUR_Z2_OTHER)
    if not close(got["a2"], F.softmax(z2, dim=0)):
        raise Wrong(FOUR_A2_SUM if abs(got["a2"].sum().item() - 1) > 2e-3 else FOUR_A2_OTHER)


SOFTMAX_BUILTIN = N_("your function calls PyTorch’s own softmax; write it with torch.exp and a "
                     "sum, as the formula says.")
SOFTMAX_COLUMNS = N_("your function normalizes each column, across the examples; each row is "
                     "one example and needs its own sum.")
SOFTMAX_ALL = N_("your function divides by the sum over the whole batch; each row needs its own "
                 "sum.")
SOFTMAX_KEEPDIM = N_("the row sums were divided into the wrong places: a sum over dim=1 has one "
                     "number per row, and keepdim=True keeps it as a column.")
SOFTMAX_OVERFLOW = N_("for large logits like 1000 your function gives nan or inf: e^1000 is too "
                      "large for float32. Subtract each row’s largest logit first.")
SOFTMAX_OTHER = N_("your function gives other probabilities than softmax for the same logits.")


@contextlib.contextmanager
def _without_builtin_softmax():
    """While the reader's function runs, PyTorch's own softmax refuses to help."""
    def refuse(*args, **kwargs):
        raise Wrong(SOFTMAX_BUILTIN)
    saved = torch.softmax, F.softmax
    own = torch.Tensor.__dict__.get("softmax")  # None: inherited from the C base class
    torch.softmax = F.softmax = torch.Tensor.softmax = refuse
    try:
        yield
    finally:
        torch.softmax, F.softmax = saved
        if own is None:
            del torch.Tensor.softmax
        else:
            torch.Tensor.softmax = own


@exercise("03.3")
def softmax(answer) -> None:
    """A function softmax(logits) for a batch (one example per row), by the formula, stable
    for large logits."""
    fn = expect.function(answer)
    generator = torch.Generator().manual_seed(3)
    batches = [torch.randn(3, 3, generator=generator) * 2, torch.randn(5, 2, generator=generator),
               torch.tensor([[1000.0, 1001.0, 998.0], [-5.0, 0.0, 5.0]])]
    for logits in batches:
        with _without_builtin_softmax():
            got = expect.tensor(fn(logits.clone()), shape=tuple(logits.shape))
        got = got.detach()
        want = F.softmax(logits, dim=1)
        if torch.allclose(got, want, atol=1e-5):
            continue
        e = torch.exp(logits)
        if not torch.isfinite(got).all():
            raise Wrong(SOFTMAX_OVERFLOW)
        for wrong, hint in [(F.softmax(logits, dim=0), SOFTMAX_COLUMNS), (e / e.sum(), SOFTMAX_ALL),
                            (e / e.sum(dim=1), SOFTMAX_KEEPDIM)]:
            if torch.allclose(got, wrong, atol=1e-5):
                raise Wrong(hint)
        raise Wrong(SOFTMAX_OTHER)


DIM_ROWS = N_("dim names the axis the sum runs along, the axis of the classes. Here the "
              "classes run down each column, along axis 0.")
DIM_LAST = N_("dim=-1 is the last axis, here the one of the examples: each class would be "
              "normalized across the examples.")


@exercise("03.4")
def which_dim(answer) -> None:
    """Choice: the softmax of logits stored one example per column (classes along axis 0)."""
    got = expect.choice(answer, "ABC")
    hints = {"A": DIM_ROWS, "C": DIM_LAST}
    if got in hints:
        raise Wrong(hints[got])


MERGE_NOT_LINEAR = N_("your answer is a {kind}; the exercise asks for one layer, an nn.Linear.")
MERGE_TRANSPOSED = N_("the merged weight is transposed: nn.Linear stores (out, in). In which "
                      "order must the two weight matrices be multiplied?")
MERGE_BIAS = N_("the weights are right, the bias is not: b1 also goes through the second layer’s "
                "weights before b2 is added.")
MERGE_OTHER = N_("your layer gives other numbers than the two layers one after the other. Write "
                 "x W1ᵀ + b1 into the second layer’s formula and multiply out.")


@exercise("03.5")
def merge(answer) -> None:
    """A function merge(fc1, fc2): one nn.Linear that computes fc2(fc1(x)), without ReLU."""
    fn = expect.function(answer)
    for seed, (n_in, n_hidden, n_out) in [(5, (3, 4, 3)), (6, (5, 2, 4))]:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            fc1, fc2 = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_out)
        x = torch.randn(6, n_in, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            want = fc2(fc1(x))
            merged = fn(fc1, fc2)
            if not isinstance(merged, nn.Linear):
                raise Wrong(MERGE_NOT_LINEAR, kind=expect.kind(merged))
            weight = fc2.weight @ fc1.weight
            if merged.weight.shape == weight.T.shape and torch.allclose(merged.weight, weight.T,
                                                                        atol=1e-5):
                raise Wrong(MERGE_TRANSPOSED)
            expect.tensor(merged.weight, shape=tuple(weight.shape))
            if torch.allclose(merged(x), want, atol=1e-5):
                continue
            if torch.allclose(merged.weight, weight, atol=1e-5):
                raise Wrong(MERGE_BIAS)
        raise Wrong(MERGE_OTHER)
