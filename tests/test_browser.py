"""The built site in a real browser (Debian's Chromium driven by Playwright).

Serves ``$NNBOOK_BUILD/html`` (default ``_build/html``) on 127.0.0.1 and checks: every page
of every language loads without console errors, broken images or broken internal links;
the theme's words are in the page's language; the language switcher leads to the same
chapter in each other language; search finds a chapter by a word only it contains, in
each language (Korean too); no serious or critical axe-core violations; every control a reader
uses (chapter list, page contents, search, language switcher, theme switch, download menu and
Colab), at 390, 800 and 1366 px, by touch and by keyboard, does what it is for (chapter 1 and
another chapter of each language, and the next language's chapter 1, must be built).
Screenshots of chapter 1 in each language go to ``$NNBOOK_BUILD/screenshots/``.

The pages to check come from the sources (``_toc.yml``, ``book/<lang>/``), never from what
happens to be built, so a page missing from the build fails instead of being left out.

Run: ``.venv/bin/python -m pytest -m browser`` (after a build).
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
import yaml

from nnbook import i18n

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build"))
SITE = BUILD / "html"
LANGS = list(i18n.LANGUAGES)
TOC = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
CHAPTERS = [entry["file"] for entry in TOC["chapters"]]  # the same in every language
CHAPTER = "01-tensors"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
# The theme's English words that must not be left in a page's chrome (text or attributes).
ENGLISH_CHROME = [
    "Skip to main content", "Back to top", "Search this book", "Toggle primary sidebar",
    "Toggle secondary sidebar", "Site navigation", "Color mode", "System Settings",
    "previous page", "next page", "Link to this heading", "On this page", "Download this page",
    "Download source file", "Download notebook file", "Print to PDF", "Fullscreen mode",
    "Version warning", "Copy to clipboard", "Contents", "By nnbook", "Copyright",
    "Open in Colab", "Open the figure at full size",
]

pytestmark = pytest.mark.browser


def source_pages(lang: str) -> list[str]:
    """The pages of one language the sources promise: the toc's root and chapters, every
    page in book/<lang>/, and Sphinx's search page."""
    stems = {TOC["root"], *CHAPTERS, *(p.stem for p in (REPO / "book" / lang).glob("*.md"))}
    return [f"{lang}/{stem}.html" for stem in sorted(stems)] + [f"{lang}/search.html"]


# Every page the site must have (from the sources), then any other page the build made
# (genindex.html...): a missing page fails, an extra one is checked too.
REQUIRED_PAGES = ["index.html", "status.html"] + [p for lang in LANGS for p in source_pages(lang)]
EXTRA_PAGES = sorted(
    f"{lang}/{p.name}" for lang in LANGS for p in (SITE / lang).glob("*.html")
    if f"{lang}/{p.name}" not in REQUIRED_PAGES)
SITE_PAGES = REQUIRED_PAGES + EXTRA_PAGES


def built(rel: str) -> Path:
    """The built file of a page the sources promise; fails when the build lacks it."""
    path = SITE / rel
    assert path.is_file(), f"{path} missing: the build did not make {rel} (make build)"
    return path


def source_title(lang: str, chapter: str) -> str:
    """The chapter's title as written in book/<lang>/<chapter>.md (its first # heading)."""
    text = (REPO / "book" / lang / f"{chapter}.md").read_text(encoding="utf-8")
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


@pytest.fixture(scope="module")
def base_url():
    """A static server over the built site on a free port of 127.0.0.1."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE}/index.html missing: build the site first (make build)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    handler = functools.partial(Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Offline: anything from another host is refused at once (the site needs none).
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)  # a bound on a failure, on a loaded 2-core machine
    yield page
    context.close()


class _Targets(HTMLParser):
    """Links, images and element ids of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "source") and a.get("src"):
            self.images.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon"):
            self.links.append(a["href"])
        if tag == "script" and a.get("src"):
            self.links.append(a["src"])


@functools.cache
def parsed(path: Path) -> _Targets:
    targets = _Targets()
    targets.feed(path.read_text(encoding="utf-8"))
    return targets


def broken_targets(rel: str) -> list[str]:
    """Internal links/images of one page whose file (or #anchor) does not exist."""
    here = SITE / rel
    targets = parsed(here)
    broken = []
    for href in targets.links + targets.images:
        url = urlparse(href)
        if url.scheme or url.netloc or href.startswith(("mailto:", "javascript:", "data:")):
            continue  # external: not checked
        path, fragment = urldefrag(href)
        target = (here.parent / unquote(urlparse(path).path)).resolve() if path else here
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or SITE.resolve() not in target.parents:
            broken.append(f"{rel}: {href} (no file)")
        elif fragment and target.suffix == ".html" and unquote(fragment) not in parsed(target).ids:
            broken.append(f"{rel}: {href} (no #{fragment})")
    return broken


