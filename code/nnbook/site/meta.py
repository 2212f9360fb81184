"""What search engines and browsers read about the site besides its text.

- the site's address (``html: baseurl`` in _config.yml, or ``NNBOOK_BASEURL``): canonical,
  hreflang and sitemap URLs start with it. _config.yml holds a placeholder; a preview may use
  it, a build for publishing (``NNBOOK_PUBLISH=1``, ``python -m nnbook build --publish``)
  refuses it;
- a description in the page's language on every page (``nnbook: {description: ...}`` in a
  page's front matter, else its first paragraph);
- ``x-default``: the landing page for the language indexes (the landing page lists them
  back), the chapter's origin language for a chapter (one of the alternates, so it answers);
- ``noindex`` on pages that are no reading (search, general index, the translators' pages);
- ``robots.txt`` naming the sitemap;
- the translators' pages (status, execution report): who they are for, and the reader's
  colour scheme (the theme's light/dark choice, else the system's).
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from nnbook import i18n
from nnbook.i18n import N_

PLACEHOLDER_HOST = "nnbook.example.org"  # _config.yml's html.baseurl until a deployer sets it
DESCRIPTION_LIMIT = 160  # characters; what search results show of a description
NOINDEX_PAGES = ("search", "genindex", "py-modindex")
NOINDEX = '<meta name="robots" content="noindex">'
# A plain http(s) address: host, port, path of letters, digits and ._~%/- (what a project
# page's URL is made of); nothing a page, the sitemap or the install cell's shell would read.
PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~%/-]*)?")


class SiteURLError(ValueError):
    """A build for publishing without the site's real address."""


# --- the site's address -------------------------------------------------------------------


def base_url(config_baseurl: str | None) -> str:
    """The site's root URL, ending in '/': ``NNBOOK_BASEURL`` if set, else _config.yml's."""
    url = os.environ.get("NNBOOK_BASEURL") or config_baseurl or f"https://{PLACEHOLDER_HOST}/"
    return url.rstrip("/") + "/"


def publishing() -> bool:
    """Whether this build is for publishing (``NNBOOK_PUBLISH=1``, or ``build --publish``)."""
    return os.environ.get("NNBOOK_PUBLISH", "") not in ("", "0")


def check_base_url(url: str, publish: bool) -> None:
    """The address is a plain http(s) URL (``PLAIN_URL``); a build for publishing needs the
    real one, a host other than the placeholder. A preview may use the placeholder."""
    if not PLAIN_URL.fullmatch(url):
        raise SiteURLError(f"the site's address {url!r} is not a plain http(s) URL (letters, "
                           "digits and ._~%/- in its path): set html.baseurl in _config.yml "
                           "or NNBOOK_BASEURL")
    if not publish:
        return
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SiteURLError(f"the site's address {url!r} is not an absolute http(s) URL: set "
                           "html.baseurl in _config.yml or NNBOOK_BASEURL")
    if parts.hostname == PLACEHOLDER_HOST or parts.hostname.endswith("." + PLACEHOLDER_HOST):
        raise SiteURLError(
            f"a build for publishing needs the site's real address, not the placeholder "
            f"{url}: set html.baseurl in _config.yml or NNBOOK_BASEURL=https://… (canonical, "
            "hreflang and sitemap links use it)")


# --- hreflang ------------------------------------------------------------------------------


def x_default(book: Path, stem: str, site: str) -> str | None:
    """The ``x-default`` of a page of the book: the landing page for the language indexes
    (it lists them back); for a chapter, its version in the origin language (an alternate
    itself, so the link is answered); None when the chapter names no origin."""
    if stem in ("index", "glossary"):  # every language has one: the landing page lists them
        return site
    from nnbook.site import status

    origin = status.origin_of(f"{stem}.md", book)
    if origin and (book / origin / f"{stem}.md").is_file():
        return f"{site}{origin}/{stem}.html"
    return None


