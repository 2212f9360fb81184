"""Chapter 4, the training loop: the checkers of exercises 04.1–04.5."""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_

# --- 04.1: predict what four changes to the chapter's loop do -----------------------------
# A: it stops with an error; B: it runs but trains worse; C: exactly the chapter's losses.
LOOP_CHANGES = {"float_targets": "A", "softmax_in_model": "B", "zero_grad_last": "C",
                "lr_10": "B"}
LOOP_HINTS = {
    "float_targets": N_("float_targets: look again at what CrossEntropyLoss says about targets "
                        "of the type float32 (mistake 3)."),
    "softmax_in_model": N_("softmax_in_model: a Softmax layer is an ordinary layer, so nothing "
                           "complains; but what does the loss get instead of logits, and how "
                           "far down can it go (mistake 2)?"),
    "zero_grad_last": N_("zero_grad_last: follow the gradients through two turns of the loop. "
                         "What is in param.grad each time backward() starts?"),
    "lr_10": N_("lr_10: mistake 4 trained with that learning rate. Did anything stop, and "
                "where did the loss end up?"),
}


@exercise("04.1")
def loop_changes(answer) -> None:
    """A dict: for each change to the chapter's loop, A (error), B (worse) or C (the same)."""
    given = expect.dictionary(answer, list(LOOP_CHANGES))
    for key, want in LOOP_CHANGES.items():
        if expect.choice(given[key], "ABC") != want:
            raise Wrong(LOOP_HINTS[key])


# --- 04.2: a cross-entropy loss by hand ---------------------------------------------------
# The exercise's numbers; the pages glue them into its text.
CROSS_ENTROPY = {"logits": (2.0, 1.0, 0.1), "target": 1}

CE_SIGN = N_("your number is negative; a loss is never below zero. Which sign is in front "
             "of the logarithm?")
CE_PROBABILITY = N_("that is the probability of the right species, not the loss: take minus "
                    "its natural logarithm.")
CE_LOG10 = N_("you took the logarithm to base 10; cross-entropy uses the natural logarithm, "
              "ln (math.log, torch.log).")
CE_TWICE = N_("that is the loss after softmax twice: CrossEntropyLoss takes the logits "
              "themselves and applies softmax once, inside.")
CE_CLASS = N_("that is the loss for another species. The species are numbered from 0.")
CE_OTHER = N_("not the cross-entropy of these logits. Turn the three logits into "
              "probabilities with softmax, then take minus the logarithm of the right "
              "species’ probability.")


@exercise("04.2")
def cross_entropy(answer) -> None:
    """By hand: CrossEntropyLoss for one flower (the numbers of CROSS_ENTROPY)."""
    got = expect.number(answer)
    logits = torch.tensor([CROSS_ENTROPY["logits"]], dtype=torch.float64)
    target = CROSS_ENTROPY["target"]
    probs = torch.softmax(logits, dim=1)[0]

    def loss(values: torch.Tensor, k: int) -> float:
        return F.cross_entropy(values, torch.tensor([k])).item()

    def close(value: float) -> bool:
        return abs(got - value) <= 5e-3

    if close(loss(logits, target)):
        return
    if close(-loss(logits, target)):
        raise Wrong(CE_SIGN)
    if close(probs[target].item()):
        raise Wrong(CE_PROBABILITY)
    if close(-math.log10(probs[target].item())):
        raise Wrong(CE_LOG10)
    if close(loss(torch.softmax(logits, dim=1), target)):
        raise Wrong(CE_TWICE)
    if any(close(loss(logits, k)) for k in range(3) if k != target):
        raise Wrong(CE_CLASS)
    raise Wrong(CE_OTHER)


# --- 04.3: the five lines of a training step as a function --------------------------------
STEP_NOT_MOVED = N_("after your function the weights are unchanged. optimizer.step() moves "
                    "them with the gradients that loss.backward() has just computed: is it "
                    "called, and after backward()?")
STEP_NO_ZERO = N_("the step also used gradients left over from before your function was "
                  "called. What must happen to them first?")
