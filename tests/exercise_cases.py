"""What every chapter's exercise tests share: an answer a checker must reject, with its hint,
in every language (tests/test_exercises_chapterNN.py list them as ``WRONG``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from nnbook import i18n
from nnbook.exercises import check

# (exercise, a function that makes the wrong answer, the hint's message id)
Case = tuple[str, Callable[[], Any], str]


def literal_parts(text: str) -> list[str]:
    """The parts of a translated hint around its {placeholders}, longest first."""
    return sorted((p.strip() for p in re.split(r"\{\w+\}", text) if p.strip()), key=len,
                  reverse=True)


def assert_rejected(name: str, make_answer: Callable[[], Any], hint: str) -> None:
    """``check`` rejects the answer in every language, replying with ``hint``'s words."""
    for lang in i18n.LANGUAGES:
        i18n.activate(lang)
        verdict = check(name, make_answer())
        assert not verdict, f"{name} ({lang}) accepted a wrong answer"
        for part in literal_parts(i18n._(hint))[:1]:
            assert part in verdict.message, f"{name} ({lang}): {verdict.message!r} lacks {part!r}"
