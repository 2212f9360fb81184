"""Chapter 7, a CNN trained on CIFAR-10: the checkers of exercises 07.1–07.5."""

from __future__ import annotations

import torch
from torch import nn

from nnbook import i18n, models, zoo
from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_


def _close(got: float, want: float, tolerance: float = 1e-6) -> bool:
    return abs(got - want) < tolerance * max(1.0, abs(want))


def _short(value: float) -> str:
    """A number in the page's locale with no more decimals than it has (70.5, not 70.500)."""
    digits = next((d for d in range(3) if abs(round(value, d) - value) < 1e-9), 3)
    return i18n.number(value, digits)


def _count(model: nn.Module, trainable: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)


# The wider network's channels; the pages glue them into the exercise's text.
WIDER = (64, 128, 256)

WIDER_SAME = N_("that is the count of the chapter’s network; the exercise asks for the one with "
                "the wider groups.")
WIDER_DOUBLE = N_("twice the chapter’s count is too few: a convolution’s weights grow with its "
                  "input channels times its output channels, and both doubled.")
WIDER_FOUR = N_("four times the chapter’s count is a good prediction, but not the count: not "
                "every layer doubles on both sides. Now count.")
WIDER_TRAINABLE = N_("you counted only the parameters that learn; count all of them, as the "
                     "chapter’s count function does, the frozen ones too.")
WIDER_OTHER = N_("not the number of parameters of models.CifarNet with those widths.")


@exercise("07.1")
def wider(answer) -> None:
    """Predict, then count: the parameters of CifarNet with the widths WIDER."""
    got = expect.number(answer)
    with torch.random.fork_rng(devices=[]):  # the page's random numbers stay as they were
        ours, wide = models.CifarNet(), models.CifarNet(WIDER)
    if _close(got, _count(wide)):
        return
    if _close(got, _count(ours)) or _close(got, _count(ours, trainable=True)):
        raise Wrong(WIDER_SAME)
    if _close(got, _count(wide, trainable=True)):
        raise Wrong(WIDER_TRAINABLE)
    if _close(got, 2 * _count(ours), 0.02):
        raise Wrong(WIDER_DOUBLE)
    if _close(got, 4 * _count(ours), 0.02):
        raise Wrong(WIDER_FOUR)
    raise Wrong(WIDER_OTHER)


NORM_NO_SCALE = N_("your numbers are far too large: the mean and spread are for pixels between "
                   "0 and 1, and the images hold bytes from 0 to 255.")
NORM_CHANNEL_AXIS = N_("your mean and spread were applied along the images’ width, not per "
                       "colour channel: shape them (1, 3, 1, 1) so they line up with dimension 1.")
NORM_BATCH_STATS = N_("you normalised with the batch’s own mean and spread; use the training "
                      "set’s fixed numbers, zoo.CIFAR_MEAN and zoo.CIFAR_STD, so an image gives "
                      "the same input whatever batch it is in.")
NORM_MULTIPLY = N_("divide by the spread after subtracting the mean; you multiplied.")
NORM_OTHER = N_("your numbers differ from the chapter’s normalisation: first to 0..1, then minus "
                "each channel’s mean, divided by its spread.")


def _norm_stats(shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.tensor(zoo.CIFAR_MEAN).view(shape), torch.tensor(zoo.CIFAR_STD).view(shape))


@exercise("07.2")
def normalize(answer) -> None:
    """A function normalize(images): uint8 N×3×H×W to float32 with CIFAR-10's channel statistics."""
    fn = expect.function(answer)
    mean, std = _norm_stats((1, 3, 1, 1))
    # width 3 first: statistics broadcast along the width fit it silently
    for seed, shape in [(7, (4, 3, 3, 3)), (8, (2, 3, 32, 32))]:
        generator = torch.Generator().manual_seed(seed)
        images = torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)
        got = expect.tensor(fn(images.clone()), shape=shape, dtype=torch.float32)
        x = images.float() / 255
        if torch.allclose(got, (x - mean) / std, atol=1e-4):
            continue
        by_width = (x - mean.view(3)) / std.view(3) if shape[-1] == 3 else None
        if by_width is not None and torch.allclose(got, by_width, atol=1e-4):
            raise Wrong(NORM_CHANNEL_AXIS)
        if torch.allclose(got, (images.float() - mean) / std, atol=1e-2):
            raise Wrong(NORM_NO_SCALE)
        if torch.allclose(got, (x - mean) * std, atol=1e-4):
            raise Wrong(NORM_MULTIPLY)
        own = [(x - x.mean(dim=(0, 2, 3), keepdim=True)) / x.std(dim=(0, 2, 3), keepdim=True),
               (x - x.mean()) / x.std()]
        if any(torch.allclose(got, other, atol=1e-3) for other in own):
            raise Wrong(NORM_BATCH_STATS)
        raise Wrong(NORM_OTHER)


