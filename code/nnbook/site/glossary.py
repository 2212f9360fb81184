"""The readers' glossary (issue #26): a page per language made from ``glossary.yml``, and in
each chapter the first use of each term linked to its entry.

The page (``glossary.html`` in every language, written by Sphinx like its search page) lists
each term in the page's language, the other languages and English, and the chapter that
introduces it (the first chapter, in the book's order, whose prose uses it). In a chapter, the
term's first use in the prose links to its entry; hovering or focusing the link shows the term
in the other languages (a tooltip the link names with ``aria-describedby``; no script, nothing
fetched).

A term's word is found with the endings its language adds (Danish "tensoren", Korean "텐서를"):
``forms`` and ``ENDINGS``. Words in parentheses are glosses, not forms to look for.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes

from nnbook import i18n
from nnbook.paths import REPO
from nnbook.site import status

PAGE = "glossary"
TITLE = i18n.N_("Glossary")
INTRO = i18n.N_("The book uses one word for each concept. Here is each word in this "
                "language, in the book’s other languages and in English, with the chapter "
                "that introduces it. In the chapters, the first use of a word links here.")
HEAD_TERM = i18n.N_("Term")
HEAD_OTHERS = i18n.N_("Other languages")
HEAD_CHAPTER = i18n.N_("Introduced in")

# Endings a word takes in running text, after the glossary's form (none for Korean, whose
# particles follow any noun: there any Hangul may follow).
ENDINGS = {
    "da": ["", "e", "en", "et", "er", "ere", "erne", "ene", "ne", "n", "r", "s", "ens", "ets",
           "ernes", "t"],
    "sv": ["", "en", "et", "er", "erna", "ar", "arna", "n", "na", "r", "s", "ns", "ens", "ets",
           "t", "e"],
    "nl": ["", "s", "es", "en", "e", "n", "’s"],
}
HANGUL = "\uac00-\ud7a3"


def load(path: Path | None = None, lang: str | None = None) -> list[dict[str, Any]]:
    """The glossary's terms, in the file's order; with ``lang``, those that have a word in it
    (a language just added has none yet: its pages link nothing)."""
    path = path or REPO / "glossary.yml"
    terms = yaml.safe_load(path.read_text(encoding="utf-8"))["terms"]
    return [t for t in terms if str(t.get(lang, "")).strip()] if lang else terms


def forms(word: str) -> list[str]:
    """The forms to look for: "vægt / bias" -> ["vægt", "bias"]; glosses in parentheses go."""
    bare = re.sub(r"\([^)]*\)", "", word)
    return [f.strip() for f in bare.split("/") if f.strip()]


def pattern(term: dict, lang: str) -> re.Pattern:
    """A term's forms in ``lang`` (its word, and those the glossary lists under ``also``),
    each with its endings, as whole words of running text."""
    return _pattern(term[lang], tuple(term.get("also", {}).get(lang, [])), lang)


@cache
def _pattern(word: str, also: tuple[str, ...], lang: str) -> re.Pattern:
    alternatives = "|".join(re.escape(f) for f in sorted([*forms(word), *also], key=len,
                                                         reverse=True))
    if lang == "ko":
        return re.compile(rf"(?<![{HANGUL}\w])(?:{alternatives})")
    endings = "|".join(re.escape(e) for e in sorted(ENDINGS.get(lang, [""]), key=len,
                                                     reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?:{endings})(?![\w-])", re.IGNORECASE)


def anchor(term: dict) -> str:
    """The entry's id on the glossary page, from its English name: ``term-learning-rate``."""
    return "term-" + re.sub(r"[^a-z0-9]+", "-", forms(term["en"])[0].lower()).strip("-")


