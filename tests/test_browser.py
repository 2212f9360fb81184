"""The built site in a real browser (Debian's Chromium driven by Playwright).

Serves ``$NNBOOK_BUILD/html`` (default ``_build/html``) on 127.0.0.1 and checks: every page
of every language loads without console errors, broken images or broken internal links;
the theme's words are in the page's language; the language switcher leads to the same
chapter in each other language; search finds a chapter by a word only it contains, in
each language (Korean too); no serious or critical axe-core violations. Screenshots of
chapter 1 in each language go to ``$NNBOOK_BUILD/screenshots/``.

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
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

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
    "Open in Colab",
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


@pytest.mark.parametrize("rel", SITE_PAGES)
def test_page_loads_without_errors_broken_links_or_images(page, base_url, rel):
    built(rel)
    errors: list[str] = []
    internal = base_url.rstrip("/")

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
              .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"""
    )
    assert not errors, "\n".join(errors)
    assert not broken_images, f"{rel}: broken images {broken_images}"
    assert not broken_targets(rel), "\n".join(broken_targets(rel))
    lang = rel.split("/")[0] if "/" in rel else None
    if lang:
        assert page.evaluate("document.documentElement.lang") == lang


@pytest.mark.parametrize("rel", [p for p in SITE_PAGES if "/" in p])
def test_theme_words_are_in_the_page_language(page, base_url, rel):
    built(rel)
    page.goto(base_url + rel)
    # Text and labels outside the article (the chrome), after the theme's scripts ran.
    chrome = page.evaluate(
        """() => {
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
    )
    left = [w for w in ENGLISH_CHROME if w.lower() in chrome.lower()]
    assert not left, f"{rel}: English theme words left: {left}"


@pytest.mark.parametrize("lang", LANGS)
def test_switcher_leads_to_the_same_chapter_in_every_language(page, base_url, lang):
    for chapter in CHAPTERS:
        built(f"{lang}/{chapter}.html")
        for other in LANGS:
            if other == lang:
                continue
            built(f"{other}/{chapter}.html")
            page.goto(f"{base_url}{lang}/{chapter}.html")
            switcher = page.locator("nav.nnbook-languages")
            assert switcher.get_attribute("aria-label"), "the switcher needs a label"
            link = switcher.locator(f'a[hreflang="{other}"]')
            assert link.get_attribute("lang") == other
            link.click()
            page.wait_for_load_state("load")
            assert page.url == f"{base_url}{other}/{chapter}.html"
            assert page.evaluate("document.documentElement.lang") == other
        page.goto(f"{base_url}{lang}/{chapter}.html")
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


@pytest.fixture
def offline(browser, base_url):
    """A page whose every request to a host other than this test's server is aborted and
    recorded (a math renderer from a CDN would fail here)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    def cut(route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", cut)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page, elsewhere
    context.close()


@pytest.mark.parametrize("rel", MATH_PAGES)
def test_every_formula_is_typeset_with_the_network_cut(offline, base_url, rel):
    page, elsewhere = offline
    built(rel)
    page.goto(base_url + rel)
    page.wait_for_load_state("networkidle")
    state = page.evaluate("""async () => {
        await document.fonts.ready;
        const maths = [...document.querySelectorAll('article .math')];
        return {
          maths: maths.length,
          typeset: maths.filter(m => m.querySelector('.katex .katex-html')).length,
          text: document.body.innerText,
          fonts: [...document.fonts].filter(f => f.family.startsWith('KaTeX'))
                   .map(f => f.family + ':' + f.status),
        };
    }""")
    assert state["maths"] > 0, f"{rel}: its source has formulas, the page none"
    assert state["typeset"] == state["maths"], f"{rel}: {state['typeset']}/{state['maths']}"
    for raw in ("\\(", "\\[", "$$"):
        assert raw not in state["text"], f"{rel}: {raw!r} left in the visible text"
    loaded = [f for f in state["fonts"] if f.endswith(":loaded")]
    assert loaded and not [f for f in state["fonts"] if f.endswith(":error")], state["fonts"]
    assert not elsewhere, f"{rel} asked other hosts for {elsewhere}"


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
