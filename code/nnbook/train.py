"""One training loop for the book's classifiers: fit, predict, accuracy, and a history.

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
from tqdm import tqdm  # the console's bar (tqdm.auto warns in a kernel)

Batches = Iterable[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class History:
    """What a training run produced, epoch by epoch, and how long it took."""

    epochs: list[dict] = field(default_factory=list)  # {"epoch", "loss", "seconds", metrics…}
    train_seconds: float = 0.0  # the original training time, kept when loaded from cache
    steps: int = 0  # optimizer steps taken
    points: list[dict] = field(default_factory=list)  # evaluations every N steps (if asked)
    device: str = "cpu"
    from_cache: bool = False
    record: dict = field(default_factory=dict)  # name, key, weights digest (nnbook.results)

    def column(self, name: str) -> list[float]:
        """One quantity over the epochs, e.g. ``history.column("test_accuracy")``."""
        return [row[name] for row in self.epochs]

    def last(self, name: str) -> float:
        return self.epochs[-1][name]

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("from_cache")
        data.pop("record")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """A history read back from a results record (extra keys there are ignored)."""
        names = {"epochs", "train_seconds", "device", "steps", "points"}
        return cls(**{k: v for k, v in data.items() if k in names}, from_cache=True)


@contextlib.contextmanager
def threads(count: int | None, device: torch.device):
    """Run a block on ``count`` CPU threads (None, or a GPU: leave as is), then restore it.

    Batches of 4 small images are 3-4x faster on one thread than split over two: the
    hand-over between threads costs more than the arithmetic it shares.
    """
    before = torch.get_num_threads()
    if count is not None and device.type == "cpu":
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


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
    desc: str = "train",
    schedule: Callable[[float], float] | None = None,
    evaluate_every: int | None = None,
    finish: Callable[[], None] | None = None,
) -> History:
    """Train ``model`` for ``epochs``; ``batches(epoch)`` yields (inputs, targets).

    The schedule is fixed by the recipe, never by the clock: ``schedule(progress)``
    multiplies every group's initial learning rate before each step, with progress the share
    of steps done (0 to 1; ``batches(epoch)`` must then have a length). So the same recipe
    gives the same weights on a fast or slow, idle or busy machine; the seconds are only
    recorded.
    ``after_step()`` runs after every optimizer step (a learning-rate scheduler's ``step``);
    ``finish()`` once after the last step, before the last evaluation (Lookahead ends on its
    slow copy there). ``evaluate(model)`` runs after every epoch (and every
    ``evaluate_every`` steps) on held-out data; its time is not counted as training time.
    """
    model.to(device)
    history = History(device=device.type)
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    trained = 0.0  # seconds spent training, evaluation excluded
    step, total, count = 0, 0.0, 0
    total_steps: int | None = None

    def record(epoch: float) -> None:
        row = {"epoch": epoch, "step": step, "loss": total / max(count, 1), "seconds": trained}
        if evaluate is not None:
            row.update(evaluate(model))
            model.train()
        history.points.append(row)

    if evaluate_every:
        record(0)
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        epoch_batches = batches(epoch)
        size = len(epoch_batches) if hasattr(epoch_batches, "__len__") else None
        if epoch == 0 and size is not None:
            total_steps = size * epochs
        if schedule is not None and total_steps is None:
            raise ValueError("a learning-rate schedule needs batches with a length")
        start = time.perf_counter()
        with progress(size, f"{desc} {epoch + 1}/{epochs}") as bar:
            for i, (inputs, targets) in enumerate(epoch_batches):
                inputs, targets = inputs.to(device), targets.to(device)
                if schedule is not None:
                    factor = schedule(min(1.0, step / total_steps))
                    for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
                        group["lr"] = lr * factor
                loss = loss_fn(model(inputs), targets)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if after_step is not None:
                    after_step()
                total += loss.item() * len(targets)
                count += len(targets)
                step += 1
                bar.update(1)
                if evaluate_every and step % evaluate_every == 0 and i + 1 != size:
                    trained += time.perf_counter() - start
                    record(epoch + (i + 1) / size if size else epoch + 1)
                    start = time.perf_counter()
        trained += time.perf_counter() - start
        if finish is not None and epoch + 1 == epochs:
            finish()
        row = {"epoch": epoch + 1, "loss": total / max(count, 1), "seconds": trained}
        if evaluate is not None:
            row.update(evaluate(model))
        history.epochs.append(row)
        if evaluate_every:
            history.points.append(row | {"step": step})
    history.train_seconds = trained
    history.steps = step
    return history


@torch.no_grad()
def predict(
    model: nn.Module, inputs: torch.Tensor, *, device: torch.device, batch_size: int = 1000,
) -> torch.Tensor:
    """The model's outputs (logits) for ``inputs``, in eval mode, batch by batch.

    The model is moved to ``device`` with the inputs (a model left on the CPU and CUDA
    inputs would fail); the logits come back on the CPU.
    """
    model.to(device).eval()
    outputs = []
    for i in range(0, len(inputs), batch_size):
        outputs.append(model(inputs[i : i + batch_size].to(device)).float().cpu())
    return torch.cat(outputs)


def accuracy_from_logits(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """The fraction of rows whose largest logit is the target class."""
    return (logits.argmax(dim=1) == targets.cpu()).float().mean().item()


def accuracy_in_batches(
    model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, *, device: torch.device,
    batch_size: int = 1000,
) -> float:
    """Accuracy of ``model`` on a labelled set, ``batch_size`` inputs at a time on ``device``."""
    logits = predict(model, inputs, device=device, batch_size=batch_size)
    return accuracy_from_logits(logits, targets)


class TensorBatches:
    """Mini-batches of in-memory tensors, in a seeded shuffled order: one epoch's worth.

    ``transform(inputs, generator)`` turns each batch of stored inputs (e.g. uint8 pixels)
    into what the model takes (floats, augmented); decoding once and transforming whole
    batches is 2-3x faster on a CPU than a DataLoader that transforms image by image.
    """

    def __init__(self, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int, *,
                 shuffle: bool = True, seed: int = 0,
                 transform: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
                 drop_last: bool = False) -> None:
        self.inputs, self.targets, self.batch_size = inputs, targets, batch_size
        self.shuffle, self.transform, self.drop_last = shuffle, transform, drop_last
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        n = len(self.targets)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.targets)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for i in range(len(self)):
            index = order[i * self.batch_size:(i + 1) * self.batch_size]
            x = self.inputs[index]
            if self.transform is not None:
                x = self.transform(x, self.generator)
            yield x, self.targets[index]
