"""Figures with words, and a light page (issue #17): every plotting function describes its
figure in the page's language, the description travels inside the image file to the <img alt>,
photographs go out as JPEG and the rest as palette PNG, image-grid captions stay legible on a
phone, and the theme's unused heavy scripts are dropped."""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

import nnbook
from nnbook import plots
from nnbook.site import figures
from nnbook.train import History

EPOCHS = [{"epoch": e, "loss": 1.0 / e, "seconds": 2.0 * e, "val_accuracy": 0.5 + e / 10,
           "test_accuracy": 0.5 + e / 11, "reconstruction": 30 - e, "kl": 5 + e / 3}
          for e in (1, 2, 3)]
NAMES = ["cat", "dog", "ship"]


class _Linear(torch.nn.Module):
    def forward(self, x):
        return torch.sigmoid(x[:, 0] - x[:, 1])


def every_figure():
    """(name, figure) for every public plotting function, on small made-up data."""
    history = History(epochs=EPOCHS)
    digits = torch.rand(3, 4, 28, 28)
    X = torch.randn(20, 2)
    y = (X[:, 0] > 0).long()
    yield "loss_curve", plots.loss_curve([3.0, 2.0, 1.0])
    yield "decision_boundary", plots.decision_boundary(_Linear(), X, y)
    yield "loss_and_accuracy", plots.loss_and_accuracy([1, 0.5], [0.6, 0.7], [0.5, 0.6])
    yield "train_and_validation_loss", plots.train_and_validation_loss([1, 0.5], [1, 0.7])
    yield "softmax_mistake", plots.softmax_mistake([1, 0.5], [1, 0.9])
    yield "zero_grad_mistake", plots.zero_grad_mistake([1, 0.5], [1, 3])
    yield "learning_rates", plots.learning_rates({0.1: [1, 0.5], 10.0: [1, 9]})
    yield "resumed_training", plots.resumed_training([3, 2, 1, 0.5], [3, 2], [1, 0.5])
    yield "training_curves", plots.training_curves(history)
    yield "training_curves(test)", plots.training_curves(history, "test_accuracy")
    yield "accuracy_over_time", plots.accuracy_over_time([("LeNet", history)])
    yield "conv_filters", plots.conv_filters(torch.randn(4, 1, 5, 5))
    yield "feature_maps", plots.feature_maps(torch.rand(1, 28, 28), torch.rand(4, 24, 24))
    yield "image_grid", plots.image_grid(torch.rand(6, 3, 32, 32), NAMES * 2, ncols=6)
    yield "image_grid(plain)", plots.image_grid(torch.rand(5, 1, 28, 28), ncols=5)
    yield "per_class_accuracy", plots.per_class_accuracy(NAMES, [("A", [0.5, 0.6, 0.7])])
    yield "confusion_matrix", plots.confusion_matrix(torch.eye(3, dtype=torch.long), NAMES)
    yield "domain_shift", plots.domain_shift(0.9, 0.6, 0.8, 0.85)
    yield "transfer_methods", plots.transfer_methods(
        {32: {"scratch": [0.5, 0.52]}}, {"scratch": "scratch"}, baseline=0.5)
    yield "vae_losses", plots.vae_losses(history)
    yield "same_style", plots.same_style(torch.rand(2, 10, 28, 28))
    yield "diversity", plots.diversity([1.0] * 10, [1.1] * 10)
    yield "training_snapshots", plots.training_snapshots([0, 1, 2], digits)
    yield "requested_digits", plots.requested_digits(digits)
    yield "latent_walk", plots.latent_walk(digits)


def test_every_plotting_function_is_covered_here():
    public = {name for name, value in vars(plots).items()
              if callable(value) and getattr(value, "__module__", "") == "nnbook.plots"
              and not name.startswith("_") and (value.__doc__ or "").strip()
              and "fig" in (value.__code__.co_varnames if hasattr(value, "__code__") else ())}
    helpers = {"describe", "description", "encode", "use_book_style", "digit_rows",
               "install_display", "embedded_meta", "text_width"}
    nnbook.setup("da")
    covered = set()
    for name, fig in every_figure():
        covered.add(name.split("(")[0])
        plt.close(fig)  # one at a time: pyplot keeps every open figure
    assert public - helpers - covered == set()


@pytest.mark.parametrize("lang", ["da", "ko"])
def test_every_figure_says_in_the_page_language_what_it_shows(lang):
    nnbook.setup(lang)
    for name, fig in every_figure():
        text = plots.description(fig)
        assert text and len(text) > 12, f"plots.{name} gives its figure no description"
        assert not re.search(r"\.(png|jpe?g)\b|_images/", text), f"{name}: {text!r}"
        if lang == "ko":
            assert re.search("[\uac00-\ud7a3]", text), f"{name}: not in Korean: {text!r}"
        plt.close(fig)


