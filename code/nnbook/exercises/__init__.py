"""Exercises that check themselves: ``nnbook.exercises.check("06.3", answer)``.

Each exercise has a checker (``chapterNN.py``): hidden tests run on the reader's answer, which
either pass or raise ``Wrong`` with a hint aimed at the mistake they found. The reply is one
line in the page's language (the catalogs); it never shows the expected answer.

In the build (``NNBOOK_EXERCISES_STRICT=1``, set for the page kernels) a rejected answer is an
error: the solutions on the pages are executed, so a checker that rejects its own reference
solution fails the build.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnbook import i18n
from nnbook.i18n import N_

STRICT = "NNBOOK_EXERCISES_STRICT"

RIGHT = N_("Right.")
NOT_YET = N_("Not yet: {hint}")
RAISED = N_("your answer stopped with {error}. Run it on its own first and read the message.")
UNKNOWN = N_("There is no exercise {name}; this chapter’s exercises are numbered {known}.")

Checker = Callable[[Any], None]
_REGISTRY: dict[str, Checker] = {}


class Wrong(Exception):
    """Raised by a checker: the answer is wrong, ``hint`` (a message id) says how."""

    def __init__(self, hint: str, **values: Any) -> None:
        super().__init__(hint)
        self.hint, self.values = hint, values

    def text(self) -> str:
        values = {k: _localized(v) for k, v in self.values.items()}
        return i18n._(self.hint).format(**values)


class SolutionRejected(AssertionError):
    """In the build: a checker rejected the answer a page gives as its solution."""


class UnknownExercise(KeyError):
    """``check`` was given a name no chapter defines."""


@dataclass(frozen=True)
class Verdict:
    """What ``check`` replies: shown as one line, true when the answer passed."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return ("✓ " if self.passed else "✗ ") + self.message


def exercise(name: str) -> Callable[[Checker], Checker]:
    """Register the checker of exercise ``name`` ("06.3": chapter 6, exercise 3)."""
    def register(checker: Checker) -> Checker:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name} has two checkers")
        _REGISTRY[name] = checker
        return checker
    return register


def _localized(value: Any) -> str:
    if isinstance(value, float):
        return i18n.number(value, 3)
    return str(value)


def _load(chapter: str) -> None:
    """Import the chapter's checkers (``chapterNN.py``), if it has any."""
    if not chapter.isdigit():
        return
    module = f"nnbook.exercises.chapter{int(chapter):02d}"
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise


def checker(name: str) -> Checker:
    """The checker of ``name``, its chapter's module imported on first use."""
    chapter = name.partition(".")[0]
    if name not in _REGISTRY:
        _load(chapter)
    if name not in _REGISTRY:
        known = sorted(k for k in _REGISTRY if k.partition(".")[0] == chapter) or sorted(_REGISTRY)
        raise UnknownExercise(i18n._(UNKNOWN).format(name=name, known=", ".join(known)))
    return _REGISTRY[name]


def names(chapter: int) -> list[str]:
    """Every exercise of a chapter, in order."""
    _load(f"{chapter:02d}")
    return sorted((k for k in _REGISTRY if k.startswith(f"{chapter:02d}.")),
                  key=lambda k: int(k.partition(".")[2]))


def check(name: str, answer: Any) -> Verdict:
    """Run exercise ``name``'s hidden tests on ``answer``; reply in the page's language."""
    run = checker(name)
    try:
        run(answer)
    except Wrong as wrong:
        verdict = Verdict(name, False, i18n._(NOT_YET).format(hint=wrong.text()))
    except Exception as err:  # the reader's own code failed inside a test: say so, briefly
        error = f"{type(err).__name__}: {err}".splitlines()[0][:200]
        hint = i18n._(RAISED).format(error=error)
        verdict = Verdict(name, False, i18n._(NOT_YET).format(hint=hint))
    else:
        verdict = Verdict(name, True, i18n._(RIGHT))
    if not verdict.passed and os.environ.get(STRICT) == "1":
        raise SolutionRejected(f"exercise {name}: the page's solution was rejected: "
                               f"{verdict.message}")
    return verdict
