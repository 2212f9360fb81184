"""Figures: Hangul must render (no missing-glyph boxes), labels come from the catalogs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

import matplotlib.pyplot as plt
import pytest

import nnbook
from nnbook import plots


def _draw(title: str) -> list[str]:
    fig, ax = plt.subplots()
    ax.set_title(title)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_korean_and_danish_letters_render_with_the_book_style():
    plots.use_book_style()
    missing = [m for m in _draw("학습 중 손실 — æøå") if "missing from font" in m]
    assert missing == []


def test_without_the_hangul_font_glyphs_go_missing():
    # The check above can fail: DejaVu Sans alone has no Hangul.
    with plt.rc_context({"font.family": ["DejaVu Sans"]}):
        assert any("missing from font" in m for m in _draw("손실"))


def test_hangul_renders_on_a_machine_without_any_korean_font(tmp_path):
    # A reader's machine (Colab, macOS, Windows): matplotlib finds no system font here, only
    # its own DejaVu; the package's NanumGothic must draw the Hangul.
    script = textwrap.dedent("""
        import warnings
        from matplotlib import font_manager
        system = font_manager.findSystemFonts  # matplotlib's own folders still, no others
        font_manager.findSystemFonts = lambda paths=None, fontext="ttf": (
            system(paths, fontext) if paths else [])
        font_manager.fontManager = font_manager.FontManager()
        font_manager.findfont = font_manager.fontManager.findfont
        import matplotlib.pyplot as plt
        assert not any("Nanum" in f.name for f in font_manager.fontManager.ttflist)
        from nnbook import plots
        plots.use_book_style()
        fig, ax = plt.subplots()
        ax.set_title("학습 중 손실 — æøå")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        print([str(w.message) for w in caught if "missing from font" in str(w.message)])
        print(font_manager.findfont("NanumGothic"))
    """)
    env = {"MPLCONFIGDIR": str(tmp_path), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}  # this checkout's nnbook
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out[0] == "[]", out
    assert out[1] == str(plots.HANGUL_FONT_FILE), out


def test_a_missing_font_file_is_an_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.setattr(plots, "HANGUL_FONT_FILE", tmp_path / "fonts" / "NanumGothic.ttf")
    with pytest.raises(plots.FontMissing, match=str(tmp_path / "fonts" / "NanumGothic.ttf")):
        plots.use_book_style()


def test_loss_curve_is_labelled_in_the_page_language():
    nnbook.setup("ko")
    fig = plots.loss_curve([3.0, 2.0, 1.0])
    ax = fig.axes[0]
    # the literal Korean of locales/ko/LC_MESSAGES/nnbook.po, not the same _() call again
    assert ax.get_title() == "학습 중 손실"
    assert ax.get_xlabel() == "단계"
    assert ax.get_ylabel() == "손실"
    plt.close(fig)


def test_generated_digit_captions_say_what_was_asked_for_not_a_truth():
    nnbook.setup("da")
    assert plots.asked_and_judged("3", "5") == "bestilt: 3\nbedømt: 5"
    nnbook.setup("ko")
    assert plots.asked_and_judged("3", "5") == "요청: 3\n판정: 5"


def test_transfer_methods_draws_the_larger_class_baseline_and_starts_at_zero():
    nnbook.setup("sv")
    results = {32: {"scratch": [0.5, 0.52], "frozen": [0.6, 0.62]},
               96: {"scratch": [0.54, 0.55], "frozen": [0.73, 0.74]}}
    names = {"scratch": "från grunden", "frozen": "frysta"}
    fig = plots.transfer_methods(results, names, baseline=0.542)
    ax = fig.axes[0]
    assert ax.get_ylim() == (0, 100)
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 1 and dotted[0].get_ydata()[0] == 100 * 0.542
    assert dotted[0].get_label() == "Alltid den större klassen"
    plt.close(fig)


def test_train_and_validation_loss_draws_both_curves_in_the_page_language():
    nnbook.setup("da")
    fig = plots.train_and_validation_loss([1.0, 0.5, 0.2], [1.0, 0.8, 0.9])
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["Træningsdata", "Valideringsdata"]
    assert list(ax.get_lines()[1].get_ydata()) == [1.0, 0.8, 0.9]
    assert ax.get_ylabel() == "Tab"
    plt.close(fig)
