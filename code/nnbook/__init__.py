"""nnbook: the one package every chapter of the book imports.

A chapter starts with ``nnbook.setup("da")``: the page's language for every string,
number and figure the package produces, the seed, and the plot style.

Submodules load on first use (PEP 562), so ``import nnbook`` costs milliseconds: the
site's machinery (``nnbook.site``, not in the reader's wheel) imports it without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nnbook import kernels as _kernels

_kernels.pin()  # before anything is computed: the build's kernels, on the reader's machine too

if TYPE_CHECKING:  # what the names are, for editors and type checkers
    from nnbook import byhand, i18n, plots
    from nnbook.core import device, seed, setup

__all__ = ["byhand", "device", "i18n", "plots", "seed", "setup"]

_FROM_CORE = {"device", "seed", "setup"}


def __getattr__(name: str) -> Any:
    """``nnbook.setup`` and ``nnbook.plots`` etc., imported when first asked for."""
    if name in _FROM_CORE:
        return getattr(importlib.import_module("nnbook.core"), name)
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"nnbook.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"nnbook.{name}":
                raise
    raise AttributeError(f"module 'nnbook' has no attribute {name!r}")
