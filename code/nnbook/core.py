"""What every chapter needs first: language, seed and device."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from nnbook import i18n, kernels
from nnbook.i18n import N_

OTHER_KERNELS = N_("Note: this machine computes with other kernels than the book did ({why}). "
                   "Numbers from training will differ from the page's in their last digits.")


def setup(lang: str, seed_value: int = 0) -> None:
    """Start a page: its language, the build's kernels and threads, a fixed seed, the plot
    style (``device()`` gives the device).

    Prints nothing where it computes as the build did (the first cell then shows no output);
    elsewhere one line saying why the numbers will differ from the page's.
    """
    from nnbook import plots  # matplotlib only for pages, not for `import nnbook`

    i18n.activate(lang)
    torch.set_num_threads(kernels.THREADS)
    why = kernels.differs()
    if why:
        print(i18n.translate(lang, OTHER_KERNELS).format(why=why))
    plots.install_display()  # in a notebook: figures with alt text, as JPEG or palette PNG
    plots.use_book_style()
    seed(seed_value)


def seed(value: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a page gives the same numbers.

    When the book computes on CUDA (``device()``) it also asks for deterministic GPU kernels
    in full float32 (``deterministic_cuda``): without them a GPU build would change from one
    run to the next. On the CPU it changes no process-wide setting, so a reader's own GPU
    code keeps PyTorch's defaults.
    """
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)  # also seeds every CUDA device
    if device().type == "cuda":
        deterministic_cuda()


def deterministic_cuda() -> None:
    """Deterministic GPU kernels in full float32; an operation that has none raises instead
    of varying. TF32 (on by default for cuDNN's convolutions from Ampere on) would make the
    precision, and so the weights, depend on the GPU: it is turned off for both cuDNN and
    matrix products."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # read when cuBLAS starts
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.use_deterministic_algorithms(True)


def device() -> torch.device:
    """CUDA when present, else the CPU; ``NNBOOK_DEVICE=cpu`` forces the CPU."""
    wanted = os.environ.get("NNBOOK_DEVICE", "").strip().lower()
    if wanted not in ("", "cpu", "cuda"):
        raise ValueError(f"NNBOOK_DEVICE={wanted!r}: use 'cpu', 'cuda' or leave it unset")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("NNBOOK_DEVICE=cuda, but PyTorch sees no CUDA device")
    if wanted == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")
