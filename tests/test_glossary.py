"""The glossary (glossary.yml): one word per concept and language, and none of the variants
it rejects in a chapter's prose or a catalog's translations (each found is named file:line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from nnbook import i18n

REPO = i18n.REPO
GLOSSARY = REPO / "glossary.yml"


def terms() -> list[dict]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]


def prose_lines(path: Path):
    """(line number, text) of a chapter's prose: no front matter, no code cells."""
    in_code = in_front = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if n == 1 and line == "---":
            in_front = True
            continue
        if in_front:
            in_front = line != "---"
            continue
        if line.startswith("```"):
            in_code = line.startswith("```{code-cell}") if not in_code else False
            continue
        if not in_code:
            yield n, line


def catalog_lines(path: Path):
    with path.open("rb") as f:
        catalog = read_po(f)
    for message in catalog:
        if message.id and message.string:
            yield message.lineno, str(message.string)


def pattern(word: str, lang: str) -> re.Pattern:
    # Korean attaches particles to words: a substring is a hit. Elsewhere the word must start
    # a word (Danish and Swedish compounds and inflections may follow it).
    return re.compile(re.escape(word) if lang == "ko" else r"(?<!\w)" + re.escape(word),
                      re.IGNORECASE)


def test_every_term_has_a_word_in_every_language():
    for term in terms():
        for lang in i18n.LANGUAGES:
            assert str(term.get(lang, "")).strip(), f"{GLOSSARY}: {term['en']!r} lacks {lang}"
        unknown = set(term.get("rejected", {})) - set(i18n.LANGUAGES)
        assert not unknown, f"{GLOSSARY}: {term['en']!r} rejects for unknown {unknown}"


def test_the_readme_shows_the_glossary():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "glossary.yml" in readme
    for term in terms():
        row = "| " + " | ".join([term["en"], *(term[lang] for lang in i18n.LANGUAGES)]) + " |"
        assert row in readme, f"README.md lacks the glossary row {row}"


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_no_rejected_variant_in_prose_or_catalogs(lang):
    rejected = [(term["en"], word) for term in terms()
                for word in term.get("rejected", {}).get(lang, [])]
    sources = [(p, prose_lines(p)) for p in sorted((REPO / "book" / lang).glob("*.md"))]
    po = REPO / "locales" / lang / "LC_MESSAGES" / "nnbook.po"
    sources.append((po, catalog_lines(po)))
    found = []
    for path, lines in sources:
        for n, text in lines:
            for en, word in rejected:
                if pattern(word, lang).search(text):
                    found.append(f"{path.relative_to(REPO)}:{n}: {word!r} (the glossary's word "
                                 f"for {en!r} is used instead)")
    assert not found, "\n".join(found)


def test_a_rejected_word_is_found_with_its_line(tmp_path):
    page = tmp_path / "01-x.md"
    page.write_text("---\nnnbook: {}\n---\n\nEn text\nmed inlärningstakten 0,1.\n"
                    "```{code-cell} ipython3\ninlärningstakt = 1\n```\n", encoding="utf-8")
    hits = [n for n, text in prose_lines(page) if pattern("inlärningstakt", "sv").search(text)]
    assert hits == [6]
