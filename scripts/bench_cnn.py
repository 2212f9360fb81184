"""Benchmark chapters 6-7's networks: training time and test accuracy, median of 3 seeds.

    .venv/bin/python scripts/bench_cnn.py [--nets lenet tutorial ours] [--seeds 0 1 2]

Trains from scratch (the results cache is not used), on CUDA if present. Slow on a CPU:
about 1 + 1 + 6 minutes per seed. Times depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from nnbook import data, models, zoo
from nnbook.core import device
from nnbook.core import seed as set_seed
from nnbook.train import bf16_is_fast


def run(net: str, seed: int, dev: torch.device) -> dict[str, float]:
    """Train one network with one seed; its training seconds and test accuracy.

    Seeded before the network is built, as ``zoo``'s builders do, so seed 0 is the book's run.
    """
    if net == "lenet":
        digits = data.mnist()
        set_seed(seed)
        model = models.LeNet()
        history = zoo.train_lenet(model, digits, zoo.LENET_RECIPE | {"seed": seed}, dev)
        return {"seconds": history.train_seconds, "accuracy": history.epochs[-1]["test_accuracy"]}
    split = data.cifar10()
    if net == "tutorial":
        set_seed(seed)
        model = models.TutorialNet()
        history = zoo.train_tutorial_net(model, split, zoo.TUTORIAL_RECIPE | {"seed": seed}, dev)
        return {"seconds": history.train_seconds, "accuracy": history.epochs[-1]["test_accuracy"]}
    recipe = zoo.CIFAR_RECIPE | {"seed": seed, "bf16": bf16_is_fast(dev)}
    set_seed(seed)
    model = models.CifarNet(recipe["widths"])
    history = zoo.train_cifar_net(model, split, recipe, dev)
    model.eval()
    logits = zoo.cifar_logits(model, split.X_test, dev, flip=True, cache=False)
    flip = (logits.argmax(1) == split.y_test).float().mean().item()
    # clock_paced 1: the machine fell behind the recipe's pace, so the budget set the schedule
    return {"seconds": history.train_seconds, "accuracy": history.epochs[-1]["test_accuracy"],
            "accuracy_flip": flip, "epochs": len(history.epochs),
            "clock_paced": float(history.clock_paced)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["lenet", "tutorial", "ours"],
                        choices=["lenet", "tutorial", "ours"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    dev = device()
    print(f"device {dev}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"bf16 {'native' if bf16_is_fast(dev) else 'not used'}, load {os.getloadavg()[0]:.1f}")
    for net in args.nets:
        rows = []
        for seed in args.seeds:
            start = time.perf_counter()
            row = run(net, seed, dev)
            rows.append(row)
            print(f"  {net:8} seed {seed}: " + ", ".join(f"{k} {v:.4f}" for k, v in row.items())
                  + f"  (wall {time.perf_counter() - start:.0f} s)", flush=True)
        summary = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{net:8} median of {len(rows)}: training {summary['seconds']:.1f} s, "
              f"test accuracy {100 * summary['accuracy']:.2f} %"
              + (f" ({100 * summary['accuracy_flip']:.2f} % with flips)"
                 if "accuracy_flip" in summary else ""), flush=True)


if __name__ == "__main__":
    main()
