"""nnbook.diagrams: the four concept diagrams, labelled and described in every language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from nnbook import diagrams, i18n, plots

DIAGRAMS = ["computational_graph", "convolution_window", "residual_block", "vae_pipeline"]


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("name", DIAGRAMS)
def test_each_diagram_is_described_and_labelled_in_the_page_language(name):
    seen = {}
    for lang in i18n.LANGUAGES:
        i18n.activate(lang)
        plots.use_book_style()
        fig = getattr(diagrams, name)()
        seen[lang] = (plots.description(fig), texts(fig))
        plt.close(fig)
    descriptions = [alt for alt, _ in seen.values()]
    assert all(descriptions) and len(set(descriptions)) == len(descriptions)
    korean_labels = [t for t in seen["ko"][1] if any("\uac00" <= c <= "\ud7a3" for c in t)]
    assert korean_labels, f"{name}: no label in Korean"


@pytest.mark.parametrize(("size", "kernel", "padding", "stride"), [(5, 3, 1, 2), (6, 3, 0, 1)])
def test_the_convolution_diagram_gives_the_output_size_pytorch_gives(size, kernel, padding,
                                                                    stride):
    i18n.activate("da")
    fig = diagrams.convolution_window(size, kernel, padding, stride)
    out = torch.nn.Conv2d(1, 1, kernel, stride, padding)(torch.zeros(1, 1, size, size)).shape[-1]
    assert i18n._("output {out} × {out}").format(out=out) in texts(fig)
    plt.close(fig)