# The theme's chrome: text and labels outside the article, after the theme's scripts ran.
CHROME_TEXT = """() => {
    const out = [];
    const walk = (el) => {
      if (el.matches('article, script, style, .bd-article')) return;
      for (const a of ['aria-label', 'title', 'placeholder', 'data-bs-title',
                       'data-tooltip', 'alt'])
        if (el.getAttribute(a)) out.push(el.getAttribute(a));
      for (const n of el.childNodes) {
        if (n.nodeType === 3 && n.textContent.trim()) out.push(n.textContent.trim());
        if (n.nodeType === 1) walk(n);
      }
    };
    walk(document.body);
    document.querySelectorAll('article [title], article [data-tooltip]').forEach(
      el => out.push(el.getAttribute('title') || el.getAttribute('data-tooltip')));
    return out.join('\\n');
}"""


# The formulas of the article as typeset by KaTeX, once its fonts are ready.
MATH_STATE = """async () => {
    await document.fonts.ready;
    const maths = [...document.querySelectorAll('article .math')];
    return {
      maths: maths.length,
      typeset: maths.filter(m => m.querySelector('.katex .katex-html')).length,
      text: document.body.innerText,
      fonts: [...document.fonts].filter(f => f.family.startsWith('KaTeX'))
               .map(f => f.family + ':' + f.status),
    };
}"""


@dataclass(frozen=True)
class Visit:
    """What one load of a page at 1280 px showed."""

    errors: list[str]  # console and page errors, failed requests, HTTP errors (this site's)
    broken_images: list[str]  # this site's images that did not load
    lang: str  # <html lang>
    chrome: str  # CHROME_TEXT
    maths: dict  # MATH_STATE
    elsewhere: list[str]  # what the page asked of other hosts (refused: the site needs none)


@pytest.fixture(scope="module")
def visit(browser, base_url):
    """``visit(rel)`` -> Visit: each page is loaded once for every test that reads these facts
    (a load is most of such a test's time)."""
    internal = base_url.rstrip("/")

    @functools.cache
    def load(rel: str) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        elsewhere: list[str] = []

        def cut(route):  # offline: a math renderer or font from a CDN would fail here
            if route.request.url.startswith(base_url):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        context.route("**/*", cut)
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []

        def on_console(message):
            source = (message.location or {}).get("url", "")
            external_load = "Failed to load resource" in message.text and not source.startswith(
                internal)
            if message.type == "error" and not external_load:
                errors.append(f"console error: {message.text} ({source})")

        page.on("console", on_console)
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}")
                if r.url.startswith(internal) else None)
        page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 and r.url.startswith(base_url) else None)
        try:
            page.goto(base_url + rel, wait_until="load")
            page.wait_for_load_state("networkidle")
            # figures load lazily, near the screen: ask for every one before checking them
            page.evaluate("""() => Promise.all(Array.from(document.images, img => {
                img.loading = 'eager';
                return img.decode().catch(() => null);
            }))""")
            broken_images = page.evaluate(
                """() => Array.from(document.images)
                      .filter(img => img.src.startsWith(location.origin))
                      .filter(img => !img.complete || img.naturalWidth === 0)
                      .map(img => img.src)""")
            return Visit(list(errors), broken_images,
                         page.evaluate("document.documentElement.lang"),
                         page.evaluate(CHROME_TEXT), page.evaluate(MATH_STATE), list(elsewhere))
        finally:
            context.close()

    return load


@pytest.mark.parametrize("rel", SITE_PAGES)
def test_page_loads_without_errors_broken_links_or_images(visit, rel):
    built(rel)
    seen = visit(rel)
    assert not seen.errors, "\n".join(seen.errors)
    assert not seen.broken_images, f"{rel}: broken images {seen.broken_images}"
    assert not broken_targets(rel), "\n".join(broken_targets(rel))
    lang = rel.split("/")[0] if "/" in rel else None
    if lang:
        assert seen.lang == lang


@pytest.mark.parametrize("rel", [p for p in SITE_PAGES if "/" in p])
def test_theme_words_are_in_the_page_language(visit, rel):
    built(rel)
    chrome = visit(rel).chrome
    left = [w for w in ENGLISH_CHROME if w.lower() in chrome.lower()]
    assert not left, f"{rel}: English theme words left: {left}"


