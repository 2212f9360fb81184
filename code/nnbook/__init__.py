"""nnbook: the one package every chapter of the book imports.

A chapter starts with ``nnbook.setup("da")``: the page's language for every string,
number and figure the package produces, the seed, and the plot style.
"""

from __future__ import annotations

from nnbook import byhand, i18n, plots
from nnbook.core import device, glue, seed, setup

__all__ = ["byhand", "device", "glue", "i18n", "plots", "seed", "setup"]
