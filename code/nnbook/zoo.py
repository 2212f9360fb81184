"""The book's trained networks: one function each, trained once per build (nnbook.results).

Every page that needs such a network calls its function here and gets the same weights:
``lenet_mnist()`` is chapter 6's LeNet, and chapter 9 uses it to judge generated digits.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from nnbook import data as datasets
from nnbook import models, results
from nnbook.core import device as default_device
from nnbook.core import seed as set_seed
from nnbook.i18n import N_, _
from nnbook.train import History, TensorBatches, accuracy_in_batches, fit, predict, threads


def warmup_then_linear(warmup: float, start: float = 0.0) -> Callable[[float], float]:
    """A learning-rate factor over progress 0→1: from ``start`` up to 1 during ``warmup``,
    then linearly down to 0."""

    def factor(progress: float) -> float:
        if progress < warmup:
            return start + (1 - start) * progress / warmup
        return max(0.0, (1 - progress) / (1 - warmup))

    return factor


# --- chapter 6: LeNet on MNIST ------------------------------------------------------------
# ``validation``: digits held out of the 60,000 training digits (stratified, seeded); the
# curves and every choice use them, the test set is for one evaluation after training.
# ``threads``: part of the recipe, since the number of threads changes how sums are split.
# Chosen on the validation digits (scripts/tune_cnn.py --net lenet, seed 0, one run each):
# batch 64, lr 0.05: 3 epochs 98.42 %, 4 epochs 98.66 % (21 s of training), 5 epochs 98.64 %;
# lr 0.1 98.50 %; batch 128, lr 0.1: 3 epochs 98.60 % (12 s), 4 98.56 %, 5 98.48 %, 6 98.08 %;
# lr 0.15 96.94 %, lr 0.2 diverged.
LENET_RECIPE = {"epochs": 4, "batch_size": 64, "lr": 0.05, "momentum": 0.9, "warmup": 0.05,
                "validation": 5000, "threads": 2, "seed": 0}


def train_lenet(model: nn.Module, digits: datasets.ImageSplit, recipe: dict,
                device: torch.device) -> History:
    """SGD with Nesterov momentum and a decaying learning rate on MNIST's training digits
    (``digits.with_validation`` held some out: the validation accuracy after each epoch)."""
    set_seed(recipe["seed"])
    X_train, X_val = datasets.lenet_input(digits.X_train), datasets.lenet_input(digits.X_val)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe["lr"],
                                momentum=recipe["momentum"], nesterov=True)
    with threads(recipe["threads"], device):
        return fit(
            model,
            lambda epoch: TensorBatches(X_train, digits.y_train, recipe["batch_size"],
                                        seed=recipe["seed"] * 1000 + epoch),
            optimizer, nn.CrossEntropyLoss(), recipe["epochs"], device=device,
            evaluate=lambda m: {"val_accuracy": accuracy_in_batches(m, X_val, digits.y_val,
                                                                    device=device)},
            schedule=warmup_then_linear(recipe["warmup"]), desc="LeNet",
        )


def lenet_mnist(device: torch.device | None = None, **changes) -> tuple[models.LeNet, History]:
    """The book's LeNet trained on MNIST (chapter 6), from the cache or trained now (~30 s).

    The model takes N×1×32×32 floats in [0, 1] (``nnbook.data.lenet_input`` pads 28×28
    digits) and returns logits for the digits 0-9; it comes back in eval mode on ``device``.
    """
    dev = device or default_device()
    recipe = LENET_RECIPE | changes
    digits = datasets.mnist().with_validation(recipe["validation"], recipe["seed"])
    train = functools.partial(train_lenet, digits=digits, recipe=recipe, device=dev)
    set_seed(recipe["seed"])
    return results.trained("lenet-mnist", models.LeNet(), train,
                           recipe | {"data": digits.digest()}, device=dev)


# --- chapter 7: CIFAR-10 -----------------------------------------------------------------
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def normalize_cifar(images: torch.Tensor, mean=CIFAR_MEAN, std=CIFAR_STD) -> torch.Tensor:
    """uint8 pixels N×3×H×W to floats with each channel's mean 0 and spread 1: CIFAR-10's
    statistics unless others are given (chapter 8's ResNets: ``transfer.normalize_imagenet``)."""
    m = torch.tensor(mean, device=images.device).view(1, 3, 1, 1)
    s = torch.tensor(std, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - m) / s


def flip_and_shift(images: torch.Tensor, generator: torch.Generator,
                   pad: int = 2) -> torch.Tensor:
    """Augment a whole batch: mirror half the images, shift each by up to ``pad`` pixels.

    A shift is a crop of the image padded by reflection, the same as
    ``RandomCrop(32, padding=pad, padding_mode="reflect")`` + ``RandomHorizontalFlip()``,
    done for the batch at once rather than image by image.
    """
    flip = torch.rand(len(images), generator=generator) < 0.5
    images = torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)
    return shift(images, generator, pad)


