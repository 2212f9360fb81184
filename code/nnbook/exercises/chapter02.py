"""Chapter 2, from lists to tensors and the perceptron: the checkers of exercises 02.1–02.5."""

from __future__ import annotations

import math

import torch

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_

# The expressions of exercise 02.1, as the page's cells write them, and the data type each gives.
DTYPE_EXPRESSIONS = {
    "torch.tensor([1, 2, 3])": torch.int64,
    "torch.tensor([1.0, 2, 3])": torch.float32,
    "torch.tensor(np.array([0.5, 1.5]))": torch.float64,
    "torch.tensor([0.5, 1.5]) + torch.tensor(np.array([0.5, 1.5]))": torch.float64,
}
INTS, MIXED, NUMPY, SUM = DTYPE_EXPRESSIONS

DTYPE_NOT_DTYPE = N_("write each data type as PyTorch names it, like torch.float32, not as a "
                     "string or a Python type.")
DTYPE_INTS = N_("a list of whole numbers has no decimals for PyTorch to go by. Look at what "
                "the chapter’s from_ints became.")
DTYPE_MIXED = N_("one decimal number in the list is enough: every element of a tensor has the "
                 "same type, one that holds them all.")
DTYPE_NUMPY = N_("a NumPy array keeps its data type when it becomes a tensor. Which type does "
                 "NumPy give decimal numbers?")
DTYPE_SUM = N_("where float32 and float64 meet in a sum, PyTorch quietly computes in the "
               "larger of the two types.")
DTYPE_OTHER = N_("not every prediction is right: {names}. Run the expressions and compare.")


@exercise("02.1")
def dtypes(answer) -> None:
    """Predicted data types of four tensors made from lists and NumPy arrays."""
    given = expect.dictionary(answer, list(DTYPE_EXPRESSIONS))
    if not all(isinstance(value, torch.dtype) for value in given.values()):
        raise Wrong(DTYPE_NOT_DTYPE)
    wrong = [key for key, want in DTYPE_EXPRESSIONS.items() if given[key] != want]
    if INTS in wrong and given[INTS].is_floating_point:
        raise Wrong(DTYPE_INTS)
    if MIXED in wrong and not given[MIXED].is_floating_point:
        raise Wrong(DTYPE_MIXED)
    if NUMPY in wrong and given[NUMPY] == torch.float32:
        raise Wrong(DTYPE_NUMPY)
    if SUM in wrong and given[SUM] == torch.float32:
        raise Wrong(DTYPE_SUM)
    if wrong:
        raise Wrong(DTYPE_OTHER, names=", ".join(wrong))


FEATURES_TRANSPOSED = N_("your tensor has one row per feature and one column per word; the "
                         "chapter’s tensors have one row per word.")
FEATURES_DTYPE = N_("the tensor’s data type is {got}: a layer needs float32, even where the "
                    "features are whole numbers or True and False.")
FEATURES_ORDER = N_("the two columns are swapped: first whether the word starts with a capital "
                    "letter, then its length.")
FEATURES_CAPITAL = N_("the first column should be 1.0 for the words that start with a capital "
                      "letter and 0.0 for the others.")
FEATURES_OTHER = N_("your numbers differ from the two features of the words. Print the tensor "
                    "for two or three words of your own and check each row.")

# Hidden words: drug names (capitals) among ordinary words, lengths that differ.
FEATURE_WORDS = [["Ibuprofen", "and", "Aspirin"], ["Paracetamol"],
                 ["take", "Naproxen", "with", "water", "Morphine"]]


@exercise("02.2")
def word_features(answer) -> None:
    """A function word_features(words): a float32 tensor, one row per word, the columns
    [starts with a capital letter, length]."""
    fn = expect.function(answer)
    for words in FEATURE_WORDS:
        want = torch.tensor([[float(w[0].isupper()), float(len(w))] for w in words])
        got = expect.tensor(fn(list(words)))
        if tuple(got.shape) == (2, len(words)) and len(words) != 2:
            raise Wrong(FEATURES_TRANSPOSED)
        expect.tensor(got, shape=tuple(want.shape))
        if got.dtype != torch.float32:
            raise Wrong(FEATURES_DTYPE, got=got.dtype)
        if torch.equal(got, want):
            continue
        if torch.equal(got, want.flip(1)):
            raise Wrong(FEATURES_ORDER)
        if torch.equal(got[:, 1], want[:, 1]):
            raise Wrong(FEATURES_CAPITAL)
        raise Wrong(FEATURES_OTHER)