@pytest.mark.parametrize("lang", LANGS)
def test_switcher_leads_to_the_same_chapter_in_every_language(page, base_url, lang):
    others = [other for other in LANGS if other != lang]
    for i, chapter in enumerate(CHAPTERS):
        built(f"{lang}/{chapter}.html")
        page.goto(f"{base_url}{lang}/{chapter}.html")
        switcher = page.locator("nav.nnbook-languages")
        assert switcher.get_attribute("aria-label"), "the switcher needs a label"
        for other in others:  # every link, where the browser resolves it to
            built(f"{other}/{chapter}.html")
            link = switcher.locator(f'a[hreflang="{other}"]')
            assert link.get_attribute("lang") == other
            assert link.evaluate("a => a.href") == f"{base_url}{other}/{chapter}.html"
        home = switcher.locator("a.nnbook-languages__all").evaluate("a => a.href")
        assert home in (base_url, base_url + "index.html")
        # and one click per chapter, each other language in turn: the link is followed
        other = others[i % len(others)]
        switcher.locator(f'a[hreflang="{other}"]').click()
        page.wait_for_load_state("load")
        assert page.url == f"{base_url}{other}/{chapter}.html"
        assert page.evaluate("document.documentElement.lang") == other
    page.goto(f"{base_url}{lang}/{CHAPTER}.html")
    page.locator("nav.nnbook-languages a.nnbook-languages__all").click()
    page.wait_for_load_state("load")
    assert page.url in (base_url, base_url + "index.html")


