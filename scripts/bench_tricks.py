"""What each trick of chapter 7's recipe buys: the recipe trained without it, on validation images.

    .venv/bin/python scripts/bench_tricks.py [--seeds 0] [--full-seeds 0 1] [--record]

Trains chapter 7's network (``zoo.CIFAR_RECIPE``) as the build does — pinned kernels, the
recipe's threads and fixed schedule — once as it is and once without each trick below, and
reports the accuracy on the validation images the recipe holds out (never the test set) and
the seconds of training: each trick with ``--seeds``, the full recipe with ``--full-seeds`` too
(what another seed alone changes). Seed 0's full recipe is the book's own network: it comes
from the results cache when the build has trained it. With ``--record`` every run goes into
``code/nnbook/benchmarks.json`` as ``cifar-net-tricks``, with this command, the commit and the
date (the cached run's seconds as null: they were not timed here); chapter 7 reads them from
there, so the build does not pay for these trainings. About
5 minutes per training on two cores (7 without progressive resizing).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import subprocess
from pathlib import Path

from nnbook.site.build import ensure_pinned_kernels

REPO = Path(__file__).resolve().parents[1]


class _NoLookahead:
    """Lookahead taken away: counts the steps (the whitening bias's freeze needs them), moves
    nothing, and ends on the network's own last weights."""

    def __init__(self, model, total_steps: int, every: int = 5) -> None:
        self.total_steps, self.steps = total_steps, 0

    def __call__(self) -> None:
        self.steps += 1

    def finish(self) -> None:
        pass


def _no_flips(count, generator):
    import torch

    return lambda epoch: torch.zeros(count, dtype=torch.bool)


# Each trick: the recipe's changes, or the part of zoo's training it replaces.
TRICKS = {
    "label_smoothing": {"changes": {"label_smoothing": 0.0}},
    "progressive_resizing": {"changes": {"small_epochs": 0}},
    "flips": {"patch": ("alternating_flips", _no_flips)},
    "lookahead": {"patch": ("Lookahead", _NoLookahead)},
}


@contextlib.contextmanager
def _patched(zoo, trick: dict):
    if "patch" not in trick:
        yield
        return
    name, replacement = trick["patch"]
    original = getattr(zoo, name)
    setattr(zoo, name, replacement)
    try:
        yield
    finally:
        setattr(zoo, name, original)


def train(variant: str, seed: int, dev) -> dict[str, float]:
    """One training: the validation accuracy after the last epoch, and its training seconds."""
    from nnbook import data, models, zoo
    from nnbook.core import seed as set_seed

    if variant == "full" and seed == zoo.CIFAR_RECIPE["seed"]:
        # The book's network, cached once the build trained it: its seconds were not timed here.
        _, history = zoo.cifar_net(dev)
        return {"accuracy": history.last("val_accuracy"), "seconds": None}
    else:
        trick = TRICKS.get(variant, {})
        recipe = zoo.CIFAR_RECIPE | trick.get("changes", {}) | {"seed": seed}
        split = data.cifar10().with_validation(recipe["validation"], seed)
        set_seed(seed)
        model = models.CifarNet(recipe["widths"])
        with _patched(zoo, trick):
            history = zoo.train_cifar_net(model, split, recipe, dev)
    return {"accuracy": history.last("val_accuracy"), "seconds": history.train_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0],
                        help="the seeds of each trick's run")
    parser.add_argument("--full-seeds", nargs="+", type=int, default=[0, 1],
                        help="the seeds of the full recipe's runs")
    parser.add_argument("--record", action="store_true",
                        help="write every run into code/nnbook/benchmarks.json")
    args = parser.parse_args()
    ensure_pinned_kernels()
    from nnbook import results
    from nnbook.core import device

    dev = device()
    runs: dict[str, dict[str, dict[str, float]]] = {}
    for variant in [*TRICKS, "full"]:
        runs[variant] = {}
        for seed in args.full_seeds if variant == "full" else args.seeds:
            row = runs[variant][str(seed)] = train(variant, seed, dev)
            timed = "from the results cache" if row["seconds"] is None \
                else f"{row['seconds']:.0f} s of training"
            print(f"  {variant:20} seed {seed}: validation {100 * row['accuracy']:.2f} %, {timed}",
                  flush=True)
    if args.record:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True,
                                capture_output=True, check=True).stdout.strip()
        records = json.loads(results.BENCHMARKS.read_text(encoding="utf-8"))
        records["cifar-net-tricks"] = {
            "metric": "validation accuracy", "full": runs.pop("full"), "without": runs,
            "command": " ".join(["scripts/bench_tricks.py", "--seeds", *map(str, args.seeds),
                                 "--full-seeds", *map(str, args.full_seeds), "--record"]),
            "commit": commit, "date": datetime.date.today().isoformat()}
        results.BENCHMARKS.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
        print(f"recorded in {results.BENCHMARKS}", flush=True)


if __name__ == "__main__":
    main()