# The exercise's numbers; the pages glue them into its text.
BY_HAND = {"w1": 1.5, "w2": -2.0, "b": 0.5, "x1": 2.0, "x2": 1.0}

BY_HAND_SUM = N_("that is w·x + b, the number before the activation; the perceptron’s answer "
                 "is sigmoid of it.")
BY_HAND_NO_BIAS = N_("you left out the bias: the sum is w·x + b.")
BY_HAND_SIGN = N_("that is the probability of class 0: sigmoid is 1 / (1 + e^(−z)), with a "
                  "minus sign in the exponent.")
BY_HAND_RANGE = N_("a probability lies between 0 and 1; your number does not. Put the sum "
                   "through sigmoid.")
BY_HAND_OTHER = N_("not the perceptron’s output for these numbers. Compute w1·x1 + w2·x2 + b "
                   "first, then sigmoid.")


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


@exercise("02.3")
def by_hand(answer) -> None:
    """By hand: the perceptron's output for the weights and input of BY_HAND."""
    got = expect.number(answer)
    n = BY_HAND
    dot = n["w1"] * n["x1"] + n["w2"] * n["x2"]
    z = dot + n["b"]
    close = lambda value: abs(got - value) < 1e-3  # noqa: E731 - the reader rounds by hand
    if close(_sigmoid(z)):
        return
    if close(z):
        raise Wrong(BY_HAND_SUM)
    if close(_sigmoid(dot)) or close(dot):
        raise Wrong(BY_HAND_NO_BIAS)
    if close(_sigmoid(-z)):
        raise Wrong(BY_HAND_SIGN)
    if not 0 <= got <= 1:
        raise Wrong(BY_HAND_RANGE)
    raise Wrong(BY_HAND_OTHER)


BIAS_ROTATES = N_("the line’s slope is −w1/w2, and b is not in it: the line keeps its "
                  "direction.")
BIAS_SHRINKS = N_("with a larger b, w·x + b is larger at every point, so more points get a sum "
                  "above 0, not fewer.")
BIAS_STAYS = N_("the line is where w·x + b = 0; change b and other points meet that equation.")


@exercise("02.4")
def bias(answer) -> None:
    """Choice: what a larger bias does to the decision boundary (B: moves, class 1 grows)."""
    got = expect.choice(answer, "ABCD")
    hints = {"A": BIAS_ROTATES, "C": BIAS_SHRINKS, "D": BIAS_STAYS}
    if got in hints:
        raise Wrong(hints[got])


TRAIN_POINTS_LONG = N_("your function stopped in the layer: the points came as whole numbers, so "
                       "torch.tensor made them int64, and a layer takes float32.")
TRAIN_LABELS_LONG = N_("your function stopped in the loss: BCELoss compares probabilities with "
                       "targets in float32, and the labels came as whole numbers.")
TRAIN_NOT_PROBABILITY = N_("your network’s outputs are not all between 0 and 1. A perceptron "
                           "ends in sigmoid.")
TRAIN_UNTRAINED = N_("the trained network does not yet put every point on its right side. Does "
                     "the function train it, with the chapter’s learning rate and epochs?")

# Hidden data sets: logical AND with whole numbers, logical OR with decimals.
TRAIN_SETS = [([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1]),
              ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 1])]


@exercise("02.5")
def train_perceptron(answer) -> None:
    """A function train_perceptron(points, labels) → a trained perceptron; points and labels
    are plain lists, the points possibly of whole numbers."""
    fn = expect.function(answer)
    for points, labels in TRAIN_SETS:
        with torch.random.fork_rng():  # the reader's kernel keeps its random state
            torch.manual_seed(0)
            try:
                model = expect.module(fn([list(p) for p in points], list(labels)))
            except RuntimeError as err:
                if "mat1 and mat2" in str(err):
                    raise Wrong(TRAIN_POINTS_LONG) from err
                if "expected Float" in str(err) or "Long" in str(err):
                    raise Wrong(TRAIN_LABELS_LONG) from err
                raise
        with torch.no_grad():
            p = model(torch.tensor(points, dtype=torch.float32)).reshape(-1)
        if not bool(((p >= 0) & (p <= 1)).all()):
            raise Wrong(TRAIN_NOT_PROBABILITY)
        if (p > 0.5).long().tolist() != labels:
            raise Wrong(TRAIN_UNTRAINED)