def page_words(path: Path) -> Counter:
    """Words of a page's article text, lower-cased (what search indexes)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r'<article class="bd-article".*?</article>', text, re.S)
    body = re.sub(r"<[^>]+>", " ", match.group(0) if match else "")
    body = re.sub(r"&\w+;", " ", body)
    return Counter(w.lower() for w in re.findall(r"[^\W\d_]{4,}", body))


def unique_word(lang: str, chapter: str) -> str:
    """The most frequent word of a chapter that no other page of its language contains."""
    others: set[str] = set()
    for p in (SITE / lang).glob("*.html"):
        if p.stem not in (chapter, "search", "genindex"):
            others |= set(page_words(p))
    words = page_words(SITE / lang / f"{chapter}.html")
    # In Korean, a Korean word (not a code name written in Latin letters).
    candidates = [(n, w) for w, n in words.items()
                  if w not in others and (lang != "ko" or not w.isascii())]
    assert candidates, f"no word only {lang}/{chapter} has"
    return max(candidates)[1]


def search_results(page, base_url: str, lang: str, query: str) -> list[str]:
    """The result links of the built-in search page for a query."""
    page.goto(f"{base_url}{lang}/search.html?q={query}")
    page.wait_for_selector("#search-results p.search-summary", state="attached")
    page.wait_for_function(
        "() => !document.querySelector('#search-results h2')?.textContent.includes('…')"
        " && document.querySelector('#search-results p.search-summary').textContent.trim()"
    )
    return page.eval_on_selector_all("#search-results ul.search li a",
                                     "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("lang", LANGS)
def test_search_finds_the_chapter_by_a_word_only_it_contains(page, base_url, lang):
    for chapter in CHAPTERS:
        built(f"{lang}/{chapter}.html")
        word = unique_word(lang, chapter)
        hits = search_results(page, base_url, lang, word)
        assert any(h.split("#")[0].split("?")[0].endswith(f"{chapter}.html") for h in hits), (
            f"{lang}: searching {word!r} did not find {chapter} (results {hits})"
        )


def test_korean_search_finds_a_noun_written_with_a_particle(page, base_url):
    """"텐서" must find chapter 1, where it is written as 텐서를, 텐서의, 텐서가..."""
    from nnbook.site.sphinx import strip_korean_particle

    words = page_words(built(f"ko/{CHAPTER}.html"))
    # a noun that appears only with a particle attached (never bare) in the chapter
    bare = {strip_korean_particle(w) for w in words if strip_korean_particle(w) != w}
    nouns = sorted((w for w in bare if w not in words and len(w) >= 2), key=len, reverse=True)
    assert nouns, "chapter 1 in Korean has no noun with a particle"
    hits = search_results(page, base_url, "ko", nouns[0])
    assert any(CHAPTER in h for h in hits), f"searching {nouns[0]!r} found {hits}"


AXE_PAGES = ["index.html", "status.html"] + [
    f"{lang}/{p}" for lang in LANGS for p in ("index.html", f"{CHAPTER}.html", "search.html")
]


@pytest.mark.parametrize("rel", AXE_PAGES)
def test_no_serious_accessibility_violations(page, base_url, rel):
    from axe_playwright_python.sync_playwright import Axe

    built(rel)
    page.goto(base_url + rel)
    page.wait_for_load_state("networkidle")
    violations = Axe().run(page).response["violations"]
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                    for n in v["nodes"][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{rel}:\n" + "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_screenshot_of_chapter_1(page, base_url, lang):
    """The first screen of chapter 1 shows its title and is not blank (saved for review)."""
    from PIL import Image, ImageStat

    built(f"{lang}/{CHAPTER}.html")
    target = BUILD / "screenshots" / f"{CHAPTER}-{lang}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base_url}{lang}/{CHAPTER}.html")
    page.wait_for_load_state("networkidle")
    heading = page.locator("article h1").first
    assert heading.is_visible(), f"{lang}: chapter 1's title is not visible"
    assert source_title(lang, CHAPTER) in heading.inner_text()
    # where the title's text itself is drawn (not the whole heading block, not its # link)
    box = page.evaluate("""() => {
        const h1 = document.querySelector('article h1');
        const text = [...h1.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
        const range = document.createRange();
        range.selectNodeContents(text || h1);
        const r = range.getBoundingClientRect();
        return {x: r.x, y: r.y, width: r.width, height: r.height};
    }""")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert box["width"] > 50 and box["height"] > 10, box
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, "the title is below the fold"
    page.screenshot(path=str(target))
    shot = Image.open(io.BytesIO(target.read_bytes())).convert("L")
    assert shot.size == (width, height)
    histogram = shot.histogram()
    drawn = 1 - max(histogram) / sum(histogram)  # the share of pixels not in the background
    assert ImageStat.Stat(shot).stddev[0] > 5 and drawn > 0.01, (
        f"{target}: the screenshot is (nearly) blank ({drawn:.1%} of it drawn)")
    assert len(shot.getcolors(maxcolors=256)) > 16, f"{target}: too few shades"
    # the title's pixels: letters that stand out from the background behind them
    title = shot.crop((max(0, int(box["x"])), max(0, int(box["y"])),
                       min(width, int(box["x"] + box["width"])),
                       min(height, int(box["y"] + box["height"]))))
    shades = title.histogram()
    background = shades.index(max(shades))
    ink = sum(n for shade, n in enumerate(shades) if abs(shade - background) > 80) / sum(shades)
    assert ink > 0.05, f"{target}: the title's letters are not visible ({ink:.1%} ink)"


def test_every_page_has_hreflang_alternates_and_the_sitemap_lists_them():
    from nnbook.site.build import site_url

    site = site_url()
    sitemap = built("sitemap.xml").read_text(encoding="utf-8")
    for lang in LANGS:
        for chapter in CHAPTERS:
            text = built(f"{lang}/{chapter}.html").read_text(encoding="utf-8")
            for other in LANGS:
                built(f"{other}/{chapter}.html")
                assert f'hreflang="{other}"' in text
                assert f"/{other}/{chapter}.html" in sitemap
            assert 'hreflang="x-default"' in text
            assert f"<loc>{site}{lang}/{chapter}.html</loc>" in sitemap


# --- typeset math, offline; the translators' pages in the reader's colour scheme (#17) ----

MATH_SOURCE = re.compile(r"\$[^$\n`]+\$")
MATH_PAGES = [f"{lang}/{chapter}.html" for lang in LANGS for chapter in CHAPTERS
              if MATH_SOURCE.search((REPO / "book" / lang / f"{chapter}.md").read_text(
                  encoding="utf-8"))]


@pytest.mark.parametrize("rel", MATH_PAGES)
def test_every_formula_is_typeset_with_the_network_cut(visit, rel):
    built(rel)
    seen = visit(rel)
    state = seen.maths
    assert state["maths"] > 0, f"{rel}: its source has formulas, the page none"
    assert state["typeset"] == state["maths"], f"{rel}: {state['typeset']}/{state['maths']}"
    for raw in ("\\(", "\\[", "$$"):
        assert raw not in state["text"], f"{rel}: {raw!r} left in the visible text"
    loaded = [f for f in state["fonts"] if f.endswith(":loaded")]
    assert loaded and not [f for f in state["fonts"] if f.endswith(":error")], state["fonts"]
    assert not seen.elsewhere, f"{rel} asked other hosts for {seen.elsewhere}"


@pytest.mark.parametrize("lang", LANGS)
def test_formulas_fit_a_phone_and_are_kept_as_screenshots(browser, base_url, lang):
    """The first display formula of each language at 1366 and 390 px: inside the screen
    (a long one scrolls in its own box); screenshots kept for review."""
    rel = next((p for p in MATH_PAGES if p.startswith(f"{lang}/") and "$$" in (
        REPO / "book" / p.removesuffix(".html")).with_suffix(".md").read_text(encoding="utf-8")),
        None)
    assert rel, f"no chapter of {lang} has a display formula"
    for width, height in ((1366, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base_url + rel)
        page.wait_for_load_state("networkidle")
        formula = page.locator("article div.math").first
        formula.scroll_into_view_if_needed()
        overflow = page.evaluate("""() => [...document.querySelectorAll('article .katex-display')]
            .filter(d => d.getBoundingClientRect().right > window.innerWidth + 1).length""")
        assert overflow == 0, f"{rel} at {width} px: {overflow} formulas wider than the screen"
        target = BUILD / "screenshots" / f"math-{lang}-{width}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
        context.close()


def _background_luminance(page) -> float:
    rgb = page.evaluate("""() => getComputedStyle(document.body).backgroundColor
                             .match(/\\d+/g).slice(0, 3).map(Number)""")
    return (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255


@pytest.mark.parametrize("rel", ["status.html", "execution-report.html"])
def test_translators_pages_say_so_and_follow_the_readers_colour_scheme(browser, base_url, rel):
    built(rel)
    cases = [("light", None, "light"), ("dark", None, "dark"),
             ("light", "dark", "dark"), ("dark", "light", "light"), ("dark", "auto", "dark")]
    for system, chosen, expected in cases:  # the system's scheme; the theme's choice
        context = browser.new_context(color_scheme=system, viewport={"width": 390, "height": 844})
        if chosen:  # what the book's colour-mode button keeps (pydata-sphinx-theme)
            context.add_init_script(f"localStorage.setItem('mode', '{chosen}')")
        page = context.new_page()
        page.goto(base_url + rel)
        note = page.locator("[role=note].audience")
        assert note.is_visible() and "translators and maintainers" in note.inner_text()
        for lang in LANGS:
            assert note.locator(f'p[lang="{lang}"] a[href="index.html"]').count() == 1
        luminance = _background_luminance(page)
        assert (luminance < 0.2) if expected == "dark" else (luminance > 0.8), (
            f"{rel}: system {system}, theme {chosen}: background luminance {luminance:.2f}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{rel} is {width} px wide on a 390-px screen"
        context.close()


# --- every control a reader uses, on every screen, by touch and by keyboard (#26) ------------
# Each test USES a control the way a reader does (a tap on a touch screen; Tab to it and Enter)
# at a phone's, a tablet's and a desktop's width, and checks what it did, not only that it is
# there: pydata-sphinx-theme once rendered hidden copies of the chapter-list and contents
# toggles, its scripts bound the first copy, and tapping the visible button did nothing.

SCREENS = {"phone": (390, 844), "tablet": (800, 900), "desktop": (1366, 900)}
HOW = ("touch", "keyboard")
DRAWER_BELOW = 992  # the theme's breakpoints: narrower, the chapter list is a drawer
CONTENTS_DRAWER_BELOW = 1200  # narrower, the page's contents is a drawer too
SIDEBAR_SHOWN = ("document.getElementById('pst-primary-sidebar')"
                 ".checkVisibility({visibilityProperty: true})")
# A focused control shows it: an outline at least 2 px wide, or a ring drawn as a box-shadow.
FOCUS_SHOWN = """el => { const s = getComputedStyle(el);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
        || (s.boxShadow !== 'none' && s.boxShadow !== ''); }"""
DESCRIBE = """el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim()
    .split(/\\s+/).join('.') : '') + ' ' + (el.getAttribute('aria-label') || el.textContent
    || '').trim().slice(0, 30)"""


def other_language(lang: str) -> str:
    return LANGS[(LANGS.index(lang) + 1) % len(LANGS)]


@pytest.fixture
def reader(browser, base_url):
    """Opens a page as a reader would on a screen, by touch or by keyboard: ``reader(rel,
    screen, how)`` -> page (a touch screen is a mobile one at a phone's width)."""
    contexts = []

    def open_page(rel: str, screen: str, how: str, **options):
        width, height = SCREENS[screen]
        context = browser.new_context(viewport={"width": width, "height": height},
                                      has_touch=how == "touch",
                                      is_mobile=how == "touch" and screen == "phone",
                                      color_scheme=options.pop("color_scheme", "light"))
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort())
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.nnbook_errors = errors
        page.goto(base_url + rel)
        page.wait_for_load_state("load")
        return page

    yield open_page
    for context in contexts:
        context.close()


