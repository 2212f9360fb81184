"""Chapter 6's checkers reject the typical mistakes, each with its own hint."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from exercise_cases import Case, assert_rejected
from nnbook import models
from nnbook.exercises import chapter06 as ch
from nnbook.exercises import check


class _Net28(models.LeNet):
    """The reference answer of 06.5: fc1 takes what flatten gives for 28×28 images."""

    def __init__(self, fc1_inputs=16 * 4 * 4):
        super().__init__()
        self.fc1 = nn.Linear(fc1_inputs, 120)


class _FlattenAll(_Net28):
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x)  # the batch dimension flattened too: the mistake under test
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class _NoFc3(_Net28):
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.max_pool2d(F.relu(self.conv1(x)), 2))), 2)
        return F.relu(self.fc2(F.relu(self.fc1(torch.flatten(x, 1)))))


def _mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 10))


WRONG: list[Case] = [
    ("06.1", lambda: 400, ch.FLAT_UNCHANGED),
    ("06.1", lambda: 16 * 37 * 37, ch.FLAT_NO_POOL),
    ("06.1", lambda: 16 * 9 * 9, ch.FLAT_CEIL),
    ("06.1", lambda: 8 * 8, ch.FLAT_CHANNELS),
    ("06.1", lambda: 17, ch.FLAT_OTHER),
    ("06.2", lambda: lambda size, kernel, padding, stride: (size + 2 * padding - kernel) / stride
     + 1, ch.SIZE_FLOOR),
    ("06.2", lambda: lambda size, kernel, padding, stride: (size + 2 * padding - kernel) // stride,
     ch.SIZE_PLUS_ONE),
    ("06.2", lambda: lambda size, kernel, padding, stride: (size + padding - kernel) // stride + 1,
     ch.SIZE_PADDING_ONCE),
    ("06.2", lambda: lambda size, kernel, padding, stride: size + 2 * padding - kernel + 1,
     ch.SIZE_NO_STRIDE),
    ("06.2", lambda: lambda size, kernel, padding, stride: size - kernel + 1, ch.SIZE_OTHER),
    ("06.3", lambda: 16 * 32 * 9, ch.PARAMS_NO_BIAS),
    ("06.3", lambda: 16 * 32 * 9 + 16, ch.PARAMS_BIAS_PER_INPUT),
    ("06.3", lambda: 32 * 9 + 32, ch.PARAMS_ONE_INPUT),
    ("06.3", lambda: 16 * 32 * 3 + 32, ch.PARAMS_KERNEL_SIDE),
    ("06.3", lambda: 1000, ch.PARAMS_OTHER),
    ("06.4", lambda: 6, ch.PIXEL_FLIPPED),
    ("06.4", lambda: 0, ch.PIXEL_NO_PADDING),
    ("06.4", lambda: -6, ch.PIXEL_NO_STRIDE),
    ("06.4", lambda: 13, ch.PIXEL_SWAPPED),
    ("06.4", lambda: 5, ch.PIXEL_OTHER),
    ("06.5", lambda: models.LeNet(), ch.NET28_FAILS),
    ("06.5", lambda: _FlattenAll(), ch.NET28_SHAPE),
    ("06.5", lambda: _NoFc3(), ch.NET28_SHAPE),
    ("06.5", lambda: _Net28(16 * 4 * 4 * 10), ch.NET28_TOO_BIG),
    ("06.5", _mlp, ch.NET28_NO_CONV),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


def test_the_pixel_mistakes_are_the_numbers_the_cases_use():
    """06.4's cases stand for the mistakes they name: each number is what that mistake gives."""
    kernel, i, j = ch.PIXEL["kernel"], ch.PIXEL["row"], ch.PIXEL["column"]
    assert ch._pixel(kernel.flip(-1, -2), 1, 2, i, j) == 6
    assert ch._pixel(kernel, 0, 2, i, j) == 0
    assert ch._pixel(kernel, 1, 1, i, j) == -6
    assert ch._pixel(kernel, 1, 2, j, i) == 13


def test_the_reference_answers_pass():
    padded28 = models.LeNet()
    padded28.conv1 = nn.Conv2d(1, 6, 5, padding=2)
    for name, answer in [
        ("06.1", 1024), ("06.2", lambda s, k, p, t: (s + 2 * p - k) // t + 1),
        ("06.3", 16 * 32 * 9 + 32), ("06.4", 2 * 1 + 0 * 0 - 1 * 0 + 2 * 1),
        ("06.5", _Net28()), ("06.5", padded28)]:
        assert check(name, answer), name
