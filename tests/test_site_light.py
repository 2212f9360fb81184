"""The built chapters as a phone meets them (issue #17): figures with words, no sideways
scrolling, legible image-grid captions, and a light page.

Two stages, like the rest: ``-m build`` reads the built HTML (every figure has alt text in the
page's language, never a file path; images sized and lazy; no fontawesome.js, no search index
off the search page; the page with everything it loads, gzip-compressed where a host would,
stays under 1 MB); ``-m browser`` opens each chapter in Debian's Chromium at 390 px (nothing
wider than the screen; grid captions at least CAPTION_MIN_PX tall as shown) and keeps
screenshots at 1366 and 390 px under ``$NNBOOK_BUILD/screenshots/``.

Lighthouse's own figures (performance score, bytes transferred) come from
``scripts/bench_pages.py``, which is too slow for a test.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import threading
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

from nnbook import i18n, plots

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build"))
SITE = BUILD / "html"
LANGS = list(i18n.LANGUAGES)
CHAPTERS = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]
PAGES = [f"{lang}/{chapter}.html" for lang in LANGS for chapter in CHAPTERS]
# The pages whose code draws an image grid (class names or digits under photographs).
GRID_PAGES = [f"{lang}/{chapter}.html" for lang in LANGS for chapter in CHAPTERS
              if "plots.image_grid(" in (REPO / "book" / lang / f"{chapter}.md").read_text()]
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 1_000_000
COMPRESSED = {".html", ".js", ".css", ".svg", ".json"}
HANGUL = re.compile("[\uac00-\ud7a3]")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class _Page(HTMLParser):
    """The images, scripts and stylesheets of one HTML file."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict] = []
        self.scripts: list[str] = []
        self.blocking: list[str] = []  # scripts that hold up parsing and the first paint
        self.styles: list[str] = []
        self.links: list[dict] = []  # the <a> elements open where the parser is

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append(a)
        if tag == "img":
            a["_link"] = self.links[-1] if self.links else None
            self.images.append(a)
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
            if "defer" not in a and "async" not in a:
                self.blocking.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.styles.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            self.links.pop()


def built(rel: str) -> Path:
    path = SITE / rel
    assert path.is_file(), f"{path} missing: build the site first (make build)"
    return path


def parsed(rel: str) -> _Page:
    page = _Page()
    page.feed(built(rel).read_text(encoding="utf-8"))
    return page


def local(rel: str, url: str) -> Path | None:
    """The file a page-relative URL names inside the site, or None for another host."""
    if urlparse(url).scheme or url.startswith("//"):
        return None
    return SITE / unquote(urljoin(rel, url.split("?")[0].split("#")[0]))


@pytest.mark.build
@pytest.mark.parametrize("rel", PAGES)
def test_every_figure_says_in_the_page_language_what_it_shows(rel):
    lang = rel.split("/")[0]
    figures = [img for img in parsed(rel).images if "_images/" in img.get("src", "")]
    for img in figures:
        alt = (img.get("alt") or "").strip()
        where = f"{rel}: <img src={img['src']!r}>"
        assert alt, f"{where} has no alt text"
        assert not re.search(r"\.(png|jpe?g|svg|gif)\b|_images/|^[0-9a-f]{16,}", alt), (
            f"{where}: its alt text is a file path ({alt!r})")
        assert len(alt) >= 12, f"{where}: alt text {alt!r} says too little"
        if lang == "ko":
            assert HANGUL.search(alt), f"{where}: alt text not in Korean: {alt!r}"


@pytest.mark.build
@pytest.mark.parametrize("rel", PAGES)
def test_images_are_sized_lazy_and_compact(rel):
    from PIL import Image

    for img in parsed(rel).images:
        src = img.get("src", "")
        if "_images/" not in src:
            continue
        where = f"{rel}: <img src={src!r}>"
        assert img.get("width") and img.get("height"), f"{where} has no width/height"
        assert img.get("loading") == "lazy", f"{where} is not loaded lazily"
        with Image.open(local(rel, src)) as image:
            assert (int(img["width"]), int(img["height"])) == image.size, where
            assert image.mode != "RGBA", f"{where}: an RGBA image (photographs: JPEG)"


@pytest.mark.build
@pytest.mark.parametrize("rel", PAGES)
def test_no_fontawesome_script_and_no_search_index_on_a_chapter(rel):
    scripts = parsed(rel).scripts
    heavy = [s for s in scripts if re.search(r"fontawesome|searchindex\.js|searchtools\.js", s)]
    assert heavy == [], f"{rel} loads {heavy}"
    assert parsed(rel).blocking == [], f"{rel}: scripts block the first paint"
    assert "const DOCUMENTATION_OPTIONS" in built(rel).read_text(encoding="utf-8")