# After a press of Tab, in one round trip: whether the focus reached the control, and whether
# the element that has it shows it.
FOCUS_STEP = f"""el => {{ const focused = document.activeElement;
    if (!focused || focused === document.body) return {{reached: false, shown: true}};
    const shown = ({FOCUS_SHOWN})(focused);
    return {{reached: focused === el, shown, what: shown ? '' : ({DESCRIBE})(focused)}}; }}"""


def tab_to(page, control, limit: int = 400) -> None:
    """Tab until ``control`` has the focus; it and every control on the way show the focus."""
    unseen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        step = control.evaluate(FOCUS_STEP)
        if step["reached"]:
            assert step["shown"], (
                f"{control.evaluate(DESCRIBE)}: the keyboard's focus is not visible on it")
            assert not unseen, f"focus not visible on the way: {unseen}"
            return
        if not step["shown"]:
            unseen.append(step["what"])
    pytest.fail(f"{limit} presses of Tab never reached {control.evaluate(DESCRIBE)}")


def tap(page, control) -> None:
    """A finger on the middle of ``control`` as the screen shows it, where nothing covers it
    (Playwright's own tap first scrolls a sticky header's button "into view", moving the page)."""
    settled = """el => new Promise(done => { const start = Date.now();
        const look = () => { const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            (x >= 0 && x < innerWidth && y >= 0 && y < innerHeight) || Date.now() - start > 5000
                ? done() : setTimeout(look, 50); };
        look(); })"""  # a sidebar that has just been shown may still be sliding in
    control.evaluate(settled)
    box = control.bounding_box()
    assert box, f"{control.evaluate(DESCRIBE)} is not on the page"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    size = page.viewport_size
    assert 0 <= x < size["width"] and 0 <= y < size["height"], (
        f"{control.evaluate(DESCRIBE)} is off the screen ({x:.0f}, {y:.0f})")
    uncovered = """(el, [x, y]) => new Promise(done => { const start = Date.now();
        const look = () => el.contains(document.elementFromPoint(x, y)) ? done(true)
            : Date.now() - start > 2000 ? done(false) : setTimeout(look, 50);
        look(); })"""  # a drawer that has just closed slides away
    assert control.evaluate(uncovered, [x, y]), f"something covers {control.evaluate(DESCRIBE)}"
    page.touchscreen.tap(x, y)


