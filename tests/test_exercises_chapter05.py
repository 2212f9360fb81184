"""Chapter 5's checkers accept the chapter's solutions and reject the typical mistakes, each
with its own hint."""

import pytest
import torch

from exercise_cases import Case, assert_rejected
from nnbook import i18n
from nnbook.exercises import chapter05 as ch
from nnbook.exercises import check
from nnbook.models import IrisNet


def _load_model(path):
    model = IrisNet()
    model.load_state_dict(torch.load(path, weights_only=True))
    return model.eval()


def _load_returning_the_report(path):
    model = IrisNet()
    model = model.load_state_dict(torch.load(path, weights_only=True))
    return model


def _load_in_training_mode(path):
    model = IrisNet()
    model.load_state_dict(torch.load(path, weights_only=True))
    return model


def _save(path, model, optimizer, epoch):
    torch.save({"epoch": epoch, "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state()}, path)


def _load(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    torch.set_rng_state(checkpoint["rng"])
    return checkpoint["epoch"]


def _load_without(skip):
    def load(path, model, optimizer):
        checkpoint = torch.load(path, weights_only=True)
        if skip != "model":
            model.load_state_dict(checkpoint["model"])
        if skip != "optimizer":
            optimizer.load_state_dict(checkpoint["optimizer"])
        if skip != "rng":
            torch.set_rng_state(checkpoint["rng"])
        return None if skip == "epoch" else checkpoint["epoch"]
    return load


def _save_whole_objects(path, model, optimizer, epoch):
    torch.save({"epoch": epoch, "model": model, "optimizer": optimizer}, path)


MISMATCHES, WEIGHTS_ONLY = dict(ch.MISMATCHES), dict(ch.WEIGHTS_ONLY)
WRONG: list[Case] = [
    *[("05.1", lambda key=key, other=other: {**MISMATCHES, key: other}, ch.MISMATCH_HINTS[key])
      for key, other in [("hidden_16", "B"), ("hidden_16_not_strict", "C"), ("sequential", "C"),
                         ("sequential_not_strict", "A"), ("dropout", "A")]],
    *[("05.2", lambda key=key: {**WEIGHTS_ONLY, key: "B" if WEIGHTS_ONLY[key] == "A" else "A"},
       ch.WEIGHTS_ONLY_HINTS[key]) for key in ch.WEIGHTS_ONLY],
    ("05.3", lambda: 4 * 10 + 10 + 10 * 3 + 3, ch.ADAM_PARAMETERS),
    ("05.3", lambda: 2 * (4 * 10 + 10 + 10 * 3 + 3), ch.ADAM_NO_STEP),
    ("05.3", lambda: 3 * (4 * 10 + 10 + 10 * 3 + 3), ch.ADAM_STEP_EACH),
    ("05.4", lambda: _load_returning_the_report, ch.LOAD_KEYS),
    ("05.4", lambda: lambda path: torch.load(path, weights_only=True), ch.LOAD_DICT),
    ("05.4", lambda: _load_in_training_mode, ch.LOAD_TRAINING),
    ("05.4", lambda: lambda path: IrisNet().eval(), ch.LOAD_OTHER),
    ("05.5", lambda: _save, ch.CHECKPOINT_PAIR),
    ("05.5", lambda: (_save_whole_objects, _load), ch.CHECKPOINT_UNSAFE),
    ("05.5", lambda: (_save, _load_without("epoch")), ch.CHECKPOINT_EPOCH),
    ("05.5", lambda: (_save, _load_without("model")), ch.CHECKPOINT_MODEL),
    ("05.5", lambda: (_save, _load_without("optimizer")), ch.CHECKPOINT_OPTIMIZER),
    ("05.5", lambda: (_save, _load_without("rng")), ch.CHECKPOINT_RANDOM),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


@pytest.mark.parametrize(("name", "answer"), [
    ("05.1", MISMATCHES),
    ("05.2", WEIGHTS_ONLY),
    ("05.3", 2 * (4 * 10 + 10 + 10 * 3 + 3) + 4),
    ("05.4", _load_model),
    ("05.5", (_save, _load)),
])
def test_a_right_answer_passes(name, answer):
    i18n.activate("sv")
    assert check(name, answer)


def test_the_checkers_leave_the_reader_random_state_alone():
    i18n.activate("sv")
    torch.manual_seed(0)
    state = torch.get_rng_state()
    assert check("05.5", (_save, _load)) and check("05.4", _load_model)
    assert torch.equal(torch.get_rng_state(), state)