def page_weight(rel: str) -> dict[str, int]:
    """Bytes a browser fetches for the page: text files gzip-compressed (as a host serves
    them), images and fonts as they are; every image counted, even a lazy one below the fold.
    Fonts: the web fonts the page's stylesheets name that are in a @font-face the page uses
    (Font Awesome's solid icons; KaTeX's when there is math)."""
    page = parsed(rel)
    sizes: dict[str, int] = {}

    def add(path: Path | None) -> None:
        if path is None or str(path) in sizes or not path.is_file():
            return
        data = path.read_bytes()
        sizes[str(path)] = len(gzip.compress(data)) if path.suffix in COMPRESSED else len(data)

    add(built(rel))
    for url in page.scripts + page.styles + [i.get("src", "") for i in page.images]:
        add(local(rel, url))
    html = built(rel).read_text(encoding="utf-8")
    for css in [local(rel, s) for s in page.styles]:
        if css is None or not css.is_file():
            continue
        text = css.read_text(encoding="utf-8", errors="replace")
        for face in re.findall(r"@font-face\s*{[^}]*}", text):
            family = re.search(r"font-family:\s*['\"]?([^;'\"]+)", face)
            woff2 = re.search(r"url\(['\"]?([^)'\"]+\.woff2?)[)'\"]", face)
            if not (family and woff2):
                continue
            used = ("Font Awesome" in family.group(1) and "fa-solid" in woff2.group(1)
                    and ("fa-solid" in html or "fas " in html)) or (
                    "KaTeX" in family.group(1) and 'class="katex' in html
                    and re.search(r"(Main-Regular|Math-Italic)", woff2.group(1)))
            if used:
                add(css.parent / unquote(woff2.group(1).split("?")[0]))
    return sizes


@pytest.mark.build
@pytest.mark.parametrize("rel", PAGES)
def test_a_chapter_page_weighs_under_a_megabyte(rel):
    sizes = page_weight(rel)
    total = sum(sizes.values())
    heaviest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    assert total <= MAX_BYTES, (
        f"{rel}: {total:,} bytes with what it loads; heaviest: "
        + ", ".join(f"{Path(k).name} {v:,}" for k, v in heaviest))


@pytest.mark.build
@pytest.mark.parametrize("rel", PAGES)
def test_every_figure_opens_at_full_size(rel):
    """On a phone a figure's words are a few pixels tall: a tap on it opens its file."""
    for img in parsed(rel).images:
        if "_images/" not in img.get("src", ""):
            continue
        link = img["_link"]
        assert link and link.get("href") == img["src"], (
            f"{rel}: <img src={img['src']!r}> is not a link to its file ({link})")
        assert "nnbook-figure" in (link.get("class") or "").split()


STATIC_FILES = (".css", ".js", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".map")


@pytest.mark.build
@pytest.mark.parametrize("lang", LANGS)
def test_the_site_carries_only_what_its_pages_load(lang):
    """No source maps, no fontawesome.js, no theme catalogs or Jinja fragments, and every
    stylesheet, script and font under _static/ is one a page loads or a loaded stylesheet names
    (the review found 21.7 MB of 46 never referenced)."""
    static = SITE / lang / "_static"
    assert static.is_dir(), f"{static} missing: build the site first (make build)"
    loaded: set[Path] = set()
    for page in (SITE / lang).glob("*.html"):
        rel = f"{lang}/{page.name}"
        for url in parsed(rel).scripts + parsed(rel).styles:
            path = local(rel, url)
            if path is not None:
                loaded.add(path.resolve())
    for css in [p for p in loaded if p.suffix == ".css"]:
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if not re.match(r"^([a-z]+:|/|#)", url):
                loaded.add((css.parent / unquote(url.split("?")[0])).resolve())
    found = [p for p in static.rglob("*") if p.is_file()]
    left = [str(p.relative_to(static)) for p in found
            if p.suffix in STATIC_FILES and p.resolve() not in loaded]
    assert not left, f"{lang}: files no page loads: {left}"
    for leftover in ("locales", "webpack-macros.html", "sbt-webpack-macros.html"):
        assert not (static / leftover).exists(), f"{static / leftover} is shipped"
    total = sum(p.stat().st_size for p in found)
    assert total < 2_000_000, f"{static}: {total:,} bytes"


