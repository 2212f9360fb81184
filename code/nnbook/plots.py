"""Every figure of the book: one style, labels from the catalogs, Hangul that renders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager

from nnbook.i18n import N_, _

# NanumGothic ships inside the package (SIL OFL 1.1, fonts/OFL.txt), so figures draw Hangul
# on any machine, system font or not. DejaVu Sans first (NanumGothic lacks "å"), then
# matplotlib falls back per glyph.
HANGUL_FONT = "NanumGothic"
HANGUL_FONT_FILE = Path(__file__).with_name("fonts") / "NanumGothic.ttf"


class FontMissing(RuntimeError):
    """The package's own Hangul font file is missing: the installation is incomplete."""


def register_hangul_font() -> str:
    """Make the package's NanumGothic known to matplotlib (once); an error naming the file
    if it is missing, since a figure with Korean text would otherwise draw empty boxes."""
    if not HANGUL_FONT_FILE.is_file():
        raise FontMissing(f"font file {HANGUL_FONT_FILE} is missing: this copy of nnbook is "
                          "incomplete; reinstall it (pip install --force-reinstall nnbook)")
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    if HANGUL_FONT_FILE not in known:
        font_manager.fontManager.addfont(str(HANGUL_FONT_FILE))
    return HANGUL_FONT


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
    describe(fig, _("Line chart of the loss as training goes on."))
    return fig


# --- chapters 2-5: a perceptron, the training loop and its mistakes, resuming ---------------
def _locale_ticks(*axes) -> None:
    """Tick labels with the page's decimal sign (0,5 in Danish, Swedish and Dutch).

    Takes axis objects (``ax.yaxis``) or whole Axes (then its y axis).
    """
    from babel.numbers import get_decimal_symbol
    from matplotlib.ticker import ScalarFormatter

    from nnbook.i18n import locale

    decimal = get_decimal_symbol(locale())

    class LocaleFormatter(ScalarFormatter):
        def __call__(self, x, pos=None):
            return super().__call__(x, pos).replace(".", decimal)

    for axis in axes:
        axis = getattr(axis, "yaxis", axis)
        if isinstance(axis.get_major_formatter(), ScalarFormatter):
            axis.set_major_formatter(LocaleFormatter())


def decision_boundary(model, X, y, title: str | None = None):
    """A 2-D classifier's probability over the plane, its 0.5 line, and the points (chapter 2)."""
    import torch

    pad = 0.5
    x1 = torch.linspace(float(X[:, 0].min()) - pad, float(X[:, 0].max()) + pad, 200)
    x2 = torch.linspace(float(X[:, 1].min()) - pad, float(X[:, 1].max()) + pad, 200)
    g1, g2 = torch.meshgrid(x1, x2, indexing="xy")
    with torch.no_grad():
        p = model(torch.stack([g1.ravel(), g2.ravel()], dim=1)).reshape(g1.shape)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    filled = ax.contourf(g1, g2, p, levels=20, cmap="RdBu_r", alpha=0.35, vmin=0, vmax=1)
    ax.contour(g1, g2, p, levels=[0.5], colors="black", linewidths=1.5)
    for k, (color, marker) in enumerate([("tab:blue", "o"), ("tab:red", "s")]):
        mask = y == k
        ax.scatter(X[mask, 0], X[mask, 1], c=color, marker=marker, s=22, edgecolors="white",
                   linewidths=0.5, label=_("Class {k}").format(k=k))
    ax.plot([], [], color="black", label=_("Decision boundary (p = 0.5)"))
    bar = fig.colorbar(filled, ax=ax, label=_("Probability of class 1"),
                       ticks=[0, 0.25, 0.5, 0.75, 1])
    _locale_ticks(ax.xaxis, ax.yaxis, bar.ax.yaxis)
    ax.set_title(title or _("The perceptron's decision boundary"))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="lower left", fontsize="small", framealpha=0.9)
    ax.grid(False)
    fig.tight_layout()
    describe(fig, _("Points of two classes in the plane, coloured by the perceptron's "
                    "probability of class 1, with a black line where that probability is 0.5."))
    return fig