# airbench's hyper-parameters (weight decay 0.0153 per 1,024 images and momentum "kilostep";
# its lr 11.5 raised for our shorter run), restated for PyTorch's SGD with the mean loss of a
# batch: ``cifar_sgd_settings``. A fixed schedule of steps in float32: the same weights
# whatever the machine's speed or load. ``validation``: training images held out (stratified,
# seeded) for the curves and every choice of this recipe (scripts/tune_cnn.py); the test set
# is evaluated once, on the page, after training. ``threads``: part of the recipe (the number
# of threads changes how the sums are split, hence the last bits of every result).
CIFAR_RECIPE = {"epochs": 11, "batch_size": 256, "lr": 17.0, "weight_decay": 0.0153,
                "momentum": 0.85, "bias_scale": 64.0, "label_smoothing": 0.2, "warmup": 0.2,
                "whiten_bias_until": 0.3, "lookahead_every": 5, "whiten_images": 5000,
                "widths": (32, 64, 128), "small_epochs": 7, "small_size": 24,
                "validation": 5000, "threads": 2, "seed": 0}
# Progressive resizing: the first ``small_epochs`` see the images scaled down to
# ``small_size`` pixels (about half the time of a 32×32 epoch), the last ones at full size.
# Chosen on the 5,000 validation images (scripts/tune_cnn.py, seed 0, one run each, fp32,
# pinned kernels; plain / with test-time flips): 9 epochs, 6 small 84.68 / 85.78 %; 10, 7
# small 84.42 / 85.94 %; 11, 7 small 85.76 / 86.76 % in 261 s of training.


def cifar_sgd_settings(recipe: dict) -> dict[str, float]:
    """The recipe's learning rate and weight decay as PyTorch's SGD takes them (mean loss).

    airbench sums the loss over a batch and scales by 1,024·(1 + 1/(1 − momentum)) images;
    with the mean loss the step size grows with the batch. Its weight decay is decoupled:
    each step shrinks the weights by ``weight_decay·batch/scale`` times the schedule.
    """
    scale = 1024 * (1 + 1 / (1 - recipe["momentum"]))
    lr = recipe["lr"] * recipe["batch_size"] / scale
    shrink = recipe["weight_decay"] * recipe["batch_size"] / scale  # per step, at full lr
    return {"lr": lr, "weight_decay": shrink / lr, "bias_lr": lr * recipe["bias_scale"],
            "bias_weight_decay": shrink / (lr * recipe["bias_scale"])}


class Lookahead:
    """Every few steps, move a slow copy of the weights toward the fast ones and restart there.

    The copy forgets at the rate 1 − 0.95^k·progress³ (k steps apart): early on the network
    trains as usual; near the end it is an average of its last states, which smooths out
    the noise of the final steps (airbench's variant of Zhang et al.'s Lookahead, 2019).
    """

    def __init__(self, model: nn.Module, total_steps: int, every: int = 5) -> None:
        self.model, self.total_steps, self.every, self.steps = model, total_steps, every, 0
        self.slow = {k: v.detach().clone() for k, v in model.state_dict().items()
                     if v.dtype.is_floating_point}

    @torch.no_grad()
    def __call__(self) -> None:
        self.steps += 1
        if self.steps % self.every:
            return
        decay = 0.95 ** self.every * min(1.0, self.steps / self.total_steps) ** 3
        state = self.model.state_dict()
        for name, slow in self.slow.items():
            slow.lerp_(state[name], 1 - decay)
            state[name].copy_(slow)

    @torch.no_grad()
    def finish(self) -> None:
        """End on the slow copy, as airbench does (drops fast steps since the last update)."""
        state = self.model.state_dict()
        for name, slow in self.slow.items():
            state[name].copy_(slow)


