"""Chapter 8, transfer learning: the checkers of exercises 08.1–08.5."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nnbook import models, transfer
from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_

NO_MODEL = N_("your function returns {kind}, not the network. End it with return model.")


class _Small(nn.Module):
    """A network that is no ResNet, with a head ``linear`` of 48 inputs: a hard-coded 64
    shows."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 48, 3, padding=1)
        self.linear = nn.Linear(48, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(torch.relu(self.conv(x)).mean(dim=(2, 3)))


def _seeded(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    """``build()`` with seeded random weights, the reader's random state left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _resnet(seed: int, classes: int = 10) -> models.CifarResNet:
    """A small ResNet (8 layers) with seeded random weights: quick to build, no download."""
    return _seeded(seed, lambda: models.CifarResNet(8, num_classes=classes))


def _body(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()
            if not name.startswith("linear.")}


HEAD_NOT_REPLACED = N_("the network still gives {got} scores per image; the new head must give "
                       "one per class, {want}. Changing the attribute out_features does not "
                       "change the weights: put a new nn.Linear in its place.")
HEAD_STACKED = N_("the old head with its 10 outputs is still in the network, and your new layer "
                  "comes after it. Replace model.linear instead of adding a layer.")
HEAD_IN_FEATURES = N_("for a network whose head has 48 inputs, your new head has {got}. Read "
                      "the number from the old head (its in_features) instead of typing 64.")
HEAD_BODY_CHANGED = N_("the weights before the head are not the ones the network came with: "
                       "the pretrained features are lost. Change only the head.")
HEAD_OTHER = N_("the network’s head is not a new nn.Linear with one output per class.")


@torch.no_grad()
def _check_new_head(fn, model: nn.Module, classes: int, inputs: int) -> None:
    before = _body(model)
    got = fn(model, classes)
    if got is None:
        raise Wrong(NO_MODEL, kind="None")
    got = expect.module(got)
    head = getattr(got, "linear", None)
    if isinstance(head, nn.Linear) and head.in_features != inputs:
        raise Wrong(HEAD_IN_FEATURES, got=head.in_features)
    scores = got(torch.rand(2, 3, 16, 16)).shape[-1]
    old = [m for m in got.modules() if isinstance(m, nn.Linear) and m.out_features == 10]
    if scores == classes and old:
        raise Wrong(HEAD_STACKED)
    if scores != classes:
        raise Wrong(HEAD_NOT_REPLACED, got=scores, want=classes)
    if not isinstance(head, nn.Linear) or head.out_features != classes:
        raise Wrong(HEAD_OTHER)
    after = _body(got)
    if after.keys() != before.keys() or any(not torch.equal(after[k], before[k]) for k in after):
        raise Wrong(HEAD_BODY_CHANGED)


@exercise("08.1")
def new_head(answer) -> None:
    """A function new_head(model, classes): the model with a new head ``linear`` for
    ``classes`` classes, every other weight kept."""
    fn = expect.function(answer)
    # first the chapter's own kind of network, then one whose head has 48 inputs
    _check_new_head(fn, _resnet(seed=1), 3, 64)
    _check_new_head(fn, _seeded(5, _Small), 2, 48)


# The exercise's number of classes; the pages glue it into its text.
COUNT_CLASSES = 5

COUNT_KEYS = ["frozen", "finetune", "bn1"]
COUNT_NOT_INT = N_("write each count as a whole number.")
COUNT_NO_BIAS = N_("the frozen network: you counted the head’s weights but not its biases. "
                   "A Linear layer has one bias per output.")
COUNT_OLD_HEAD = N_("the frozen network: that is the size of a head with the wrong number of "
                    "classes. The new head has {classes} outputs.")
COUNT_FROZEN = N_("the frozen network: only the new head learns. How many weights and biases "
                  "does a Linear layer with 64 inputs and {classes} outputs have?")
COUNT_KEPT_OLD = N_("fine-tuning: the old head with its 10 outputs is gone; the new one took "
                    "its place. Subtract the old head’s parameters before adding the new one’s.")
COUNT_ONLY_HEAD = N_("fine-tuning: every layer learns, not only the head.")
COUNT_FINETUNE = N_("fine-tuning: start from the chapter’s count of the pretrained network’s "
                    "parameters, take away the old head and add the new one.")
COUNT_BUFFERS = N_("bn1: the running means and variances are not parameters: they are not "
                   "learnt by gradient descent and have no requires_grad. Count only weight "
                   "and bias.")
COUNT_BN_HALF = N_("bn1: a BatchNorm layer has two parameters per channel, a scale and a "
                   "shift.")
COUNT_BN = N_("bn1: how many channels does the first BatchNorm layer normalize, and how many "
              "parameters does it learn for each?")


@exercise("08.2")
def counts(answer) -> None:
    """By hand: trainable parameters of ResNet-20 with a new head of COUNT_CLASSES classes,
    frozen and fine-tuned, and the parameters of its first BatchNorm layer."""
    given = expect.dictionary(answer, COUNT_KEYS)
    for key in COUNT_KEYS:
        value = given[key]
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Wrong(COUNT_NOT_INT)
        given[key] = value
    k = COUNT_CLASSES
    head, old_head = 64 * k + k, 64 * 10 + 10
    total = sum(p.numel() for p in models.CifarResNet(20).parameters())
    frozen, finetune, bn1 = given["frozen"], given["finetune"], given["bn1"]
    if frozen != head:
        if frozen == 64 * k:
            raise Wrong(COUNT_NO_BIAS)
        if frozen in (old_head, 64 * 2 + 2):
            raise Wrong(COUNT_OLD_HEAD, classes=k)
        raise Wrong(COUNT_FROZEN, classes=k)
    if finetune != total - old_head + head:
        if finetune in (total + head, total):
            raise Wrong(COUNT_KEPT_OLD)
        if finetune == head:
            raise Wrong(COUNT_ONLY_HEAD)
        raise Wrong(COUNT_FINETUNE)
    if bn1 != 2 * 16:
        if bn1 in (4 * 16, 4 * 16 + 1):
            raise Wrong(COUNT_BUFFERS)
        if bn1 == 16:
            raise Wrong(COUNT_BN_HALF)
        raise Wrong(COUNT_BN)


FREEZE_NOTHING = N_("after your function every parameter still has requires_grad=True, so the "
                    "optimizer would change them all. torch.no_grad() and detach() only affect "
                    "the calculations inside them; set requires_grad on the parameters "
                    "themselves.")
FREEZE_EVAL = N_("model.eval() changes how BatchNorm and dropout behave, not which parameters "
                 "learn: every parameter still has requires_grad=True.")
FREEZE_HEAD = N_("the head’s parameters cannot learn either: nothing would be trained. Set "
                 "requires_grad back to True for the head.")
FREEZE_HEAD_BEFORE = N_("for a network that was frozen completely before, your head stays "
                        "frozen. Do not only switch the body off: switch the head on.")
FREEZE_NORM = N_("the BatchNorm layers’ weights and biases can still learn: {count} "
                 "parameters outside the head. Every parameter counts, not only those of "
                 "Conv2d and Linear.")
FREEZE_BIAS = N_("the biases outside the head can still learn. Go through every parameter, "
                 "not only those called weight.")
FREEZE_PARTLY = N_("{count} parameters outside the head can still learn; the optimizer would "
                   "get them too.")
FREEZE_NEW_HEAD = N_("the head’s parameters are no longer in the network: your function "
                     "replaced the head. Freeze around the head it is given.")


_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm)


def _check_freeze(fn, model: nn.Module, head: nn.Module) -> None:
    head_ids = {id(p) for p in head.parameters()}
    got = fn(model, head)
    if got is None:
        raise Wrong(NO_MODEL, kind="None")
    got = expect.module(got)
    names = dict(got.named_parameters())
    if not head_ids <= {id(p) for p in names.values()}:
        raise Wrong(FREEZE_NEW_HEAD)
    learning = [p for p in got.parameters() if p.requires_grad]  # what the optimizer gets
    if len(learning) == len(names):
        raise Wrong(FREEZE_EVAL if not got.training else FREEZE_NOTHING)
    if not any(id(p) in head_ids for p in learning):
        raise Wrong(FREEZE_HEAD)
    body = {name: p for name, p in names.items() if id(p) not in head_ids and p.requires_grad}
    if body:
        if all(name.endswith("bias") for name in body):
            raise Wrong(FREEZE_BIAS)
        norms = {id(p) for m in got.modules() if isinstance(m, _NORMS) for p in m.parameters()}
        if all(id(p) in norms for p in body.values()):
            raise Wrong(FREEZE_NORM, count=sum(p.numel() for p in body.values()))
        raise Wrong(FREEZE_PARTLY, count=sum(p.numel() for p in body.values()))
    if {id(p) for p in learning} != head_ids:
        raise Wrong(FREEZE_HEAD)


@exercise("08.3")
def freeze(answer) -> None:
    """A function freeze_except(model, head): every parameter frozen but the head's; returns
    the model (a ResNet, a plain Sequential, and a network frozen completely before)."""
    fn = expect.function(answer)
    resnet = _resnet(seed=2, classes=2)
    _check_freeze(fn, resnet, resnet.linear)
    mlp = _seeded(3, lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8),
                                           nn.ReLU(), nn.Linear(8, 3)))
    _check_freeze(fn, mlp, mlp[-1])
    frozen = _resnet(seed=4, classes=2).requires_grad_(False)
    head = frozen.linear
    got = fn(frozen, head)
    if got is not None and not all(p.requires_grad for p in head.parameters()):
        raise Wrong(FREEZE_HEAD_BEFORE)
    _check_freeze(fn, frozen, head)


NORM_NOT_FLOAT = N_("your function gives a tensor of {got}; the network computes with "
                    "floating-point numbers (torch.float32).")
NORM_SCALE = N_("the pixels go from 0 to 255, but the means and standard deviations are "
                "given for pixels from 0 to 1. Divide by 255 first.")
NORM_AXIS = N_("your means and standard deviations are applied along the image’s width, not "
               "its colour channels. The channels are dimension 1: shape them as (1, 3, 1, 1).")
NORM_BATCH = N_("you normalized with statistics of the images themselves. The pretrained "
                "network was trained with fixed numbers for each channel; use those, whatever "
                "the batch holds.")
NORM_SWAPPED = N_("you subtracted the standard deviations and divided by the means; it is the "
                  "other way round.")
NORM_NO_STD = N_("you subtracted the means but did not divide by the standard deviations.")
NORM_OTHER = N_("not the numbers the pretrained network expects: per channel c, "
                "(pixel / 255 − mean[c]) / std[c].")


@exercise("08.4")
def normalize(answer) -> None:
    """A function normalize(images): uint8 N×3×H×W to the per-channel normalized floats the
    pretrained ResNet was trained on."""
    fn = expect.function(answer)
    mean = torch.tensor(transfer.MEAN).view(1, 3, 1, 1)
    std = torch.tensor(transfer.STD).view(1, 3, 1, 1)
    for seed, shape in [(1, (2, 3, 4, 3)), (2, (5, 3, 6, 7))]:
        generator = torch.Generator().manual_seed(seed)
        images = torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
        got = expect.tensor(fn(images.clone()), shape=shape)
        if not got.is_floating_point():
            raise Wrong(NORM_NOT_FLOAT, got=got.dtype)
        got = got.float()
        x = images.float() / 255
        want = (x - mean) / std

        def same(other: torch.Tensor, got: torch.Tensor = got) -> bool:
            return torch.allclose(got, other, atol=1e-4)

        if same(want):
            continue
        if same((images.float() - mean) / std):
            raise Wrong(NORM_SCALE)
        if shape[-1] == 3 and same((x - mean.view(1, 1, 1, 3)) / std.view(1, 1, 1, 3)):
            raise Wrong(NORM_AXIS)
        if got.mean().abs() < 1e-3 and abs(got.std().item() - 1) < 0.05:
            raise Wrong(NORM_BATCH)
        if same((x - std) / mean):
            raise Wrong(NORM_SWAPPED)
        if same(x - mean):
            raise Wrong(NORM_NO_STD)
        raise Wrong(NORM_OTHER)


# The exercise's two situations (photos per class); the pages glue them into its text.
SITUATIONS = {"few": 10, "many": 20_000}
METHOD_LETTERS = "ABC"  # A from scratch, B frozen features and a new head, C fine-tuned

CHOOSE_FEW_SCRATCH = N_("few photos: a network from scratch learns too little from a handful of "
                        "photos; the chapter’s did poorly with far more.")
CHOOSE_FEW_FINETUNE = N_("few photos: when every layer may learn, the network can learn a "
                         "handful of photos by heart. With so few, train as few parameters as "
                         "possible.")
CHOOSE_MANY_SCRATCH = N_("many photos: there is enough data to train from scratch, but the new "
                         "task resembles the old one, and the pretrained weights are a better "
                         "start than random ones. Why throw them away?")
CHOOSE_MANY_FROZEN = N_("many photos: with so many examples the features themselves can adapt "
                        "to the new task without being learnt by heart; frozen features leave "
                        "that gain unused.")


@exercise("08.5")
def choose(answer) -> None:
    """A choice per situation (SITUATIONS): A from scratch, B frozen features, C fine-tuned."""
    given = expect.dictionary(answer, list(SITUATIONS))
    few = expect.choice(given["few"], METHOD_LETTERS)
    many = expect.choice(given["many"], METHOD_LETTERS)
    if few == "A":
        raise Wrong(CHOOSE_FEW_SCRATCH)
    if few == "C":
        raise Wrong(CHOOSE_FEW_FINETUNE)
    if many == "A":
        raise Wrong(CHOOSE_MANY_SCRATCH)
    if many == "B":
        raise Wrong(CHOOSE_MANY_FROZEN)