def test_the_description_travels_inside_the_file(tmp_path):
    nnbook.setup("sv")
    fig = plots.loss_curve([3.0, 2.0, 1.0])
    mime, data = plots.encode(fig)
    assert mime == "image/png"
    image = Image.open(io.BytesIO(data))
    assert image.mode == "P", "a chart goes out as a palette PNG"
    (tmp_path / "a.png").write_bytes(data)
    assert plots.embedded_meta(tmp_path / "a.png")["alt"] == plots.description(fig)

    photos = plots.image_grid(torch.rand(4, 3, 32, 32), ["katt"] * 4, ncols=4)
    mime, data = plots.encode(photos)
    assert mime == "image/jpeg"
    (tmp_path / "b.jpg").write_bytes(data)
    meta = plots.embedded_meta(tmp_path / "b.jpg")
    assert meta["alt"].startswith("Ett rutnät med 4 bilder") and meta["caption_px"] > 0
    plt.close("all")


def test_an_image_without_a_description_has_none_to_give(tmp_path):
    fig, _ax = plt.subplots()
    mime, data = plots.encode(fig)
    (tmp_path / "c.png").write_bytes(data)
    assert (plots.embedded_meta(tmp_path / "c.png") or {}).get("alt") is None
    plt.close(fig)


def test_a_comment_that_is_not_ours_gives_no_description(tmp_path):
    # A JPEG whose comment starts like ours but holds no JSON: the Sphinx read goes on.
    Image.new("RGB", (4, 4)).save(tmp_path / "d.jpg", comment=f"{plots.META_KEY}:{{not json")
    assert plots.embedded_meta(tmp_path / "d.jpg") is None


class _Formatters(dict):
    """IPython's display formatters as ``install_display`` meets them, one per MIME type."""

    def __init__(self) -> None:
        super().__init__()
        for mime in ("image/png", "image/jpeg"):
            self[mime] = type("F", (), {"for_type": lambda me, kind, f: setattr(me, "f", f)})()


def test_each_display_encodes_its_figure_once_and_never_shows_another(monkeypatch):
    import IPython

    formatters = _Formatters()
    shell = type("Shell", (), {"display_formatter": type("D", (), {"formatters": formatters})})
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    monkeypatch.setattr(plots.plt, "switch_backend", lambda name: None)  # no real kernel here
    calls = []
    monkeypatch.setattr(plots, "encode", lambda fig: calls.append(fig) or (
        "image/png", f"{len(calls)}".encode()))
    assert plots.install_display()
    png, jpeg = formatters["image/png"].f, formatters["image/jpeg"].f
    fig = Figure()  # not pyplot's: no backend is loaded here
    first = png(fig)
    assert jpeg(fig) is None and len(calls) == 1  # one display, both formatters: encoded once
    assert png(fig) != first and len(calls) == 2  # displayed again (changed?): encoded again
    only_png = png(fig)  # a front end that asks for PNG only: each display its own encoding
    assert png(fig) != only_png
    assert png(fig) != png(Figure())  # another figure never gets this one's image


@pytest.mark.parametrize("captions", [
    ["rigtig: flyvemaskine\ngæt: lastbil"] * 24,
    ["정답: 자동차\n예측: 고양이"] * 24,
    ["voorspeld: vliegtuig"] * 16,
    [str(d) for d in range(10)],
])
def test_grid_captions_are_legible_on_a_phone(captions):
    dpi = 110
    cols, width = plots.grid_columns(captions, 10, dpi)
    shown_px = plots.CAPTION_PT * dpi / 72 * plots.PHONE_PX / (cols * width * dpi)
    assert shown_px >= plots.CAPTION_MIN_PX
    lines = [line for c in captions for line in c.split("\n")]
    assert plots.text_width(lines, plots.CAPTION_PT) < width, "captions wider than a column"


def test_theme_scripts_a_page_does_not_use_are_dropped():
    head = ('<script defer src="_static/scripts/fontawesome.js?digest=1"></script>\n'
            '<script src="_static/searchtools.js"></script>\n'
            '<script src="searchindex.js"></script>\n'
            '<script src="_static/doctools.js"></script>\n')
    page = figures.drop_scripts(head)
    assert "fontawesome" not in page and "searchindex" not in page
    assert "doctools.js" in page
    assert "searchindex.js" in figures.drop_scripts(head, search_page=True)
    css = '<link href="../_static/styles/theme.css?digest=55" rel="stylesheet" />'
    assert figures.drop_scripts(css) == '<link href="../_static/basic.css" rel="stylesheet" />'


def test_images_get_their_size_and_load_lazily():
    body = '<img alt="x" src="_images/ab.png" />\n<img src="other.svg">'
    out = figures.sized_images(body, {"ab.png": (640, 380)})
    assert '<img alt="x" src="_images/ab.png" width="640" height="380" loading="lazy"' in out
    assert 'src="other.svg" loading="lazy" decoding="async">' in out


