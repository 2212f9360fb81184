"""Translation status (nnbook.site.status): stale detection, code-cell parity, catalogs; and how
an installed nnbook finds its catalogs (nnbook.i18n.locales_dir)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from nnbook import i18n, paths
from nnbook.site import status
from nnbook.site.wheel import build_wheel

REPO = Path(__file__).resolve().parents[1]
# The origin language of each chapter (../shared/DESIGN.md, "Origin languages").
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


def status_rows(page: str) -> dict[str, list[tuple[str, str]]]:
    """The status table: chapter → [(class, contents) of each language's cell]."""
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', page)
    return {name: re.findall(r'<td class="([^"]*)">(.*?)</td>', cells) for name, cells in rows}


def test_status_page_lists_every_chapter_and_language(book):
    page = status.status_html(book)
    heads = re.findall(r'<th scope="col" lang="(\w+)">', page)
    assert heads == list(i18n.LANGUAGES)
    rows = status_rows(page)
    assert list(rows) == ["01-x"] + list(i18n.LANGUAGES)  # the chapter, then the catalogs
    cells = dict(zip(heads, rows["01-x"], strict=True))
    assert {lang: cls for lang, (cls, _) in cells.items()} == {
        "da": "ok", "sv": "missing", "ko": "missing", "nl": "origin"}
    assert cells["da"][1].startswith('<a href="da/01-x.html">da</a>')
    assert cells["nl"][1].startswith('<a href="nl/01-x.html">nl</a>')
    assert "href" not in cells["sv"][1] and "href" not in cells["ko"][1]
    # a changed code cell marks its language's cell and says where
    path = book / "da" / "01-x.md"
    path.write_text(path.read_text().replace("x = 1 + 2", "x = 1 + 3"))
    cls, text = dict(zip(heads, status_rows(status.status_html(book))["01-x"], strict=True))["da"]
    assert cls == "ok parity" and "code cell 2" in text
    # chapters not built into the site are not linked
    site = book / "site"
    (site / "nl").mkdir(parents=True)
    (site / "nl" / "01-x.html").write_text("<html></html>")
    built = dict(zip(heads, status_rows(status.status_html(book, site))["01-x"], strict=True))
    assert "href" in built["nl"][1] and "href" not in built["da"][1]


def test_the_books_status_page_has_every_chapter_in_every_language():
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    expected = [entry["file"] for entry in toc["chapters"]]
    rows = status_rows(status.status_html())
    assert [name for name in rows if name not in i18n.LANGUAGES] == expected
    for name in expected:
        classes = [cls for cls, _ in rows[name]]
        assert len(classes) == len(i18n.LANGUAGES), name
        # present, and code that matches ("stale" is a warning for translators, not a fault)
        assert classes.count("origin") == 1 and set(classes) <= {"origin", "ok", "stale"}, (
            f"{name}: {classes}")


def test_book_chapters_record_their_origin_and_have_code_parity():
    book = REPO / "book"
    assert [c[:2] for c in status.chapters(book)] == sorted(ORIGINS)
    for chapter_name in status.chapters(book):
        expected = ORIGINS[chapter_name[:2]]
        assert status.origin_of(chapter_name, book) == expected
        for lang in i18n.LANGUAGES:
            path = book / lang / chapter_name
            assert path.is_file(), f"{path} is missing"
            origin = status.nnbook_meta(path).get("origin")
            assert origin == expected, f"{path}: origin {origin!r}, expected {expected!r}"
            e = status.chapter_entry(chapter_name, lang, book)
            assert e.present and e.parity == [], "\n".join(e.parity)
            # the same number of code cells as the origin, and the same code
            assert status.code_cells(path) == status.code_cells(book / expected / chapter_name)
    assert status.parity_problems(book) == []


# --- where an installed nnbook finds its catalogs ------------------------------------


def test_locales_dir_prefers_env_then_repository_then_package(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_LOCALES", str(tmp_path))
    assert i18n.locales_dir() == tmp_path
    monkeypatch.delenv("NNBOOK_LOCALES")
    assert i18n.locales_dir() == i18n.REPO / "locales"
    # Installed without the repository: the copy inside the package.
    monkeypatch.setattr(paths, "in_repository", lambda: False)
    monkeypatch.setattr(i18n, "PACKAGED_LOCALES", tmp_path / "pkg")
    with pytest.raises(i18n.TranslationError, match="pkg"):
        i18n.locales_dir()
    (tmp_path / "pkg").mkdir()
    assert i18n.locales_dir() == tmp_path / "pkg"


def test_compiled_catalogs_go_to_a_cache_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("NNBOOK_BUILD", raising=False)
    monkeypatch.setattr(paths, "in_repository", lambda: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("NNBOOK_LOCALES", str(i18n.REPO / "locales"))  # the catalogs it compiles
    expected = tmp_path / "nnbook" / "locales" / "ko" / "LC_MESSAGES"
    assert i18n.mo_path("ko").parent == expected


def test_the_readers_wheel_ships_teaching_code_and_catalogs_only(tmp_path):
    wheel = build_wheel(tmp_path / "wheels")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith("/METADATA"))).decode()
        site = tmp_path / "site"
        archive.extractall(site)
    package = REPO / "code" / "nnbook"
    modules = {f"nnbook/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")
               if "__pycache__" not in p.parts}
    machinery = {m for m in modules if m.startswith("nnbook/site/")}
    assert "nnbook/__init__.py" in modules and "nnbook/i18n.py" in modules and machinery
    assert modules - machinery <= names, f"missing from the wheel: {sorted(modules - names)}"
    assert not {n for n in names if n.startswith("nnbook/site/")}, "the site's machinery shipped"
    # pip install brings what the chapters import, as compatible ranges
    required = {line.split(":", 1)[1].strip().split(">")[0].split("<")[0].split("=")[0].strip()
                for line in metadata.splitlines() if line.startswith("Requires-Dist:")}
    assert {"torch", "torchvision", "numpy", "matplotlib", "babel", "tqdm"} <= required, required
    for lang in ("da", "sv", "ko", "nl"):
        assert f"nnbook/locales/{lang}/LC_MESSAGES/nnbook.po" in names, lang
    assert "nnbook/locales/nnbook.pot" in names
    # Installed without the repository, nnbook finds its catalogs inside the package.
    code = ("import nnbook, nnbook.i18n as i18n\n"
            "print(nnbook.__file__)\n"
            "print(i18n.locales_dir())\n"
            "i18n.activate('ko')\n"
            "print(i18n._('Loss during training'))\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("NNBOOK_LOCALES", "NNBOOK_BUILD", "PYTHONPATH")}
    env |= {"PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    where, locales, title = result.stdout.splitlines()
    assert Path(where).parent == site / "nnbook", "imported the repository, not the wheel"
    assert Path(locales) == site / "nnbook" / "locales"
    assert title == "학습 중 손실"
