"""A stale translation says so at its top (issue #26): which sections of its origin changed
since the version it follows, with a link to the origin's page.

Computed as ``python -m nnbook status`` computes it (``status.chapter_entry``, sections by
``sections.changes_since``); a current translation and an origin show nothing. The words come
from the theme catalog (``locales/<lang>/LC_MESSAGES/sphinx.po``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnbook.site import status

# The words (in sphinx.po); the section list and the link follow them.
CHANGED = "This translation follows an earlier version of the original. Changed there since:"
CHANGED_UNKNOWN = "The original has changed since this translation was made."
READ_ORIGINAL = "Read the original (%(language)s)"
BEFORE_FIRST_HEADING = "The beginning of the page"
PREAMBLE = "(before the first heading)"  # sections._label of the text before any heading


@dataclass(frozen=True)
class Notice:
    """What a stale translation's page says: the origin and its changed sections."""

    lang: str
    origin: str
    page: str
    sections: list[str] = field(default_factory=list)  # headings as the origin writes them

    @property
    def href(self) -> str:
        """The origin's page, relative to the translation's (both ``<lang>/<page>.html``)."""
        return f"../{self.origin}/{self.page}.html"


def heading_text(label: str) -> str:
    """``## Data`` -> ``Data``; the text before the first heading keeps its marker (PREAMBLE)."""
    return re.sub(r"^#+\s*", "", label).strip()


def notice(book: Path, lang: str, page: str) -> Notice | None:
    """The notice for ``book/<lang>/<page>.md``, or None where it is current, an origin, or
    not a translated page: the sections changed or added in the origin since the version the
    translation follows (none named when that version is in no commit)."""
    if not (book / lang / f"{page}.md").is_file():
        return None
    entry = status.chapter_entry(f"{page}.md", lang, book)
    if not entry.stale or not entry.origin or entry.is_origin:
        return None
    changes = entry.changes
    named = ([h for h, _ in changes.changed] + changes.added) if changes and changes.found else []
    return Notice(lang, entry.origin, page, [heading_text(h) for h in named])


def notice_html(found: Notice, translate: Any, language_names: dict[str, str]) -> str:
    """The notice as HTML, its words through ``translate`` (the theme catalog's gettext); the
    origin's headings marked with the origin's language."""
    esc = html.escape
    origin_name = language_names.get(found.origin, found.origin)
    if found.sections:
        items = ", ".join(
            (f"<em>{esc(translate(BEFORE_FIRST_HEADING))}</em>" if name == PREAMBLE
             else f'<span lang="{esc(found.origin)}">{esc(name)}</span>')
            for name in found.sections)
        text = f"{esc(translate(CHANGED))} {items}."
    else:
        text = esc(translate(CHANGED_UNKNOWN))
    link = (f'<a href="{esc(found.href)}" hreflang="{esc(found.origin)}">'
            f"{esc(translate(READ_ORIGINAL) % {'language': origin_name})}</a>")
    return f'<aside class="nnbook-stale" role="note"><p>{text} {link}</p></aside>'


def add_notice(app: Any, pagename: str, templatename: str, context: dict,
               doctree: Any) -> None:
    """``html-page-context``: the notice right under the page's title (a stale translation
    only)."""
    from sphinx.locale import get_translation

    from nnbook.site.build import LANGUAGE_NAMES

    if doctree is None or "body" not in context:
        return
    found = notice(Path(app.srcdir).parent, app.config.language, pagename)
    if found is None:
        return
    block = notice_html(found, get_translation("sphinx"), LANGUAGE_NAMES)
    body = context["body"]
    end = body.find("</h1>")
    at = end + len("</h1>") if end >= 0 else 0
    context["body"] = body[:at] + "\n" + block + "\n" + body[at:]


def setup(app: Any) -> dict[str, Any]:
    """Registered by ``nnbook.site.sphinx``."""
    app.connect("html-page-context", add_notice, priority=460)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
