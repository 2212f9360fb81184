"""The book as one PDF per language (issue #26), printed from the built pages by Chromium.

``write(lang)`` joins the chapters' articles (as the site shows them: typeset formulas,
figures, outputs) into one print document, ``_build/html/<lang>/print.html``, after a title
page and a table of contents whose entries link to the chapters, and prints it with the
Chromium the browser tests drive (Playwright, ``/usr/bin/chromium``) into
``_build/html/<lang>/nnbook-<lang>.pdf``, bookmarks from the headings, page numbers below.
Exercises stay; their folded solutions are left out (they are on the site). Ids get the
chapter's name in front, so a link inside the book still finds its target.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bs4 import BeautifulSoup

from nnbook import i18n
from nnbook.paths import REPO

CHROMIUM = "/usr/bin/chromium"
CONTENTS = i18n.N_("Contents")
DOWNLOAD = i18n.N_("The whole book as a PDF")
SUBTITLE = i18n.N_("Printed from the book’s pages, with everything they computed: {url}")

PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm; }
html, body { background: #fff !important; color: #222 !important; }
body { font-size: 10.5pt; max-width: none; margin: 0; padding: 0; }
.nnbook-pdf-title { height: 230mm; display: flex; flex-direction: column; justify-content: center; }
.nnbook-pdf-title h1 { font-size: 28pt; }
.nnbook-pdf-toc, .nnbook-pdf-chapter { break-before: page; }
.nnbook-pdf-toc ol { font-size: 12pt; line-height: 2; }
pre, .highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
img { max-width: 100% !important; height: auto; break-inside: avoid; }
.cell, figure, table { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
a { color: inherit; }
"""

# After a layout in print media: waits for the faces that layout asked for; the families of
# those that failed. (Faces no text uses stay unloaded: the theme declares more than it uses.)
FONTS_LOADED = """async () => {
  document.body.getBoundingClientRect();
  await document.fonts.ready;
  return [...document.fonts].filter(face => face.status === "error").map(face => face.family);
}"""


def file_name(lang: str) -> str:
    return f"nnbook-{lang}.pdf"


def _prefix_ids(article, stem: str, chapters: set[str]) -> None:
    """Ids unique across the book (``stem--id``); links inside it point at the new ids."""
    for element in article.select("[id]"):
        element["id"] = f"{stem}--{element['id']}"
    for element in article.select("[aria-describedby]"):
        element["aria-describedby"] = f"{stem}--{element['aria-describedby']}"
    for link in article.select("a[href]"):
        target, _, fragment = link["href"].partition("#")
        page = target[:-5] if target.endswith(".html") else target
        if not target and fragment:
            link["href"] = f"#{stem}--{fragment}"
        elif page in chapters:
            link["href"] = f"#{page}--{fragment}" if fragment else f"#ch-{page}"


