"""Chapter 8's trained networks: a pretrained CIFAR-10 ResNet adapted to JPEGs and to ants/bees.

Every function returns a network from ``nnbook.results`` (trained once per build); the
numbers a page shows (accuracies before and after) are computed while training and kept in
the history, so four languages do not evaluate 10,000 images four times.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

from nnbook import data as datasets
from nnbook import models, results
from nnbook.core import device as default_device
from nnbook.core import seed as set_seed
from nnbook.i18n import N_
from nnbook.train import History, TensorBatches, fit, predict, threads

# akamaster's trainer normalizes with ImageNet's channel statistics; so do we, everywhere.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
METHODS = ("scratch", "frozen", "finetune")
METHOD_NAMES = {"scratch": N_("From scratch"), "frozen": N_("Frozen features, new head"),
                "finetune": N_("Fine-tuned")}
CLASS_NAMES = [N_("ant"), N_("bee")]  # hymenoptera_data's folders: ants, bees
REPORTED = {20: 0.9173, 32: 0.9263, 44: 0.9310, 56: 0.9339}  # akamaster's README, original data


def normalize_imagenet(images: torch.Tensor) -> torch.Tensor:
    """uint8 pixels N×3×H×W to floats normalized as the pretrained ResNets expect."""
    mean = torch.tensor(MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 images to ``size``×``size`` floats (0-255), antialiased: the validation view."""
    if images.shape[-1] == size:
        return images.float()
    return nn.functional.interpolate(images.float(), size=(size, size), mode="bilinear",
                                     antialias=True, align_corners=False)