def prose(path: Path) -> str:
    """A page's prose: no front matter, no code cells, no directives' bodies."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    return re.sub(r"^(```+)\{.*?^\1[ \t]*$", "", text, flags=re.S | re.M)


def introductions(book: Path, lang: str, chapters: list[str]) -> dict[str, str]:
    """For each term (by anchor), the first chapter whose prose uses it."""
    found: dict[str, str] = {}
    for chapter in chapters:
        path = book / lang / f"{chapter}.md"
        if not path.is_file():
            continue
        text = prose(path)
        for term in load(lang=lang):
            if anchor(term) not in found and pattern(term, lang).search(text):
                found[anchor(term)] = chapter
    return found


def others(term: dict, lang: str) -> list[tuple[str, str]]:
    """(language code, word) for every language but ``lang``, English last."""
    return [(code, term[code]) for code in i18n.LANGUAGES
            if code != lang and str(term.get(code, "")).strip()] + [("en", term["en"])]


def tip_html(term: dict, lang: str) -> str:
    return " · ".join(f'<span lang="{code}">{code.upper()} {html.escape(word)}</span>'
                      for code, word in others(term, lang))


# --- the page -------------------------------------------------------------------------


def page_body(lang: str, chapters: list[tuple[str, str]], book: Path) -> str:
    """The glossary page's article: a heading, a sentence and the table of terms."""
    tr = lambda msgid: html.escape(i18n.translate(lang, msgid))  # noqa: E731
    titles = dict(chapters)
    introduced = introductions(book, lang, [c for c, _ in chapters])
    rows = []
    for term in load(lang=lang):
        key = anchor(term)
        chapter = introduced.get(key)
        where = (f'<a href="{chapter}.html">{html.escape(titles[chapter])}</a>'
                 if chapter else "")
        rows.append(f'<tr id="{key}"><th scope="row">{html.escape(term[lang])}</th>'
                    f"<td>{tip_html(term, lang)}</td><td>{where}</td></tr>")
    return (f'<section id="{PAGE}"><h1>{tr(TITLE)}</h1><p>{tr(INTRO)}</p>'
            f'<div class="pst-scrollable-table-container"><table class="table nnbook-glossary">'
            f"<thead><tr><th>{tr(HEAD_TERM)}</th><th>{tr(HEAD_OTHERS)}</th>"
            f"<th>{tr(HEAD_CHAPTER)}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            "</div></section>")


def collect_page(app: Any):
    """``html-collect-pages``: the glossary page of this language (chapters this build has)."""
    from nnbook.site.build import chapter_title

    lang = app.config.language
    book = Path(app.srcdir).parent
    chapters = [(path.stem, chapter_title(path))
                for path in (book / lang / name for name in status.chapters(book))
                if path.stem in app.env.found_docs]
    body = page_body(lang, chapters, book)
    yield PAGE, {"title": i18n.translate(lang, TITLE), "body": body, "display_toc": False}, \
        "page.html"


# --- the links in the chapters ---------------------------------------------------------


class glossary_term(nodes.Inline, nodes.TextElement):  # noqa: N801 - docutils' convention
    """A term's first use: its text, linked to its entry, with the other languages' words."""


def visit_term(self, node: glossary_term) -> None:
    self.body.append(f'<span class="nnbook-term"><a class="reference internal" '
                     f'href="{node["href"]}" aria-describedby="{node["tip_id"]}">')


def depart_term(self, node: glossary_term) -> None:
    self.body.append(f'</a><span class="nnbook-term-tip" role="tooltip" '
                     f'id="{node["tip_id"]}">{node["tip"]}</span></span>')


def skip(self, node: nodes.Node) -> None:
    """Other writers show the word alone."""


SKIP = (nodes.literal, nodes.literal_block, nodes.reference, nodes.title, nodes.math,
        nodes.math_block, nodes.raw, nodes.FixedTextElement, glossary_term)


def link_terms(app: Any, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: in a chapter, link each term's first use to the glossary."""
    lang = app.config.language
    source = Path(app.srcdir) / f"{docname}.md"
    if not source.is_file() or not status.nnbook_meta(source).get("origin"):
        return  # not a chapter
    todo = {anchor(t): t for t in load(lang=lang)}
    for text in list(doctree.findall(nodes.Text)):
        if not todo:
            break
        if any(isinstance(a, SKIP) for a in _ancestors(text)):
            continue
        if not any(isinstance(a, nodes.paragraph) for a in _ancestors(text)):
            continue
        _link_in(text, todo, lang)


def _ancestors(node: nodes.Node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _link_in(text: nodes.Text, todo: dict[str, dict], lang: str) -> None:
    """Link the first term found in ``text`` (then the rest of the text, recursively)."""
    value = str(text)
    hits = [(m.start(), m.end(), key) for key, term in todo.items()
            for m in [pattern(term, lang).search(value)] if m]
    if not hits:
        return
    start, end, key = min(hits)
    term = todo.pop(key)
    node = glossary_term("", value[start:end], href=f"{PAGE}.html#{key}",
                         tip_id=f"nnbook-tip-{key}", tip=tip_html(term, lang))
    after = nodes.Text(value[end:])
    parent = text.parent
    index = parent.index(text)
    parent.replace(text, nodes.Text(value[:start]))
    parent.insert(index + 1, node)
    parent.insert(index + 2, after)
    if todo:
        _link_in(after, todo, lang)


def add_sidebar_link(app: Any, pagename: str, templatename: str, context: dict,
                     doctree: Any) -> None:
    """``html-page-context``: the words and addresses of the links under the chapter list:
    the glossary, and the book as a PDF (``nnbook.site.pdf``)."""
    from nnbook.site import pdf

    lang = app.config.language
    up = "../" * pagename.count("/")
    context["nnbook_glossary"] = i18n.translate(lang, TITLE)
    context["nnbook_pdf"] = i18n.translate(lang, pdf.DOWNLOAD)
    context["nnbook_pdf_href"] = up + pdf.file_name(lang)


def setup(app: Any) -> dict[str, Any]:
    """Registered by ``nnbook.site.sphinx``."""
    app.add_node(glossary_term, html=(visit_term, depart_term), latex=(skip, None),
                 text=(skip, None), man=(skip, None), texinfo=(skip, None))
    app.connect("doctree-resolved", link_terms)
    app.connect("html-collect-pages", collect_page)
    app.connect("html-page-context", add_sidebar_link)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
