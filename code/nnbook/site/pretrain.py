"""Train what the chapters load, before any page runs: ``python -m nnbook train``.

``nnbook.site.build`` calls it first, for the chapters it builds, and then runs every language's
pages side by side with ``NNBOOK_CACHED_ONLY=1``: a page that asks for a network missing
here fails loudly instead of training it (slowly, on one shared thread) in the middle of a
page. Two kinds of training:

- ``alone``: its time is part of what the page teaches (LeNet's 60-second budget, our
  CIFAR-10 network's 6 minutes), so it runs by itself, on every core; so does chapter 7's
  measurement of how fast images are augmented (``zoo.augmentation_speed``), which every
  language's page then states;
- the rest are independent small networks that use two cores poorly; they run in
  ``NNBOOK_TRAIN_WORKERS`` processes at once (default: one per core), one thread each.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path


@dataclass(frozen=True)
class Training:
    """One call that fills the results cache, e.g. ``transfer.ants_bees("frozen", seed=1)``."""

    function: str  # "module.function" inside nnbook
    args: tuple = ()
    kwargs: dict = field(default_factory=dict, hash=False)
    alone: bool = False

    def label(self) -> str:
        args = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.function}({', '.join(args)})"

    def run(self) -> dict:
        """Train (or find in the cache): its label, the seconds it took, whether it trained."""
        from nnbook import results

        module, name = self.function.rsplit(".", 1)
        before = len(results.TRAINED_HERE)
        start = time.perf_counter()
        made = getattr(importlib.import_module(f"nnbook.{module}"), name)(
            *self.args, **self.kwargs)
        row = {"label": self.label(), "seconds": round(time.perf_counter() - start, 1),
               "alone": self.alone, "trained": len(results.TRAINED_HERE) > before}
        if isinstance(made, tuple) and len(made) == 2:  # (model, history): a book network
            model, history = made
            row |= {"train_seconds": round(history.train_seconds, 1), "steps": history.steps,
                    "weights": results.weights_digest(model)}
        return row


LENET = Training("zoo.lenet_mnist", alone=True)
# Chapter 8 trains every method at 32 and 96 px with seeds 0-2 (its figure's loop).
ANTS = [Training("transfer.ants_bees", (method,), {"size": size, "seed": seed})
        for size in (96, 32) for method in ("scratch", "finetune", "frozen")
        for seed in (0, 1, 2)]

# What each chapter's pages load; a chapter that trains nothing is not listed.
BY_CHAPTER: dict[str, list[Training]] = {
    "06-lenet": [LENET],
    # Chapter 7 states how fast images are augmented: measured here, alone, once per build.
    "07-cifar10": [Training("zoo.cifar_net", alone=True),
                   Training("zoo.augmentation_speed", alone=True), Training("zoo.tutorial_net")],
    "08-transfer": [Training("transfer.jpeg_finetuned"), *ANTS],
    "09-generating-digits": [LENET, Training("generative.digit_vae")],
}


def trainings(chapters: list[str] | None = None) -> list[Training]:
    """The trainings the named chapters (default: all) need, each once, longest first."""
    wanted = [t for chapter, listed in BY_CHAPTER.items()
              if chapters is None or chapter in chapters for t in listed]
    unique = list(dict.fromkeys((t.function, t.args, tuple(t.kwargs.items()), t.alone)
                                for t in wanted))
    found = [Training(f, a, dict(k), alone) for f, a, k, alone in unique]
    # The VAE first: it is the longest of the rest and would otherwise finish last, alone.
    return sorted(found, key=lambda t: (not t.alone, t.function != "generative.digit_vae"))


def default_workers() -> int:
    value = os.environ.get("NNBOOK_TRAIN_WORKERS")
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"NNBOOK_TRAIN_WORKERS={value!r}: give a whole number of at least 1")
        return int(value)
    return os.cpu_count() or 1


def used_workers(workers: int | None = None) -> int:
    """The worker processes the pooled trainings get: one on a GPU (one training at a time)."""
    from nnbook.core import device

    return 1 if device().type == "cuda" else workers or default_workers()


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _run(training: Training) -> dict:
    return training.run()


def _show(row: dict, workers: int = 1) -> None:
    how = "trained" if row["trained"] else "in the cache"
    side = f", {workers} at a time" if workers > 1 and not row["alone"] else ""
    print(f"[train] {row['label']}: {how}, {row['seconds']:.1f} s{side}", flush=True)


def train(chapters: list[str] | None = None, workers: int | None = None) -> list[dict]:
    """Run the trainings the chapters need; a row per training (label, seconds, trained)."""
    todo = trainings(chapters)
    if not todo:
        return []

    workers = used_workers(workers)
    rows = []
    for training in [t for t in todo if t.alone]:
        rows.append(training.run())
        _show(rows[-1])
    rest = [t for t in todo if not t.alone]
    if workers == 1 or len(rest) < 2:
        for training in rest:
            rows.append(training.run())
            _show(rows[-1])
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                 initializer=_one_thread) as pool:
            for row in pool.map(_run, rest):
                rows.append(row)
                _show(row, workers)
    return rows


def write_report(rows: list[dict], seconds: float, workers: int) -> Path:
    """``<build>/training-report.json``, shown on the execution report page."""
    from nnbook import results

    path = results.results_dir().parent / "training-report.json"
    data = {"finished": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(seconds, 1),
            "workers": workers, "trainings": rows}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def main(chapters: list[str] | None = None) -> int:
    start = time.perf_counter()
    rows = train(chapters)
    took = time.perf_counter() - start
    write_report(rows, took, used_workers())
    print(f"[train] {len(rows)} networks ready ({sum(r['trained'] for r in rows)} trained) "
          f"in {took:.1f} s", flush=True)
    return 0
