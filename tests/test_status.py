"""Translation status (nnbook.status): stale detection, code-cell parity, catalogs; and how
an installed nnbook finds its catalogs (nnbook.i18n.locales_dir)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from nnbook import i18n, status

REPO = Path(__file__).resolve().parents[1]
# The origin language of each chapter (DESIGN.md).
ORIGINS = {"01": "nl", "02": "sv", "03": "da", "04": "sv", "05": "sv", "06": "ko",
           "07": "da", "08": "da", "09": "da"}

FRONT = """---
jupytext:
  text_representation: {{extension: .md, format_name: myst, format_version: 0.13}}
kernelspec: {{display_name: Python 3, language: python, name: python3}}
nnbook:
{meta}
---

# Title

"""


def chapter(lang: str, meta: str, cells: list[str], fence: str = "```") -> str:
    body = "".join(f"Text.\n\n{fence}{{code-cell}} ipython3\n{c}\n{fence}\n\n" for c in cells)
    return FRONT.format(meta=meta) + body


CELLS = ['import nnbook\n\nnnbook.setup("{lang}")', "x = 1 + 2  # add\nprint(x)"]


@pytest.fixture
def book(tmp_path) -> Path:
    """A two-language book: nl is the origin of 01-x.md, da an up-to-date translation."""
    (tmp_path / "nl").mkdir()
    (tmp_path / "da").mkdir()
    origin = tmp_path / "nl" / "01-x.md"
    origin.write_text(chapter("nl", "  origin: nl", [c.format(lang="nl") for c in CELLS]))
    da_cells = [CELLS[0].format(lang="da"), "# læg sammen\nx = 1 + 2\nprint(x)  # vis"]
    meta = f"  origin: nl\n  translated_from: {status.sha12(origin)}"
    (tmp_path / "da" / "01-x.md").write_text(chapter("da", meta, da_cells))
    return tmp_path


def entry(book: Path, lang: str) -> status.Entry:
    return status.chapter_entry("01-x.md", lang, book)


def test_up_to_date_translation_is_not_stale(book):
    assert entry(book, "nl").is_origin and entry(book, "nl").stale is None
    e = entry(book, "da")
    assert e.present and e.stale is False and e.parity == []
    assert entry(book, "ko").present is False


def test_changing_the_origin_makes_the_translation_stale(book):
    origin = book / "nl" / "01-x.md"
    origin.write_text(origin.read_text() + "Een nieuwe zin.\n")
    e = entry(book, "da")
    assert e.stale is True and status.sha12(origin) in e.note
    text, code = status.report(book)
    assert code == 0, "stale is a warning, not a failure"
    assert "STALE" in text and "warning: 1 stale" in text
    row = next(line for line in text.splitlines() if line.startswith("01-x"))
    assert re.search(r"origin is now [0-9a-f]{12}\s{2,}\S", row), "columns must not run together"


def test_translation_without_translated_from_is_stale(book):
    path = book / "da" / "01-x.md"
    path.write_text("\n".join(x for x in path.read_text().splitlines()
                              if "translated_from" not in x))
    assert entry(book, "da").stale is True


def test_comments_and_setup_language_do_not_break_parity(book):
    assert status.code_cells(book / "da" / "01-x.md") == status.code_cells(book / "nl" / "01-x.md")
    assert status.parity_problems(book) == []


def test_a_changed_code_cell_is_named_by_file_language_and_number(book):
    path = book / "da" / "01-x.md"
    path.write_text(path.read_text().replace("x = 1 + 2", "x = 1 + 3"))
    problems = status.parity_problems(book)
    assert len(problems) == 1
    assert "book/da/01-x.md" in problems[0] and "(da)" in problems[0]
    assert "code cell 2" in problems[0] and "1 + 3" in problems[0]
    assert status.report(book)[1] == 1


def test_missing_cell_and_wrong_setup_language_are_reported(book):
    path = book / "da" / "01-x.md"
    path.write_text(chapter("da", "  origin: nl", [CELLS[0].format(lang="sv")]))
    problems = "\n".join(status.parity_problems(book))
    assert "1 code cells, book/nl/01-x.md has 2" in problems
    assert "does not name the page's language 'da'" in problems


def test_code_cells_reads_longer_fences_and_keeps_strings_with_hashes(tmp_path):
    path = tmp_path / "01-y.md"
    path.write_text(chapter("nl", "  origin: nl", ['s = "# not a comment"  # a comment'],
                            fence="````"))
    assert status.code_cells(path) == ['s = "# not a comment"']


def test_catalog_completeness_counts_missing_and_fuzzy(scratch_locales):
    full = status.catalog_completeness("da", "sphinx")
    assert full.complete and full.total > 20
    po = scratch_locales / "da" / "LC_MESSAGES" / "sphinx.po"
    po.write_text(po.read_text().replace('msgstr "Til toppen"', 'msgstr ""'))
    less = status.catalog_completeness("da", "sphinx")
    assert less.done == full.done - 1 and not less.complete


def test_status_page_lists_every_chapter_and_language(book):
    page = status.status_html(book)
    assert "01-x" in page and page.count("<td") >= 4
    assert 'href="da/01-x.html"' in page


def test_book_chapters_record_their_origin_and_have_code_parity():
    for chapter_name in status.chapters():
        for lang in i18n.LANGUAGES:
            path = REPO / "book" / lang / chapter_name
            if path.is_file():
                origin = status.nnbook_meta(path).get("origin")
                assert origin == ORIGINS[chapter_name[:2]], f"{path}: origin {origin!r}"


# --- where an installed nnbook finds its catalogs ------------------------------------


def test_locales_dir_prefers_env_then_repository_then_package(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_LOCALES", str(tmp_path))
    assert i18n.locales_dir() == tmp_path
    monkeypatch.delenv("NNBOOK_LOCALES")
    assert i18n.locales_dir() == i18n.REPO / "locales"
    # Installed without the repository: the copy inside the package.
    monkeypatch.setattr(i18n, "in_repository", lambda: False)
    monkeypatch.setattr(i18n, "PACKAGED_LOCALES", tmp_path / "pkg")
    with pytest.raises(i18n.TranslationError, match="pkg"):
        i18n.locales_dir()
    (tmp_path / "pkg").mkdir()
    assert i18n.locales_dir() == tmp_path / "pkg"


def test_compiled_catalogs_go_to_a_cache_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("NNBOOK_BUILD", raising=False)
    monkeypatch.setattr(i18n, "in_repository", lambda: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expected = tmp_path / "nnbook" / "locales" / "ko" / "LC_MESSAGES" / "nnbook.mo"
    assert i18n.mo_path("ko") == expected


def test_the_package_ships_catalogs_templates_and_every_subpackage():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["nnbook.locales"] == "locales"
    assert "*/LC_MESSAGES/*.po" in config["package-data"]["nnbook.locales"]
    assert "templates/*.html" in config["package-data"]["nnbook"]
    inits = (REPO / "code" / "nnbook").glob("*/__init__.py")
    subpackages = {"nnbook." + p.parent.name for p in inits}
    assert subpackages <= set(config["packages"]), "list new subpackages in pyproject.toml"
