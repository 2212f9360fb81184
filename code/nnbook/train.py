"""One training loop for the book's classifiers: fit, evaluate, predict, and a history.

Progress goes to the console (the build log), never into the page: the kernel's
``sys.__stderr__`` is the terminal that runs the build.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class History:
    """What a training run produced, epoch by epoch, and how long it took."""

    epochs: list[dict] = field(default_factory=list)  # {"epoch", "loss", "seconds", metrics…}
    train_seconds: float = 0.0  # the original training time, kept when loaded from cache
    device: str = "cpu"
    from_cache: bool = False

    def column(self, name: str) -> list[float]:
        """One quantity over the epochs, e.g. ``history.column("test_accuracy")``."""
        return [row[name] for row in self.epochs]

    def last(self, name: str) -> float:
        return self.epochs[-1][name]

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("from_cache")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """A history read back from a results record (extra keys there are ignored)."""
        names = {"epochs", "train_seconds", "device"}
        return cls(**{k: v for k, v in data.items() if k in names}, from_cache=True)


def autocast(device: torch.device, enabled: bool):
    """bf16 autocast on the CPU (1.6–2.2x faster convolutions here) or on CUDA."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def progress(total: int | None, desc: str):
    """A tqdm bar on the build's console, never in the page's output."""
    return tqdm(total=total, desc=desc, file=sys.__stderr__, leave=False, mininterval=2.0,
                dynamic_ncols=True)


def fit(
    model: nn.Module,
    batches: Callable[[int], Batches],
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    epochs: int,
    *,
    device: torch.device,
    after_step: Callable[[], None] | None = None,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    mixed_precision: bool = False,
    desc: str = "train",
) -> History:
    """Train ``model`` for ``epochs``; ``batches(epoch)`` yields (inputs, targets).

    ``after_step()`` runs after every optimizer step (a learning-rate scheduler's ``step``,
    or a schedule driven by elapsed time). ``evaluate(model)`` runs after every epoch and
    its metrics join the history; its time is not counted as training time.
    """
    model.to(device)
    history = History(device=device.type)
    trained = 0.0  # seconds spent training, evaluation excluded
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        epoch_start = time.perf_counter()
        with progress(None, f"{desc} {epoch + 1}/{epochs}") as bar:
            for inputs, targets in batches(epoch):
                inputs, targets = inputs.to(device), targets.to(device)
                with autocast(device, mixed_precision):
                    loss = loss_fn(model(inputs), targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if after_step is not None:
                    after_step()
                total += loss.item() * len(targets)
                count += len(targets)
                bar.update(1)
        trained += time.perf_counter() - epoch_start
        row = {"epoch": epoch + 1, "loss": total / max(count, 1), "seconds": trained}
        if evaluate is not None:
            row.update(evaluate(model))
        history.epochs.append(row)
    history.train_seconds = trained
    return history


@torch.no_grad()
def predict(
    model: nn.Module, inputs: torch.Tensor, *, device: torch.device, batch_size: int = 1000,
    mixed_precision: bool = False,
) -> torch.Tensor:
    """The model's outputs (logits) for ``inputs``, in eval mode, batch by batch, on the CPU."""
    model.eval()
    outputs = []
    for i in range(0, len(inputs), batch_size):
        with autocast(device, mixed_precision):
            outputs.append(model(inputs[i : i + batch_size].to(device)).float().cpu())
    return torch.cat(outputs)


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """The fraction of rows whose largest logit is the target class."""
    return (logits.argmax(dim=1) == targets.cpu()).float().mean().item()


def evaluate(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *, device: torch.device,
    batch_size: int = 1000, mixed_precision: bool = False,
) -> float:
    """Accuracy of ``model`` on a labelled set."""
    logits = predict(model, inputs, device=device, batch_size=batch_size,
                     mixed_precision=mixed_precision)
    return accuracy(logits, targets)