# --- descriptions ----------------------------------------------------------------------------


def shorten(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``text`` in one line, cut to ``limit`` characters: after a whole sentence if one ends
    past half of it, else after a whole word, with '…'."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s)", head)]
    if ends and ends[-1] >= limit // 2:
        return head[: ends[-1]]
    cut = head[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-– ")
    return cut + "…"


def first_paragraph(doctree: Any) -> str:
    """The text of a page's first paragraph of prose (not in a cell's output, a table of
    contents, an admonition or a table)."""
    from docutils import nodes

    skip = (nodes.Admonition, nodes.table, nodes.topic, nodes.sidebar, nodes.footnote,
            nodes.citation, nodes.system_message)
    for paragraph in doctree.findall(nodes.paragraph):
        parent, inside = paragraph.parent, False
        while parent is not None:
            classes = parent.get("classes", []) if isinstance(parent, nodes.Element) else []
            if isinstance(parent, skip) or "cell" in classes or "toctree-wrapper" in classes:
                inside = True
                break
            parent = parent.parent
        text = paragraph.astext().strip()
        if not inside and len(text) >= 40:
            return text
    return ""


def page_description(metadata: dict, doctree: Any, fallback: str) -> str:
    """A page's description: its front matter's ``nnbook: {description: ...}`` (or
    ``description:``), else its first paragraph, else ``fallback``; shortened."""
    ours = metadata.get("nnbook") or {}
    if isinstance(ours, str):  # MyST-NB keeps a text notebook's front matter as JSON text
        try:
            ours = json.loads(ours)
        except ValueError:
            ours = {}
    ours = ours if isinstance(ours, dict) else {}
    given = ours.get("description") or metadata.get("description")
    if given:
        return shorten(str(given))
    text = first_paragraph(doctree) if doctree is not None else ""
    return shorten(text or fallback)


def meta_description(text: str) -> str:
    return f'<meta name="description" content="{html.escape(text, quote=True)}">'


# --- robots.txt -----------------------------------------------------------------------------


def robots_txt(site: str) -> str:
    """robots.txt: everything may be crawled (pages that should not be listed say
    ``noindex`` themselves); where the sitemap is. Crawlers read it at a host's root only:
    a site served under a path needs the host's own robots.txt to name the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {site}sitemap.xml\n"


def write_robots(html_dir: Path, site: str) -> Path:
    path = html_dir / "robots.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(robots_txt(site), encoding="utf-8")
    return path


# --- the translators' and maintainers' pages -------------------------------------------------

FOR_MAINTAINERS = N_("This page is for the book's translators and maintainers.")
TO_THE_BOOK = N_("Go to the book")

# Colours for both schemes: the theme's choice (pydata-sphinx-theme keeps it in
# localStorage "mode": light, dark or auto) wins over the system's (prefers-color-scheme).
MAINTAINER_STYLE = """
  :root { color-scheme: light dark; --fg: #1a1a1a; --bg: #fff; --muted: #555; --line: #bbb;
          --link: #0a4db3; --ok: #e7f5e9; --warn: #fff4d6; --bad: #fde2e1; --note: #eef3fb;
          --executed: #a04000; --cached: #1f6f3f; }
  @media (prefers-color-scheme: dark) {
    :root:not([data-theme="light"]) { color-scheme: dark; --fg: #e6e6e6; --bg: #14181e;
      --muted: #b0b0b0; --line: #4a5260; --link: #8ab4ff; --ok: #1d3a26; --warn: #43391a;
      --bad: #4a2222; --note: #1c2533; --executed: #ffb27a; --cached: #8fd6a8; }
  }
  :root[data-theme="dark"] { color-scheme: dark; --fg: #e6e6e6; --bg: #14181e; --muted: #b0b0b0;
    --line: #4a5260; --link: #8ab4ff; --ok: #1d3a26; --warn: #43391a; --bad: #4a2222;
    --note: #1c2533; --executed: #ffb27a; --cached: #8fd6a8; }
  :root[data-theme="light"] { color-scheme: light; }
  body { color: var(--fg); background: var(--bg); }
  a { color: var(--link); }
  .audience { border: 1px solid var(--line); border-left: .3rem solid var(--link);
              background: var(--note); padding: .6rem .9rem; border-radius: .3rem; }
  .audience p { margin: .2rem 0; }
  .audience .other { color: var(--muted); font-size: .9rem; }
"""

# Runs before the page is drawn, so a reader who chose dark in the book never sees a flash.
MAINTAINER_SCRIPT = """<script>
try { var m = localStorage.getItem("mode");
      if (m === "light" || m === "dark") document.documentElement.dataset.theme = m; }
catch (e) {}
</script>"""


def maintainer_head(description: str) -> str:
    """What the head of a translators' page needs: description, noindex, colour scheme."""
    return (f"{meta_description(description)}\n{NOINDEX}\n"
            f"<style>{MAINTAINER_STYLE}</style>\n{MAINTAINER_SCRIPT}")


def maintainer_notice(landing: str = "index.html") -> str:
    """The note at the top of a translators' page: in English (the page's language), then
    in each of the book's languages, with a link to the book."""
    lines = [f'<p><strong>{html.escape(FOR_MAINTAINERS)}</strong> '
             f'<a href="{landing}">{html.escape(TO_THE_BOOK)}</a></p>']
    for lang in i18n.LANGUAGES:
        note = i18n.translate(lang, FOR_MAINTAINERS)
        link = i18n.translate(lang, TO_THE_BOOK)
        lines.append(f'<p class="other" lang="{lang}">{html.escape(note)} '
                     f'<a href="{landing}" hreflang="{lang}">{html.escape(link)}</a></p>')
    return '<div class="audience" role="note">\n' + "\n".join(lines) + "\n</div>"


# --- Sphinx ----------------------------------------------------------------------------------

# The landing page's blurb (nnbook.site.build): the description of pages without prose.
BOOK_BLURB = N_("From the first tensor to a network that draws new images. Every number "
                "and figure was computed while the book was built.")


def page_metadata(app: Any, pagename: str, templatename: str, context: dict,
                  doctree: Any) -> None:
    """``html-page-context``: a description; noindex where a page is no reading (the title
    that names the book once is in templates/layout.html)."""
    tags = context.get("metatags", "")
    if 'name="description"' not in tags:
        try:
            fallback = i18n.translate(app.config.language, BOOK_BLURB)
        except i18n.TranslationError:  # a language the book does not have: its title
            fallback = str(app.config.project or "")
        metadata = app.env.metadata.get(pagename, {}) if pagename in app.env.all_docs else {}
        text = page_description(metadata, doctree, fallback)
        if text:
            tags += "\n" + meta_description(text) + "\n"
    if pagename in NOINDEX_PAGES:
        tags += NOINDEX + "\n"
        context["pageurl"] = None  # no canonical link for a page that is not to be listed
    context["metatags"] = tags


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", page_metadata, priority=450)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


# --- the landing page ----------------------------------------------------------------------


def landing_head(site: str, langs: list[str], titles: list[str], names: list[str]) -> str:
    """The landing page's description (the book's title in each language, the languages'
    names), canonical link, and hreflang links: absolute, one per language index,
    x-default itself; the language indexes list the same set, so every link is answered."""
    description = shorten(" · ".join(titles) + " (" + ", ".join(names) + ")", 300)
    site = html.escape(site)
    links = [meta_description(description), f'<link rel="canonical" href="{site}">']
    links += [f'<link rel="alternate" hreflang="{lang}" href="{site}{lang}/index.html">'
              for lang in map(html.escape, langs)]
    links.append(f'<link rel="alternate" hreflang="x-default" href="{site}">')
    return "\n".join(links)
