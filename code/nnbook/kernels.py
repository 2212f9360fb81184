"""The CPU kernels and threads every page computes with, so that a reader's run prints the
numbers the page printed.

Each x86-64 CPU would otherwise take its own code path (AVX2, AVX-512, AMX) and sum in its
own order: the last bits of every result differ, and after thousands of training steps the
accuracies do too. PyTorch, oneDNN and MKL read these settings when they first compute, not
when they are imported, so ``pin()`` runs when nnbook is imported and ``nnbook.setup`` checks
that they took effect.
"""

from __future__ import annotations

import os
import platform

# AVX2 is what every x86-64 machine of the build's kind has (Zen 3, Zen 4, Ice Lake).
PINNED = {"ATEN_CPU_CAPABILITY": "avx2", "DNNL_MAX_CPU_ISA": "AVX2", "MKL_CBWR": "AVX2"}

# How far a network trained on other kernels lands from the page (the reader's notebook says
# it): chapter 6's LeNet, seeds 0-2, AVX-512 kernels against the pinned AVX2 ones, test
# accuracy 99.15/99.25/99.03 % against 99.27/99.29/99.13 % (scripts/bench_cnn.py --nets lenet
# [--unpinned]; docs/reproducibility.md): at most 0.12 percentage points.
OTHER_KERNELS_POINTS = 0.12

# A page computes on one thread: the thread count changes how sums are split. Trainings set
# their own count (the ``threads`` of each recipe).
THREADS = 1


def x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def pin() -> None:
    """Ask PyTorch, oneDNN and MKL for the pinned kernels (x86-64 only; a value the user set
    is kept, and ``differs`` then says so)."""
    if x86_64():
        for name, value in PINNED.items():
            os.environ.setdefault(name, value)


def differs() -> str | None:
    """Why this process does not compute as the book's build did, or None when it does."""
    import torch

    if not x86_64():
        return f"processor {platform.machine()}"
    capability = torch.backends.cpu.get_cpu_capability()
    if capability.lower() != PINNED["ATEN_CPU_CAPABILITY"]:
        return f"PyTorch's CPU kernels {capability}"
    changed = [f"{k}={os.environ.get(k)}" for k, v in PINNED.items() if os.environ.get(k) != v]
    return ", ".join(changed) or None
