"""Formulas typeset while building (KaTeX), and what search engines and browsers read about
the site: descriptions, hreflang x-default, noindex, robots.txt, the site's address that a
build for publishing must be given, the translators' pages (fast; no book build)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnbook import i18n
from nnbook.site import katex, meta

REPO = Path(__file__).resolve().parents[1]


# --- KaTeX ----------------------------------------------------------------------------------


def test_install_script_pins_the_katex_version_the_build_checks():
    script = (REPO / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert f"KATEX_VERSION={katex.KATEX_VERSION}\n" in script
    assert ".tools/" in (REPO / ".gitignore").read_text(encoding="utf-8")


def test_katex_typesets_inline_and_display_math_with_mathml():
    inline, display = katex.render([(r"\sigma(z) = 1/(1 + e^{-z})", False),
                                    ("y = f(wx + b)", True)])
    assert inline["html"].startswith('<span class="katex">') and not inline["warnings"]
    assert "katex-display" in display["html"]
    for result in (inline, display):  # MathML for screen readers, the TeX kept as annotation
        assert "<math" in result["html"] and 'encoding="application/x-tex"' in result["html"]


def test_katex_reports_a_broken_formula_instead_of_showing_it():
    (result,) = katex.render([(r"\frac{1", False)])
    assert "error" in result and "KaTeX parse error" in result["error"]


def test_missing_katex_names_the_install_script(tmp_path):
    with pytest.raises(katex.KatexMissing, match="scripts/install.sh"):
        katex.check_installed(tmp_path / "katex")
    fake = tmp_path / "old"
    fake.mkdir()
    (fake / "package.json").write_text('{"version": "0.1.0"}')
    with pytest.raises(katex.KatexMissing, match=re.escape(katex.KATEX_VERSION)):
        katex.check_installed(fake)


def test_stylesheet_names_only_woff2_fonts_that_are_copied(tmp_path):
    css, fonts = katex.stylesheet()
    assert fonts and all(f.endswith(".woff2") for f in fonts)
    assert ".woff)" not in css and ".ttf)" not in css
    folder = katex.copy_assets(tmp_path)
    for font in fonts:
        assert (folder / font).is_file(), font
    assert (folder / "katex.css").read_text(encoding="utf-8") == css


def _sphinx_book(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    """A one-page Sphinx build (MyST, dollarmath) with our KaTeX and metadata extensions."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "nnbook.site.katex", "nnbook.site.meta"]\n'
        'myst_enable_extensions = ["dollarmath"]\nlanguage = "da"\nproject = "Bog"\n'
        'html_baseurl = "https://example.net/da/"\n', encoding="utf-8")
    (src / "index.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html",
                             str(src), str(out)], capture_output=True, text=True, timeout=300)
    return result.returncode, result.stderr, out


