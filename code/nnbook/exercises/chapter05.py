"""Chapter 5, saving and loading: the checkers of exercises 05.1–05.5."""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from torch import nn

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_
from nnbook.models import IrisNet

# --- 05.1: what load_state_dict does when the new model does not match ---------------------
# A: it stops with an error; B: it loads, the outputs are the saved model's;
# C: it runs, but the model keeps (some of) its random weights.
MISMATCHES = {"hidden_16": "A", "hidden_16_not_strict": "A", "sequential": "A",
              "sequential_not_strict": "C", "dropout": "B"}
MISMATCH_HINTS = {
    "hidden_16": N_("hidden_16: in the file fc1.weight has the shape (10, 4), in the new "
                    "model (16, 4). Does load_state_dict copy part of a tensor?"),
    "hidden_16_not_strict": N_("hidden_16_not_strict: strict=False is about names, keys that "
                               "are missing or left over. Does it say anything about shapes? "
                               "Try it."),
    "sequential": N_("sequential: nn.Sequential names its layers by number, so its keys are "
                     "0.weight and so on, not fc1.weight. Print both lists of keys."),
    "sequential_not_strict": N_("sequential_not_strict: with strict=False, keys that do not "
                                "match are skipped and only listed in what load_state_dict "
                                "returns. Which weights does the model have afterwards?"),
    "dropout": N_("dropout: a Dropout layer has no parameters. Compare the keys and shapes of "
                  "the two state_dicts."),
}


@exercise("05.1")
def mismatches(answer) -> None:
    """A dict: for each new model, A (error), B (loads) or C (keeps random weights)."""
    given = expect.dictionary(answer, list(MISMATCHES))
    for key, want in MISMATCHES.items():
        if expect.choice(given[key], "ABC") != want:
            raise Wrong(MISMATCH_HINTS[key])


# --- 05.2: what torch.load(..., weights_only=True) accepts ---------------------------------
# A: it loads; B: it refuses.
WEIGHTS_ONLY = {"state_dict": "A", "model": "B", "checkpoint": "A", "losses_numpy": "B",
                "rng_state": "A"}
WEIGHTS_ONLY_HINTS = {
    "state_dict": N_("state_dict: it holds only names (strings) and tensors."),
    "model": N_("model: how is a whole model stored, as tensors or as an object of the class "
                "IrisNet? And which types does weights_only accept?"),
    "checkpoint": N_("checkpoint: look at what the chapter’s checkpoint holds: a whole number, "
                     "two state_dicts and a list of numbers. The chapter loaded it."),
    "losses_numpy": N_("losses_numpy: a NumPy array is not a tensor; rebuilding it needs "
                       "NumPy’s own functions. Try it."),
    "rng_state": N_("rng_state: print type(torch.get_rng_state()) and its dtype."),
}


@exercise("05.2")
def weights_only(answer) -> None:
    """A dict: for each saved object, A (weights_only=True loads it) or B (refuses)."""
    given = expect.dictionary(answer, list(WEIGHTS_ONLY))
    for key, want in WEIGHTS_ONLY.items():
        if expect.choice(given[key], "AB") != want:
            raise Wrong(WEIGHTS_ONLY_HINTS[key])


# --- 05.3: the numbers in Adam's state, by hand ---------------------------------------------
ADAM_PARAMETERS = N_("that is the number of the model’s own parameters. Adam keeps more than "
                     "one number per parameter.")
ADAM_NO_STEP = N_("you counted the two averages; the step counters in state are tensors "
                  "too.")
ADAM_STEP_EACH = N_("step is one number per parameter tensor, not one per weight.")
ADAM_EMPTY = N_("that is Adam’s state before the first step. After training it holds "
                "something for every parameter.")
ADAM_OTHER = N_("not the number of values in the optimizer’s state. Go through one "
                "parameter tensor: what does state hold for it, and with which shapes?")


@exercise("05.3")
def adam_numbers(answer) -> None:
    """By hand: how many numbers the trained Adam's state holds for IrisNet."""
    got = expect.number(answer)
    model = IrisNet()
    parameters = sum(p.numel() for p in model.parameters())
    tensors = len(list(model.parameters()))
    if got == 2 * parameters + tensors:
        return
    if got == parameters:
        raise Wrong(ADAM_PARAMETERS)
    if got == 2 * parameters:
        raise Wrong(ADAM_NO_STEP)
    if got == 3 * parameters:
        raise Wrong(ADAM_STEP_EACH)
    if got == 0:
        raise Wrong(ADAM_EMPTY)
    raise Wrong(ADAM_OTHER)


# --- 05.4: a function that loads a saved model ready for use -------------------------------
LOAD_KEYS = N_("your function returns what load_state_dict returns: a report of the keys "
               "that were missing or left over, not the model. load_state_dict fills the "
               "model you call it on.")
LOAD_DICT = N_("your function returns the file’s content, a state_dict (a dictionary). Put it "
               "into a new IrisNet with load_state_dict and return the model.")
LOAD_TRAINING = N_("the model is in training mode. A model that is loaded to be used should "
                   "be in evaluation mode.")
LOAD_OTHER = N_("the model gives other outputs than the saved one. Does your function read "
                "the file it is given, and put what it reads into the model?")