def chapter_article(path: Path, stem: str, chapters: set[str], site: str) -> str:
    """A built chapter's article for print: no solutions, feedback links, tooltips or link
    marks; other pages of the site linked by their address."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    article = soup.find("article")
    for junk in article.select("div.tag_solution, a.nnbook-feedback, .nnbook-term-tip, "
                               "a.headerlink, script"):
        junk.decompose()
    for image in article.select("img[loading]"):
        del image["loading"]  # a lazy image below the first screen would print blank
    for link in article.select("a[href]"):  # the site's other files: by their address
        target = link["href"].partition("#")[0]
        if target and ":" not in target and target.removesuffix(".html") not in chapters:
            link["href"] = f"{site}{path.parent.name}/{link['href']}"
    _prefix_ids(article, stem, chapters)
    return article.decode_contents()


def print_document(lang: str, folder: Path, chapters: list[tuple[str, str]], title: str,
                   site: str) -> str:
    """The print document of one language: title page, contents, the chapters."""
    first = (folder / f"{chapters[0][0]}.html").read_text(encoding="utf-8")
    styles = "\n".join(re.findall(r'<link rel="stylesheet"[^>]*>', first))
    names = {stem for stem, _ in chapters}
    items = "".join(f'<li><a href="#ch-{stem}">{html.escape(name)}</a></li>'
                    for stem, name in chapters)
    parts = [
        f'<section class="nnbook-pdf-title"><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(i18n.LANGUAGE_NAMES[lang])}</p><p>"
        f"{html.escape(i18n.translate(lang, SUBTITLE).format(url=f'{site}{lang}/'))}</p>"
        "</section>",
        f'<nav class="nnbook-pdf-toc"><h1>{html.escape(i18n.translate(lang, CONTENTS))}</h1>'
        f"<ol>{items}</ol></nav>",
    ]
    for stem, _ in chapters:
        article = chapter_article(folder / f"{stem}.html", stem, names, site)
        parts.append(f'<section class="nnbook-pdf-chapter" id="ch-{stem}">{article}</section>')
    return (f'<!DOCTYPE html>\n<html lang="{lang}" data-theme="light" data-mode="light">'
            f'<head><meta charset="utf-8"><title>{html.escape(title)}</title>{styles}'
            f"<style>{PRINT_CSS}</style></head><body>{''.join(parts)}</body></html>\n")


def inputs_digest(lang: str, folder: Path, chapters: list[tuple[str, str]], title: str,
                  site: str) -> str:
    """What decides the PDF's bytes, read without building the print document: the chapters'
    pages and the site's files they name (figures; the stylesheet bundle, whose name is its
    contents' digest), the title page's words, the date the PDF records and this module."""
    words = (lang, chapters, title, site, i18n.LANGUAGE_NAMES[lang],
             i18n.translate(lang, CONTENTS), i18n.translate(lang, SUBTITLE))
    digest = hashlib.sha256(repr(words).encode() + source_date().isoformat().encode())
    digest.update(Path(__file__).read_bytes())
    for stem, _ in chapters:
        page = (folder / f"{stem}.html").read_bytes()
        digest.update(page)
        for name in sorted(set(re.findall(rb'(?:src|href)="(_[^"#?]+)"', page))):
            path = folder / name.decode()
            digest.update(name + (path.read_bytes() if path.is_file() else b"missing"))
    return digest.hexdigest()


def write(lang: str, folder: Path, chapters: list[tuple[str, str]], title: str,
          site: str, record: Path | None = None) -> Path:
    """Print one language's book into ``folder`` (its built pages); returns the PDF's path.
    With ``record`` (a file outside the site, which a build replaces): the last print is kept
    beside it (``<record>.pdf``) and copied in when what decides the PDF's bytes
    (``inputs_digest``) is what the record says it was."""
    from playwright.sync_api import sync_playwright

    target = folder / file_name(lang)
    digest = inputs_digest(lang, folder, chapters, title, site)
    kept = record.with_suffix(".pdf") if record else None
    if record and record.is_file() and kept.is_file() and record.read_text() == digest:
        shutil.copy2(kept, target)
        return target
    source = folder / "print.html"
    source.write_text(print_document(lang, folder, chapters, title, site), encoding="utf-8")
    footer = ('<div style="font-size:8pt;width:100%;text-align:center;color:#555">'
              '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.goto(source.as_uri(), wait_until="load")
            page.wait_for_function("[...document.images].every(i => i.complete)")
            broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth)"
                                   ".map(i => i.getAttribute('src'))")
            if broken:
                raise RuntimeError(f"{source}: images that do not load: {broken[:5]}")
            # Chromium prints with whatever fonts have arrived by then, and the print layout
            # can ask for faces the screen's did not.
            page.emulate_media(media="print")
            failed = page.evaluate(FONTS_LOADED)
            if failed:
                raise RuntimeError(f"{source}: fonts that do not load: {failed[:5]}")
            page.pdf(path=str(target), format="A4", print_background=False, outline=True,
                     tagged=True, display_header_footer=True,
                     header_template="<span></span>", footer_template=footer)
        finally:
            browser.close()
    source.unlink()
    fix_dates(target)
    if record:
        record.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, kept)
        record.write_text(digest)
    return target


def source_date() -> datetime:
    """The date a PDF records: ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), else
    the commit's, so that the same commit prints the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO,
                              capture_output=True, text=True)
        epoch = done.stdout.strip() if done.returncode == 0 else "0"
    return datetime.fromtimestamp(int(epoch or 0), tz=UTC)


def fix_dates(path: Path) -> None:
    """Chromium writes the time of printing as the PDF's dates: the source's date instead,
    written over them in place (the same length, so every offset of the file still holds)."""
    stamp = source_date().strftime("D:%Y%m%d%H%M%S+00'00'").encode()
    data = re.sub(rb"(/(?:CreationDate|ModDate) \()D:\d{14}\+00'00'(\))",
                  lambda m: m.group(1) + stamp + m.group(2), path.read_bytes())
    path.write_bytes(data)