def alternating_flips(count: int, generator: torch.Generator) -> Callable[[int], torch.Tensor]:
    """Which images to mirror in each epoch: a random half first, then the other half, …

    Every image is seen both ways within two epochs, instead of by chance (airbench).
    """
    first = torch.rand(count, generator=generator) < 0.5
    return lambda epoch: first ^ bool(epoch % 2)


def train_cifar_net(model: models.CifarNet, split: datasets.ImageSplit, recipe: dict,
                    device: torch.device) -> History:
    """Our recipe (after airbench): whitened input, alternating flips, SGD with Nesterov
    momentum, label smoothing, a warm-up then a linear decay, Lookahead; the first
    ``small_epochs`` on images scaled down to ``small_size`` pixels (progressive resizing).

    Trains on ``split.X_train`` in float32 and channels_last; ``split.X_val`` gives the
    validation accuracy after each epoch. The whitening layer is computed from a seeded
    random sample of the training images (the listing is sorted by class).
    """
    set_seed(recipe["seed"])
    sample = datasets.random_sample(recipe["whiten_images"], len(split.y_train), recipe["seed"])
    model.init_whitening(normalize_cifar(split.X_train[sample]))
    model.to(device, memory_format=torch.channels_last)
    sgd = cifar_sgd_settings(recipe)
    norms = [m.bias for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    others = [p for p in model.parameters()
              if p.requires_grad and p is not model.whiten.bias and all(p is not b for b in norms)]
    optimizer = torch.optim.SGD(
        [{"params": norms, "lr": sgd["bias_lr"], "weight_decay": sgd["bias_weight_decay"]},
         {"params": others, "lr": sgd["lr"], "weight_decay": sgd["weight_decay"]},
         {"params": [model.whiten.bias], "lr": sgd["lr"], "weight_decay": sgd["weight_decay"]}],
        momentum=recipe["momentum"], nesterov=True)
    generator = torch.Generator().manual_seed(recipe["seed"])
    flips = alternating_flips(len(split.y_train), generator)

    def batches(epoch: int) -> TensorBatches:
        mirrored = flips(epoch)

        def images(index: torch.Tensor, g: torch.Generator) -> torch.Tensor:
            x = split.X_train[index]
            x = torch.where(mirrored[index].view(-1, 1, 1, 1), x.flip(-1), x)
            x = normalize_cifar(x)
            if epoch < recipe["small_epochs"]:  # progressive resizing: early epochs cost less
                x = nn.functional.interpolate(x, size=recipe["small_size"], mode="bilinear",
                                              antialias=True, align_corners=False)
            return x.contiguous(memory_format=torch.channels_last)

        return TensorBatches(torch.arange(len(split.y_train)), split.y_train,
                             recipe["batch_size"], seed=recipe["seed"] * 1000 + epoch,
                             drop_last=True, transform=images)

    steps_per_epoch = len(batches(0))
    lookahead = Lookahead(model, steps_per_epoch * recipe["epochs"], recipe["lookahead_every"])

    def after_step() -> None:
        lookahead()
        if lookahead.steps == int(recipe["whiten_bias_until"] * lookahead.total_steps):
            model.whiten.bias.requires_grad_(False)  # the whitening layer's shift is learnt early

    with threads(recipe["threads"], device):
        history = fit(model, batches, optimizer,
                      nn.CrossEntropyLoss(label_smoothing=recipe["label_smoothing"]),
                      recipe["epochs"], device=device, after_step=after_step,
                      evaluate=lambda m: val_accuracy(m, split, device),
                      schedule=warmup_then_linear(recipe["warmup"], start=0.2),
                      evaluate_every=steps_per_epoch, finish=lookahead.finish, desc="CifarNet")
    model.whiten.bias.requires_grad_(True)
    return history


def shift(images: torch.Tensor, generator: torch.Generator, pad: int) -> torch.Tensor:
    """Move each image by up to ``pad`` pixels (a crop of the reflection-padded image)."""
    n, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (pad,) * 4, mode="reflect")
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    out = torch.empty_like(images)
    for x in range(2 * pad + 1):
        for y in range(2 * pad + 1):
            chosen = (dx == x) & (dy == y)
            out[chosen] = padded[chosen, :, y:y + h, x:x + w]
    return out



