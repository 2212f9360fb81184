"""Chapter 6, convolutional networks (LeNet on MNIST): the checkers of exercises 06.1–06.5."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nnbook import i18n, models
from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_


def _close(got: float, want: float) -> bool:
    return abs(got - want) < 1e-6 * max(1.0, abs(want))


def _short(value: float) -> str:
    """A number in the page's locale with no more decimals than it has (3.5, not 3.500)."""
    digits = next((d for d in range(3) if abs(round(value, d) - value) < 1e-9), 3)
    return i18n.number(value, digits)


def _flat_size(size: int, pool=lambda n: n // 2, convs: tuple[int, int] = (5, 5),
               channels: int = 16) -> int:
    """What LeNet's torch.flatten(x, 1) gives per image for size×size inputs (or a mistake's)."""
    for kernel in convs:
        size = pool(size - kernel + 1)
    return channels * size * size


# The exercise's input size; the pages glue it into its text.
FLATTEN_SIZE = 45

FLAT_UNCHANGED = N_("that is what flatten gives for the chapter’s 32×32 images. Follow a side of "
                    "{size} pixels through the layers.")
FLAT_NO_POOL = N_("your count leaves out the pooling: each max_pool2d halves the sides.")
FLAT_CEIL = N_("max_pool2d with a 2×2 window rounds down: an odd last row or column has no "
               "partner and is dropped.")
FLAT_CHANNELS = N_("flatten keeps every channel: multiply the last feature map’s area by the "
                   "number of channels conv2 gives.")
FLAT_OTHER = N_("not what flatten gives. Follow a side of {size} pixels layer by layer: a 5×5 "
                "convolution, then pooling, twice.")