def _saved_irisnet(folder: Path, seed: int) -> tuple[Path, IrisNet]:
    generator = torch.Generator().manual_seed(seed)
    model = IrisNet()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
    path = folder / f"irisnet-{seed}.pt"
    torch.save(model.state_dict(), path)
    return path, model.eval()


@exercise("05.4")
def load_model(answer) -> None:
    """A function load_model(path): a new IrisNet with the file's weights, in eval mode."""
    fn = expect.function(answer)
    with tempfile.TemporaryDirectory() as tmp, torch.random.fork_rng(devices=[]):
        for seed in (3, 4):
            path, saved = _saved_irisnet(Path(tmp), seed)
            got = fn(path)
            if hasattr(got, "missing_keys") and hasattr(got, "unexpected_keys"):
                raise Wrong(LOAD_KEYS)
            if isinstance(got, dict):
                raise Wrong(LOAD_DICT)
            got = expect.module(got)
            if got.training:
                raise Wrong(LOAD_TRAINING)
            X = torch.randn(6, 4, generator=torch.Generator().manual_seed(seed))
            with torch.no_grad():
                if not torch.allclose(got(X), saved(X)):
                    raise Wrong(LOAD_OTHER)


# --- 05.5: a checkpoint that resumes mini-batch training exactly ---------------------------
CHECKPOINT_PAIR = N_("answer with the two functions as a pair: (save_checkpoint, "
                     "load_checkpoint).")
CHECKPOINT_UNSAFE = N_("torch.load(..., weights_only=True) refuses your file. Save state_dicts, "
                       "numbers and tensors, not whole objects.")
CHECKPOINT_EPOCH = N_("load_checkpoint returns {got}; it should return the epoch that was "
                      "saved.")
CHECKPOINT_MODEL = N_("after load_checkpoint the model does not have the saved weights.")
CHECKPOINT_OPTIMIZER = N_("the model’s weights are back, but the optimizer’s state is not: a "
                          "new Adam starts its averages over.")
CHECKPOINT_RANDOM = N_("model and optimizer are back, but the training went on differently: "
                       "the mini-batches were shuffled with other random numbers. Save "
                       "torch.get_rng_state() too and restore it with torch.set_rng_state().")

_BATCH = 8


def _epochs(model: nn.Module, optimizer: torch.optim.Optimizer, X, y, epochs: int) -> None:
    """Mini-batch training: each epoch in a new random order."""
    criterion = nn.CrossEntropyLoss()
    for _epoch in range(epochs):
        order = torch.randperm(len(y))
        for start in range(0, len(y), _BATCH):
            batch = order[start:start + _BATCH]
            optimizer.zero_grad()
            criterion(model(X[batch]), y[batch]).backward()
            optimizer.step()


def _same_state(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    return all(_same_state(a[k], b[k]) if isinstance(a[k], dict) else
               torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k]
               for k in a)


@exercise("05.5")
def checkpoint(answer) -> None:
    """Functions save_checkpoint(path, model, optimizer, epoch) and
    load_checkpoint(path, model, optimizer) -> epoch, with the random state."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong(CHECKPOINT_PAIR)
    save, load = (expect.function(fn) for fn in answer)
    with tempfile.TemporaryDirectory() as tmp, torch.random.fork_rng(devices=[]):
        path = Path(tmp) / "checkpoint.pt"
        torch.manual_seed(5)
        X, y = torch.randn(24, 4), torch.randint(0, 3, (24,))
        model_a = IrisNet()
        optimizer_a = torch.optim.Adam(model_a.parameters(), lr=0.01)
        _epochs(model_a, optimizer_a, X, y, 2)
        save(path, model_a, optimizer_a, 2)
        try:
            torch.load(path, weights_only=True)
        except Exception as err:
            raise Wrong(CHECKPOINT_UNSAFE) from err
        saved_model = {k: v.clone() for k, v in model_a.state_dict().items()}
        saved_optimizer = optimizer_a.state_dict()
        saved_optimizer = {"state": {i: {k: v.clone() for k, v in s.items()}
                                     for i, s in saved_optimizer["state"].items()},
                           "param_groups": saved_optimizer["param_groups"]}
        _epochs(model_a, optimizer_a, X, y, 1)  # the training without a break

        torch.manual_seed(6)  # a new program: another model, another random state
        model_b = IrisNet()
        optimizer_b = torch.optim.Adam(model_b.parameters(), lr=0.01)
        epoch = load(path, model_b, optimizer_b)
        if isinstance(epoch, torch.Tensor) and epoch.numel() == 1:
            epoch = epoch.item()
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch != 2:
            raise Wrong(CHECKPOINT_EPOCH, got=repr(epoch))
        if not _same_state(model_b.state_dict(), saved_model):
            raise Wrong(CHECKPOINT_MODEL)
        if not _same_state(optimizer_b.state_dict(), saved_optimizer):
            raise Wrong(CHECKPOINT_OPTIMIZER)
        _epochs(model_b, optimizer_b, X, y, 1)
        if not all(torch.equal(a, b) for a, b in zip(model_a.parameters(),
                                                      model_b.parameters(), strict=True)):
            raise Wrong(CHECKPOINT_RANDOM)
