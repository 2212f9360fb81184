"""The book's concept diagrams: drawn by matplotlib, labelled and described in the page's
language (the catalogs), like every other figure (``nnbook.plots``).

- ``computational_graph``: chapter 1's network as the graph autograd records;
- ``convolution_window``: one window of a convolution over a padded input, and its stride;
- ``residual_block``: a ResNet basic block and its shortcut (chapter 8);
- ``vae_pipeline``: a conditional VAE's encoder, sampling and decoder (chapter 9).
"""

from __future__ import annotations

from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from nnbook.i18n import _
from nnbook.plots import describe

INPUT, OPERATION, RESULT, LOSS = "#dbe9f6", "#fde9c9", "#e2f0d9", "#f8d7da"
BACKWARD = "#c0392b"


def _canvas(width: float, height: float, xlim: float, ylim: float):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(0, xlim)
    ax.set_ylim(0, ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _box(ax, x: float, y: float, text: str, color: str, width: float = 1.3,
         height: float = 0.6, fontsize: float = 9) -> tuple[float, float, float, float]:
    """A rounded box centred on (x, y); returns its edges (left, right, bottom, top)."""
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=color, edgecolor="#444444", linewidth=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    return x - width / 2, x + width / 2, y - height / 2, y + height / 2


def _arrow(ax, start, end, color: str = "#333333", style: str = "-", rad: float = 0.0,
           label: str | None = None, label_at: float = 0.5, offset=(0.0, 0.18)) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11,
                                 color=color, linestyle=style, linewidth=1.1,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))
    if label:
        x = start[0] + (end[0] - start[0]) * label_at + offset[0]
        y = start[1] + (end[1] - start[1]) * label_at + offset[1]
        ax.text(x, y, label, ha="center", va="center", fontsize=8, color=color)


def computational_graph():
    """Chapter 1: the forward pass as the graph autograd records, and the way back."""
    fig, ax = _canvas(7.6, 3.3, 15.2, 6.6)
    _box(ax, 0.9, 4.6, "X", INPUT, width=1.0)
    _box(ax, 0.9, 3.3, "w1, b1", INPUT, width=1.2)
    _box(ax, 3.0, 4.0, "X w1 + b1", OPERATION, width=1.7)
    _box(ax, 5.2, 4.0, "ReLU", OPERATION, width=1.2)
    _box(ax, 5.2, 2.8, "w2, b2", INPUT, width=1.2)
    _box(ax, 7.4, 4.0, "a w2 + b2", OPERATION, width=1.7)
    _box(ax, 9.6, 4.0, "ŷ", RESULT, width=0.9)
    _box(ax, 9.6, 2.6, "y", INPUT, width=0.9)
    _box(ax, 11.8, 4.0, "MSE", OPERATION, width=1.2)
    _box(ax, 14.0, 4.0, "L", LOSS, width=0.9)
    for start, end in [((1.4, 4.6), (2.15, 4.15)), ((1.5, 3.3), (2.15, 3.85)),
                       ((3.85, 4.0), (4.6, 4.0)), ((5.8, 4.0), (6.55, 4.0)),
                       ((5.8, 2.8), (6.55, 3.85)), ((8.25, 4.0), (9.15, 4.0)),
                       ((10.05, 4.0), (11.2, 4.0)), ((10.05, 2.6), (11.2, 3.85)),
                       ((12.4, 4.0), (13.55, 4.0))]:
        _arrow(ax, start, end)
    ax.text(7.4, 5.4, _("forward pass: computes L, and autograd records every step"),
            ha="center", fontsize=9)
    _arrow(ax, (14.0, 3.6), (3.0, 3.6), color=BACKWARD, style="--", rad=-0.5,
           label=_("backward(): the gradients, from L back to every parameter"),
           offset=(0.0, -3.3))
    fig.tight_layout()
    return describe(fig, _(
        "Diagram of the computational graph: X with w1 and b1 gives the hidden layer, ReLU "
        "gives the activation a, which with w2 and b2 gives the prediction ŷ; ŷ and y give the "
        "loss L. A dashed arrow runs back from L to the parameters: the backward pass."))