def loss_and_accuracy(losses: Sequence[float], train_acc: Sequence[float],
                      val_acc: Sequence[float]):
    """Loss, and accuracy on the training and validation data, per epoch (chapter 4)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    epochs = range(1, len(losses) + 1)
    left.plot(epochs, list(losses))
    left.set_title(_("Loss during training"))
    left.set_xlabel(_("Epoch"))
    left.set_ylabel(_("Loss"))
    right.plot(epochs, [100 * a for a in train_acc], label=_("Training data"))
    right.plot(epochs, [100 * a for a in val_acc], label=_("Validation data"))
    right.set_title(_("Accuracy per epoch"))
    right.set_xlabel(_("Epoch"))
    right.set_ylabel(_("Accuracy (%)"))
    right.legend(loc="lower right")
    _locale_ticks(left.yaxis, right.yaxis)
    fig.tight_layout()
    describe(fig, _("Two line charts per epoch: the loss on the left; on the right the "
                    "accuracy on the training data and on the validation data."))
    return fig


def _compare(series: Sequence[tuple[str, Sequence[float]]], title: str, ylabel: str,
             log: bool = False, first_epoch: int = 1):
    """Several curves per epoch on one axis (labels already translated)."""
    fig, ax = plt.subplots()
    for label, values in series:
        ax.plot(range(first_epoch, first_epoch + len(values)), list(values), label=label)
    if log:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(_("Epoch"))
    ax.set_ylabel(ylabel)
    ax.legend()
    _locale_ticks(ax.yaxis)
    fig.tight_layout()
    return fig


def train_and_validation_loss(train: Sequence[float], val: Sequence[float]):
    """The loss on the training and on the validation data per epoch (overfitting, ch. 4)."""
    fig = _compare([(_("Training data"), train), (_("Validation data"), val)],
                   _("Loss during training"), _("Loss"))
    return describe(fig, _("Two loss curves per epoch: on the training data and on the "
                           "validation data."))


def softmax_mistake(right: Sequence[float], wrong: Sequence[float]):
    """Logits into CrossEntropyLoss against softmax first: the loss curves (chapter 4)."""
    fig = _compare([(_("Logits into the loss (right)"), right),
                    (_("Softmax before the loss (wrong)"), wrong)],
                   _("Softmax before CrossEntropyLoss"), _("Loss"))
    return describe(fig, _("Two loss curves per epoch: logits passed straight into the loss, "
                           "and softmax applied before the loss."))


def zero_grad_mistake(right: Sequence[float], wrong: Sequence[float]):
    """Training with and without optimizer.zero_grad(): the loss curves (chapter 4)."""
    fig = _compare([(_("With zero_grad() (right)"), right),
                    (_("Without zero_grad() (wrong)"), wrong)],
                   _("Forgetting zero_grad()"), _("Loss"))
    return describe(fig, _("Two loss curves per epoch: training with zero_grad() and "
                           "without it."))


def learning_rates(curves: dict[float, Sequence[float]]):
    """Loss curves for several learning rates, on a log scale (chapter 4)."""
    series = [(_("Learning rate {lr}").format(lr=_format_lr(lr)), values)
              for lr, values in curves.items()]
    fig = _compare(series, _("Learning rate too high"), _("Loss (log scale)"), log=True)
    return describe(fig, _("Loss curves per epoch on a logarithmic scale, one per learning "
                           "rate: {rates}.").format(rates=", ".join(s[0] for s in series)))


def _format_lr(lr: float) -> str:
    from nnbook.i18n import number

    digits = max(0, len(f"{lr:.10f}".rstrip("0").split(".")[1]))
    return number(lr, digits)


def resumed_training(full: Sequence[float], before: Sequence[float],
                     after: Sequence[float]):
    """One uninterrupted run against a run saved, loaded and resumed (chapter 5)."""
    fig, ax = plt.subplots()
    # the uninterrupted run wide and pale underneath, so the resumed run visibly lies on it
    ax.plot(range(1, len(full) + 1), list(full), linewidth=7, alpha=0.3, color="tab:blue",
            label=_("Uninterrupted training"))
    ax.plot(range(1, len(before) + 1), list(before), color="tab:orange", label=_("Before saving"))
    start = len(before) + 1
    ax.plot(range(start, start + len(after)), list(after), linestyle="--", linewidth=2,
            color="tab:green", label=_("After loading"))
    ax.axvline(len(before) + 0.5, color="grey", linestyle=":", label=_("Checkpoint"))
    ax.set_title(_("Resuming from a checkpoint"))
    ax.set_xlabel(_("Epoch"))
    ax.set_ylabel(_("Loss"))
    ax.legend()
    _locale_ticks(ax.yaxis)
    fig.tight_layout()
    describe(fig, _("The loss per epoch of one uninterrupted training run, drawn wide and pale, "
                    "and of a run saved at a checkpoint, loaded and continued, drawn on top."))
    return fig


# --- chapters 6-7: convolutional networks ----------------------------------------------
def _as_image(image):
    """A C×H×W tensor (uint8 or float in [0, 1]) as an array imshow takes."""
    import torch

    image = image.detach().cpu()
    if image.dtype == torch.uint8:
        image = image.float() / 255
    image = image.clamp(0, 1)
    return image[0].numpy() if image.shape[0] == 1 else image.permute(1, 2, 0).numpy()


# What an accuracy curve was measured on: the held-out validation images during training.
CURVE_ALTS = {"val_accuracy": N_("Two line charts per epoch: the loss on the left, the accuracy "
                                 "on the validation set on the right."),
              "test_accuracy": N_("Two line charts per epoch: the loss on the left, the accuracy "
                                  "on the test set on the right.")}
CURVE_TITLES = {"val_accuracy": (N_("Accuracy on the validation set"),
                                 N_("Accuracy on the validation set (%)")),
                "test_accuracy": (N_("Accuracy on the test set"),
                                  N_("Accuracy on the test set (%)"))}


def training_curves(history, metric: str = "val_accuracy"):
    """Loss and validation accuracy after every epoch of one training run (chapters 6-7)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.2))
    epochs = history.column("epoch")
    left.plot(epochs, history.column("loss"), marker="o", markersize=3)
    left.set_title(_("Loss during training"))
    left.set_xlabel(_("Epoch"))
    left.set_ylabel(_("Loss"))
    right.plot(epochs, [100 * a for a in history.column(metric)], marker="o", markersize=3,
               color="tab:green")
    right.set_title(_(CURVE_TITLES[metric][0]))
    right.set_xlabel(_("Epoch"))
    right.set_ylabel(_("Accuracy (%)"))
    for ax in (left, right):
        ax.xaxis.get_major_locator().set_params(integer=True)
    _locale_ticks(left, right)
    fig.tight_layout()
    describe(fig, _(CURVE_ALTS[metric]))
    return fig


