"""The exercises: every chapter has 4–6 in every language, each a scaffold the reader fills in
and a folded solution the build runs; every checker has a test of a typical mistake; a reply is
one line in the page's language; the build's strict mode turns a rejected solution into an
error."""

from __future__ import annotations

import importlib
import re

import pytest

from nnbook import exercises, i18n
from nnbook.paths import REPO
from nnbook.site import status

BOOK = REPO / "book"
CHAPTERS = status.chapters(BOOK)
CALL = re.compile(r"""nnbook\.exercises\.check\(\s*["'](\d\d\.\d+)["']""")
TAGS = re.compile(r"^:tags:\s*\[(.*)\]", re.M)


def tagged_calls(path) -> list[tuple[str, set[str]]]:
    """(exercise, the cell's tags) for each code cell of a page that calls check."""
    found = []
    for cell in status.raw_code_cells(path):
        tags = TAGS.search(cell)
        tag_set = {t.strip() for t in tags.group(1).split(",")} if tags else set()
        found += [(name, tag_set) for name in CALL.findall(cell)]
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_four_to_six_exercises(chapter):
    names = exercises.names(int(chapter[:2]))
    assert 4 <= len(names) <= 6, f"{chapter}: {len(names)} exercises registered"


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_each_exercise_has_a_scaffold_and_a_folded_solution(chapter, lang):
    """One cell the build skips (the reader's) and one folded solution per exercise."""
    path = BOOK / lang / chapter
    calls = tagged_calls(path)
    names = exercises.names(int(chapter[:2]))
    assert sorted({n for n, _ in calls}) == names, f"{path}: checks called {calls}"
    for name in names:
        kinds = sorted(("solution" if "solution" in tags else
                        "scaffold" if "skip-execution" in tags else "other")
                       for n, tags in calls if n == name)
        assert kinds == ["scaffold", "solution"], f"{path}: exercise {name}: {kinds}"
    for name, tags in calls:
        if "solution" in tags:
            assert "hide-cell" in tags, f"{path}: the solution of {name} is not folded"


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_only_solutions_are_folded(lang):
    """The folded cells' label is 'Show the solution' (nnbook.site.sphinx): nothing else folds."""
    for path in sorted((BOOK / lang).glob("*.md")):
        for cell in status.raw_code_cells(path):
            tags = TAGS.search(cell)
            names = {t.strip() for t in tags.group(1).split(",")} if tags else set()
            if names & {"hide-cell", "hide-input", "hide-output"}:
                assert "solution" in names, f"{path}: a folded cell that is no solution"


def test_every_exercise_has_a_typical_mistake_under_test():
    covered = set()
    for chapter in CHAPTERS:
        number = int(chapter[:2])
        try:
            module = importlib.import_module(f"test_exercises_chapter{number:02d}")
        except ModuleNotFoundError:
            continue
        covered |= {name for name, _, _ in module.WRONG}
    registered = {n for chapter in CHAPTERS for n in exercises.names(int(chapter[:2]))}
    assert registered - covered == set()


def test_a_reply_is_one_line_in_the_page_language():
    i18n.activate("sv")
    right = exercises.check("01.4", 0.7)
    wrong = exercises.check("01.4", "0.7")
    assert right and repr(right) == "✓ " + i18n._(exercises.RIGHT)
    assert not wrong and repr(wrong).startswith("✗ ") and "\n" not in repr(wrong)


def test_the_reader_code_failing_is_a_hint_not_a_traceback():
    i18n.activate("da")
    verdict = exercises.check("01.1", lambda *args: 1 / 0)
    assert not verdict and "ZeroDivisionError" in verdict.message


def test_strict_mode_makes_a_rejected_solution_an_error(monkeypatch):
    i18n.activate("nl")
    monkeypatch.setenv(exercises.STRICT, "1")
    with pytest.raises(exercises.SolutionRejected, match="01.4"):
        exercises.check("01.4", 0.3)
    assert exercises.check("01.4", 0.7)


def test_an_unknown_exercise_names_the_chapters_exercises():
    i18n.activate("ko")
    with pytest.raises(exercises.UnknownExercise, match="01.1"):
        exercises.check("01.9", 1)