def convolution_window(size: int = 5, kernel: int = 3, padding: int = 1, stride: int = 2):
    """Chapter 6: a kernel's window over a padded input, the output pixel it makes, the stride."""
    padded = size + 2 * padding
    out = (size + 2 * padding - kernel) // stride + 1
    fig, ax = _canvas(7.2, 3.9, padded + out + 4.0, padded + 2.0)
    top = padded + 0.6
    for row in range(padded):
        for col in range(padded):
            inside = padding <= row < padding + size and padding <= col < padding + size
            ax.add_patch(Rectangle((col, top - row - 1), 1, 1, facecolor=INPUT if inside
                                   else "#eeeeee", edgecolor="#999999", linewidth=0.6))
            if not inside:
                ax.text(col + 0.5, top - row - 0.5, "0", ha="center", va="center",
                        fontsize=7, color="#888888")
    for shift, style in [(0, "-"), (stride, "--")]:
        ax.add_patch(Rectangle((shift, top - kernel), kernel, kernel, fill=False,
                               edgecolor=BACKWARD, linewidth=2.0, linestyle=style))
    left = padded + 2.5
    for row in range(out):
        for col in range(out):
            first = row == 0 and col < 2
            ax.add_patch(Rectangle((left + col, top - row - 1), 1, 1,
                                   facecolor=RESULT if first else "white",
                                   edgecolor="#999999", linewidth=0.6))
    _arrow(ax, (kernel + 0.1, top - kernel / 2), (left - 0.1, top - 0.5), color=BACKWARD,
           rad=-0.15)
    ax.annotate("", xy=(stride, top + 0.35), xytext=(0, top + 0.35),
                arrowprops={"arrowstyle": "-|>", "color": BACKWARD})
    ax.text(stride / 2, top + 0.75, _("stride {stride}").format(stride=stride),
            ha="center", fontsize=8, color=BACKWARD)
    ax.text(padded / 2, 0.2, _("input {size} × {size}, padding {padding} (the zeros)").format(
        size=size, padding=padding), ha="center", fontsize=8.5)
    ax.text(left + out / 2, top - out - 0.8, _("output {out} × {out}").format(out=out),
            ha="center", fontsize=8.5)
    fig.tight_layout()
    return describe(fig, _(
        "Diagram of a convolution: a {size} by {size} input surrounded by a border of zeros "
        "(padding {padding}). A {kernel} by {kernel} window, framed in red, gives one pixel of "
        "the {out} by {out} output; the dashed frame is the next window, {stride} pixels to the "
        "right (the stride).").format(size=size, padding=padding, kernel=kernel, out=out,
                                      stride=stride))


def residual_block():
    """Chapter 8: a ResNet basic block, whose shortcut adds the input to what the layers make."""
    fig, ax = _canvas(7.6, 2.9, 15.6, 5.8)
    steps = [("x", INPUT, 0.8), ("3×3 conv", OPERATION, 1.8), ("BatchNorm", OPERATION, 1.8),
             ("ReLU", OPERATION, 1.2), ("3×3 conv", OPERATION, 1.8),
             ("BatchNorm", OPERATION, 1.8), ("+", RESULT, 0.7), ("ReLU", OPERATION, 1.2)]
    gap, x, edges = 0.55, 0.4, []
    for text, color, width in steps:
        edges.append(_box(ax, x + width / 2, 2.4, text, color, width=width)[:2])
        x += width + gap
    for before, after in pairwise(edges):
        _arrow(ax, (before[1], 2.4), (after[0], 2.4))
    plus = sum(edges[6]) / 2
    _arrow(ax, (0.8, 2.7), (plus, 2.75), color=BACKWARD, rad=-0.25,
           label=_("shortcut: x itself (where the image halves: every other pixel,\n"
                   "and zeros for the new channels)"),
           offset=(0.0, 2.1))
    ax.text(6.8, 1.45, _("the layers learn F(x); the block gives F(x) + x"), ha="center",
            fontsize=9)
    fig.tight_layout()
    return describe(fig, _(
        "Diagram of a residual block: the input x passes through a 3×3 convolution, batch "
        "normalisation, ReLU, a second 3×3 convolution and batch normalisation; a shortcut "
        "carries x around these layers and adds it to their result before the last ReLU."))


def vae_pipeline():
    """Chapter 9: encoder, sampling with the reparameterisation trick, decoder."""
    fig, ax = _canvas(7.8, 3.0, 15.6, 6.0)
    _box(ax, 1.0, 3.6, _("image"), INPUT, width=1.5)
    _box(ax, 1.0, 2.0, _("digit"), INPUT, width=1.5)
    _box(ax, 3.6, 2.8, _("encoder"), OPERATION, width=1.7, height=1.4)
    _box(ax, 6.0, 3.6, "μ", RESULT, width=0.8)
    _box(ax, 6.0, 2.0, "log σ²", RESULT, width=1.1)
    _box(ax, 8.6, 2.8, "z = μ + σ · ε", OPERATION, width=2.1)
    _box(ax, 8.6, 1.1, "ε ~ N(0, I)", INPUT, width=1.8)
    _box(ax, 11.6, 2.8, _("decoder"), OPERATION, width=1.7, height=1.4)
    _box(ax, 11.6, 4.7, _("digit"), INPUT, width=1.5)
    _box(ax, 14.3, 2.8, _("new image"), RESULT, width=1.9)
    for start, end in [((1.75, 3.6), (2.75, 3.1)), ((1.75, 2.0), (2.75, 2.5)),
                       ((4.45, 3.1), (5.6, 3.6)), ((4.45, 2.5), (5.45, 2.0)),
                       ((6.4, 3.6), (7.55, 2.95)), ((6.55, 2.0), (7.55, 2.65)),
                       ((8.6, 1.4), (8.6, 2.5)), ((9.65, 2.8), (10.75, 2.8)),
                       ((11.6, 4.4), (11.6, 3.5)), ((12.45, 2.8), (13.35, 2.8))]:
        _arrow(ax, start, end)
    ax.text(8.6, 4.6, _("sampling: only ε is random,\nso gradients reach μ and σ"),
            ha="center", fontsize=8.5)
    fig.tight_layout()
    return describe(fig, _(
        "Diagram of a conditional variational autoencoder: the encoder turns an image and its "
        "digit into a mean μ and a log variance; a point z is drawn as μ plus σ times random "
        "noise ε; the decoder turns z and a chosen digit into a new image."))