def use(page, control, how: str) -> None:
    """A tap, or Tab to the control and Enter."""
    assert control.is_visible(), f"{control.evaluate(DESCRIBE)} is not visible"
    if how == "touch":
        tap(page, control)
    else:
        tab_to(page, control)
        page.keyboard.press("Enter")


def is_focused(control) -> bool:
    return control.evaluate("el => el === document.activeElement")


def wait_focused(page, control) -> None:
    """Wait (briefly) until ``control`` has the keyboard's focus."""
    control.evaluate("""el => new Promise((ok, no) => { const start = Date.now();
        const look = () => el === document.activeElement ? ok()
            : Date.now() - start > 2000 ? no(new Error('the focus is not back on it'))
            : setTimeout(look, 20);
        look(); })""")


def in_view(page, element) -> bool:
    """Whether ``element``'s top is on the screen, below the sticky article header."""
    return element.evaluate("""el => { const r = el.getBoundingClientRect();
        const header = document.querySelector('.bd-header-article');
        const top = header ? header.getBoundingClientRect().bottom - 2 : 0;
        return r.top >= top && r.top < innerHeight - 20; }""")


def dialog_open(page, dialog_id: str) -> bool:
    return page.evaluate(f"document.getElementById('{dialog_id}').open")


def built_chapters(lang: str) -> list[str]:
    """The chapters (toc order) this build made of ``lang`` (that the whole book has every one
    is test_page_loads_...'s to say)."""
    return [c for c in CHAPTERS if (SITE / lang / f"{c}.html").is_file()]


