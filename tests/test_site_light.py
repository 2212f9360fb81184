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

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
            if "defer" not in a and "async" not in a:
                self.blocking.append(a["src"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "") and a.get("href"):
            self.styles.append(a["href"])


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
            woff2 = re.search(r"url\(['\"]?([^)'\"]+\.woff2)", face)
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


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2)
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(60_000)  # a bound on a failure, on a loaded 2-core machine
    yield page
    context.close()


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


@pytest.mark.browser
@pytest.mark.parametrize("rel", ["index.html"] + [f"{lang}/index.html" for lang in LANGS]
                         + PAGES)
def test_no_sideways_scrolling_on_a_phone(phone, base_url, rel):
    built(rel)
    phone.goto(base_url + rel)
    phone.wait_for_load_state("load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{rel} is {width} px wide on a {PHONE['width']}-px screen: "
        f"{phone.evaluate(WIDER_THAN_SCREEN)}")


@pytest.mark.browser
@pytest.mark.parametrize("rel", GRID_PAGES)
def test_image_grid_captions_are_legible_on_a_phone(phone, base_url, rel):
    grids = [img["src"] for img in parsed(rel).images
             if "nnbook-grid" in (img.get("class") or "")]
    assert grids, f"{rel}: its code draws an image grid, but no image has class nnbook-grid"
    phone.goto(base_url + rel)
    phone.wait_for_load_state("load")
    for src in grids:
        meta = plots.embedded_meta(local(rel, src))
        img = phone.locator(f'img[src="{src}"]')
        img.scroll_into_view_if_needed()
        shown, natural = img.evaluate("i => [i.clientWidth, i.naturalWidth || i.width]")
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