STEP_SOFTMAX = N_("the weights moved as if the loss got probabilities: CrossEntropyLoss "
                  "wants the model’s logits as they are, without softmax.")
STEP_LOSS_AFTER = N_("the weights are right, but the loss you return was computed after the "
                     "update. Return the loss that the step computed, before step().")
STEP_LOSS_OTHER = N_("the weights are right, but the number you return is not this step’s "
                     "loss.")
STEP_OTHER = N_("the weights moved, but not as one training step moves them: zero_grad(), "
                "forward pass, loss, backward(), step(), once each.")


def _step_problem(seed: int):
    generator = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
            p.grad = torch.randn(p.shape, generator=generator)  # left from an earlier step
    X = torch.randn(8, 4, generator=generator)
    y = torch.randint(0, 3, (8,), generator=generator)
    return model, X, y


def _moved(seed: int, softmax: bool = False, zero: bool = True):
    """The weights after one SGD step, done right or with one of the mistakes, and the loss
    before and after it."""
    model, X, y = _step_problem(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if zero:
        optimizer.zero_grad()
    outputs = model(X)
    loss = F.cross_entropy(torch.softmax(outputs, dim=1) if softmax else outputs, y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        after = F.cross_entropy(model(X), y).item()
    return [p.detach().clone() for p in model.parameters()], loss.item(), after


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.allclose(x, z, atol=1e-6) for x, z in zip(a, b, strict=True))


@exercise("04.3")
def train_step(answer) -> None:
    """A function train_step(model, optimizer, criterion, X, y): one step; returns the loss."""
    fn = expect.function(answer)
    for seed in (1, 2):
        model, X, y = _step_problem(seed)
        before = [p.detach().clone() for p in model.parameters()]
        want, want_loss, loss_after = _moved(seed)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        got_loss = fn(model, optimizer, nn.CrossEntropyLoss(), X, y)
        got = [p.detach() for p in model.parameters()]
        if _same(got, before):
            raise Wrong(STEP_NOT_MOVED)
        if not _same(got, want):
            if _same(got, _moved(seed, zero=False)[0]):
                raise Wrong(STEP_NO_ZERO)
            if _same(got, _moved(seed, softmax=True)[0]):
                raise Wrong(STEP_SOFTMAX)
            raise Wrong(STEP_OTHER)
        got_loss = expect.number(got_loss)
        if abs(got_loss - want_loss) <= 1e-5:
            continue
        if abs(got_loss - loss_after) <= 1e-5:
            raise Wrong(STEP_LOSS_AFTER)
        raise Wrong(STEP_LOSS_OTHER)


# --- 04.4: accuracy, measured in evaluation mode ------------------------------------------
ACC_TRAIN_MODE = N_("your function ran the model in training mode, where dropout switches "
                    "neurons off at random. Which mode belongs to evaluation?")
ACC_GRAPH = N_("your function built a computation graph for the evaluation. Measure inside "
               "torch.no_grad().")
ACC_MODE_LEFT = N_("after your function the model is in another mode than before: training "
                   "would go on without dropout, or evaluation with it. Put it back in the "
                   "mode it was in (model.training says which).")
ACC_COUNT = N_("that is the number of flowers classified right; the exercise asks for the "
               "share of them, between 0 and 1.")
ACC_PERCENT = N_("that looks like a percentage; the exercise asks for a share between 0 "
                 "and 1.")
ACC_DIM = N_("your argmax runs down the columns (over the flowers). Each flower’s prediction "
             "is the largest of its own row: dim=1.")
ACC_OTHER = N_("not the share of rows whose largest logit is the right class.")
ACC_NOT_RUN = N_("your function never ran the model on X.")


class _Probe(nn.Module):
    """A classifier that notes the mode and grad setting of each forward pass."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 3)
        self.dropout = nn.Dropout(0.5)
        with torch.no_grad():
            self.linear.weight.copy_(torch.eye(3, 4))
            self.linear.bias.zero_()
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.linear(self.dropout(x))


def _accuracy_cases():
    # Three flowers: rows 1 and 3 right (2 of 3); argmax over dim 0 would give 1 of 3.
    X = torch.tensor([[3.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    yield X, torch.tensor([0, 1, 0]), True
    generator = torch.Generator().manual_seed(7)
    X = torch.randn(7, 4, generator=generator)
    y = X[:, :3].argmax(dim=1)
    y[:2] = (y[:2] + 1) % 3  # 5 of 7 right
    yield X, y, False


@exercise("04.4")
def accuracy(answer) -> None:
    """A function accuracy(model, X, y): the share right, in eval mode, without a graph,
    the model left in the mode it was in."""
    fn = expect.function(answer)
    for X, y, training in _accuracy_cases():
        model = _Probe()
        model.train(training)
        got = fn(model, X, y)
        if not model.seen:
            raise Wrong(ACC_NOT_RUN)
        if any(mode for mode, _ in model.seen):
            raise Wrong(ACC_TRAIN_MODE)
        if any(grad for _, grad in model.seen):
            raise Wrong(ACC_GRAPH)
        if model.training != training:
            raise Wrong(ACC_MODE_LEFT)
        got = expect.number(got)
        with torch.no_grad():
            logits = model.linear(X)
        right = (logits.argmax(dim=1) == y).float()
        want = right.mean().item()
        if abs(got - want) <= 1e-6:
            continue
        if abs(got - right.sum().item()) <= 1e-6:
            raise Wrong(ACC_COUNT)
        if abs(got - 100 * want) <= 1e-3:
            raise Wrong(ACC_PERCENT)
        if len(y) == 3:
            by_column = (logits.argmax(dim=0) == y).float().mean().item()
            if abs(got - by_column) <= 1e-6:
                raise Wrong(ACC_DIM)
        raise Wrong(ACC_OTHER)


# --- 04.5: choosing the number of epochs -----------------------------------------------------
EPOCHS_TEST = N_("you chose where the test set’s loss is lowest. A number chosen on the test "
                 "set is no longer an honest estimate: the test set is evaluated once, at "
                 "the end.")
EPOCHS_TRAIN = N_("you chose where the training loss is lowest, the last epoch: it keeps "
                  "falling while the network overfits.")
EPOCHS_INDEX = N_("one epoch too few: a list’s positions count from 0, epochs from 1 (after "
                  "one epoch the loss is at position 0).")
EPOCHS_WHOLE = N_("answer with a whole number of epochs.")
EPOCHS_OTHER = N_("not the epoch at which the validation loss is lowest.")


def _history(epochs: int, best_val: int, best_test: int) -> dict[str, list[float]]:
    """Curves falling to their lowest point (1-based epoch) and rising after it."""
    def curve(best: int, floor: float) -> list[float]:
        return [floor + 0.02 * (e - best) ** 2 / epochs for e in range(1, epochs + 1)]

    return {"train": [1.0 / e for e in range(1, epochs + 1)],
            "val": curve(best_val, 0.3), "test": curve(best_test, 0.25)}


@exercise("04.5")
def choose_epochs(answer) -> None:
    """A function choose_epochs(history): the epoch (from 1) with the lowest validation loss."""
    fn = expect.function(answer)
    for epochs, best_val, best_test in [(30, 12, 17), (50, 9, 21), (20, 15, 6)]:
        history = _history(epochs, best_val, best_test)
        got = fn({k: list(v) for k, v in history.items()})
        if isinstance(got, numbers.Number) and not isinstance(got, (int, float, bool)):
            got = got.item()  # NumPy's integers
        got = expect.number(got)
        if got != int(got):
            raise Wrong(EPOCHS_WHOLE)
        if got == best_val:
            continue
        if got in (best_test, best_test - 1):
            raise Wrong(EPOCHS_TEST)
        if got in (epochs, epochs - 1):
            raise Wrong(EPOCHS_TRAIN)
        if got == best_val - 1:
            raise Wrong(EPOCHS_INDEX)
        raise Wrong(EPOCHS_OTHER)
