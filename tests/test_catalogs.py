"""The real catalogs: complete, not fuzzy, and in step with the code."""

from __future__ import annotations

import pytest

from nnbook import i18n
from nnbook.site import catalogs


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_catalog_is_complete(lang):
    problems = i18n.problems(lang)
    assert not problems, "\n".join(map(str, problems))


def test_catalogs_hold_every_string_of_the_code():
    in_code = {str(m.id) for m in catalogs.extract() if m.id}
    for lang in i18n.LANGUAGES:
        in_po = {str(m.id) for m in i18n.read_catalog(i18n.po_path(lang), lang) if m.id}
        missing = sorted(in_code - in_po)
        assert not missing, (
            f"{i18n.po_path(lang)} lacks {missing}: run `python -m nnbook catalogs update`"
        )


def test_no_translation_or_language_name_holds_markup():
    """The theme prints the theme's words and the book's title unescaped, and a quote could
    end a JavaScript string: such characters are refused, file:line (nnbook.site.catalogs)."""
    found = catalogs.markup_problems()
    assert not found, catalogs.MARKUP_HINT + "\n" + "\n".join(found)
