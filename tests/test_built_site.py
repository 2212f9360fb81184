"""The built site (build stage, after `make build`): every page of every language executed,
every figure present, no error output anywhere, numbers in the page's locale."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from nnbook import i18n

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build"))
CHAPTERS = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]
PAGES = [(lang, chapter) for lang in i18n.LANGUAGES for chapter in CHAPTERS]
# Words that must never appear in a page's output streams.
# A progress bar ("12.3it/s]") belongs on the build's console, never on a page.
BAD_OUTPUT = re.compile(r"Traceback|Error|Warning|missing from font|it/s\]|s/it\]",
                        re.IGNORECASE)

pytestmark = pytest.mark.build


def html_page(lang: str, page: str) -> Path:
    path = BUILD / "html" / lang / f"{page}.html"
    assert path.is_file(), f"{path} missing: run `make build` first"
    return path


def executed_notebook(lang: str, page: str) -> dict:
    path = BUILD / "lang" / lang / "_build" / "jupyter_execute" / f"{page}.ipynb"
    assert path.is_file(), f"{path} missing: the page was not executed"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_every_code_cell_ran_without_error_output(lang, page):
    cells = [c for c in executed_notebook(lang, page)["cells"] if c["cell_type"] == "code"]
    assert cells, f"book/{lang}/{page}.md has no code cells"
    for number, cell in enumerate(cells, 1):
        where = f"book/{lang}/{page}.md, code cell {number}"
        if "skip-execution" in cell["metadata"].get("tags", []):  # an exercise, the reader's
            assert not cell.get("outputs"), f"{where}: an exercise's cell has outputs"
            continue
        assert cell.get("execution_count"), f"{where} was not executed"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{where}: {out.get('ename')}"
            if out["output_type"] == "stream" and out["name"] == "stderr":
                text = "".join(out["text"])
                assert not BAD_OUTPUT.search(text), f"{where} wrote to stderr: {text[:500]}"


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_each_cells_printed_text_is_one_output_per_stream(lang, page):
    """The notebook a reader downloads holds what the page shows: no pieces, none repeated.

    The kernel sends printed text in pieces cut by timing; MyST-NB's merge left them in the
    saved notebook with the first one grown, so the last lines came out twice.
    """
    cells = [c for c in executed_notebook(lang, page)["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells, 1):
        names = [o["name"] for o in cell.get("outputs", []) if o["output_type"] == "stream"]
        assert len(names) == len(set(names)), (
            f"book/{lang}/{page}.md, code cell {number}: printed text in pieces {names}")


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_page_has_its_language_and_all_its_images(lang, page):
    path = html_page(lang, page)
    text = path.read_text(encoding="utf-8")
    assert re.search(rf'<html[^>]*\blang="{lang}"', text), f"{path}: wrong <html lang>"
    images = re.findall(r'<img[^>]+src="([^"]+)"', text)
    for src in images:
        if src.startswith(("http:", "https:", "data:")):
            continue
        assert (path.parent / src.split("#")[0]).is_file(), f"{path}: image {src} missing"
    if page[:2].isdigit():  # a chapter; the page on running them shows no code (run-it-yourself)
        assert "cell_output" in text, f"{path}: no executed output rendered"
    assert 'class="pasted-text"></span>' not in text, f"{path}: an empty glued value"


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_every_displayed_output_has_a_type_the_page_shows(lang, page):
    """Pages show outputs as text, PNG or JPEG only (nnbook.site.outputs): nothing the book
    displays is dropped for it (glue's records are MyST-NB's, not the page's)."""
    from nnbook.site.outputs import SHOWN

    cells = [c for c in executed_notebook(lang, page)["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(cells, 1):
        for out in cell.get("outputs", []):
            data = set(out.get("data", {}))
            if data and not all(m.startswith("application/papermill.record/") for m in data):
                assert data & set(SHOWN), f"book/{lang}/{page}.md, code cell {number}: {data}"


@pytest.mark.parametrize(("lang", "page"), [(lang, "index") for lang in i18n.LANGUAGES] + PAGES)
def test_the_footer_names_both_licences_in_the_pages_language(lang, page):
    text = html_page(lang, page).read_text(encoding="utf-8")
    footer = re.search(r'<p class="nnbook-licence">(.*?)</p>', text, re.S)
    assert footer, f"{lang}/{page}.html: no licence in the footer"
    links = dict(re.findall(r'<a href="([^"]+)" rel="license">([^<]+)</a>', footer.group(1)))
    code = links.get("https://opensource.org/license/mit", "")
    text = links.get("https://creativecommons.org/licenses/by/4.0/", "")
    assert "MIT" in code and code != "Code: MIT licence", (lang, page, links)  # translated
    assert "CC BY 4.0" in text and text != "Text and figures: CC BY 4.0", (lang, page, links)


def test_every_figure_of_chapter_1_is_on_the_page():
    for lang in i18n.LANGUAGES:
        nb = executed_notebook(lang, "01-tensors")
        figures = sum("image/png" in out.get("data", {})
                      for c in nb["cells"] if c["cell_type"] == "code" for out in c["outputs"])
        html = html_page(lang, "01-tensors").read_text(encoding="utf-8")
        assert figures >= 1 and len(re.findall(r"<img[^>]+\.png", html)) >= figures


@pytest.mark.parametrize(("lang", "separator"), [("da", ","), ("sv", ","), ("nl", ","),
                                                 ("ko", ".")])
def test_glued_numbers_use_the_locale_decimal_separator(lang, separator):
    text = html_page(lang, "01-tensors").read_text(encoding="utf-8")
    numbers = re.findall(r'class="pasted-text">([^<]+)<', text)
    decimals = [n for n in numbers if re.fullmatch(r"-?\d+[.,]\d+", n)]
    assert decimals, f"no glued decimal number on {lang}/01-tensors"
    assert all(separator in n for n in decimals), decimals


def test_landing_page_offers_every_language():
    text = (BUILD / "html" / "index.html").read_text(encoding="utf-8")
    for lang in i18n.LANGUAGES:
        assert f'href="{lang}/index.html"' in text
        assert (BUILD / "html" / lang / "index.html").is_file()


# --- what readers' browsers and search engines read (#17: math, metadata) ------------------

SITE = BUILD / "html"
MATH_IN_SOURCE = re.compile(r"\$[^$\n`]+\$")  # a formula in prose ($...$ or $$...$$)


def site_address() -> str:
    from nnbook.site.build import site_url

    return site_url()


def book_pages(lang: str) -> list[str]:
    return ["index", *CHAPTERS, "search", "genindex"]


def meta_content(text: str, name: str) -> list[str]:
    from html import unescape

    return [unescape(m) for m in re.findall(rf'<meta name="{name}" content="([^"]*)"', text)]


# A glossary term's tooltip (nnbook.site.glossary): the term in the other languages.
TERM_TIP = re.compile(r'<span class="nnbook-term-tip"[^>]*>(?:<span[^>]*>[^<]*</span>|[^<])*'
                      r"</span>")


def visible_text(text: str) -> str:
    """The page's text without its head, scripts, styles and KaTeX's MathML (which keeps the
    TeX source as an annotation for screen readers and copying)."""
    from html import unescape

    body = text.split("<body", 1)[-1]
    body = re.sub(r"<(script|style|annotation)\b.*?</\1>", "", body, flags=re.DOTALL)
    body = TERM_TIP.sub("", body)  # shown on hover or focus only
    return unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_page_has_a_description_in_its_language(lang):
    from nnbook.site import meta

    for page in book_pages(lang):
        text = html_page(lang, page).read_text(encoding="utf-8")
        found = meta_content(text, "description")
        assert len(found) == 1, f"{lang}/{page}.html: {len(found)} descriptions"
        description = found[0]
        assert 40 <= len(description) <= meta.DESCRIPTION_LIMIT, (lang, page, description)
        if page in ("search", "genindex"):
            assert description == i18n.translate(lang, meta.BOOK_BLURB)
        else:  # the page's own prose (its first paragraph), so in its language
            def letters(s: str) -> str:
                return re.sub(r"\W+", "", s)

            assert letters(description)[:40] in letters(visible_text(text)), (lang, page)
        if lang == "ko":
            assert re.search(r"[\uac00-\ud7a3]", description), description
    for page in ("index.html", "status.html", "execution-report.html"):
        assert meta_content((SITE / page).read_text(encoding="utf-8"), "description"), page


def test_landing_page_has_a_canonical_link_and_absolute_hreflang_with_x_default():
    site = site_address()
    text = (SITE / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{site}">' in text
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', text))
    assert alternates == {**{lang: f"{site}{lang}/index.html" for lang in i18n.LANGUAGES},
                          "x-default": site}


def _alternates(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', text))


def test_every_hreflang_link_is_answered_by_the_page_it_names():
    """Each page an alternate (x-default included) names lists the same set back."""
    site = site_address()
    pages = [SITE / "index.html"] + [html_page(lang, p) for lang in i18n.LANGUAGES
                                     for p in ["index", *CHAPTERS]]
    for path in pages:
        links = _alternates(path)
        assert "x-default" in links, f"{path}: no x-default"
        for hreflang, href in links.items():
            assert href.startswith(site), f"{path}: {hreflang} -> {href} is not absolute"
            target = SITE / (href.removeprefix(site) or "index.html")
            assert target.is_file(), f"{path}: {hreflang} -> {href}: no such page"
            assert _alternates(target) == links, f"{path}: {href} does not answer {hreflang}"


def test_robots_txt_names_the_sitemap_and_the_sitemaps_x_default_match_the_pages():
    site = site_address()
    assert f"Sitemap: {site}sitemap.xml" in (SITE / "robots.txt").read_text(encoding="utf-8")
    sitemap = (SITE / "sitemap.xml").read_text(encoding="utf-8")
    for url in re.findall(r"<url>.*?</url>", sitemap, flags=re.DOTALL):
        loc = re.search(r"<loc>([^<]+)</loc>", url).group(1)
        listed = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', url))
        page = SITE / (loc.removeprefix(site) or "index.html")
        assert listed == _alternates(page), f"sitemap and {page} differ for {loc}"


def test_search_and_index_pages_are_noindex_and_reading_pages_are_not():
    for lang in i18n.LANGUAGES:
        for page in ("search", "genindex"):
            text = html_page(lang, page).read_text(encoding="utf-8")
            assert meta_content(text, "robots") == ["noindex"], f"{lang}/{page}"
            assert 'rel="canonical"' not in text, f"{lang}/{page}: canonical and noindex"
        for page in ["index", *CHAPTERS]:
            text = html_page(lang, page).read_text(encoding="utf-8")
            assert not meta_content(text, "robots"), f"{lang}/{page} must be indexable"
    for page in ("status.html", "execution-report.html"):  # for translators, not readers
        assert meta_content((SITE / page).read_text(encoding="utf-8"), "robots") == ["noindex"]


def test_no_title_names_the_book_twice():
    from html import unescape

    for lang in i18n.LANGUAGES:
        book = i18n.translate(lang, "Neural networks in PyTorch")
        for page in book_pages(lang):
            text = html_page(lang, page).read_text(encoding="utf-8")
            title = unescape(re.search(r"<title>(.*?)</title>", text, re.DOTALL).group(1))
            assert title.count(book) == 1, f"{lang}/{page}.html: {title!r}"


@pytest.mark.parametrize(("lang", "page"), PAGES)
def test_formulas_are_typeset_in_the_html_with_the_sites_own_stylesheet(lang, page):
    source = (REPO / "book" / lang / f"{page}.md").read_text(encoding="utf-8")
    path = html_page(lang, page)
    text = path.read_text(encoding="utf-8")
    shown = visible_text(text)
    assert "\\(" not in shown and "\\[" not in shown, f"{path}: raw LaTeX left"
    assert not re.search(r"<script[^>]+src=\"https?://", text), f"{path}: a script elsewhere"
    if not MATH_IN_SOURCE.search(source):
        return
    assert text.count('class="katex"') >= 1 and "nnbook-math-error" not in text, path
    # linked itself, or inside the page's one stylesheet bundle (nnbook.site.figures)
    css = re.search(r'href="(_static/katex/katex\.css)[^"]*"', text)
    bundle = re.search(r'href="(_static/nnbook-[0-9a-f]+\.css)"[^>]*data-nnbook-css="([^"]*)"',
                       text)
    assert css or (bundle and "katex/katex.css" in bundle.group(2).split()), (
        f"{path}: KaTeX's stylesheet not linked")
    stylesheet = path.parent / (css or bundle).group(1)
    for font in re.findall(r"url\(([^)]+)\)", stylesheet.read_text(encoding="utf-8")):
        font = font.strip("'\"")
        if "katex" in font and not font.startswith("data:"):
            assert (stylesheet.parent / font).is_file(), f"{stylesheet}: {font} missing"


def test_a_page_shows_the_stale_notice_exactly_when_status_finds_it_stale():
    """nnbook.site.freshness: a translation whose origin changed says so at its top; with
    ``status`` reporting 0 stale (the book as committed), no page shows a notice."""
    from nnbook.site import status

    stale = {(e.lang, e.chapter.removesuffix(".md"))
             for e in status.entries(status.book_dir()) if e.stale}
    for lang in i18n.LANGUAGES:
        for path in sorted((BUILD / "html" / lang).glob("*.html")):
            shown = 'class="nnbook-stale"' in path.read_text(encoding="utf-8")
            assert shown == ((lang, path.stem) in stale), (
                f"{lang}/{path.name}: notice {'shown' if shown else 'missing'}; "
                f"status finds stale: {sorted(stale)}")


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_the_glossary_page_and_each_chapters_term_links(lang):
    """Each language's glossary lists every term; each chapter links a term's first use to an
    entry that exists, with its tooltip named by aria-describedby."""
    from nnbook.site import glossary

    page = (SITE / lang / "glossary.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}"' in page
    entries = set(re.findall(r'<tr id="(term-[\w-]+)">', page))
    assert entries == {glossary.anchor(t) for t in glossary.load()}
    for chapter in [c for c in CHAPTERS if c[:2].isdigit()]:
        html = (SITE / lang / f"{chapter}.html").read_text(encoding="utf-8")
        links = re.findall(r'<a class="reference internal" href="glossary.html#(term-[\w-]+)" '
                           r'aria-describedby="([\w-]+)">', html)
        assert links, f"{lang}/{chapter}: no term links to the glossary"
        assert 'href="glossary.html">' in html, "no link to the glossary under the chapter list"
        assert len({a for a, _ in links}) == len(links), f"{lang}/{chapter}: a term linked twice"
        for target, tip in links:
            assert target in entries and f'id="{tip}"' in html, (lang, chapter, target)


def _letters(text: str) -> str:
    """Letters and digits only, ligatures undone (a PDF's text has "ﬀ" for "ff")."""
    import unicodedata

    return re.sub(r"\W+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_the_books_pdf_has_every_chapter_its_numbers_and_embedded_fonts(lang):
    """The PDF printed from the pages (nnbook.site.pdf): each chapter's title and a number it
    glued into its prose, in text a reader can search; every font embedded; linked from the
    landing page."""
    from pypdf import PdfReader

    from nnbook.site import pdf
    from nnbook.site.notebooks import glued_values

    reader = PdfReader(SITE / lang / pdf.file_name(lang))
    text = _letters("".join(page.extract_text() for page in reader.pages))
    for chapter in [c for c in CHAPTERS if c[:2].isdigit()]:
        source = (REPO / "book" / lang / f"{chapter}.md").read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", source, re.M).group(1)
        assert _letters(title) in text, f"{lang}: the PDF lacks {title!r}"
        glue = BUILD / "lang" / lang / "_build" / "jupyter_execute" / f"{chapter}.glue.json"
        numbers = [v for v in glued_values(glue).values() if re.search(r"\d[.,]\d", v)]
        assert any(_letters(v) in text for v in numbers), f"{lang}/{chapter}: no glued number"
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":  # glyphs drawn by the PDF itself: embedded
                continue
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font \
                else font
            descriptor = described.get("/FontDescriptor")
            fonts[str(font["/BaseFont"])] = bool(descriptor) and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), f"fonts not embedded: {fonts}"
    if lang == "ko":
        assert re.search(r"[\uac00-\ud7a3]", text), "no Hangul in the Korean PDF"
    landing = (SITE / "index.html").read_text(encoding="utf-8")
    assert f'href="{lang}/{pdf.file_name(lang)}"' in landing
