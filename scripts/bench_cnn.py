"""Benchmark chapters 6-7's networks: training time and test accuracy, median of 3 seeds.

    .venv/bin/python scripts/bench_cnn.py [--nets lenet tutorial ours] [--seeds 0 1 2]
                                          [--unpinned]

Trains from scratch (the results cache is not used) exactly as the build does: the recipe's
fixed schedule and threads, the build's pinned kernels (``nnbook.site.build.PINNED_KERNELS``;
``--unpinned`` lets an AVX-512 CPU use its widest instructions, to measure what pinning costs
and how far another machine's numbers are from the page's).
The test set is evaluated once per run, after training (the recipes were chosen on the
validation images, scripts/tune_cnn.py). Slow on a CPU: about 0.5 + 1.5 + 5 minutes per
seed. Times depend on what else runs on the machine; accuracies do not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

# The widest instructions PyTorch, oneDNN and MKL take on an AVX-512 machine.
UNPINNED = {"ATEN_CPU_CAPABILITY": "avx512", "DNNL_MAX_CPU_ISA": "ALL", "MKL_CBWR": "AUTO"}


def run(net: str, seed: int, dev) -> dict[str, float]:
    """Train one network with one seed; its training seconds and test accuracy.

    Seeded before the network is built, as ``zoo``'s builders do, so seed 0 is the book's run.
    """
    from nnbook import data, models, zoo
    from nnbook.core import seed as set_seed
    from nnbook.train import predict

    if net == "lenet":
        recipe = zoo.LENET_RECIPE | {"seed": seed}
        digits = data.mnist().with_validation(recipe["validation"], seed)
        set_seed(seed)
        model = models.LeNet()
        history = zoo.train_lenet(model, digits, recipe, dev)
        logits = predict(model, data.lenet_input(digits.X_test), device=dev)
        return {"seconds": history.train_seconds,
                "accuracy": (logits.argmax(1) == digits.y_test).float().mean().item()}
    builders = {"tutorial": (zoo.TUTORIAL_RECIPE, models.TutorialNet, zoo.train_tutorial_net,
                             zoo.TUTORIAL_NORM),
                "ours": (zoo.CIFAR_RECIPE, None, zoo.train_cifar_net,
                         (zoo.CIFAR_MEAN, zoo.CIFAR_STD))}
    base, cls, train, norm = builders[net]
    recipe = base | {"seed": seed}
    split = data.cifar10().with_validation(recipe["validation"], seed)
    set_seed(seed)
    model = cls() if cls else models.CifarNet(recipe["widths"])
    history = train(model, split, recipe, dev)
    plain = zoo.cifar_logits(model, split.X_test, dev, norm=norm, cache=False)
    row = {"seconds": history.train_seconds,
           "accuracy": (plain.argmax(1) == split.y_test).float().mean().item()}
    if net == "ours":
        both = plain + zoo.cifar_logits(model, split.X_test.flip(-1), dev, norm=norm, cache=False)
        row["accuracy_flip"] = (both.argmax(1) == split.y_test).float().mean().item()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["lenet", "tutorial", "ours"],
                        choices=["lenet", "tutorial", "ours"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--unpinned", action="store_true",
                        help="do not pin the kernels' instruction set (measures its cost)")
    args = parser.parse_args()
    if args.unpinned:  # before nnbook is imported, which would pin them
        os.environ.update(UNPINNED)
    else:
        from nnbook.site.build import ensure_pinned_kernels

        ensure_pinned_kernels()
    import torch

    from nnbook.core import device

    dev = device()
    print(f"device {dev}, torch {torch.__version__}, kernels "
          f"{torch.backends.cpu.get_cpu_capability()}"
          f"{' (pinned)' if not args.unpinned else ''}, load {os.getloadavg()[0]:.1f}",
          flush=True)
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
    sys.stdout.flush()


if __name__ == "__main__":
    main()
