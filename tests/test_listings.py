"""Every literalinclude of the book finds its code (pyobject, start-at, end-at), and what a
page shows of it carries no English comments or docstrings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.config import Config
from sphinx.directives.code import LiteralIncludeReader

from nnbook.site.sphinx import without_prose

BOOK = Path(__file__).resolve().parents[1] / "book"
DIRECTIVE = re.compile(r"```\{literalinclude\} (\S+)\n((?::[\w-]+:.*\n)*)```")


def listings() -> list[tuple[Path, str, dict[str, str]]]:
    found = []
    for page in sorted(BOOK.glob("*/*.md")):
        for match in DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            options = dict(re.findall(r":([\w-]+):[ ]?(.*)", match.group(2)))
            found.append((page, match.group(1), options))
    return found


@pytest.mark.parametrize(("page", "target", "options"), listings(),
                         ids=lambda v: v.name if isinstance(v, Path) else None)
def test_a_listing_finds_its_code_and_shows_no_english_prose(page, target, options):
    path = (page.parent / target).resolve()
    assert path.is_file(), f"{page}: {target} does not exist"
    options = {k: v for k, v in options.items() if k not in ("language", "dedent")}
    text, _ = LiteralIncludeReader(str(path), options, Config()).read()  # raises if not found
    shown = without_prose(text)
    assert shown.strip(), f"{page}: {target} {options} shows nothing"
    assert "#" not in shown.replace('"#', "").replace("'#", ""), f"{page}: a comment is shown"
    assert '"""' not in shown, f"{page}: a docstring is shown"