@pytest.mark.build
@pytest.mark.parametrize("lang", LANGS)
def test_the_icon_font_holds_every_icon_a_page_shows_and_no_more(lang):
    """Font Awesome's solid font, cut to the icons the site shows (156 KB in full)."""
    from fontTools.ttLib import TTFont

    rel = f"{lang}/{CHAPTERS[0]}.html"
    css = "".join(local(rel, s).read_text(encoding="utf-8") for s in parsed(rel).styles)
    face = next(f for f in re.findall(r"@font-face\s*{[^}]*}", css)
                if "Font Awesome" in f and "900" in f)
    font_url = re.search(r"url\(['\"]?([^)'\"]+)", face).group(1)
    font = local(rel, "_static/" + font_url)
    assert font.is_file() and font.stat().st_size < 10_000, f"{font}: the whole font?"
    cmap = TTFont(font).getBestCmap()
    shown = set()
    for page in (SITE / lang).glob("*.html"):
        shown |= set(re.findall(r"\bfa-[a-z0-9-]+", page.read_text(encoding="utf-8")))
    missing = []
    for rule in re.findall(r'((?:\.fa-[a-z0-9-]+:{1,2}before,?)+)\{content:"\\([0-9a-f]+)"', css):
        names = set(re.findall(r"\.(fa-[a-z0-9-]+):", rule[0]))
        if names & shown and int(rule[1], 16) not in cmap:
            missing.append(sorted(names & shown))
    assert not missing, f"{font.name} lacks the icons {missing}"


# --- in the browser -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_url():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE}/index.html missing: build the site first (make build)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


WIDER_THAN_SCREEN = """() => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= innerWidth + 0.5) continue;
        // inside a box that scrolls on its own (code, output, a wide formula): fine
        let p = el.parentElement, boxed = false;
        for (; p && p !== document.body; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') { boxed = true; break; }
        }
        if (!boxed) out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                             + ' right=' + Math.round(r.right));
    }
    return out.slice(0, 8);
}"""


HEADING_WORDS = """() => {
    const out = [];
    for (const h of document.querySelectorAll('article.bd-article :is(h1, h2, h3)')) {
        const style = getComputedStyle(h);
        const room = h.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const text = [...h.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent)
            .join(' ');
        for (const word of text.split(/\\s+/).filter(Boolean)) {
            const probe = document.createElement('span');
            probe.textContent = word;
            probe.style.whiteSpace = 'nowrap';
            probe.style.hyphens = 'none';
            h.appendChild(probe);
            const width = probe.getBoundingClientRect().width;
            probe.remove();
            out.push({word, width, room, hyphens: style.hyphens, size: style.fontSize});
        }
    }
    return out;
}"""

GRID_SIZES = """srcs => srcs.map(src => {
    const img = document.querySelector(`img[src="${src}"]`);
    return img && [img.clientWidth, img.naturalWidth];
})"""


@dataclass(frozen=True)
class PhoneVisit:
    """What one load of a page at 390 px showed, every image loaded."""

    width: int  # the page's scrollWidth
    wider: list[str]  # WIDER_THAN_SCREEN
    heading_words: list[dict]  # HEADING_WORDS
    lang: str
    grids: dict[str, list[int] | None]  # src -> [shown width, natural width] of each grid


@pytest.fixture(scope="module")
def phone_visit(browser, base_url):
    """``phone_visit(rel)`` -> PhoneVisit: a page is loaded once for the tests that read these
    facts (a load is most of such a test's time)."""

    @functools.cache
    def load(rel: str) -> PhoneVisit:
        grids = [img["src"] for img in parsed(rel).images
                 if "nnbook-grid" in (img.get("class") or "")]
        context = browser.new_context(viewport=PHONE, device_scale_factor=2)
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort())
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)  # a bound on a failure, on a loaded 2-core machine
            page.goto(base_url + rel, wait_until="load")
            # as a reader who scrolled through it: the lazy figures loaded
            page.evaluate("""() => Promise.all(Array.from(document.images, img => {
                img.loading = 'eager';
                return img.decode().catch(() => null);
            }))""")
            sizes = page.evaluate(GRID_SIZES, grids)
            return PhoneVisit(page.evaluate("document.documentElement.scrollWidth"),
                              page.evaluate(WIDER_THAN_SCREEN), page.evaluate(HEADING_WORDS),
                              page.evaluate("document.documentElement.lang"),
                              dict(zip(grids, sizes, strict=True)))
        finally:
            context.close()

    return load


@pytest.mark.browser
@pytest.mark.parametrize("rel", ["index.html"] + [f"{lang}/index.html" for lang in LANGS]
                         + PAGES)
def test_no_sideways_scrolling_on_a_phone(phone_visit, rel):
    built(rel)
    seen = phone_visit(rel)
    assert seen.width <= PHONE["width"], (
        f"{rel} is {seen.width} px wide on a {PHONE['width']}-px screen: {seen.wider}")