@exercise("06.1")
def flatten_size(answer) -> None:
    """Predict, then run: the numbers per image that flatten gives LeNet's fc1 for 45×45 inputs."""
    got = expect.number(answer)
    size = FLATTEN_SIZE
    if _close(got, _flat_size(size)):
        return
    if _close(got, 16 * 5 * 5):
        raise Wrong(FLAT_UNCHANGED, size=size)
    if _close(got, _flat_size(size, pool=lambda n: n)):
        raise Wrong(FLAT_NO_POOL)
    if _close(got, _flat_size(size, pool=lambda n: -(-n // 2))):
        raise Wrong(FLAT_CEIL)
    if any(_close(got, _flat_size(size, channels=c)) for c in (1, 6)):
        raise Wrong(FLAT_CHANNELS)
    raise Wrong(FLAT_OTHER, size=size)


SIZE_CASES = [(32, 5, 0, 1), (6, 3, 1, 2), (28, 5, 2, 1), (7, 3, 0, 2), (10, 4, 1, 3),
              (224, 7, 3, 2)]
SIZE_FLOOR = N_("for an image of {size} pixels, a {kernel}×{kernel} filter, padding {padding} "
                "and stride {stride} your function gives {got}: a filter that does not fit "
                "whole is not placed, so round down (//).")
SIZE_PLUS_ONE = N_("your sizes are one too small: the filter’s first position counts too (+ 1).")
SIZE_PADDING_ONCE = N_("the padding goes on both sides of the image: 2 × padding.")
SIZE_NO_STRIDE = N_("your function gives the same size whatever the stride; with stride s the "
                    "filter moves s pixels at a time.")
SIZE_OTHER = N_("for an image of {size} pixels, a {kernel}×{kernel} filter, padding {padding} "
                "and stride {stride} a convolution gives another size than {got}.")


def _output_size(size: int, kernel: int, padding: int, stride: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


@exercise("06.2")
def conv_output_size(answer) -> None:
    """A function conv_output_size(size, kernel, padding, stride): a side of the output."""
    fn = expect.function(answer)
    got = {case: expect.number(fn(*case)) for case in SIZE_CASES}
    for case, value in got.items():
        if not _close(value, _output_size(*case)) and _close(value, (case[0] + 2 * case[2]
                                                                      - case[1]) / case[3] + 1):
            size, kernel, padding, stride = case
            raise Wrong(SIZE_FLOOR, size=size, kernel=kernel, padding=padding, stride=stride,
                        got=_short(value))
    mistakes = [
        (SIZE_PLUS_ONE, lambda s, k, p, t: (s + 2 * p - k) // t),
        (SIZE_PADDING_ONCE, lambda s, k, p, t: (s + p - k) // t + 1),
        (SIZE_NO_STRIDE, lambda s, k, p, t: s + 2 * p - k + 1),
    ]
    for hint, mistake in mistakes:
        if all(_close(value, mistake(*case)) for case, value in got.items()):
            raise Wrong(hint)
    for case, value in got.items():
        if not _close(value, _output_size(*case)):
            size, kernel, padding, stride = case
            raise Wrong(SIZE_OTHER, size=size, kernel=kernel, padding=padding, stride=stride,
                        got=_short(value))


# The layer whose parameters are counted by hand; the pages glue its numbers into the text.
CONV_LAYER = {"in_channels": 16, "out_channels": 32, "kernel": 3}

PARAMS_NO_BIAS = N_("you counted the weights only: each output channel also has a bias.")
PARAMS_BIAS_PER_INPUT = N_("there is one bias per output channel, not per input channel.")
PARAMS_ONE_INPUT = N_("a filter covers every input channel: its weights are input channels × "
                      "height × width.")
PARAMS_KERNEL_SIDE = N_("a {kernel}×{kernel} filter has {kernel} × {kernel} weights per input "
                        "channel, not {kernel}.")
PARAMS_OTHER = N_("not the number of parameters nn.Conv2d makes. Count a filter’s weights, the "
                  "number of filters and the biases.")


@exercise("06.3")
def conv_parameters(answer) -> None:
    """By hand: the parameters of nn.Conv2d with the numbers of CONV_LAYER."""
    got = expect.number(answer)
    c_in, c_out, k = CONV_LAYER["in_channels"], CONV_LAYER["out_channels"], CONV_LAYER["kernel"]
    if _close(got, c_in * c_out * k * k + c_out):
        return
    if _close(got, c_in * c_out * k * k):
        raise Wrong(PARAMS_NO_BIAS)
    if _close(got, c_in * c_out * k * k + c_in):
        raise Wrong(PARAMS_BIAS_PER_INPUT)
    if _close(got, c_out * k * k + c_out) or _close(got, c_out * k * k):
        raise Wrong(PARAMS_ONE_INPUT)
    if _close(got, c_in * c_out * k + c_out) or _close(got, c_in * c_out * k):
        raise Wrong(PARAMS_KERNEL_SIDE, kernel=k)
    raise Wrong(PARAMS_OTHER)


# The image, filter and output pixel computed by hand; the page shows the same image and filter
# (and asserts that they are these) and glues the other numbers into its text.
PIXEL = {
    "image": (torch.arange(25.0) % 7).view(1, 1, 5, 5),
    "kernel": torch.tensor([[[[0.0, 2.0, 0.0], [2.0, 0.0, 0.0], [0.0, -1.0, 2.0]]]]),
    "padding": 1, "stride": 2, "row": 0, "column": 1,
}

PIXEL_NO_PADDING = N_("that is the pixel without padding. With padding {padding} the filter’s "
                      "first row lies on the zeros added above the image.")
PIXEL_NO_STRIDE = N_("you moved the filter one pixel per output pixel. With stride {stride} the "
                     "patch of output column {column} starts {stride} × {column} columns into the "
                     "padded image.")
PIXEL_FLIPPED = N_("you turned the filter around, as convolution does in mathematics; PyTorch "
                   "multiplies without turning it (cross-correlation).")
PIXEL_SWAPPED = N_("you computed row {column}, column {row}: the first index is the row.")
PIXEL_OTHER = N_("not the value of that output pixel. Write out the 3×3 patch of the padded "
                 "image first, then multiply it with the filter entry by entry and add.")


def _pixel(kernel: torch.Tensor, padding: int, stride: int, row: int, column: int) -> float:
    out = F.conv2d(PIXEL["image"], kernel, padding=padding, stride=stride)
    return out[0, 0, row, column].item()


@exercise("06.4")
def one_pixel(answer) -> None:
    """By hand: one output pixel of a convolution with padding and stride (the numbers of PIXEL)."""
    got = expect.number(answer)
    kernel, p, s = PIXEL["kernel"], PIXEL["padding"], PIXEL["stride"]
    i, j = PIXEL["row"], PIXEL["column"]
    if _close(got, _pixel(kernel, p, s, i, j)):
        return
    if _close(got, _pixel(kernel.flip(-1, -2), p, s, i, j)):
        raise Wrong(PIXEL_FLIPPED)
    if _close(got, _pixel(kernel, p, s, j, i)):
        raise Wrong(PIXEL_SWAPPED, row=i, column=j)
    if _close(got, _pixel(kernel, 0, s, i, j)):
        raise Wrong(PIXEL_NO_PADDING, padding=p)
    if _close(got, _pixel(kernel, p, 1, i, j)) or _close(got, _pixel(kernel, 0, 1, i, j)):
        raise Wrong(PIXEL_NO_STRIDE, stride=s, column=j)
    raise Wrong(PIXEL_OTHER)


# A LeNet for 28×28 images may have at most as many parameters as the chapter's LeNet (built
# aside from the caller's random numbers: importing this module changes no page's numbers).
with torch.random.fork_rng(devices=[]):
    NET28_LIMIT = sum(p.numel() for p in models.LeNet().parameters())

NET28_FAILS = N_("your network stops on a batch of 28×28 images ({error}). Does fc1 expect as "
                 "many numbers as flatten gives for 28×28 images?")
NET28_SHAPE = N_("for a batch of {n} images your network gives the shape {got}; it should be "
                 "{want}, ten scores per image. Does flatten keep the batch dimension?")
NET28_NO_CONV = N_("your network has no nn.Conv2d layer: a LeNet starts with convolutions.")
NET28_TOO_BIG = N_("your network has {got} parameters; the exercise allows at most {limit}.")
NET28_MIXES = N_("an image’s scores change with the other images in its batch. Each image "
                 "should pass through the network on its own.")


@exercise("06.5")
def lenet28(answer) -> None:
    """A LeNet (an nn.Module) that takes N×1×28×28 images and gives N×10 scores."""
    model = expect.module(answer)
    if not any(isinstance(m, nn.Conv2d) for m in model.modules()):
        raise Wrong(NET28_NO_CONV)
    count = sum(p.numel() for p in model.parameters())
    if count > NET28_LIMIT:
        raise Wrong(NET28_TOO_BIG, got=count, limit=NET28_LIMIT)
    device = next(model.parameters()).device
    images = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(6)).to(device)
    was_training = model.training
    model.eval()
    try:
        outputs = {}
        for n in (1, 5):
            with torch.no_grad():
                try:
                    out = model(images[:n])
                except RuntimeError as err:
                    raise Wrong(NET28_FAILS, error=str(err).splitlines()[0][:120]) from err
            expect.tensor(out)
            if tuple(out.shape) != (n, 10):
                raise Wrong(NET28_SHAPE, n=n, got=tuple(out.shape), want=(n, 10))
            outputs[n] = out.float().cpu()
        if not torch.allclose(outputs[1][0], outputs[5][0], atol=1e-4, rtol=1e-4):
            raise Wrong(NET28_MIXES)
    finally:
        model.train(was_training)
