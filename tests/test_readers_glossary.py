"""nnbook.site.glossary: the readers' glossary page and the links from a term's first use."""

from __future__ import annotations

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from nnbook import i18n
from nnbook.paths import REPO
from nnbook.site import glossary, status

BOOK = REPO / "book"
CHAPTERS = [name[:-3] for name in status.chapters(BOOK)]
TERMS = {t["en"]: t for t in glossary.load()}


@pytest.mark.parametrize(("lang", "en", "text", "found"), [
    ("da", "loss", "tabet og tabsfunktionen", ["tabet"]),
    ("da", "loss", "en tabel", []),  # a word that merely starts like the term
    ("ko", "loss", "손실을 줄이고", ["손실"]),
    ("ko", "loss", "무손실 압축", []),
    ("nl", "weight / bias", "de gewichten en de biases", ["gewichten", "biases"]),
    ("da", "gradient descent", "et skridt med gradient descent (gradientnedstigning)",
     ["gradient descent"]),
    ("da", "generative network", "to generative netværk", ["generative netværk"]),
])
def test_a_term_is_found_with_its_endings_and_only_as_a_whole_word(lang, en, text, found):
    assert glossary.pattern(TERMS[en], lang).findall(text) == found


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_term_is_introduced_by_a_chapter_in_every_language(lang):
    """The glossary's word is the one the chapters use: each is found in some chapter."""
    found = glossary.introductions(BOOK, lang, CHAPTERS)
    assert [en for en, t in TERMS.items() if glossary.anchor(t) not in found] == []


def test_the_page_lists_every_term_with_the_other_languages_and_its_chapter():
    body = glossary.page_body("sv", [(c, c.upper()) for c in CHAPTERS], BOOK)
    for term in TERMS.values():
        assert f'id="{glossary.anchor(term)}"' in body
    assert '<span lang="ko">KO 텐서</span>' in body and '<span lang="en">EN tensor</span>' in body
    assert i18n.translate("sv", glossary.TITLE) in body
    assert 'href="01-tensors.html"' in body


def test_only_a_terms_first_use_in_running_text_is_linked(monkeypatch):
    settings = get_default_settings(Parser)
    document = new_document("<test>", settings)
    Parser().parse("Tabet falder. Tabet igen, og ``tab`` i kode.\n\nEn tabel og et tab.", document)
    todo = {glossary.anchor(TERMS["loss"]): TERMS["loss"]}
    for text in list(document.findall(nodes.Text)):
        if isinstance(text.parent, nodes.paragraph):
            glossary._link_in(text, todo, "da")
    linked = list(document.findall(glossary.glossary_term))
    assert [n.astext() for n in linked] == ["Tabet"]
    assert linked[0]["href"] == "glossary.html#term-loss"
    assert 'lang="sv">SV förlust' in linked[0]["tip"]


def test_a_language_without_glossary_words_links_nothing_and_is_left_out_of_tooltips():
    """A language just added (python -m nnbook new-language) has no words in glossary.yml."""
    assert glossary.load(lang="pl") == []
    term = {"en": "loss", "da": "tab", "sv": "förlust"}
    assert glossary.others(term, "da") == [("sv", "förlust"), ("en", "loss")]
