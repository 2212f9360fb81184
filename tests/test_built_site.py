"""The built site (build stage, after `make build`): every page of every language executed,
every figure present, no error output anywhere, numbers in the page's locale."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from nnbook import i18n

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build"))
CHAPTERS = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]
PAGES = [(lang, chapter) for lang in i18n.LANGUAGES for chapter in CHAPTERS]
# Words that must never appear in a page's output streams.
# A progress bar ("12.3it/s]") belongs on the build's console, never on a page.
BAD_OUTPUT = re.compile(r"Traceback|Error|Warning|missing from font|it/s\]|s/it\]",
                        re.IGNORECASE)

pytestmark = pytest.mark.build


def html_page(lang: str, page: str) -> Path:
    path = BUILD / "html" / lang / f"{page}.html"
    assert path.is_file(), f"{path} missing: run `make build` first"
    return path


def executed_notebook(lang: str, page: str) -> dict:
    path = BUILD / "lang" / lang / "_build" / "jupyter_execute" / f"{page}.ipynb"
    assert path.is_file(), f"{path} missing: the page was not executed"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_every_code_cell_ran_without_error_output(lang, page):
    cells = [c for c in executed_notebook(lang, page)["cells"] if c["cell_type"] == "code"]
    assert cells, f"book/{lang}/{page}.md has no code cells"
    for number, cell in enumerate(cells, 1):
        where = f"book/{lang}/{page}.md, code cell {number}"
        assert cell.get("execution_count"), f"{where} was not executed"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{where}: {out.get('ename')}"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                text = "".join(out["text"])
                assert not BAD_OUTPUT.search(text), f"{where} wrote to stderr: {text[:500]}"


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_each_cells_printed_text_is_one_output_per_stream(lang, page):
    """The notebook a reader downloads holds what the page shows: no pieces, none repeated.

    The kernel sends printed text in pieces cut by timing; MyST-NB's merge left them in the
    saved notebook with the first one grown, so the last lines came out twice.
    """
    cells = [c for c in executed_notebook(lang, page)["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells, 1):
        names = [o["name"] for o in cell.get("outputs", []) if o["output_type"] == "stream"]
        assert len(names) == len(set(names)), (
            f"book/{lang}/{page}.md, code cell {number}: printed text in pieces {names}")


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_page_has_its_language_and_all_its_images(lang, page):
    path = html_page(lang, page)
    text = path.read_text(encoding="utf-8")
    assert re.search(rf'<html[^>]*\blang="{lang}"', text), f"{path}: wrong <html lang>"
    images = re.findall(r'<img[^>]+src="([^"]+)"', text)
    for src in images:
        if src.startswith(("http:", "https:", "data:")):
            continue
        assert (path.parent / src.split("#")[0]).is_file(), f"{path}: image {src} missing"
    assert "cell_output" in text, f"{path}: no executed output rendered"
    assert 'class="pasted-text"></span>' not in text, f"{path}: an empty glued value"


def test_every_figure_of_chapter_1_is_on_the_page():
    for lang in i18n.LANGUAGES:
        nb = executed_notebook(lang, "01-tensors")
        figures = sum("image/png" in out.get("data", {})
                      for c in nb["cells"] if c["cell_type"] == "code" for out in c["outputs"])
        html = html_page(lang, "01-tensors").read_text(encoding="utf-8")
        assert figures >= 1 and len(re.findall(r"<img[^>]+\.png", html)) >= figures


@pytest.mark.parametrize(("lang", "separator"), [("da", ","), ("sv", ","), ("nl", ","),
                                                 ("ko", ".")])
def test_glued_numbers_use_the_locale_decimal_separator(lang, separator):
    text = html_page(lang, "01-tensors").read_text(encoding="utf-8")
    numbers = re.findall(r'class="pasted-text">([^<]+)<', text)
    decimals = [n for n in numbers if re.fullmatch(r"-?\d+[.,]\d+", n)]
    assert decimals, f"no glued decimal number on {lang}/01-tensors"
    assert all(separator in n for n in decimals), decimals


def test_landing_page_offers_every_language():
    text = (BUILD / "html" / "index.html").read_text(encoding="utf-8")
    for lang in i18n.LANGUAGES:
        assert f'href="{lang}/index.html"' in text
        assert (BUILD / "html" / lang / "index.html").is_file()