def test_sphinx_pages_hold_typeset_math_and_link_the_sites_own_stylesheet(tmp_path):
    code, err, out = _sphinx_book(tmp_path, (
        "# Bog\n\nEn perceptron er en enkelt kunstig neuron med vægte $w$ og en bias $b$, "
        "der tilsammen giver\n\n$$ y = f(wx + b) $$\n"))
    assert code == 0, err
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count('class="katex"') == 3
    assert "\\(" not in page and "\\[" not in page
    assert not re.search(r"<script[^>]*mathjax", page, re.IGNORECASE)
    assert '_static/katex/katex.css' in page
    css = out / "_static" / "katex" / "katex.css"
    for font in re.findall(r"url\(([^)]+)\)", css.read_text(encoding="utf-8")):
        assert (css.parent / font).is_file(), font
    # the description: the page's first paragraph; no script from another host
    assert '<meta name="description" content="En perceptron er en enkelt' in page
    assert not re.search(r'<script[^>]+src="https?://', page)
    search = (out / "search.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in search
    assert 'rel="canonical"' not in search


def test_a_formula_katex_cannot_typeset_fails_the_build_at_its_line(tmp_path):
    code, err, _ = _sphinx_book(tmp_path, "# Bog\n\nText.\n\n$$ \\frac{1 $$\n")
    assert code != 0
    assert "index.md:5" in err and "KaTeX" in err


# --- descriptions ---------------------------------------------------------------------------


def test_shorten_keeps_whole_sentences_or_words():
    assert meta.shorten("Kort  tekst.\n") == "Kort tekst."
    long = "Første sætning er her og fylder godt. " * 3 + "Og så en meget lang sidste sætning"
    short = meta.shorten(long, 100)
    assert len(short) <= 100 and short.endswith(".")
    words = meta.shorten("ord " * 60, 50)
    assert len(words) <= 50 and words.endswith("ord…")


def test_front_matter_description_wins_over_the_first_paragraph():
    given = {"nnbook": '{"origin": "da", "description": "Egen beskrivelse."}'}
    assert meta.page_description(given, None, "reserve") == "Egen beskrivelse."
    assert meta.page_description({"nnbook": {"description": "B."}}, None, "x") == "B."
    assert meta.page_description({}, None, "reserve") == "reserve"


def test_every_language_has_a_fallback_description_and_the_maintainers_note():
    for lang in i18n.LANGUAGES:
        for msgid in (meta.BOOK_BLURB, meta.FOR_MAINTAINERS, meta.TO_THE_BOOK):
            assert i18n.translate(lang, msgid) != msgid


# --- the site's address, hreflang, robots.txt -----------------------------------------------


def test_a_build_for_publishing_refuses_the_placeholder_address(monkeypatch):
    monkeypatch.delenv("NNBOOK_BASEURL", raising=False)
    placeholder = meta.base_url("https://nnbook.example.org/")
    meta.check_base_url(placeholder, publish=False)  # a preview may use it
    with pytest.raises(meta.SiteURLError, match="NNBOOK_BASEURL"):
        meta.check_base_url(placeholder, publish=True)
    with pytest.raises(meta.SiteURLError):
        meta.check_base_url("/relative/", publish=True)
    meta.check_base_url("https://books.example.net/nn/", publish=True)
    monkeypatch.setenv("NNBOOK_BASEURL", "https://books.example.net/nn")
    assert meta.base_url("https://nnbook.example.org/") == "https://books.example.net/nn/"


def test_publish_flag_stops_the_build_before_anything_runs(monkeypatch, capsys):
    from nnbook.site import cli

    monkeypatch.delenv("NNBOOK_BASEURL", raising=False)
    monkeypatch.delenv("NNBOOK_PUBLISH", raising=False)
    assert cli.main(["build", "--publish", "--lang", "da", "--chapter", "01-tensors"]) == 1
    assert "placeholder" in capsys.readouterr().err


def test_x_default_answers_its_pages():
    book = REPO / "book"
    site = "https://example.net/"
    assert meta.x_default(book, "index", site) == site  # the landing page lists the indexes
    from nnbook.site import status

    for name in status.chapters(book):
        stem = name[:-3]
        origin = status.origin_of(name, book)
        assert meta.x_default(book, stem, site) == f"{site}{origin}/{stem}.html"


def test_landing_head_is_absolute_with_itself_as_x_default():
    head = meta.landing_head("https://example.net/", ["da", "ko"], ["Bog", "책"],
                             ["Dansk", "한국어"])
    assert '<link rel="canonical" href="https://example.net/">' in head
    assert '<link rel="alternate" hreflang="da" href="https://example.net/da/index.html">' in head
    assert '<link rel="alternate" hreflang="x-default" href="https://example.net/">' in head
    assert not re.search(r'href="(?!https://)', head)
    assert 'name="description" content="Bog · 책 (Dansk, 한국어)"' in head


def test_the_deployers_address_reaches_every_languages_configuration(tmp_path, monkeypatch):
    import yaml

    from nnbook.site import build

    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path))
    monkeypatch.setenv("NNBOOK_BASEURL", "https://books.example.net/nn/")
    config = yaml.safe_load(build.language_config("ko").read_text(encoding="utf-8"))
    assert config["html"]["baseurl"] == "https://books.example.net/nn/"


def test_robots_txt_names_the_sitemap(tmp_path):
    path = meta.write_robots(tmp_path, "https://example.net/nn/")
    assert "Sitemap: https://example.net/nn/sitemap.xml" in path.read_text(encoding="utf-8")


# --- the translators' pages ------------------------------------------------------------------


def _check_maintainer_page(text: str) -> None:
    assert '<meta name="robots" content="noindex">' in text
    assert '<meta name="description"' in text
    assert "translators and maintainers" in text
    for lang in i18n.LANGUAGES:
        assert f'lang="{lang}">{i18n.translate(lang, meta.FOR_MAINTAINERS)}' in text
    assert "prefers-color-scheme: dark" in text and 'localStorage.getItem("mode")' in text
    assert ':root[data-theme="dark"]' in text


def test_status_page_says_whom_it_is_for_and_follows_the_colour_scheme():
    from nnbook.site import status

    _check_maintainer_page(status.status_html())


def test_execution_report_says_whom_it_is_for_and_follows_the_colour_scheme(tmp_path):
    from nnbook.site import report

    _check_maintainer_page(report.write_html(tmp_path).read_text(encoding="utf-8"))