def torchvision_augmentation() -> tuple[Callable, Callable]:
    """Chapter 7's augmentation image by image in torchvision, as its page builds it:
    ``augment`` (shift by up to 2 pixels, mirror half) and ``to_input`` (floats, normalized)."""
    import torchvision.transforms.v2 as T

    augment = T.Compose([T.RandomCrop(32, padding=2, padding_mode="reflect"),
                         T.RandomHorizontalFlip()])
    to_input = T.Compose([T.ToDtype(torch.float32, scale=True), T.Normalize(CIFAR_MEAN, CIFAR_STD)])
    return augment, to_input


def augmentation_rates(augment: Callable, to_input: Callable, images: torch.Tensor,
                       repeats: int = 3) -> dict[str, float]:
    """Images per second: ``augment`` and ``to_input`` image by image, against
    ``flip_and_shift`` and ``normalize_cifar`` on the whole batch (the median of ``repeats``)."""
    def rate(work: Callable[[], torch.Tensor]) -> float:
        seconds = []
        for _repeat in range(repeats):
            start = time.perf_counter()
            work()
            seconds.append(time.perf_counter() - start)
        return len(images) / statistics.median(seconds)

    generator = torch.Generator().manual_seed(0)
    return {"one_by_one": rate(lambda: torch.stack([to_input(augment(x)) for x in images])),
            "batched": rate(lambda: normalize_cifar(flip_and_shift(images, generator)))}


def augmentation_speed(augment: Callable | None = None, to_input: Callable | None = None,
                       images: torch.Tensor | None = None) -> dict[str, float]:
    """``augmentation_rates`` measured once and kept in the results folder (chapter 7).

    The build measures it before any page runs, alone on the machine, with the training's
    threads (``nnbook.site.pretrain``), and every language's page states that one measurement;
    a page run with ``NNBOOK_CACHED_ONLY=1`` never times anything itself. The defaults are the
    page's: ``torchvision_augmentation()`` and CIFAR-10's first 2,000 training images. Another
    pipeline (its ``repr``), other images or other code is another measurement.
    """
    import torchvision

    if augment is None or to_input is None:
        augment, to_input = torchvision_augmentation()
    if images is None:
        images = datasets.cifar10().X_train[:2000]
    threads_used = CIFAR_RECIPE["threads"]
    key = {"augment": repr(augment), "to_input": repr(to_input), "repeats": 3,
           "images": datasets.tensor_digest(images), "threads": threads_used,
           "code": results.source_closure("zoo"), "torchvision": torchvision.__version__,
           "kernels": results.kernels()}

    def measure() -> torch.Tensor:
        if os.environ.get("NNBOOK_CACHED_ONLY") == "1":
            raise LookupError(
                "chapter 7's augmentation speed was not measured before the pages ran, and "
                "NNBOOK_CACHED_ONLY=1 forbids timing it in a page: list "
                "zoo.augmentation_speed in nnbook.site.pretrain.BY_CHAPTER (or run "
                "python -m nnbook train --chapter 07-cifar10)")
        with threads(threads_used, torch.device("cpu")), torch.random.fork_rng(devices=[]):
            rates = augmentation_rates(augment, to_input, images)  # the page's RNG untouched
        results.TRAINED_HERE.append("augmentation-speed")
        return torch.tensor([rates["one_by_one"], rates["batched"]], dtype=torch.float64)

    one_by_one, batched = results.computed("augmentation-speed", key, measure).tolist()
    return {"one_by_one": one_by_one, "batched": batched}

def cifar_logits(model: nn.Module, images: torch.Tensor, device: torch.device, *,
                 flip: bool = False, norm=(CIFAR_MEAN, CIFAR_STD),
                 cache: bool = True) -> torch.Tensor:
    """Logits for uint8 images; ``flip=True`` adds those of the mirrored images (TTA).

    With ``cache`` (not during training) each pass is kept in the results folder, keyed by
    the weights and the images: the four languages evaluate the same trained networks.
    """
    def one_pass(mirrored: bool) -> torch.Tensor:
        def compute() -> torch.Tensor:
            ours = not isinstance(model, models.TutorialNet)
            x = normalize_cifar(images, *norm)
            x = x.flip(-1) if mirrored else x
            if ours:
                x = x.contiguous(memory_format=torch.channels_last)
            return predict(model, x, device=device)

        if not cache:
            return compute()
        key = {"weights": results.weights_digest(model), "images": datasets.tensor_digest(images),
               "norm": norm, "mirrored": mirrored, "device": device.type}
        return results.computed("cifar-logits", key, compute)

    logits = one_pass(False)
    return logits + one_pass(True) if flip else logits


