"""Chapter 8's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch
from torch import nn

from exercise_cases import Case, assert_rejected
from nnbook import transfer
from nnbook.exercises import chapter08 as ch

MEAN = torch.tensor(transfer.MEAN).view(1, 3, 1, 1)
STD = torch.tensor(transfer.STD).view(1, 3, 1, 1)


def _head_typed(model, classes):
    model.linear = nn.Linear(64, classes)
    return model


def _head_out_features(model, classes):
    model.linear.out_features = classes
    return model


def _head_stacked(model, classes):
    model.linear = nn.Sequential(model.linear, nn.Linear(10, classes))
    return model


def _head_no_return(model, classes):
    model.linear = nn.Linear(model.linear.in_features, classes)


def _head_fresh_model(model, classes):
    from nnbook import models
    return models.CifarResNet(8, num_classes=classes)


def _freeze_everything(model, head):
    for p in model.parameters():
        p.requires_grad = False
    return model


def _freeze_body_only(model, head):
    head_ids = {id(p) for p in head.parameters()}
    for p in model.parameters():
        if id(p) not in head_ids:
            p.requires_grad = False
    return model


def _freeze_eval(model, head):
    return model.eval()


def _freeze_no_grad(model, head):
    with torch.no_grad():
        for p in model.parameters():
            p.detach()
    return model


def _freeze_convs_and_linears(model, head):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m is not head:
            m.requires_grad_(False)
    return model


def _freeze_weights_only(model, head):
    model.requires_grad_(False)
    for name, p in model.named_parameters():
        if not name.endswith("weight"):
            p.requires_grad = True
    head.requires_grad_(True)
    return model


def _freeze_new_head(model, head):
    model.requires_grad_(False)
    model.linear = nn.Linear(64, 2)
    return model


WRONG: list[Case] = [
    ("08.1", lambda: _head_typed, ch.HEAD_IN_FEATURES),
    ("08.1", lambda: _head_out_features, ch.HEAD_NOT_REPLACED),
    ("08.1", lambda: _head_stacked, ch.HEAD_STACKED),
    ("08.1", lambda: _head_no_return, ch.NO_MODEL),
    ("08.1", lambda: _head_fresh_model, ch.HEAD_BODY_CHANGED),
    ("08.2", lambda: {"frozen": 320, "finetune": 269397, "bn1": 32}, ch.COUNT_NO_BIAS),
    ("08.2", lambda: {"frozen": 130, "finetune": 269397, "bn1": 32}, ch.COUNT_OLD_HEAD),
    ("08.2", lambda: {"frozen": 325, "finetune": 269722 + 325, "bn1": 32}, ch.COUNT_KEPT_OLD),
    ("08.2", lambda: {"frozen": 325, "finetune": 325, "bn1": 32}, ch.COUNT_ONLY_HEAD),
    ("08.2", lambda: {"frozen": 325, "finetune": 269397, "bn1": 64}, ch.COUNT_BUFFERS),
    ("08.2", lambda: {"frozen": 325, "finetune": 269397, "bn1": 16}, ch.COUNT_BN_HALF),
    ("08.2", lambda: {"frozen": 325.5, "finetune": 269397, "bn1": 32}, ch.COUNT_NOT_INT),
    ("08.3", lambda: _freeze_everything, ch.FREEZE_HEAD),
    ("08.3", lambda: _freeze_body_only, ch.FREEZE_HEAD_BEFORE),
    ("08.3", lambda: _freeze_eval, ch.FREEZE_EVAL),
    ("08.3", lambda: _freeze_no_grad, ch.FREEZE_NOTHING),
    ("08.3", lambda: _freeze_convs_and_linears, ch.FREEZE_NORM),
    ("08.3", lambda: _freeze_weights_only, ch.FREEZE_BIAS),
    ("08.3", lambda: _freeze_new_head, ch.FREEZE_NEW_HEAD),
    ("08.4", lambda: lambda x: (x.float() - MEAN) / STD, ch.NORM_SCALE),
    ("08.4", lambda: lambda x: (x / 255 - torch.tensor(transfer.MEAN)) / torch.tensor(transfer.STD),
     ch.NORM_AXIS),
    ("08.4", lambda: lambda x: (x.float() - x.float().mean((0, 2, 3), keepdim=True))
     / x.float().std((0, 2, 3), keepdim=True), ch.NORM_BATCH),
    ("08.4", lambda: lambda x: (x / 255 - STD) / MEAN, ch.NORM_SWAPPED),
    ("08.4", lambda: lambda x: x / 255 - MEAN, ch.NORM_NO_STD),
    ("08.4", lambda: lambda x: ((x / 255 - MEAN) / STD).round().to(torch.int64),
     ch.NORM_NOT_FLOAT),
    ("08.5", lambda: {"few": "A", "many": "C"}, ch.CHOOSE_FEW_SCRATCH),
    ("08.5", lambda: {"few": "C", "many": "C"}, ch.CHOOSE_FEW_FINETUNE),
    ("08.5", lambda: {"few": "B", "many": "A"}, ch.CHOOSE_MANY_SCRATCH),
    ("08.5", lambda: {"few": "B", "many": "B"}, ch.CHOOSE_MANY_FROZEN),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


def _new_head(model, classes):
    model.linear = nn.Linear(model.linear.in_features, classes)
    return model


def _freeze_except(model, head):
    model.requires_grad_(False)
    head.requires_grad_(True)
    return model


def _normalize(images):
    return (images.float() / 255 - MEAN) / STD


RIGHT = [
    ("08.1", _new_head),
    ("08.2", {"frozen": 325, "finetune": 269722 - 650 + 325, "bn1": 32}),
    ("08.3", _freeze_except),
    ("08.4", _normalize),
    ("08.4", transfer.normalize_imagenet),
    ("08.5", {"few": "b", "many": " C"}),
]


@pytest.mark.parametrize(("name", "answer"), RIGHT)
def test_a_right_answer_passes(name, answer):
    from nnbook.exercises import check
    assert check(name, answer)
