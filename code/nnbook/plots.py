"""Every figure of the book: one style, labels from the catalogs, Hangul that renders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager

from nnbook.i18n import _

# Debian's fonts-nanum; DejaVu Sans first (NanumGothic lacks "å"), then per-glyph fallback.
HANGUL_FONT = "NanumGothic"
HANGUL_FONT_FILES = [Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")]


class FontMissing(RuntimeError):
    """The font that draws Hangul is not installed."""


def register_hangul_font() -> str:
    """Make NanumGothic known to matplotlib; a clear error if it is not installed."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    if HANGUL_FONT in names:
        return HANGUL_FONT
    for path in HANGUL_FONT_FILES:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return HANGUL_FONT
    looked = ", ".join(map(str, HANGUL_FONT_FILES))
    raise FontMissing(
        f"font {HANGUL_FONT} not found (looked in {looked}); "
        "install it with `apt-get install fonts-nanum`"
    )


def use_book_style() -> None:
    """The book's figure style, with fonts that draw Latin letters and Hangul."""
    family = ["DejaVu Sans", register_hangul_font()]
    plt.rcParams.update(
        {
            "font.family": family,
            "figure.figsize": (6.0, 3.6),
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )


def loss_curve(losses: Sequence[float], title: str | None = None, xlabel: str | None = None):
    """Loss against training step (chapter 1): the curve that should go down."""
    fig, ax = plt.subplots()
    ax.plot(range(len(losses)), list(losses), marker="o", markersize=3)
    ax.set_title(title or _("Loss during training"))
    ax.set_xlabel(xlabel or _("Step"))
    ax.set_ylabel(_("Loss"))
    fig.tight_layout()
    return fig