def val_accuracy(model, split, device, norm=(CIFAR_MEAN, CIFAR_STD)) -> dict[str, float]:
    """The accuracy on the held-out validation images (during training, never the test set)."""
    logits = cifar_logits(model, split.X_val, device, norm=norm, cache=False)
    return {"val_accuracy": (logits.argmax(1) == split.y_val).float().mean().item()}


NETWORK_NAMES = {"tutorial": N_("The tutorial's network"), "ours": N_("Our network")}


def network_name(key: str) -> str:
    """What the page calls one of chapter 7's two networks, in its language."""
    return _(NETWORK_NAMES[key])


def cifar_net(device: torch.device | None = None, **changes) -> tuple[models.CifarNet, History]:
    """The book's CIFAR-10 network (chapter 7): a fixed schedule, about 5 minutes on a CPU."""
    dev = device or default_device()
    recipe = CIFAR_RECIPE | changes
    split = datasets.cifar10().with_validation(recipe["validation"], recipe["seed"])
    train = functools.partial(train_cifar_net, split=split, recipe=recipe, device=dev)
    set_seed(recipe["seed"])
    return results.trained("cifar-net", models.CifarNet(recipe["widths"]), train,
                           recipe | {"data": split.digest()}, device=dev)


# The tutorial's recipe; the same validation images are held out as for ours, so both
# networks' curves are drawn on images neither trained on.
TUTORIAL_RECIPE = {"epochs": 2, "batch_size": 4, "lr": 0.001, "momentum": 0.9, "seed": 0,
                   "evaluate_every": 2500, "validation": 5000, "threads": 1}
TUTORIAL_NORM = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # the tutorial's Normalize


def train_tutorial_net(model: nn.Module, split: datasets.ImageSplit, recipe: dict,
                       device: torch.device) -> History:
    """The official tutorial's recipe: batches of 4, plain SGD with momentum, 2 epochs."""
    set_seed(recipe["seed"])
    X_train = normalize_cifar(split.X_train, *TUTORIAL_NORM)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe["lr"], momentum=recipe["momentum"])
    with threads(recipe["threads"], device):  # batches of 4: one thread is faster than two
        return fit(
            model,
            lambda epoch: TensorBatches(X_train, split.y_train, recipe["batch_size"],
                                        seed=recipe["seed"] * 1000 + epoch),
            optimizer, nn.CrossEntropyLoss(), recipe["epochs"], device=device,
            evaluate=lambda m: val_accuracy(m, split, device, TUTORIAL_NORM),
            evaluate_every=recipe["evaluate_every"], desc="TutorialNet")


def tutorial_net(device: torch.device | None = None,
                 **changes) -> tuple[models.TutorialNet, History]:
    """The official PyTorch CIFAR-10 tutorial's network and recipe, for comparison (chapter 7)."""
    dev = device or default_device()
    recipe = TUTORIAL_RECIPE | changes
    split = datasets.cifar10().with_validation(recipe["validation"], recipe["seed"])
    train = functools.partial(train_tutorial_net, split=split, recipe=recipe, device=dev)
    set_seed(recipe["seed"])
    return results.trained("tutorial-net", models.TutorialNet(), train,
                           recipe | {"data": split.digest()}, device=dev)


def accuracy_per_class(predicted: torch.Tensor, targets: torch.Tensor,
                       classes: int = 10) -> torch.Tensor:
    """The share of each class's test images that were classified right."""
    right = torch.bincount(targets[predicted == targets], minlength=classes).float()
    return right / torch.bincount(targets, minlength=classes).float()


def confusion_matrix(predicted: torch.Tensor, targets: torch.Tensor,
                     classes: int = 10) -> torch.Tensor:
    """counts[i, j]: how many images of true class i were predicted as class j."""
    return torch.bincount(targets * classes + predicted,
                          minlength=classes * classes).reshape(classes, classes)

