"""Chapter 9: a conditional VAE that draws MNIST digits, its training loop, and its judge.

The VAE has its own loop (its loss needs the image *and* its label, and a sample of the
latent space), still trained once per build through ``nnbook.results``. The judge is the
book's LeNet from chapter 6, loaded from the results cache, never trained here.
"""

from __future__ import annotations

import functools
import math
import time

import torch
from torch import nn

from nnbook import data as datasets
from nnbook import models, results
from nnbook.core import device as default_device
from nnbook.core import seed as set_seed
from nnbook.train import History, TensorBatches, progress, threads

# 15 epochs: about 3 minutes here, and the judge's goals with room to spare (25 epochs took
# 306 s for 98.3 % / 99.6 %, 12 epochs 157 s for 94.9 % / 98.6 %: seed 0, one run each; the
# median of 3 seeds: scripts/bench_transfer_gen.py --parts vae). A fixed schedule of steps,
# one thread (the build trains it beside other networks; the thread count is part of it).
VAE_RECIPE = {"latent": 16, "hidden": 512, "epochs": 15, "batch_size": 128, "lr": 2e-3,
              "beta": 1.0, "snapshots": (1, 3, 10), "threads": 1, "seed": 0}


# What the book asks of its generator (issue #5): of 1,000 digits drawn on request, this share
# must be classified with confidence >= CONFIDENCE by chapter 6's LeNet, and as the digit asked.
CONFIDENCE = 0.9
GOALS = {"confident": 0.92, "correct": 0.97}

# Samples come from z ~ N(0, T²·I) with T < 1: crisper digits, a little less variety (the page
# shows both, the classifier's verdict and the diversity against real digits).
TEMPERATURE = 0.8


