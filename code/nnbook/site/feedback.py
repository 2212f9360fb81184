"""Feedback tied to a paragraph (issue #26): where the book has a repository (``nnbook:
repository``, ``NNBOOK_REPOSITORY``), every paragraph of prose on a chapter page ends in a
quiet link that opens a new GitHub issue, filled in: the language, the page, the paragraph's
anchor and the start of its text, and on a translation the origin's matching section, with the
label of the language's translators (``translation:<lang>``; on an origin ``origin:<lang>``).

The page sends nothing: the links are plain links, built while the page is written. Each
paragraph gets a stable id (its section's id and its place in the section) if it has none, and
each section a positional anchor ``nnbook-s<k>``, the same on every language's page, so a
translation's paragraph links to the origin's section that matches it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from docutils import nodes

from nnbook.site import sections, status

ISSUES = "https://github.com/{repo}/issues/new"
MAX_URL = 6000  # GitHub and browsers take longer addresses; a body this long is plenty
EXCERPT = 160  # the paragraph's text in a link: at most this many characters once URL-encoded
#   (each link is on the page: the whole text, in Korean nine bytes a letter, would weigh
#   tens of KB a page; the anchor names the paragraph exactly)
SECTION_ID = "nnbook-s{}"
ASK = "What is wrong or unclear here?"  # in sphinx.po; the body's first line
LINK_LABEL = "Report a problem with this paragraph"  # in sphinx.po; the link's name


def labels(lang: str, origin: str | None) -> list[str]:
    """The issue's label: the language's translators on a translation, its writers on an
    origin. The repository must have these labels (``translation:da``, ``origin:nl``...)."""
    return [f"origin:{lang}" if origin in (None, lang) else f"translation:{lang}"]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of ``text`` (spaces folded) whose URL encoding fits ``limit`` characters,
    cut at a word and ended with an ellipsis when cut."""
    words = " ".join(text.split())
    if len(quote(words)) <= limit:
        return words
    kept = ""
    for word in words.split(" "):
        longer = f"{kept} {word}".strip()
        if len(quote(longer + " …")) > limit:
            break
        kept = longer
    if not kept:  # one long word: cut it by characters
        kept = words
        while kept and len(quote(kept + "…")) > limit:
            kept = kept[:-1]
        return kept + "…"
    return kept + " …"


def issue_url(repo: str, title: str, body: str, issue_labels: list[str],
              limit: int = MAX_URL) -> str:
    """``https://github.com/OWNER/REPO/issues/new?title=…&body=…&labels=…``, URL-encoded and
    at most ``limit`` characters (the body is shortened, line by line, to fit)."""

    def url(text: str) -> str:
        query = urlencode({"title": title, "body": text, "labels": ",".join(issue_labels)},
                          quote_via=quote)
        return f"{ISSUES.format(repo=repo)}?{query}"

    if len(url(body)) <= limit:
        return url(body)
    low, high = 0, len(body)  # the longest start of the body that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if len(url(body[:middle] + "…")) <= limit else (low, middle - 1)
    return url(body[:low] + "…")


def paragraph_issue(repo: str, lang: str, page: str, page_url: str, anchor: str, text: str,
                    ask: str, origin: str | None = None, origin_url: str = "",
                    origin_heading: str = "") -> str:
    """The issue address for one paragraph: the title names language, page and anchor; the
    body adds the text (its start) and, on a translation, the origin's matching section."""
    title = f"[{lang}] {page} #{anchor}"  # the text once, in the body: pages stay light
    lines = [ask, "", "", "---", f"Language: {lang}", f"Page: {page_url}#{anchor}",
             f"Paragraph: {excerpt(text)}"]
    if origin and origin != lang:
        where = f"{origin_url} ({origin_heading})" if origin_heading else origin_url
        lines.append(f"Origin ({origin}): {where}")
    return issue_url(repo, title, "\n".join(lines), labels(lang, origin))


