"""What a page's hidden cells do for the book: glue the numbers a cell computed into the prose.

Chapters call ``glue`` in cells tagged ``remove-cell``: the page shows the number where the
prose names it, the reader's notebook has it written into its text (``nnbook.site.notebooks``),
and neither shows the call.
"""

from __future__ import annotations

import numbers

import torch

from nnbook import i18n


def glue(name: str, value, digits: int | None = None, percent: bool = False) -> None:
    """Glue a number into the page's prose, formatted in the page's locale.

    ``percent=True`` takes a fraction (0.973) and shows a percentage (97,3 %). ``digits``
    defaults to 3 decimals for numbers and 1 for percentages.
    Integers are shown without decimals; strings are glued as they are. Returns nothing,
    so the cell does not also print the value.
    """
    from myst_nb import glue as myst_glue  # only inside a built page

    # Glued as a str: its text/plain is the quoted repr, which {glue:text} unquotes as is.
    myst_glue(name, format_for_page(value, digits, percent), display=False)


def format_for_page(value, digits: int | None = None, percent: bool = False) -> str:
    """A number as the page's locale writes it (see ``glue``)."""
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, str):
        return value
    if percent:
        return i18n.percent(value, 1 if digits is None else digits)
    if isinstance(value, numbers.Integral):  # NumPy's integers too: no decimals
        return i18n.number(value, 0)
    return i18n.number(value, 3 if digits is None else digits)