def random_crops(images: torch.Tensor, generator: torch.Generator, size: int,
                 scale: tuple[float, float] = (0.35, 1.0), shift: int = 0) -> torch.Tensor:
    """A whole batch augmented at once: a random crop of each image, resized, half mirrored.

    ``scale``: the crop's share of the image's area (RandomResizedCrop, aspect 3:4 to 4:3);
    ``shift``: instead, move each image by up to that many whole pixels (CIFAR's pad-and-crop).
    One ``grid_sample`` call does every crop, resize and mirror of the batch.
    """
    n = len(images)
    u = torch.rand(n, 5, generator=generator)
    if shift:
        width = height = torch.ones(n)
        steps = torch.randint(-shift, shift + 1, (n, 2), generator=generator).float()
        cx, cy = 2 * steps[:, 0] / images.shape[-1], 2 * steps[:, 1] / images.shape[-2]
    else:
        area = scale[0] + (scale[1] - scale[0]) * u[:, 0]
        ratio = torch.exp(math.log(3 / 4) + math.log(16 / 9) * u[:, 1])
        width = torch.sqrt(area * ratio).clamp(max=1.0)
        height = torch.sqrt(area / ratio).clamp(max=1.0)
        cx = (1 - width) * (2 * u[:, 2] - 1)
        cy = (1 - height) * (2 * u[:, 3] - 1)
    mirror = torch.where(u[:, 4] < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = width * mirror, cx
    theta[:, 1, 1], theta[:, 1, 2] = height, cy
    grid = nn.functional.affine_grid(theta, [n, 3, size, size], align_corners=False)
    return nn.functional.grid_sample(images.float(), grid, mode="bilinear",
                                     padding_mode="reflection", align_corners=False)


def logits(model: nn.Module, images: torch.Tensor, size: int, device: torch.device,
           flip: bool = True) -> torch.Tensor:
    """The model's logits for uint8 images seen at ``size`` px; ``flip`` adds the mirror's."""
    x = normalize_imagenet(resize(images, size)).contiguous(memory_format=torch.channels_last)
    out = predict(model, x, device=device, batch_size=256)
    if flip:
        out = out + predict(model, x.flip(-1), device=device, batch_size=256)
    return out


def accuracy_at_size(model: nn.Module, images: torch.Tensor, targets: torch.Tensor, size: int,
                     device: torch.device, flip: bool = False) -> float:
    """The share of uint8 ``images``, seen at ``size`` px, the model classifies as ``targets``."""
    return (logits(model, images, size, device, flip).argmax(1) == targets).float().mean().item()


def cosine(progress: float) -> float:
    """Learning-rate factor: a cosine from 1 down to 0 over the run."""
    return 0.5 * (1 + math.cos(math.pi * progress))


def _sgd(groups: list[dict], recipe: dict) -> torch.optim.Optimizer:
    return torch.optim.SGD(groups, lr=recipe["lr"], momentum=0.9, nesterov=True,
                           weight_decay=recipe["weight_decay"])


# --- domain shift: the pretrained ResNet on our JPEG copy of CIFAR-10 ------------------------
# ``threads``: part of every recipe (the build trains these beside each other, one thread each).
JPEG_RECIPE = {"depth": 20, "images": 10240, "batch_size": 128, "lr": 0.01,
               "weight_decay": 5e-4, "shift": 4, "train_probe": 2000, "threads": 1, "seed": 0}


def train_on_jpegs(model: models.CifarResNet, split: datasets.ImageSplit, recipe: dict,
                   device: torch.device) -> History:
    """``_train_on_jpegs`` on the recipe's number of threads."""
    with threads(recipe["threads"], device):
        return _train_on_jpegs(model, split, recipe, device)


def _train_on_jpegs(model: models.CifarResNet, split: datasets.ImageSplit, recipe: dict,
                    device: torch.device) -> History:
    """Fine-tune a pretrained ResNet on JPEG training images: one pass over a random subset.

    The history's ``points`` keep the test accuracy (all 10,000 JPEG test images) before
    and after, and on ``train_probe`` JPEG training images (evenly spread over the classes).
    """
    set_seed(recipe["seed"])
    size = split.X_train.shape[-1]
    every = len(split.y_train) // recipe["train_probe"]  # the same share of every class
    probe = split.X_train[::every], split.y_train[::every]
    before = {"test_accuracy": accuracy_at_size(model, split.X_test, split.y_test, size, device),
              "train_accuracy": accuracy_at_size(model, *probe, size, device), "images": 0}
    g = torch.Generator().manual_seed(recipe["seed"])
    subset = torch.randperm(len(split.y_train), generator=g)[:recipe["images"]]
    X, y = split.X_train[subset], split.y_train[subset]
    model.to(memory_format=torch.channels_last)
    optimizer = _sgd([{"params": model.parameters()}], recipe)
    history = fit(
        model,
        lambda epoch: TensorBatches(
            X, y, recipe["batch_size"], seed=recipe["seed"],
            transform=lambda x, gen: normalize_imagenet(
                random_crops(x, gen, size, shift=recipe["shift"]))
            .contiguous(memory_format=torch.channels_last)),
        optimizer, nn.CrossEntropyLoss(), 1, device=device, schedule=cosine, desc="ResNet JPEG")
    after = {"test_accuracy": accuracy_at_size(model, split.X_test, split.y_test, size, device),
             "train_accuracy": accuracy_at_size(model, *probe, size, device), "images": len(y)}
    history.points = [before, after]
    return history


def jpeg_finetuned(device: torch.device | None = None,
                   **changes) -> tuple[models.CifarResNet, History]:
    """The pretrained ResNet after a short fine-tuning on the JPEG copy of CIFAR-10."""
    dev = device or default_device()
    recipe = JPEG_RECIPE | changes
    split = datasets.cifar10()
    train = functools.partial(train_on_jpegs, split=split, recipe=recipe, device=dev)
    return results.trained("resnet-jpeg", models.pretrained_resnet(recipe["depth"]), train,
                           recipe | {"data": split.digest()}, device=dev)


# --- ants and bees: from scratch, frozen features, fine-tuned -------------------------------
ANTS_RECIPE = {"depth": 20, "size": 96, "epochs": 6, "batch_size": 32, "scale": (0.35, 1.0),
               "lr": {"scratch": 0.1, "frozen": 0.1, "finetune": 0.05},
               "body_lr": {"scratch": 1.0, "frozen": 0.0, "finetune": 0.1},  # × lr
               "weight_decay": 5e-4, "threads": 1, "seed": 0}


def ants_model(method: str, depth: int = 20) -> models.CifarResNet:
    """The network a method starts from: random, or pretrained with a new 2-class head."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: choose one of {METHODS}")
    if method == "scratch":
        return models.CifarResNet(depth, num_classes=2)
    model = models.pretrained_resnet(depth)
    model.linear = nn.Linear(64, 2)  # a new head: 2 classes instead of 10
    # Both keep the BatchNorm statistics of CIFAR-10's 50,000 images (see keep_statistics).
    return model.freeze_features() if method == "frozen" else model.keep_statistics()


def train_ants(model: models.CifarResNet, method: str, split: datasets.ImageSplit,
               recipe: dict, device: torch.device) -> History:
    """``_train_ants`` on the recipe's number of threads."""
    with threads(recipe["threads"], device):
        return _train_ants(model, method, split, recipe, device)


def _train_ants(model: models.CifarResNet, method: str, split: datasets.ImageSplit,
                recipe: dict, device: torch.device) -> History:
    """Same data, augmentation, epochs and batches for every method; only what learns differs.

    The history's last row has the validation accuracy (each image and its mirror).
    """
    set_seed(recipe["seed"])
    size = recipe["size"]
    lr = recipe["lr"][method]
    head = list(model.linear.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("linear.")]
    groups = [{"params": head, "lr": lr}]
    if recipe["body_lr"][method] > 0:
        groups.append({"params": body, "lr": lr * recipe["body_lr"][method]})
    model.to(memory_format=torch.channels_last)
    history = fit(
        model,
        lambda epoch: TensorBatches(
            split.X_train, split.y_train, recipe["batch_size"],
            seed=recipe["seed"] * 1000 + epoch, drop_last=True,
            transform=lambda x, g: normalize_imagenet(
                random_crops(x, g, size, tuple(recipe["scale"])))
            .contiguous(memory_format=torch.channels_last)),
        _sgd(groups, recipe | {"lr": lr}), nn.CrossEntropyLoss(), recipe["epochs"],
        device=device, schedule=cosine, desc=f"ants/bees {method} {size}px")
    history.epochs[-1]["test_accuracy"] = accuracy_at_size(model, split.X_test, split.y_test,
                                                           size, device, flip=True)
    return history


def source_size(size: int) -> int:
    """Photos are stored a third larger than the network sees them, for sharp random crops."""
    return round(size * 4 / 3)


def ants_bees(method: str, device: torch.device | None = None,
              **changes) -> tuple[models.CifarResNet, History]:
    """Ants vs bees with one of ``METHODS`` (``seed``, ``size``, ``depth`` via ``changes``)."""
    dev = device or default_device()
    recipe = ANTS_RECIPE | changes
    split = datasets.hymenoptera(source_size(recipe["size"]))
    set_seed(recipe["seed"])  # the new head's initial weights
    model = ants_model(method, recipe["depth"])
    train = functools.partial(train_ants, method=method, split=split, recipe=recipe, device=dev)
    return results.trained(f"ants-{method}", model, train,
                           recipe | {"method": method, "data": split.digest()}, device=dev)