def vae_loss(logits: torch.Tensor, images: torch.Tensor, mu: torch.Tensor,
             logvar: torch.Tensor, beta: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction (binary cross-entropy, summed over pixels) and KL divergence, per image."""
    reconstruction = nn.functional.binary_cross_entropy_with_logits(
        logits, images, reduction="sum") / len(images)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(images)
    return reconstruction, beta * kl


@torch.no_grad()
def draw(model: models.ConditionalVAE, digits: torch.Tensor, z: torch.Tensor | None = None,
         temperature: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Images N×1×28×28 in [0, 1] of the requested ``digits``: z ~ N(0, temperature²·I)."""
    model.eval()
    if z is None:
        z = torch.randn(len(digits), model.latent, generator=generator) * temperature
    device = next(model.parameters()).device
    return torch.sigmoid(model.decode(z.to(device), digits.to(device))).cpu()


def latent_walk(model: models.ConditionalVAE, steps: int = 8,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """For each digit 0-9, ``steps`` images on a straight line between two random latent points.

    Returns 10×steps×28×28: row d walks from one handwriting of d to another.
    """
    start = torch.randn(10, model.latent, generator=generator)
    end = torch.randn(10, model.latent, generator=generator)
    t = torch.linspace(0, 1, steps).view(1, steps, 1)
    z = (start.unsqueeze(1) * (1 - t) + end.unsqueeze(1) * t).reshape(-1, model.latent)
    return draw(model, torch.arange(10).repeat_interleave(steps), z).view(10, steps, 28, 28)


def same_style(model: models.ConditionalVAE, styles: int = 5,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """``styles`` latent points, each decoded as every digit 0-9: styles×10×28×28."""
    z = torch.randn(styles, model.latent, generator=generator).repeat_interleave(10, 0)
    return draw(model, torch.arange(10).repeat(styles), z).view(styles, 10, 28, 28)


def _snapshot(model: models.ConditionalVAE, z: torch.Tensor) -> list[int]:
    """The ten digits 0-9 drawn from fixed latent points, as 0-255 integers (for the history)."""
    images = draw(model, torch.arange(10), z)
    model.train()
    return (images * 255).round().to(torch.uint8).flatten().tolist()


def train_vae(model: models.ConditionalVAE, digits: datasets.ImageSplit, recipe: dict,
              device: torch.device) -> History:
    """Adam on MNIST's 60,000 training digits, the learning rate decaying as a cosine over
    the recipe's steps (never the clock).

    The history keeps the loss per epoch and, in ``points``, the digits 0-9 drawn after the
    epochs named in ``snapshots`` (the same latent points each time).
    """
    with threads(recipe["threads"], device):
        return _train_vae(model, digits, recipe, device)


def _train_vae(model: models.ConditionalVAE, digits: datasets.ImageSplit, recipe: dict,
               device: torch.device) -> History:
    set_seed(recipe["seed"])
    model.to(device).train()
    X = digits.X_train.float() / 255
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
    fixed_z = torch.randn(10, model.latent, generator=torch.Generator().manual_seed(99))
    history = History(device=device.type)
    history.points.append({"epoch": 0, "samples": _snapshot(model, fixed_z)})
    steps_per_epoch = len(TensorBatches(X, digits.y_train, recipe["batch_size"], drop_last=True))
    total_steps = steps_per_epoch * recipe["epochs"]
    trained, step = 0.0, 0  # seconds of training (recorded only), optimizer steps
    for epoch in range(recipe["epochs"]):
        sums = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
        count = 0
        start = time.perf_counter()
        batches = TensorBatches(X, digits.y_train, recipe["batch_size"], drop_last=True,
                                seed=recipe["seed"] * 1000 + epoch)
        with progress(len(batches), f"VAE {epoch + 1}/{recipe['epochs']}") as bar:
            for images, labels in batches:
                images, labels = images.to(device), labels.to(device)
                for group in optimizer.param_groups:
                    group["lr"] = recipe["lr"] * 0.5 * (1 + math.cos(math.pi * step / total_steps))
                logits, mu, logvar = model(images, labels)
                reconstruction, kl = vae_loss(logits, images, mu, logvar, recipe["beta"])
                loss = reconstruction + kl
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                for name, value in (("loss", loss), ("reconstruction", reconstruction),
                                    ("kl", kl)):
                    sums[name] += value.item()
                count += 1
                step += 1
                bar.update(1)
        trained += time.perf_counter() - start
        history.epochs.append({"epoch": epoch + 1, "seconds": trained}
                              | {k: v / max(count, 1) for k, v in sums.items()})
        if epoch + 1 in recipe["snapshots"] or epoch + 1 == recipe["epochs"]:
            history.points.append({"epoch": epoch + 1, "samples": _snapshot(model, fixed_z)})
    history.train_seconds, history.steps = trained, step
    return history


def digit_vae(device: torch.device | None = None,
              **changes) -> tuple[models.ConditionalVAE, History]:
    """The book's conditional VAE trained on MNIST (chapter 9), from the cache or now (~3 min)."""
    dev = device or default_device()
    recipe = VAE_RECIPE | changes
    digits = datasets.mnist()
    train = functools.partial(train_vae, digits=digits, recipe=recipe, device=dev)
    set_seed(recipe["seed"])
    model = models.ConditionalVAE(recipe["latent"], recipe["hidden"])
    return results.trained("digit-vae", model, train, recipe | {"data": digits.digest()},
                           device=dev)


def snapshots(history: History) -> tuple[list[float], torch.Tensor]:
    """The epochs and the digits 0-9 drawn after them: a tensor S×10×28×28 in [0, 1]."""
    epochs = [p["epoch"] for p in history.points]
    images = torch.tensor([p["samples"] for p in history.points], dtype=torch.float32) / 255
    return epochs, images.view(len(epochs), 10, 28, 28)


# --- the judge: does the book's LeNet see the digit that was asked for? ----------------------
@torch.no_grad()
def judge(classifier: nn.Module, images: torch.Tensor, requested: torch.Tensor,
          threshold: float = CONFIDENCE) -> dict[str, float | torch.Tensor]:
    """Classify generated digits (N×1×28×28 in [0, 1]) with a trained MNIST classifier.

    Returns the share classified with confidence ≥ ``threshold`` (``confident``), the share
    classified as the requested digit (``correct``), both per digit as tensors
    (``confident_per_digit``, ``correct_per_digit``), and the predictions and confidences.
    """
    classifier.eval()
    device = next(classifier.parameters()).device
    probabilities = torch.softmax(classifier(datasets.lenet_input(images).to(device)), 1).cpu()
    confidence, predicted = probabilities.max(1)
    confident = (confidence >= threshold).float()
    correct = (predicted == requested).float()
    counts = torch.bincount(requested, minlength=10).clamp(min=1).float()
    return {
        "confident": confident.mean().item(),
        "correct": correct.mean().item(),
        "confident_per_digit": torch.bincount(requested, confident, minlength=10) / counts,
        "correct_per_digit": torch.bincount(requested, correct, minlength=10) / counts,
        "predicted": predicted,
        "confidence": confidence,
    }


def hardest_digits(per_digit: torch.Tensor) -> list[int]:
    """Every digit whose share equals the lowest (with 100 samples a digit, ties are common)."""
    return (per_digit == per_digit.min()).nonzero().flatten().tolist()


def mean_pairwise_distance(images: torch.Tensor) -> float:
    """Mean Euclidean distance between every two different images (pixels in [0, 1])."""
    if len(images) < 2:  # no pair: the mean would be 0/0
        raise ValueError(f"a distance between images needs at least 2, got {len(images)}")
    flat = images.reshape(len(images), -1).float()
    distances = torch.cdist(flat, flat)
    n = len(flat)
    return (distances.sum() / (n * (n - 1))).item()


def diversity(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The mean pairwise distance within each digit 0-9: low values warn of a collapse."""
    return torch.tensor([mean_pairwise_distance(images[labels == d]) for d in range(10)])
