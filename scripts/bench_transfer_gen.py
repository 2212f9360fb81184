"""Time and quality of chapters 8-9's networks: the median of 3 seeds (slow: trains them all).

Usage: NNBOOK_BUILD=/tmp/bench .venv/bin/python scripts/bench_transfer_gen.py \
           [--parts jpeg ants vae]
Results are cached under NNBOOK_BUILD/results like the book's; a cold run trains everything
(the judge, chapter 6's LeNet, is trained there too if that folder lacks it).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from nnbook import data, generative, transfer, zoo


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["jpeg", "ants", "vae"],
                        choices=["jpeg", "ants", "vae"])
    parts = parser.parse_args().parts
    torch.set_num_threads(2)
    start = time.perf_counter()
    if "jpeg" in parts:
        jpeg()
    if "ants" in parts:
        ants()
    if "vae" in parts:
        vae()
    print(f"total wall {time.perf_counter() - start:.0f} s")


def jpeg() -> None:
    _, history = transfer.jpeg_finetuned()
    before, after = history.points
    print(f"JPEG CIFAR-10 ResNet-20: test {before['test_accuracy']:.4f} -> "
          f"{after['test_accuracy']:.4f}, train probe {before['train_accuracy']:.4f}, "
          f"fine-tune {history.train_seconds:.0f} s")


def ants() -> None:
    size = transfer.ANTS_RECIPE["size"]
    for s in (32, size):
        for method in transfer.METHODS:
            runs = [transfer.ants_bees(method, size=s, seed=seed)[1] for seed in range(3)]
            acc = [h.last("test_accuracy") for h in runs]
            secs = [h.train_seconds for h in runs]
            print(f"ants/bees {s}px {method:9}: val median {median(acc):.4f} "
                  f"mean {statistics.mean(acc):.4f} (min {min(acc):.4f}, max {max(acc):.4f}), "
                  f"train median {median(secs):.0f} s")


def vae() -> None:
    """Chapter 9's VAE, 3 seeds, judged as on the page (1,000 digits at the page's temperature)."""
    judge, _ = zoo.lenet_mnist()
    digits = data.mnist()
    real = torch.stack([digits.X_test[digits.y_test == d][:100] for d in range(10)])
    requested = torch.arange(10).repeat_interleave(100)
    real_div = generative.diversity(real.flatten(0, 1).float() / 255, requested)
    rows = []
    for seed in range(3):
        model, history = generative.digit_vae(seed=seed)
        images = generative.draw(model, requested, temperature=generative.TEMPERATURE,
                                 generator=torch.Generator().manual_seed(seed))
        verdict = generative.judge(judge, images, requested)
        div = generative.diversity(images, requested).mean().item()
        rows.append((verdict["confident"], verdict["correct"], div, history.train_seconds))
        print(f"  VAE seed {seed}: confident {rows[-1][0]:.4f}, correct {rows[-1][1]:.4f}, "
              f"diversity {div:.3f}, train {history.train_seconds:.0f} s", flush=True)
    for name, k in [("confident>=0.9", 0), ("correct", 1), ("diversity", 2), ("train s", 3)]:
        print(f"VAE {name}: median {median([r[k] for r in rows]):.4f}")
    print(f"real MNIST diversity: {real_div.mean().item():.4f}")


if __name__ == "__main__":
    main()