def accuracy_over_time(runs: Sequence[tuple[str, object]], metric: str = "val_accuracy"):
    """Validation accuracy against seconds of training, one curve per (label, history)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for label, history in runs:
        points = history.points or history.epochs
        ax.plot([p["seconds"] for p in points], [100 * p[metric] for p in points],
                marker="o", markersize=3, label=label)
    ax.set_title(_("Accuracy reached against training time"))
    ax.set_xlabel(_("Training time (s)"))
    ax.set_ylabel(_(CURVE_TITLES[metric][1]))
    ax.legend(loc="lower right")
    _locale_ticks(ax)
    fig.tight_layout()
    describe(fig, _("Accuracy against seconds of training, one curve per network: {names}.")
             .format(names=", ".join(label for label, _history in runs)))
    return fig


def conv_filters(weight, title: str | None = None):
    """The kernels of a convolution with one input channel, e.g. LeNet's conv1 (chapter 6)."""
    weight = weight.detach().cpu()
    n = weight.shape[0]
    fig, axes = plt.subplots(1, n, figsize=(1.3 * n, 1.7))
    limit = float(weight.abs().max())
    for k, ax in enumerate(axes):
        ax.imshow(weight[k, 0].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(_("Filter {k}").format(k=k), fontsize="small")
        ax.axis("off")
    fig.suptitle(title or _("The learned filters of conv1"))
    fig.tight_layout()
    describe(fig, _("The {n} learned filters of the first convolution, drawn as small images: "
                    "red for positive weights, blue for negative ones.").format(n=n))
    return fig


def feature_maps(image, maps, title: str | None = None):
    """An input image and the feature maps a convolution makes of it (chapter 6)."""
    maps = maps.detach().cpu()
    n = maps.shape[0]
    fig, axes = plt.subplots(1, n + 1, figsize=(1.3 * (n + 1), 1.8))
    axes[0].imshow(_as_image(image), cmap="gray")
    axes[0].set_title(_("Input"), fontsize="small")
    for k in range(n):
        axes[k + 1].imshow(maps[k].numpy(), cmap="viridis")
        axes[k + 1].set_title(_("Map {k}").format(k=k), fontsize="small")
    for ax in axes:
        ax.axis("off")
    fig.suptitle(title or _("Feature maps of conv1 (after ReLU)"))
    fig.tight_layout()
    describe(fig, _("An input image followed by the {n} feature maps the first convolution "
                    "makes of it.").format(n=n))
    return fig


# Image-grid captions must stay legible on a phone, where a figure is shown about PHONE_PX wide:
# the caption font and the column count are chosen so that captions come out at least
# CAPTION_MIN_PX tall there (a long caption means wider columns, so fewer of them per row).
CAPTION_PT = 10
PHONE_PX = 350
CAPTION_MIN_PX = 9


def _saved_dpi() -> float:
    """The resolution figures are saved at (``savefig.dpi``, or the figure's)."""
    dpi = plt.rcParams["savefig.dpi"]
    return float(dpi) if dpi != "figure" else float(plt.rcParams["figure.dpi"])


def text_width(lines: Sequence[str], fontsize: float) -> float:
    """The width in inches of the widest of ``lines`` drawn in the book's font."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(dpi=72)
    renderer = FigureCanvasAgg(fig).get_renderer()
    widest = 0.0
    for line in lines:
        if line:
            text = fig.text(0, 0, line, fontsize=fontsize)
            widest = max(widest, text.get_window_extent(renderer).width / 72)
            text.remove()
    return widest


def grid_columns(titles: Sequence[str] | None, ncols: int, dpi: float = 110) -> tuple[int, float]:
    """(columns, column width in inches) for an image grid whose captions are ``titles``."""
    if not titles:
        return ncols, 1.25
    lines = {line for t in titles for line in str(t).split("\n")}
    width = max(1.0, text_width(sorted(lines), CAPTION_PT) + 0.2)  # a little air between
    caption_px = CAPTION_PT * dpi / 72
    fits = int(PHONE_PX * caption_px / (CAPTION_MIN_PX * width * dpi))
    return max(1, min(ncols, fits)), width


def image_grid(images, titles: Sequence[str] | None = None, ncols: int = 8,
               title: str | None = None, wrong: Sequence[bool] | None = None):
    """Images with a caption each (already translated); ``wrong`` ones get a red caption.

    ``ncols`` is the most columns; with captions there may be fewer, so that they stay legible
    on a phone (``grid_columns``). Colour images (photographs) are sent as a JPEG.
    """
    n = len(images)
    dpi = _saved_dpi()
    ncols, width = grid_columns(titles, ncols, dpi)
    nrows = -(-n // ncols)
    lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles else 0
    height = 1.2 + 0.2 * lines * CAPTION_PT / 10
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows + 0.4),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(_as_image(images[k]), cmap="gray", interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[k], fontsize=CAPTION_PT,
                         color="tab:red" if wrong is not None and wrong[k] else "black")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    photo = n > 0 and images[0].shape[0] == 3
    if titles is not None:
        shown = "; ".join(" ".join(str(t).split()) for t in titles)
        text = _("A grid of {n} images with their captions: {captions}.").format(n=n,
                                                                                  captions=shown)
        if wrong is not None and any(wrong):
            text += " " + _("Red captions mark wrong answers.")
    else:
        text = _("A grid of {n} images, without captions.").format(n=n)
    if title:
        text = f"{title}: {text}"
    return describe(fig, text, photo=photo,
                    caption_px=CAPTION_PT * dpi / 72 if titles is not None else None)


def true_and_predicted(true: str, predicted: str) -> str:
    """The caption under a classified image: its true and its predicted class."""
    return _("true: {true}\npredicted: {predicted}").format(true=true, predicted=predicted)


def asked_and_judged(asked: str, judged: str) -> str:
    """The caption under a generated digit: the digit requested and what the judge saw."""
    return _("asked for: {asked}\njudged: {judged}").format(asked=asked, judged=judged)


def per_class_accuracy(names: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]):
    """Bars of accuracy per class, one colour per network (labels already translated)."""
    import numpy as np

    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    width = 0.8 / len(series)
    x = np.arange(len(names))
    for k, (label, values) in enumerate(series):
        ax.bar(x + (k - (len(series) - 1) / 2) * width, [100 * v for v in values], width,
               label=label)
    ax.set_xticks(x, list(names), rotation=35, ha="right")
    ax.set_ylim(0, 100)
    ax.set_ylabel(_("Accuracy (%)"))
    ax.set_title(_("Accuracy per class"))
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    describe(fig, _("Bar chart of the accuracy for each class ({classes}), one colour per "
                    "network: {networks}.").format(classes=", ".join(names),
                                                   networks=", ".join(s[0] for s in series)))
    return fig


def confusion_matrix(counts, names: Sequence[str]):
    """Rows: the true class; columns: the predicted class; each cell a count (chapter 7)."""
    counts = counts.cpu().numpy()
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.imshow(counts, cmap="Blues")
    high = counts.max() / 2
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if counts[i, j] > high else "black")
    ax.set_xticks(range(len(names)), list(names), rotation=45, ha="right")
    ax.set_yticks(range(len(names)), list(names))
    ax.set_xlabel(_("Predicted class"))
    ax.set_ylabel(_("True class"))
    ax.set_title(_("Confusion matrix on the test set"))
    ax.grid(False)
    fig.tight_layout()
    describe(fig, _("Confusion matrix: for each true class (rows) and predicted class "
                    "(columns) the number of test images; the classes are {classes}.")
             .format(classes=", ".join(names)))
    return fig


# --- chapter 8: transfer learning ------------------------------------------------------------
def domain_shift(reported: float, test_before: float, train_before: float, test_after: float):
    """Bars: the accuracy the authors reported, ours on JPEGs, and after fine-tuning (chapter 8)."""
    labels = [_("Reported by the authors\n(original CIFAR-10)"),
              _("Our JPEG copy:\ntraining images"), _("Our JPEG copy:\ntest images"),
              _("JPEG test images\nafter fine-tuning")]
    values = [100 * v for v in (reported, train_before, test_before, test_after)]
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    bars = ax.bar(range(4), values, color=["tab:gray", "tab:orange", "tab:red", "tab:green"])
    from nnbook.i18n import number

    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, value + 1.5, number(value, 1), ha="center",
                fontsize="small")
    ax.set_xticks(range(4), labels, fontsize="small")
    ax.set_ylim(0, 100)  # bars start at zero: a cut axis would make the gaps look larger
    ax.set_ylabel(_("Accuracy (%)"))
    ax.set_title(_("The same pretrained network on different copies of CIFAR-10"))
    _locale_ticks(ax.yaxis)
    fig.tight_layout()
    bars = "; ".join(f"{' '.join(label.split())}: {number(value, 1)}"
                     for label, value in zip(labels, values, strict=True))
    describe(fig, _("Bar chart of the accuracy in percent of the same pretrained network: "
                    "{bars}.").format(bars=bars))
    return fig


def transfer_methods(results: dict, method_names: dict[str, str],
                     baseline: float | None = None):
    """Test accuracy per method and input size: bars = mean, lines = spread, dots = seeds.

    ``results[size][method]`` is a list of accuracies (one per seed); names are translated.
    ``baseline``: the accuracy of always answering the larger class, drawn as a dotted line.
    """
    import numpy as np

    sizes = sorted(results)
    methods = list(method_names)
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    width = 0.8 / len(methods)
    colors = {"scratch": "tab:gray", "frozen": "tab:blue", "finetune": "tab:green"}
    for k, method in enumerate(methods):
        x = np.arange(len(sizes)) + (k - (len(methods) - 1) / 2) * width
        runs = [100 * np.array(results[s][method]) for s in sizes]
        means = [r.mean() for r in runs]
        ax.bar(x, means, width * 0.9, color=colors.get(method), alpha=0.75,
               label=method_names[method])
        for xi, r in zip(x, runs, strict=True):
            ax.plot([xi, xi], [r.min(), r.max()], color="black", linewidth=1.2)
            ax.scatter([xi] * len(r), r, color="black", s=9, zorder=3)
    ax.set_xticks(range(len(sizes)), [_("{size}×{size} pixels").format(size=s) for s in sizes])
    ax.set_ylim(0, 100)
    if baseline is not None:
        ax.axhline(100 * baseline, color="black", linestyle=":", linewidth=1.2,
                   label=_("Always the larger class"))
    ax.set_ylabel(_("Accuracy on the test set (%)"))
    ax.set_title(_("Ants or bees: three ways to train"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small")
    _locale_ticks(ax.yaxis)
    fig.tight_layout()
    describe(fig, _("Bar chart of the test accuracy for each way of training ({methods}) and "
                    "each input size, with one dot per run.")
             .format(methods=", ".join(method_names.values())))
    return fig


# --- chapter 9: generated digits --------------------------------------------------------------
def digit_rows(images, row_labels: Sequence[str] | None = None, title: str | None = None,
               col_labels: Sequence[str] | None = None):
    """A grid of grayscale digits R×C×28×28 in [0, 1], each row labelled (chapter 9)."""
    rows, cols = images.shape[0], images.shape[1]
    fig, axes = plt.subplots(rows, cols, figsize=(0.62 * cols + (1.4 if row_labels else 0.2),
                                                  0.62 * rows + 0.5), squeeze=False)
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            ax.imshow(images[i, j].detach().cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j == 0 and row_labels:
                ax.set_ylabel(row_labels[i], rotation=0, ha="right", va="center",
                              fontsize=CAPTION_PT)
            if i == 0 and col_labels:
                ax.set_title(col_labels[j], fontsize=CAPTION_PT)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3)
    # shades of grey: a JPEG is a third of a palette PNG; the caller says what it shows
    return describe(fig, title or "", photo=True)


def vae_losses(history):
    """The two halves of the VAE's loss per image, epoch by epoch (chapter 9)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.2))
    epochs = history.column("epoch")
    left.plot(epochs, history.column("reconstruction"), marker="o", markersize=3)
    left.set_title(_("Reconstruction error"))
    right.plot(epochs, history.column("kl"), marker="o", markersize=3, color="tab:purple")
    right.set_title(_("KL divergence"))
    for ax in (left, right):
        ax.set_xlabel(_("Epoch"))
        ax.set_ylabel(_("Loss per image"))
        ax.xaxis.get_major_locator().set_params(integer=True)
    _locale_ticks(left, right)
    fig.tight_layout()
    describe(fig, _("Two line charts per epoch: the reconstruction error and the KL "
                    "divergence, each per image."))
    return fig


def same_style(images):
    """Rows of one latent point each, columns the digits 0-9: the style stays, the digit changes."""
    labels = [_("Style {n}").format(n=i + 1) for i in range(images.shape[0])]
    fig = digit_rows(images, labels, _("One style, ten digits"),
                     [str(d) for d in range(images.shape[1])])
    return describe(fig, _("Generated digits: each row keeps one handwriting style and draws "
                           "the digits 0 to 9."))


def diversity(generated: Sequence[float], real: Sequence[float]):
    """Mean pairwise distance within each digit class: generated against real (chapter 9)."""
    import numpy as np

    x = np.arange(10)
    fig, ax = plt.subplots(figsize=(6.6, 3.4))
    ax.bar(x - 0.2, list(real), 0.4, label=_("Real digits (MNIST test set)"), color="tab:gray")
    ax.bar(x + 0.2, list(generated), 0.4, label=_("Generated digits"), color="tab:purple")
    ax.set_xticks(x, [str(d) for d in range(10)])
    ax.set_xlabel(_("Digit"))
    ax.set_ylabel(_("Mean distance between two images"))
    ax.set_title(_("How different are the digits of one class?"))
    ax.legend(loc="lower right", fontsize="small")
    _locale_ticks(ax.yaxis)
    fig.tight_layout()
    describe(fig, _("Bar chart per digit of the mean distance between two images of that "
                    "digit, for real and for generated digits."))
    return fig


def training_snapshots(epochs: Sequence[float], images):
    """The digits 0-9 drawn from the same latent points after several epochs (chapter 9)."""
    labels = [_("Before training") if e == 0 else _("After epoch {n}").format(n=e)
              for e in epochs]
    fig = digit_rows(images, labels, _("The same request during training"))
    return describe(fig, _("Generated digits 0 to 9 drawn from the same points of the latent "
                           "space, one row per moment of training: {rows}.")
                    .format(rows=", ".join(labels)))


def requested_digits(images, title: str | None = None):
    """Rows of generated digits, row d drawn on request for the digit d (chapter 9)."""
    labels = [_("Digit {d}").format(d=d) for d in range(images.shape[0])]
    fig = digit_rows(images, labels, title or _("Digits drawn on request"))
    return describe(fig, _("Generated digits, one row for each digit requested, from 0 to "
                           "{last}.").format(last=images.shape[0] - 1))


def latent_walk(images):
    """Each row walks in a straight line between two latent points, one digit (chapter 9)."""
    labels = [_("Digit {d}").format(d=d) for d in range(images.shape[0])]
    cols = [_("start") if j == 0 else _("end") if j == images.shape[1] - 1 else ""
            for j in range(images.shape[1])]
    fig = digit_rows(images, labels, _("A walk through the latent space"), cols)
    return describe(fig, _("Generated digits: each row walks in a straight line through the "
                           "latent space from one point to another, one row per digit."))


# --- what a figure shows, in words, and how it travels to the page ------------------------------
# Every function below describes its figure in the page's language (``describe``). The text
# travels inside the image file, as JSON in a PNG iTXt chunk or a JPEG comment under the key
# META_KEY, and the book's Sphinx extension (nnbook.site.sphinx) makes it the <img alt>.
# Photographs go out as JPEG, everything else as a palette PNG: a fraction of an RGBA PNG.
META_KEY = "nnbook"
JPEG_QUALITY = 82


def describe(fig, text: str, *, photo: bool | None = None, caption_px: float | None = None):
    """Attach what ``fig`` shows (already translated); ``photo``: send it as a JPEG (images
    with smooth shades: photographs, generated digits), else as a palette PNG; None keeps what
    an earlier call said.

    ``caption_px``: the height in image pixels of the captions of an image grid, so that a test
    can check how large they come out on a phone. Returns ``fig``.
    """
    before = getattr(fig, "_nnbook_meta", None) or {}
    fig._nnbook_meta = {"alt": " ".join(text.split()),
                        "photo": bool(before.get("photo")) if photo is None else photo,
                        "caption_px": caption_px}
    return fig


def description(fig) -> str | None:
    """The text ``describe`` attached to ``fig``, or None."""
    meta = getattr(fig, "_nnbook_meta", None)
    return meta["alt"] if meta else None


def encode(fig) -> tuple[str, bytes]:
    """The figure as the page shows it: (mime type, bytes), its description embedded."""
    import io
    import json

    from PIL import Image, PngImagePlugin

    meta = getattr(fig, "_nnbook_meta", None) or {"alt": None, "photo": False,
                                                  "caption_px": None}
    raw = io.BytesIO()
    fig.savefig(raw, format="png", bbox_inches="tight")
    image = Image.open(io.BytesIO(raw.getvalue()))
    if image.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    payload = json.dumps({k: v for k, v in meta.items() if v is not None}, ensure_ascii=False)
    out = io.BytesIO()
    if meta["photo"]:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True,
                   comment=f"{META_KEY}:{payload}".encode())
        return "image/jpeg", out.getvalue()
    info = PngImagePlugin.PngInfo()
    info.add_itxt(META_KEY, payload)
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, format="PNG", optimize=True, pnginfo=info)
    return "image/png", out.getvalue()


