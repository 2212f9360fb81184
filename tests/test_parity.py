"""Code cells are the same in every language (comments and the setup line aside)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from nnbook import i18n
from nnbook.site import status

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_exists_in_every_language(chapter):
    missing = [lang for lang in i18n.LANGUAGES
               if not (REPO / "book" / lang / f"{chapter}.md").is_file()]
    assert not missing, f"{chapter}.md missing in book/{{{','.join(missing)}}}/"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_cells_identical_across_languages(chapter):
    problems = [m for lang in i18n.LANGUAGES
                for m in status.chapter_parity(f"{chapter}.md", lang, REPO / "book")]
    assert not problems, "\n".join(problems)


@pytest.fixture
def book_copy(tmp_path):
    book = tmp_path / "book"
    for lang in i18n.LANGUAGES:
        (book / lang).mkdir(parents=True)
        shutil.copy(REPO / "book" / lang / "01-tensors.md", book / lang / "01-tensors.md")
    return book


def test_a_changed_cell_is_named_by_file_language_and_number(book_copy):
    page = book_copy / "sv" / "01-tensors.md"
    page.write_text(page.read_text(encoding="utf-8").replace("learning_rate = 0.1",
                                                              "learning_rate = 0.2"),
                    encoding="utf-8")
    problems = status.parity_problems(book_copy)
    assert len(problems) == 1
    assert problems[0].startswith("book/sv/01-tensors.md (sv): code cell ")
    assert "learning_rate = 0.2" in problems[0]


def test_comments_and_the_language_line_may_differ(book_copy):
    page = book_copy / "ko" / "01-tensors.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("learning_rate = 0.1", "learning_rate = 0.1  # 학습률")
    page.write_text(text, encoding="utf-8")
    assert status.parity_problems(book_copy) == []
    page.write_text(text.replace('nnbook.setup("ko")', 'nnbook.setup("da")'), encoding="utf-8")
    assert any("does not name the page's language" in p for p in status.parity_problems(book_copy))


def cells_with_tags(path: Path) -> list[tuple[int, list[str], str]]:
    """(line, tags, source) of each code cell of a MyST page."""
    lines = path.read_text(encoding="utf-8").splitlines()
    cells, n = [], 0
    while n < len(lines):
        if lines[n].startswith("```{code-cell}"):
            start, n = n + 1, n + 1
            tags: list[str] = []
            body = []
            while not lines[n].startswith("```"):
                if lines[n].startswith(":tags:"):
                    tags = yaml.safe_load(lines[n].split(":", 2)[2])
                elif not lines[n].startswith(":"):
                    body.append(lines[n])
                n += 1
            cells.append((start, tags, "\n".join(body)))
        n += 1
    return cells


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_bookkeeping_stays_out_of_the_readers_sight(chapter):
    """glue belongs to hidden cells (remove-cell: not on the page, not in the reader's
    notebook), and a hidden cell is the book's bookkeeping: it glues numbers into the prose or
    asserts what the prose claims (the build fails when a claim stops being true)."""
    wrong = []
    for lang in i18n.LANGUAGES:
        path = REPO / "book" / lang / f"{chapter}.md"
        for line, tags, source in cells_with_tags(path):
            hidden = "remove-cell" in tags
            if not hidden and "glue(" in source:
                wrong.append(f"{path}:{line}: a teaching cell calls glue")
            if hidden and "glue" not in source and "assert " not in source:
                wrong.append(f"{path}:{line}: a hidden cell that neither glues nor asserts")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_empty_code_cell(chapter):
    empty = [f"{REPO / 'book' / lang / f'{chapter}.md'}:{line}"
             for lang in i18n.LANGUAGES
             for line, _, source in cells_with_tags(REPO / "book" / lang / f"{chapter}.md")
             if not source.strip()]
    assert not empty, "empty code cells: " + ", ".join(empty)