# --- Sphinx ---------------------------------------------------------------------------------


class feedback_link(nodes.Inline, nodes.Element):  # noqa: N801 (docutils names nodes so)
    """The link at a paragraph's end; no text of its own (descriptions and search skip it)."""

    def astext(self) -> str:
        return ""


def visit_feedback_link(self: Any, node: feedback_link) -> None:
    esc = html.escape
    label = esc(node["label"])
    self.body.append(f'<a class="nnbook-feedback" href="{esc(node["href"])}" target="_blank" '
                     f'rel="noopener" title="{label}" aria-label="{label}">✎</a>')
    raise nodes.SkipNode


def skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def prose_text(paragraph: nodes.paragraph) -> str:
    """A paragraph's text as a reader sees it (raw HTML, e.g. typeset math, left out)."""
    return "".join(t.astext() for t in paragraph.findall(nodes.Text)
                   if not isinstance(t.parent, nodes.raw))


def origin_headings(book: Path, origin: str, page: str) -> list[str]:
    """The origin's headings in order (``## Data`` -> ``Data``), one per section."""
    path = book / origin / f"{page}.md"
    if not path.is_file():
        return []
    return [s.heading.lstrip("#").strip()
            for s in sections.split_sections(path.read_text(encoding="utf-8")) if s.heading]


def add_links(app: Any, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``, on a chapter page of a book with a repository: section anchors,
    paragraph ids and each paragraph's feedback link."""
    from sphinx.locale import get_translation

    from nnbook.site.sphinx import site_url

    repo = app.config.nnbook_repository
    book, lang = Path(app.srcdir).parent, app.config.language
    source = book / lang / f"{docname}.md"
    if not repo or not source.is_file():
        return
    origin = status.nnbook_meta(source).get("origin")
    if not origin:  # not a chapter (the language's front page)
        return
    all_sections = list(doctree.findall(nodes.section))
    ids = {i for node in doctree.findall(nodes.Element) for i in node.get("ids", [])}
    for k, section in enumerate(all_sections):
        anchor = SECTION_ID.format(k)
        if anchor not in ids:
            section["ids"].append(anchor)
    translate = get_translation("sphinx")
    ask, label = translate(ASK), translate(LINK_LABEL)
    site = site_url(app)
    page_url = f"{site}{lang}/{docname}.html"
    headings = origin_headings(book, origin, docname) if origin != lang else []
    aligned = len(headings) == len(all_sections)  # same structure: sections match by place
    for k, section in enumerate(all_sections):
        origin_url, origin_heading = f"{site}{origin}/{docname}.html", ""
        if aligned:
            origin_url += "#" + SECTION_ID.format(k)
            origin_heading = headings[k]
        paragraphs = [p for p in section.children if isinstance(p, nodes.paragraph)]
        # the section's own id (from its heading); a positional one where docutils had to
        # number it (a heading without Latin letters: Korean)
        base = section["ids"][0]
        base = SECTION_ID.format(k) if re.fullmatch(r"id\d+", base) else base
        for n, paragraph in enumerate(paragraphs, start=1):
            if not paragraph["ids"]:
                anchor = f"{base}-p{n}"
                while anchor in ids:
                    anchor += "-"
                paragraph["ids"].append(anchor)
                ids.add(anchor)
            text = prose_text(paragraph)
            if not text.strip():
                continue
            href = paragraph_issue(repo, lang, docname, page_url, paragraph["ids"][0], text,
                                   ask, origin, origin_url, origin_heading)
            paragraph += feedback_link(href=href, label=label)


def setup(app: Any) -> dict[str, Any]:
    """Registered by ``nnbook.site.sphinx``."""
    app.add_node(feedback_link, html=(visit_feedback_link, None), latex=(skip, None),
                 text=(skip, None), man=(skip, None), texinfo=(skip, None))
    app.connect("doctree-resolved", add_links)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