LIGHTHOUSE_PHONE = {"width": 412, "height": 823}  # the phone Lighthouse emulates
LAYOUT_SHIFTS = """() => { window.nnbookShifts = [];
    new PerformanceObserver(list => { for (const e of list.getEntries()) window.nnbookShifts.push(
        {value: e.value, moved: e.sources.map(s => s.node ? s.node.nodeName + ' '
                          + (s.node.textContent || '').trim().slice(0, 40) : '?')}); })
      .observe({type: 'layout-shift', buffered: true}); }"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_a_chapter_does_not_move_under_the_reader_on_a_slow_phone(browser, base_url, lang):
    # What Lighthouse's phone run sees: a CPU four times slower and a slow 4G network, so the
    # deferred scripts run after the first layout. What they change above the reader's eyes
    # moves the text.
    rel = f"{lang}/{CHAPTERS[0]}.html"
    built(rel)
    context = browser.new_context(viewport=LIGHTHOUSE_PHONE, device_scale_factor=2.625,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        devtools.send("Network.enable")
        devtools.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8,
            "uploadThroughput": 750e3 / 8})
        page.add_init_script(f"({LAYOUT_SHIFTS})()")
        page.goto(base_url + rel, wait_until="load")
        page.wait_for_timeout(2000)
        shifts = page.evaluate("window.nnbookShifts")
    finally:
        context.close()
    total = sum(s["value"] for s in shifts)
    assert total < 0.1, f"{rel}: layout shift {total:.3f} (good: under 0.1): {shifts[:3]}"


@pytest.mark.browser
@pytest.mark.parametrize("rel", GRID_PAGES)
def test_image_grid_captions_are_legible_on_a_phone(phone_visit, rel):
    grids = [img["src"] for img in parsed(rel).images
             if "nnbook-grid" in (img.get("class") or "")]
    assert grids, f"{rel}: its code draws an image grid, but no image has class nnbook-grid"
    for src, size in phone_visit(rel).grids.items():
        assert size, f"{rel}: {src} is not on the page"
        shown, natural = size
        assert natural, f"{rel}: {src} did not load"
        meta = plots.embedded_meta(local(rel, src))
        caption = meta["caption_px"] * shown / natural
        assert caption >= plots.CAPTION_MIN_PX - 0.5, (
            f"{rel}: captions of {src} are {caption:.1f} px tall on a phone "
            f"(image {natural} px shown {shown} px wide)")


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_screenshots_of_a_chapter_at_1366_and_390_px(browser, base_url, lang):
    """Kept for a person to look at: the first figure of a chapter with image grids."""
    rel = f"{lang}/07-cifar10.html" if (SITE / lang / "07-cifar10.html").is_file() else (
        f"{lang}/01-tensors.html")
    built(rel)
    target = BUILD / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    for width, height in [(1366, 900), (390, 844)]:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base_url + rel)
        page.wait_for_load_state("load")
        page.screenshot(path=str(target / f"{Path(rel).stem}-{lang}-{width}.png"))
        figure = page.locator("article img").first
        if figure.count():
            figure.scroll_into_view_if_needed()
            figure.evaluate("i => i.decode ? i.decode() : null")
            page.screenshot(path=str(target / f"{Path(rel).stem}-{lang}-{width}-figure.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()




@pytest.mark.browser
@pytest.mark.parametrize("rel", PAGES)
def test_every_heading_word_fits_a_phone_line(phone_visit, rel):
    """At 390 px a heading's longest word fits on a line of its own (the review found
    "foldningsnetvær/k" and "Reparameterisering/stricket" broken anywhere), and da, sv and nl
    headings hyphenate by their language's rules."""
    built(rel)
    seen = phone_visit(rel)
    words = seen.heading_words
    assert words, f"{rel}: no heading"
    too_long = [f"{w['word']!r} {w['width']:.0f} px at {w['size']} in {w['room']:.0f} px"
                for w in words if w["width"] > w["room"] + 0.5]
    assert not too_long, f"{rel}: heading words wider than a phone's line: {too_long}"
    if not rel.startswith("ko/"):
        assert {w["hyphens"] for w in words} == {"auto"}, f"{rel}: headings do not hyphenate"
    assert seen.lang == rel.split("/")[0]


FIGURE_PAGES = [next((p for p in PAGES if p.startswith(f"{lang}/") and "plots." in (
    REPO / "book" / p.removesuffix(".html")).with_suffix(".md").read_text(encoding="utf-8")),
    None) for lang in LANGS]


@pytest.mark.browser
@pytest.mark.parametrize("rel", [p for p in FIGURE_PAGES if p])
def test_a_tap_on_a_figure_opens_it_at_full_size(browser, base_url, rel):
    built(rel)
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.goto(base_url + rel)
    page.wait_for_load_state("load")
    figure = page.locator("article a.nnbook-figure img").first
    figure.scroll_into_view_if_needed()
    figure.evaluate("i => i.decode()")
    shown, natural, src = figure.evaluate("i => [i.clientWidth, i.naturalWidth, i.src]")
    box = figure.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(src)
    opened = page.evaluate("document.images[0] && document.images[0].naturalWidth")
    assert opened == natural and natural > shown, (
        f"{rel}: the figure shown {shown} px wide opened at {opened} px")
    context.close()
