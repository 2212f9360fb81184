"""Every chapter page offers its reader's notebook: named by language and chapter, numbers
written into the prose, no bookkeeping, an install cell pointing at the published wheel."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from nnbook import i18n
from nnbook.site.build import BUILD, SOURCE, site_url
from nnbook.site.notebooks import SOLUTION_NOTE, file_name
from nnbook.site.wheel import wheel_name

pytestmark = pytest.mark.build

# Numbered entries are chapters, each with its notebook; run-it-yourself has no code to run.
CHAPTERS = [c["file"] for c in yaml.safe_load((SOURCE / "_toc.yml").read_text())["chapters"]
            if c["file"][:2].isdigit()]
CASES = [(lang, ch) for lang in i18n.LANGUAGES for ch in CHAPTERS]


def test_the_wheel_is_published():
    assert (BUILD / "html" / "dist" / wheel_name()).is_file()


@pytest.mark.parametrize(("lang", "chapter"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_the_page_offers_its_readers_notebook(lang, chapter):
    name = file_name(lang, chapter)
    page = (BUILD / "html" / lang / f"{chapter}.html").read_text(encoding="utf-8")
    assert f"_sources/{name}" in page, "the download button does not offer the notebook"
    notebook = nbformat.read(BUILD / "html" / lang / "_sources" / name, as_version=4)
    assert notebook.cells[1].source == f"%pip install -q {site_url()}dist/{wheel_name()}"
    text = "\n".join(cell.source for cell in notebook.cells)
    assert not re.search(r"\{glue|\{literalinclude\}|remove-cell", text)
    assert "glue(" not in text
    assert not any("remove-cell" in c.get("metadata", {}).get("tags", []) for c in notebook.cells)


# What a reader's notebook must never show in its prose: a Python escape, a role or directive
# left unrendered (MyST-NB's glue, any {role}`...`), a placeholder.
RAW = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\{glue|\{[a-z][\w:-]*\}`|\{\{|<no value>")
BREAK = "\x00"  # where a formula stood: the page shows it typeset, so its text differs


# Sphinx's smart quotes turn " and ' into the language's quotes, -- into a dash and ... into an
# ellipsis on the page; Jupyter shows them as typed.
TYPOGRAPHY = re.compile(r"[\"'“”„‘’‚«»‹›–—…]|\.\.\.|--")


def letters(text: str) -> str:
    """Text without whitespace (the page and Jupyter space inline markup differently) and
    without the marks smart quotes change."""
    return TYPOGRAPHY.sub("", "".join(text.split()))


def page_prose(path) -> str:
    """The article's text as a reader sees it, without the headings' link marks and the
    glossary terms' tooltips."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    for junk in article.select("a.headerlink, .katex-mathml, .nnbook-term-tip, script, style"):
        junk.decompose()
    return letters(article.get_text(" "))


def notebook_prose(markdown: str) -> list[str]:
    """One markdown cell's text as Jupyter renders it (CommonMark, tables, $-math), in the
    pieces between its formulas."""
    from bs4 import BeautifulSoup
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    html = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).render(markdown)
    soup = BeautifulSoup(html, "html.parser")
    for math in soup.select(".math"):
        math.replace_with(BREAK)
    return [p for p in (letters(t) for t in soup.get_text(" ").split(BREAK)) if p]


@pytest.mark.parametrize(("lang", "chapter"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_the_notebooks_prose_is_the_pages_text(lang, chapter):
    """Every markdown cell of the reader's notebook reads as the page does: no escapes or
    placeholders, and its text (formulas aside) found on the page, in order."""
    notebook = nbformat.read(BUILD / "html" / lang / "_sources" / file_name(lang, chapter),
                             as_version=4)
    page = page_prose(BUILD / "html" / lang / f"{chapter}.html")
    solution_note = i18n.translate(lang, SOLUTION_NOTE).split("{url}")[0]
    cells = [c.source for c in notebook.cells[2:] if c.cell_type == "markdown"
             and not c.source.startswith(solution_note)]  # the notebook's own: solutions
    assert cells, "the notebook has no prose"
    raw = [m.group(0) for text in cells for m in [RAW.search(text)] if m]
    assert not raw, f"markup or escapes in the notebook's prose: {raw[:5]}"
    at, missing = 0, []
    for text in cells:
        for piece in notebook_prose(text):
            found = page.find(piece, at)
            if found < 0:
                missing.append(piece[:160])
            else:
                at = found + len(piece)
    assert not missing, f"{len(missing)} piece(s) of the notebook's prose not on the page " \
                        f"(in order): {missing[:3]}"