def test_a_page_loads_an_optional_extensions_files_only_when_it_uses_it():
    plain = '<div class="cell docutils container"><p>Tekst</p></div>'
    assert set(figures.unused_assets(plain)) >= {"sphinx-design.min.css", "togglebutton.js",
                                                 "sphinx-thebe.js"}
    tabs = '<div class="sd-tab-set docutils">'
    assert "design-tabs.js" not in figures.unused_assets(tabs)


def test_script_files_are_deferred_and_inline_scripts_stay_in_place():
    """(documentation_options.js, which the inline scripts read at once, is written into the
    page before this: figures.inline_options, checked on the built pages.)"""
    from sphinx.builders.html._assets import _JavaScript

    scripts = [_JavaScript(None, body="const DOCUMENTATION_OPTIONS = {};"),
               _JavaScript("_static/doctools.js", priority=200),
               _JavaScript(None, body="let x = 1;"),
               _JavaScript("_static/sphinx-thebe.js", **{"async": "async"})]
    out = figures.deferred(scripts)
    assert out[0].attributes == {"body": "const DOCUMENTATION_OPTIONS = {};"}
    assert out[2].attributes == {"body": "let x = 1;"}
    assert out[1].attributes == {"defer": "defer"} and out[1].priority == 200
    assert out[3].attributes == {"async": "async"}


def test_generated_digits_go_out_as_jpeg_and_keep_their_description():
    nnbook.setup("nl")
    fig = plots.requested_digits(torch.rand(3, 4, 28, 28))
    mime, _data = plots.encode(fig)
    assert mime == "image/jpeg"
    assert plots.description(fig).startswith("Gegenereerde cijfers")
    plt.close(fig)


def test_the_theme_keeps_the_rules_of_the_icons_the_site_draws():
    css = ('.a{color:red}.fa-globe:before{content:"\\f0ac"}.fa-ant:before,.fa-bee:before'
           '{content:"\\e000"}.fa-zzz:before{content:"\\e001"}.b{margin:0}')
    out = figures.strip_icon_rules(css, {"fa-globe", "fa-bee"})
    assert out == ('.a{color:red}.fa-globe:before{content:"\\f0ac"}.fa-ant:before,.fa-bee:before'
                   '{content:"\\e000"}.b{margin:0}')


def test_a_page_links_one_bundle_of_its_stylesheets(tmp_path):
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "basic.css").write_text(".a{background:url(file.png)}")
    (static / "styles" / "theme.css").write_text(
        '.b{src:url("../vendor/f.woff2")}.c{background:url(data:image/png;base64,xx)}')
    html = ('<head>\n  <link href="../_static/basic.css" rel="stylesheet" />\n'
            '<link href="../_static/styles/theme.css?digest=1" rel="stylesheet" />\n'
            '<script src="x.js"></script>\n</head>')
    out = figures.bundle_page_css(html, static)
    name = re.search(r'_static/(nnbook-[0-9a-f]+\.css)', out).group(1)
    assert out.count("stylesheet") == 1 and '<script src="x.js"></script>' in out
    assert 'data-nnbook-css="basic.css styles/theme.css"' in out
    css = (static / name).read_text()
    assert "url(file.png)" in css and 'url("vendor/f.woff2")' in css and "data:image" in css
    # the next build bundles the current files again from the list
    (static / "basic.css").write_text(".a{color:red}")
    again = figures.bundle_page_css(out, static)
    assert again != out and ".a{color:red}" in (
        static / re.search(r'_static/(nnbook-[0-9a-f]+\.css)', again).group(1)).read_text()


def test_theme_rules_no_page_or_script_uses_are_dropped():
    css = ("/* c */.toast{color:red}.show,.carousel{x:1}@media (min-width:1px){.modal{a:b}"
           ".bd-page{c:d}}@font-face{font-family:x}html{margin:0}.a .b,.toast .c{e:f}")
    slim = figures.strip_unused_rules(css, {"show", "bd-page", "a", "b"})
    assert slim == (".show,.carousel{x:1}@media (min-width:1px){.bd-page{c:d}}"
                    "@font-face{font-family:x}html{margin:0}.a .b,.toast .c{e:f}")


def test_an_icon_font_subset_is_the_same_bytes_in_every_build():
    # Its file name is its digest and the stylesheets name the file: a subset stamped with the
    # time of the build would change every page of a language built apart (the hosted CI's).
    import time

    import pydata_sphinx_theme

    fonts = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    (ttf,) = fonts.rglob("fa-solid-900.ttf")
    first = figures.subset_font(ttf, {0xF002, 0xF0C9})
    time.sleep(1.1)
    assert figures.subset_font(ttf, {0xF002, 0xF0C9}) == first
