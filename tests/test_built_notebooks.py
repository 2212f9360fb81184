"""Every chapter page offers its reader's notebook: named by language and chapter, numbers
written into the prose, no bookkeeping, an install cell pointing at the published wheel."""

from __future__ import annotations

import re

import nbformat
import pytest
import yaml

from nnbook import i18n
from nnbook.site.build import BUILD, SOURCE, site_url
from nnbook.site.notebooks import file_name
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