# A channel whose every value is ``value`` passes ``batches`` times through a fresh
# BatchNorm2d in training mode; the pages glue these numbers into the exercise's text.
BN_BY_HAND = {"value": 0.5, "batches": 2, "momentum": 0.1}
BN_KEYS = ["running_mean", "running_var"]

BN_ONE_BATCH = N_("that is {name} after one batch; the exercise passes {batches}.")
BN_SWAPPED = N_("{name} moves the momentum’s share of the way towards the batch’s value and "
                "keeps the rest of its old value: (1 − momentum) × old + momentum × batch, not "
                "the other way round.")
BN_JUMPS = N_("{name} does not jump to the batch’s value; it only moves a share (the momentum) "
              "of the way.")
BN_START = N_("running_mean starts at 0 and running_var at 1. Where does {name} start?")
BN_OTHER = N_("{name} is not what BatchNorm2d holds after those batches. Write one update, old "
              "→ new, and apply it {batches} times.")


def _running(start: float, target: float, momentum: float, batches: int) -> float:
    value = start
    for _ in range(batches):
        value = (1 - momentum) * value + momentum * target
    return value


@exercise("07.3")
def running_statistics(answer) -> None:
    """By hand: running_mean and running_var after the batches of BN_BY_HAND."""
    given = expect.dictionary(answer, BN_KEYS)
    value, batches, m = BN_BY_HAND["value"], BN_BY_HAND["batches"], BN_BY_HAND["momentum"]
    # a constant channel: the batch's mean is the value and its variance 0
    targets = {"running_mean": (0.0, value), "running_var": (1.0, 0.0)}
    for name in BN_KEYS:
        got = expect.number(given[name])
        start, target = targets[name]
        if _close(got, _running(start, target, m, batches)):
            continue
        if _close(got, _running(start, target, m, 1)):
            raise Wrong(BN_ONE_BATCH, name=name, batches=batches)
        if _close(got, _running(start, target, 1 - m, batches)):
            raise Wrong(BN_SWAPPED, name=name)
        if _close(got, target):
            raise Wrong(BN_JUMPS, name=name)
        other_start = 1.0 - start
        if _close(got, _running(other_start, target, m, batches)):
            raise Wrong(BN_START, name=name)
        raise Wrong(BN_OTHER, name=name, batches=batches)


FLIP_SHAPE = N_("the batch came back with the shape {got}; mirroring keeps it {want}.")
FLIP_BATCH = N_("you reversed the order of the images in the batch (dimension 0): now each image "
                "sits next to another image’s label. Mirror each image along its width.")
FLIP_VERTICAL = N_("some images are upside down: dimension −2 is the height. Mirror along the "
                   "width, the last dimension.")
FLIP_CHANNELS = N_("you reversed the colour channels (dimension 1): red became blue. Mirror along "
                   "the width, the last dimension.")
FLIP_NOT_MIRRORS = N_("some images are neither the original nor its mirror image.")
FLIP_NONE = N_("no image was mirrored.")
FLIP_ALL = N_("every image was mirrored; the network would then see only mirror images. Mirror "
              "a random half.")
FLIP_SHARE = N_("{share} of the images were mirrored; it should be about half of them.")
FLIP_IN_PLACE = N_("your function changed the batch it was given: the training images themselves "
                   "would be mirrored for good. Return a new tensor.")
FLIP_GENERATOR = N_("two calls with generators seeded alike mirrored different images: draw the "
                    "random numbers from the generator you are given.")
FLIP_FIXED = N_("your function mirrors the same images every time, whatever the generator: draw "
                "which ones at random.")


def _mirrored(images: torch.Tensor, generator: torch.Generator, fn) -> torch.Tensor:
    given = images.clone()
    got = expect.tensor(fn(given, generator))
    if tuple(got.shape) != tuple(images.shape):
        raise Wrong(FLIP_SHAPE, got=tuple(got.shape), want=tuple(images.shape))
    if got.dtype != images.dtype:
        raise Wrong(expect.DTYPE, got=got.dtype, want=images.dtype)
    if not torch.equal(given, images):
        raise Wrong(FLIP_IN_PLACE)
    return got


@exercise("07.4")
def flip_half(answer) -> None:
    """A function flip_half(images, generator): a random half of a uint8 batch mirrored."""
    fn = expect.function(answer)
    images = torch.randint(0, 256, (200, 3, 8, 8), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(9))
    got = _mirrored(images, torch.Generator().manual_seed(1), fn)
    if torch.equal(got, images.flip(0)):
        raise Wrong(FLIP_BATCH)
    same = (got == images).flatten(1).all(dim=1)
    mirrored = (got == images.flip(-1)).flatten(1).all(dim=1)
    if not (same | mirrored).all():
        for dim, hint in ((-2, FLIP_VERTICAL), (1, FLIP_CHANNELS), (0, FLIP_BATCH)):
            if (got == images.flip(dim)).flatten(1).all(dim=1).any():
                raise Wrong(hint)
        raise Wrong(FLIP_NOT_MIRRORS)
    share = mirrored.float().mean().item()
    if share == 0:
        raise Wrong(FLIP_NONE)
    if share == 1:
        raise Wrong(FLIP_ALL)
    if not 0.3 <= share <= 0.7:
        raise Wrong(FLIP_SHARE, share=i18n.percent(share, 0))
    again = _mirrored(images, torch.Generator().manual_seed(1), fn)
    if not torch.equal(again, got):
        raise Wrong(FLIP_GENERATOR)
    other = _mirrored(images, torch.Generator().manual_seed(2), fn)
    if torch.equal(other, got):
        raise Wrong(FLIP_FIXED)