CONTROL_CASES = [pytest.param(lang, screen, how, id=f"{lang}-{screen}-{how}")
                 for lang in LANGS for screen in SCREENS for how in HOW]


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_the_chapter_list_opens_lists_the_chapters_and_closes(reader, lang, screen, how):
    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    page = reader(rel, screen, how)
    assert page.locator(".primary-toggle").count() == 1, "one chapter-list toggle per page"
    toggle = page.locator(".bd-header-article .primary-toggle")
    chapters = built_chapters(lang)
    others = [c for c in chapters if c != CHAPTER]
    assert others, f"{lang}: build another chapter beside {CHAPTER}"
    links = [f'a[href="{c}.html"]' for c in others]
    if SCREENS[screen][0] >= DRAWER_BELOW:  # a column beside the page, hidden and shown again
        sidebar = page.locator("#pst-primary-sidebar")
        assert all(sidebar.locator(link).is_visible() for link in links)
        use(page, toggle, how)
        page.wait_for_function("!" + SIDEBAR_SHOWN)
        if how == "keyboard":
            wait_focused(page, toggle)  # the theme takes it off; nnbook.js puts it back
            page.keyboard.press("Enter")
        else:
            tap(page, toggle)
        page.wait_for_function(SIDEBAR_SHOWN)
        target = sidebar.locator(links[0])
    else:  # a drawer over the page
        use(page, toggle, how)
        page.wait_for_function("document.getElementById('pst-primary-sidebar-modal').open")
        drawer = page.locator("#pst-primary-sidebar-modal")
        for link in links:
            assert drawer.locator(link).is_visible() and in_view(page, drawer.locator(link)), (
                f"{rel} at {screen}: the chapter list shows no {link}")
        if how == "touch":  # a tap beside the drawer closes it
            box = drawer.bounding_box()
            width, height = SCREENS[screen]
            assert box["x"] + box["width"] < width - 20, "the drawer leaves no room to tap"
            page.touchscreen.tap(width - 10, height // 2)
        else:  # Escape closes it, and the focus is back on the toggle
            page.keyboard.press("Escape")
        page.wait_for_function("!document.getElementById('pst-primary-sidebar-modal').open")
        drawer.locator(links[0]).wait_for(state="hidden")  # fails if the list stays shown
        if how == "keyboard":
            wait_focused(page, toggle)
            page.keyboard.press("Enter")
        else:
            tap(page, toggle)
        page.wait_for_function("document.getElementById('pst-primary-sidebar-modal').open")
        target = drawer.locator(links[0])
    # and a chapter in the list opens it
    if how == "touch":
        tap(page, target)
    else:
        tab_to(page, target)
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/{lang}/{others[0]}.html")
    assert not page.nnbook_errors, page.nnbook_errors


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_the_page_contents_open_and_lead_to_a_section(reader, lang, screen, how):
    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    page = reader(rel, screen, how)
    assert page.locator(".secondary-toggle").count() == 1, "one contents toggle per page"
    if SCREENS[screen][0] >= CONTENTS_DRAWER_BELOW:  # a column: always there
        contents = page.locator("#pst-secondary-sidebar")
    else:
        use(page, page.locator(".bd-header-article .secondary-toggle"), how)
        page.wait_for_function("document.getElementById('pst-secondary-sidebar-modal').open")
        contents = page.locator("#pst-secondary-sidebar-modal")
    # The page's sections; the theme folds the subsections (the exercises) under theirs.
    entries = contents.locator(".toc-entry.toc-h2 > a")
    assert entries.count() >= 3, f"{rel}: the contents list {entries.count()} sections"
    for i in range(entries.count()):
        assert entries.nth(i).is_visible(), f"{rel} at {screen}: contents entry {i} not shown"
    entry = entries.nth(2)
    anchor = entry.get_attribute("href")
    if how == "touch":
        tap(page, entry)
    else:
        tab_to(page, entry)
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/{CHAPTER}.html{anchor}")
    page.wait_for_function("!document.getElementById('pst-secondary-sidebar-modal')?.open")
    section = page.locator(f"[id='{unquote(anchor[1:])}']")
    page.wait_for_timeout(300)  # the scroll
    assert in_view(page, section.locator("h2, h3").first), f"{anchor} is not on the screen"
    if how == "keyboard" and SCREENS[screen][0] < CONTENTS_DRAWER_BELOW:
        wait_focused(page, section)  # the keyboard goes on from the chosen section
    assert not page.nnbook_errors, page.nnbook_errors


ARTICLE_TEXT = """async (href) => {
    const html = await (await fetch(href)).text();
    const doc = new DOMParser().parseFromString(html, 'text/html');
    doc.querySelectorAll('.headerlink, script, style').forEach(el => el.remove());
    return doc.querySelector('article.bd-article').textContent.replace(/\\s+/g, ' ');
}"""


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_search_takes_a_word_and_lists_the_chapter_with_its_own_words(reader, lang, screen, how):
    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    word = unique_word(lang, CHAPTER)
    page = reader(rel, screen, how)
    button = page.locator(".bd-sidebar-primary .search-button-field"
                          if SCREENS[screen][0] >= DRAWER_BELOW
                          else ".bd-header-article .search-button")
    use(page, button, how)
    page.wait_for_function("document.getElementById('pst-search-dialog').open")
    field = page.locator("#pst-search-dialog input[name=q]")
    assert is_focused(field), "the search field does not take the text"
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/{lang}/search\.html\?q="))
    # Sphinx lists the results one by one and writes the summary when the last is shown.
    page.wait_for_function(
        "() => document.querySelector('#search-results p.search-summary')?.textContent.trim()")
    results = page.eval_on_selector_all(
        "#search-results ul.search li",
        "lis => lis.map(li => [li.querySelector('a').href, li.querySelector('p.context')"
        "?.textContent.replace(/\\s+/g, ' ').replace(/^\\.\\.\\.|\\.\\.\\.$/g, '').trim()])")
    assert any(urldefrag(href)[0].endswith(f"/{CHAPTER}.html") for href, _ in results), (
        f"{lang}: searching {word!r} did not list {CHAPTER}: {results}")
    assert page.evaluate("""() => {  // the field's magnifier beside the query, not over it
        const form = document.querySelector('.bd-search-container form.bd-search');
        const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
        const input = form.querySelector('input');
        return icon.right <= input.getBoundingClientRect().left
            + parseFloat(getComputedStyle(input).paddingLeft); }"""), "the icon covers the query"
    for href, snippet in results:  # a snippet quotes the chapter, not its menus
        if snippet:
            text = page.evaluate(ARTICLE_TEXT, urldefrag(href)[0])
            assert snippet in text, f"{href}: the snippet {snippet!r} is not the page's text"
    assert not page.nnbook_errors, page.nnbook_errors


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_the_language_switcher_keeps_the_readers_place(reader, lang, screen, how):
    other = other_language(lang)
    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    built(f"{other}/{CHAPTER}.html")
    page = reader(rel, screen, how)
    link = page.locator(f'.nnbook-languages a[hreflang="{other}"]')
    if how == "keyboard":  # the reader tabs to the switcher, then scrolls to read on
        tab_to(page, link)
    # the reader is in the third section, a little below its heading
    page.evaluate("""() => { const s = document.querySelectorAll(
        'article.bd-article > section > section')[2]; s.scrollIntoView();
        window.scrollBy(0, -60); }""")
    page.wait_for_timeout(200)  # the switcher follows the scrolling at the next frame
    if how == "touch":
        tap(page, link)
    else:
        assert is_focused(link)
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/{other}/{CHAPTER}\.html#"))
    page.wait_for_load_state("load")
    expected = page.evaluate(
        "document.querySelectorAll('article.bd-article > section > section')[2].id")
    assert page.url.endswith(f"#{expected}"), f"{page.url}: not the third section {expected}"
    page.wait_for_timeout(200)
    heading = page.locator(f"[id='{expected}'] > h2")
    assert in_view(page, heading), f"{page.url}: the section is not on the screen"
    assert page.evaluate("document.documentElement.lang") == other
    assert not page.nnbook_errors, page.nnbook_errors


@pytest.mark.parametrize("lang", LANGS)
def test_the_switcher_on_the_search_page_keeps_the_search(reader, lang):
    other = other_language(lang)
    built(f"{lang}/search.html")
    built(f"{other}/search.html")
    page = reader(f"{lang}/search.html?q=torch", "phone", "touch")
    tap(page, page.locator(f'.nnbook-languages a[hreflang="{other}"]'))
    page.wait_for_url(f"**/{other}/search.html?q=torch")


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_the_theme_switch_changes_the_colours_and_keeps_them(reader, lang, screen, how):
    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    page = reader(rel, screen, how)  # the system's scheme: light
    button = page.locator(".bd-header-article .theme-switch-button")
    seen = {}
    for turn in range(3):  # auto, light, dark in some order: every mode once
        if turn == 0 or how == "touch":
            use(page, button, how)
        else:
            wait_focused(page, button)
            page.keyboard.press("Enter")
        page.wait_for_timeout(100)
        theme = page.evaluate("document.documentElement.dataset.theme")
        seen[theme] = _background_luminance(page)
    assert set(seen) == {"light", "dark"}, f"the switch gave the themes {seen}"
    if how == "touch":  # no tooltip stays up after a tap, covering the header's buttons
        page.wait_for_timeout(800)
        assert not page.locator(".tooltip").count(), "a tooltip stays up after a tap"
    assert seen["dark"] < 0.2 < 0.8 < seen["light"], f"background luminance: {seen}"
    mode = page.evaluate("document.documentElement.dataset.mode")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.mode") == mode, "not kept"
    assert not page.nnbook_errors, page.nnbook_errors


@pytest.mark.parametrize(("lang", "screen", "how"), CONTROL_CASES)
def test_the_download_menu_gives_the_notebook_and_colab_opens_it(reader, lang, screen, how):
    import json

    rel = f"{lang}/{CHAPTER}.html"
    built(rel)
    page = reader(rel, screen, how)
    toggle = page.locator(".bd-header-article .dropdown-download-buttons > button")
    menu = page.locator(".bd-header-article .dropdown-download-buttons .dropdown-menu")
    use(page, toggle, how)
    notebook = menu.locator("a.btn-download-notebook-button")
    notebook.wait_for(state="visible")
    if how == "keyboard":  # the menu's items take the keyboard too
        page.keyboard.press("ArrowDown")
        assert is_focused(notebook) and notebook.evaluate(FOCUS_SHOWN)
    assert not menu.locator("a[href$='.md']").count(), "the MyST source is no reader's download"
    href = notebook.get_attribute("href")
    assert Path(href).name == f"nnbook-{lang}-{CHAPTER}.ipynb", href
    response = page.request.get(urljoin(page.url, href))
    assert response.ok, f"{href}: HTTP {response.status}"
    data = json.loads(response.body())
    assert data["nbformat"] == 4 and len(data["cells"]) > 3, f"{href} is no notebook"
    # Open in Colab: the button beside the menu, or (on a phone) the menu's item
    colab = page.locator('.bd-header-article a[href^="https://colab.research.google.com/"]')
    if colab.count():
        shown = [colab.nth(i) for i in range(colab.count()) if colab.nth(i).is_visible()]
        assert shown, f"{rel} at {screen}: no Colab control shown"
        hrefs = {c.get_attribute("href") for c in shown}
        assert len(hrefs) == 1, hrefs
        match = re.fullmatch(r"https://colab\.research\.google\.com/github/[^/]+/[^/]+/blob/"
                             r"notebooks/([a-z]+)/([^/]+\.ipynb)", hrefs.pop())
        assert match and match.groups() == (lang, f"nnbook-{lang}-{CHAPTER}.ipynb"), match
        published = BUILD / "notebooks" / lang / match.group(2)
        assert published.is_file(), f"{published}: Colab would find no notebook"
    if how == "touch":  # a tap elsewhere closes the menu
        page.locator("article.bd-article h1").first.tap(position={"x": 4, "y": 4})
    else:
        page.keyboard.press("Escape")
    notebook.wait_for(state="hidden")
    assert not page.nnbook_errors, page.nnbook_errors
