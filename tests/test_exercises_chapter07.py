"""Chapter 7's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch

from exercise_cases import Case, assert_rejected
from nnbook import models, zoo
from nnbook.exercises import chapter07 as ch
from nnbook.exercises import check
from nnbook.train import predict

MEAN = torch.tensor(zoo.CIFAR_MEAN).view(1, 3, 1, 1)
STD = torch.tensor(zoo.CIFAR_STD).view(1, 3, 1, 1)


def _count(widths, trainable=False):
    return sum(p.numel() for p in models.CifarNet(widths).parameters()
               if p.requires_grad or not trainable)


def _flip_where(images, generator, dim=-1):
    flip = torch.rand(len(images), generator=generator) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1), images.flip(dim), images)


def _flip_in_place(images, generator):
    flip = torch.rand(len(images), generator=generator) < 0.5
    images[flip] = images[flip].flip(-1)
    return images


def _flip_global_rng(images, generator):
    return _flip_where(images, None)


def _flip_every_other(images, generator):
    out = images.clone()
    out[::2] = images[::2].flip(-1)
    return out


def _flip_a_tenth(images, generator):
    flip = torch.rand(len(images), generator=generator) < 0.1
    return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)


def _accuracy(flip_dim=-1, add=True, eval_mode=True, votes=False, scale=1.0):
    def accuracy(model, inputs, labels, flip=False):
        if eval_mode:
            model.eval()
        else:
            model.train()
        with torch.no_grad():
            scores = model(inputs)
            if flip:
                mirrored = model(inputs.flip(flip_dim))
                if votes:
                    right = (scores.argmax(1) == labels) | (mirrored.argmax(1) == labels)
                    return right.float().mean().item()
                scores = scores + mirrored if add else mirrored
        return scale * (scores.argmax(dim=1) == labels).float().mean().item()
    return accuracy


def _reference_accuracy(model, inputs, labels, flip=False):
    scores = predict(model, inputs, device=torch.device("cpu"))
    if flip:
        scores = scores + predict(model, inputs.flip(-1), device=torch.device("cpu"))
    return (scores.argmax(dim=1) == labels).float().mean().item()


WRONG: list[Case] = [
    ("07.1", lambda: _count((32, 64, 128)), ch.WIDER_SAME),
    ("07.1", lambda: 2 * _count((32, 64, 128)), ch.WIDER_DOUBLE),
    ("07.1", lambda: 4 * _count((32, 64, 128)), ch.WIDER_FOUR),
    ("07.1", lambda: _count(ch.WIDER, trainable=True), ch.WIDER_TRAINABLE),
    ("07.1", lambda: 10**5, ch.WIDER_OTHER),
    ("07.2", lambda: lambda images: (images.float() - MEAN) / STD, ch.NORM_NO_SCALE),
    ("07.2", lambda: lambda images: (images.float() / 255 - MEAN.view(3)) / STD.view(3),
     ch.NORM_CHANNEL_AXIS),
    ("07.2", lambda: lambda images: (images.float() / 255 - MEAN) * STD, ch.NORM_MULTIPLY),
    ("07.2", lambda: lambda images: ((images.float() / 255) - (images.float() / 255).mean())
     / (images.float() / 255).std(), ch.NORM_BATCH_STATS),
    ("07.2", lambda: lambda images: images.float() / 255, ch.NORM_OTHER),
    ("07.2", lambda: lambda images: (images.double() / 255 - MEAN) / STD, ch.expect.DTYPE),
    ("07.3", lambda: {"running_mean": 0.05, "running_var": 0.81}, ch.BN_ONE_BATCH),
    ("07.3", lambda: {"running_mean": 0.495, "running_var": 0.81}, ch.BN_SWAPPED),
    ("07.3", lambda: {"running_mean": 0.5, "running_var": 0.81}, ch.BN_JUMPS),
    ("07.3", lambda: {"running_mean": 0.095, "running_var": 0.0}, ch.BN_JUMPS),
    ("07.3", lambda: {"running_mean": 0.905, "running_var": 0.81}, ch.BN_START),
    ("07.3", lambda: {"running_mean": 0.1, "running_var": 0.81}, ch.BN_OTHER),
    ("07.3", lambda: {"mean": 0.095, "var": 0.81}, ch.expect.NOT_DICT),
    ("07.4", lambda: lambda images, generator: images.flip(0), ch.FLIP_BATCH),
    ("07.4", lambda: lambda images, generator: _flip_where(images, generator, -2),
     ch.FLIP_VERTICAL),
    ("07.4", lambda: lambda images, generator: _flip_where(images, generator, 1),
     ch.FLIP_CHANNELS),
    ("07.4", lambda: lambda images, generator: images.flip(-1), ch.FLIP_ALL),
    ("07.4", lambda: lambda images, generator: images.clone(), ch.FLIP_NONE),
    ("07.4", lambda: _flip_a_tenth, ch.FLIP_SHARE),
    ("07.4", lambda: _flip_in_place, ch.FLIP_IN_PLACE),
    ("07.4", lambda: _flip_global_rng, ch.FLIP_GENERATOR),
    ("07.4", lambda: _flip_every_other, ch.FLIP_FIXED),
    ("07.4", lambda: lambda images, generator: images[:, :, :4], ch.FLIP_SHAPE),
    ("07.4", lambda: lambda images, generator: images.roll(1, -1), ch.FLIP_NOT_MIRRORS),
    ("07.5", lambda: _accuracy(scale=100), ch.TTA_PERCENT),
    ("07.5", lambda: _accuracy(eval_mode=False), ch.TTA_TRAINING_MODE),
    ("07.5", lambda: lambda model, inputs, labels, flip=False: _accuracy()(model, inputs, labels),
     ch.TTA_IGNORES_FLIP),
    ("07.5", lambda: _accuracy(add=False), ch.TTA_MIRROR_ONLY),
    ("07.5", lambda: _accuracy(flip_dim=-2), ch.TTA_VERTICAL),
    ("07.5", lambda: _accuracy(votes=True), ch.TTA_VOTES),
    ("07.5", lambda: _accuracy(flip_dim=1), ch.TTA_OTHER),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


def test_the_tta_mistakes_score_apart():
    """07.5's made-up test tells every mistake from the right answer and from each other."""
    _, _, want = ch._tta_case()
    values = sorted(v for key in want for v in want[key])
    assert min(b - a for a, b in zip(values[:-1], values[1:], strict=True)) > 1 / 300


def test_the_reference_answers_pass():
    wide = _count(ch.WIDER)
    state = torch.random.get_rng_state()
    for name, answer in [
        ("07.1", wide), ("07.2", zoo.normalize_cifar),
        ("07.3", {"running_mean": 0.9 * 0.05 + 0.1 * 0.5, "running_var": 0.9 * 0.9}),
        ("07.4", _flip_where), ("07.5", _reference_accuracy),
        ("07.5", lambda model, inputs, labels, flip=False:
         _accuracy()(model, inputs, labels, flip))]:
        assert check(name, answer), name
    assert torch.equal(torch.random.get_rng_state(), state), "a checker used the global RNG"