TTA_PERCENT = N_("your function gives {got}: a percentage. Return the accuracy as a fraction "
                 "between 0 and 1.")
TTA_TRAINING_MODE = N_("your function measures the network in training mode: its BatchNorm "
                       "layers then use each batch’s own statistics. Call model.eval() first "
                       "(nnbook.train.predict does).")
TTA_IGNORES_FLIP = N_("with flip=True your function gives the same as without it.")
TTA_MIRROR_ONLY = N_("with flip=True you used only the mirrored images; add the scores of the "
                     "images as they are and of their mirror images.")
TTA_VERTICAL = N_("with flip=True you turned the images upside down (dimension −2); mirror them "
                  "along the width, the last dimension.")
TTA_VOTES = N_("you counted an image as right if either of the two answers was right; add the "
               "two sets of scores first, then take the largest.")
TTA_OTHER = N_("your accuracy differs from the network’s on a test the checker made up ({got} "
               "with flip={flip}).")


class _Probe(nn.Module):
    """A small network with BatchNorm whose scores depend on left and right (the checker's)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(10)
        self.norm = nn.BatchNorm2d(3)
        self.norm.running_mean.copy_(torch.tensor([0.8, -0.6, 0.4]))
        self.norm.running_var.copy_(torch.tensor([0.3, 2.0, 0.6]))
        with torch.random.fork_rng(devices=[]):  # the page's random numbers stay as they were
            self.linear = nn.Linear(3 * size * size, 10)
        with torch.no_grad():
            self.linear.weight.copy_(0.1 * torch.randn(10, 3 * size * size, generator=generator))
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.norm(x).flatten(1))


def _tta_case() -> tuple[torch.Tensor, torch.Tensor, dict[str, list[float]]]:
    """The checker's inputs and labels, and the accuracies of the right answer and the mistakes."""
    size, n = 6, 300
    generator = torch.Generator().manual_seed(12)
    inputs = torch.randn(n, 3, size, size, generator=generator)
    with torch.no_grad():
        probe = _Probe(size).eval()
        plain, mirrored = probe(inputs), probe(inputs.flip(-1))
        upside_down = probe(inputs.flip(-2))
        training = _Probe(size).train()(inputs)
        training_tta = training + _Probe(size).train()(inputs.flip(-1))
    # most labels are what the mirrored pair says, the rest random: every variant scores apart
    labels = (plain + mirrored).argmax(dim=1)
    noise = torch.rand(n, generator=generator) < 0.3
    labels = torch.where(noise, torch.randint(0, 10, (n,), generator=generator), labels)

    def accuracy(scores: torch.Tensor) -> float:
        return (scores.argmax(dim=1) == labels).float().mean().item()

    either = ((plain.argmax(1) == labels) | (mirrored.argmax(1) == labels)).float().mean().item()
    return inputs, labels, {
        "plain": [accuracy(plain)],
        "tta": [accuracy(plain + mirrored), accuracy(plain.softmax(1) + mirrored.softmax(1))],
        "training": [accuracy(training), accuracy(training_tta)],
        "mirror_only": [accuracy(mirrored)],
        "vertical": [accuracy(plain + upside_down)],
        "votes": [either],
    }


@exercise("07.5")
def tta_accuracy(answer) -> None:
    """A function accuracy(model, inputs, labels, flip=False): with flip=True the scores of the
    images and of their mirror images added (test-time flipping)."""
    fn = expect.function(answer)
    inputs, labels, want = _tta_case()
    size = inputs.shape[-1]
    for flip in (False, True):
        got = expect.number(fn(_Probe(size), inputs.clone(), labels.clone(), flip=flip))
        right = want["tta" if flip else "plain"]
        if any(_close(got, value) for value in right):
            continue
        if got > 1 and any(_close(got / 100, value) for value in right):
            raise Wrong(TTA_PERCENT, got=_short(got))
        if any(_close(got, value) for value in want["training"]):
            raise Wrong(TTA_TRAINING_MODE)
        if not flip:
            raise Wrong(TTA_OTHER, got=_short(got), flip=flip)
        for key, hint in (("plain", TTA_IGNORES_FLIP), ("mirror_only", TTA_MIRROR_ONLY),
                          ("vertical", TTA_VERTICAL), ("votes", TTA_VOTES)):
            if any(_close(got, value) for value in want[key]):
                raise Wrong(hint)
        raise Wrong(TTA_OTHER, got=_short(got), flip=flip)