def embedded_meta(path) -> dict | None:
    """What ``encode`` embedded in an image file: {"alt": ..., ...}, or None."""
    import json

    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.format == "PNG":
                text = image.text.get(META_KEY) if hasattr(image, "text") else None
            else:
                comment = image.info.get("comment", b"")
                prefix = f"{META_KEY}:".encode()
                text = comment[len(prefix):].decode() if comment.startswith(prefix) else None
        return json.loads(text) if text else None
    except (OSError, ValueError):  # not an image, or a comment that is not ours (not JSON)
        return None


def install_display() -> bool:
    """In a notebook kernel: show figures through ``encode`` (alt text, JPEG or palette PNG).

    Loads the inline backend first, so that its own PNG formatter cannot replace ours later.
    Returns False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import base64
    import weakref

    from matplotlib.figure import Figure

    plt.switch_backend(plt.rcParams["backend"])  # import it now: it sets its formatters once
    # The PNG and the JPEG formatter are both asked for one display: the figure is encoded
    # once for both. Kept per figure (weakly: a figure closed takes its entry along, and a new
    # figure never meets an old one's image); a formatter asked again is a new display.
    encoded: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def formatter(mime: str):
        def format_figure(fig):
            entry = encoded.get(fig)
            if entry is None or mime in entry[2]:
                entry = encoded[fig] = (*encode(fig), set())
            kind, data, asked = entry
            asked.add(mime)
            return base64.b64encode(data).decode() if kind == mime else None
        return format_figure

    formatters = shell.display_formatter.formatters
    for mime in ("image/png", "image/jpeg"):
        formatters[mime].for_type(Figure, formatter(mime))
    return True
