"""Sphinx extension: figures with words, and a light page.

Registered in ``_config.yml`` (``sphinx: extra_extensions``). For every image a code cell drew:

- its ``alt`` is the description the plotting function wrote into the file
  (``nnbook.plots.describe``/``encode``: JSON in a PNG iTXt chunk or a JPEG comment); MyST-NB
  itself would use the file's path. An image grid gets the class ``nnbook-grid``;
- ``width``/``height`` attributes (the file's own size: the browser reserves the space) and
  ``loading="lazy"``, ``decoding="async"``.

And for every page, its script files ``defer``red (they no longer hold up the first paint), and
the theme's heavy assets that a page does not use:

- ``fontawesome.js`` (1.45 MB: it swaps the icons for SVGs); the theme's stylesheet draws the
  same icons from its web font;
- ``searchindex.js`` with the search scripts on pages other than the search page (the theme
  loads them everywhere for a search-as-you-type it does not have switched on here);
- the stylesheets and scripts of sphinx-design, sphinx-togglebutton and sphinx-thebe (which
  Jupyter Book always loads) on a page with none of their markup;
- in the theme's stylesheet, the rules of the ~1,900 Font Awesome icons no page uses (a fifth
  of its bytes; after the build, ``slim_theme_css``);
- seven or eight render-blocking stylesheets: after the build each page links one bundle of
  them (``bundle_css``), its relative url()s rebased;
- Font Awesome's web fonts (the solid one alone 156 KB on every page, for about twenty icons):
  after the build each is cut down to the icons the stylesheets still name (``subset_icon_fonts``:
  2-3 KB of WOFF);
- the files no page loads: source maps, fontawesome.js, the themes' translation catalogs and
  Jinja fragments, the stylesheets now inside the bundles, fonts no stylesheet names
  (``prune_unused``: 20 MB of a four-language build).

And every figure (an image under ``_images/``) is a link to its file: on a phone, a tap opens
the figure at its full size, where it can be zoomed (``linked_images``).

The first two are written by the theme's templates: they go through a template filter,
``nnbook_drop_scripts``, which our ``layout.html`` applies to its ``css`` and ``extrahead``
blocks; the others are Sphinx's lists of files, filtered per page.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

# Scripts a page can do without (see the module's docstring), by the end of their path.
DROPPED_SCRIPTS = ("scripts/fontawesome.js",)
SEARCH_SCRIPTS = ("searchtools.js", "language_data.js", "searchindex.js")

_SCRIPT = re.compile(r'[ \t]*<script\b[^>]*\bsrc="([^"]*)"[^>]*>\s*</script>[ \t]*\n?')
_IMG = re.compile(r"<img\b[^>]*>")
_SRC = re.compile(r'\bsrc="([^"]+)"')


# The theme's styles/theme.css holds one line, @import "../basic.css": a request that can only
# start once theme.css has arrived. Linking basic.css itself saves that round trip.
_THEME_CSS = re.compile(r'href="([^"]*?)_static/styles/theme\.css(?:\?[^"]*)?"')


def drop_scripts(html: str, search_page: bool = False) -> str:
    """``html`` without the script tags of DROPPED_SCRIPTS (and the search scripts, except
    on the search page), and with basic.css linked in place of theme.css (which imports it)."""
    dropped = DROPPED_SCRIPTS + (() if search_page else SEARCH_SCRIPTS)

    def keep(match: re.Match) -> str:
        path = match.group(1).split("?", 1)[0]
        return "" if path.endswith(dropped) else match.group(0)

    return _THEME_CSS.sub(r'href="\1_static/basic.css"', _SCRIPT.sub(keep, str(html)))


def describe_images(app: Sphinx, doctree: nodes.document) -> None:
    """Alt text (and the grid class) from what the plotting function embedded in the file."""
    from nnbook.plots import embedded_meta  # matplotlib: only when a page has figures

    docname = app.env.docname
    for node in doctree.findall(nodes.image):
        uri = node.get("uri", "")
        if "://" in uri or not uri.lower().endswith((".png", ".jpg", ".jpeg")):
            continue
        _rel, path = app.env.relfn2path(uri, docname)
        meta = embedded_meta(path)
        if not meta:
            continue
        if meta.get("alt") and not node.get("alt"):
            node["alt"] = meta["alt"]
        if meta.get("caption_px") and "nnbook-grid" not in node["classes"]:
            node["classes"].append("nnbook-grid")


def sized_images(body: str, sizes: dict[str, tuple[int, int]]) -> str:
    """Every ``<img>`` whose file size is known gets width, height, lazy loading."""

    def fix(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        size = sizes.get(Path(src.group(1)).name) if src else None
        extra = []
        if size and " width=" not in tag and " height=" not in tag:
            extra.append(f'width="{size[0]}" height="{size[1]}"')
        if " loading=" not in tag:
            extra.append('loading="lazy"')
        if " decoding=" not in tag:
            extra.append('decoding="async"')
        if not extra:
            return tag
        if tag.endswith("/>"):
            return f"{tag[:-2].rstrip()} {' '.join(extra)} />"
        return f"{tag[:-1].rstrip()} {' '.join(extra)}>"

    return _IMG.sub(fix, body)


_LINK_OPEN = re.compile(r"<a\b", re.I)
_LINK_CLOSE = re.compile(r"</a\s*>", re.I)


def linked_images(body: str, title: str = "") -> str:
    """Every figure (``<img>`` of a file under ``_images/``) not already inside a link becomes a
    link to its own file, class ``nnbook-figure``: on a phone a figure is shrunk to the column,
    its words to a few pixels; a tap opens it at full size, where the reader can zoom."""
    out, at = [], 0
    for match in _IMG.finditer(body):
        src = _SRC.search(match.group(0))
        before = body[:match.start()]
        opened = [m.start() for m in _LINK_OPEN.finditer(before)]
        closed = [m.start() for m in _LINK_CLOSE.finditer(before)]
        inside = bool(opened) and (not closed or opened[-1] > closed[-1])
        if not src or "_images/" not in src.group(1) or inside:
            continue
        extra = f' title="{html.escape(title)}"' if title else ""
        out += [body[at:match.start()],
                f'<a class="nnbook-figure" href="{src.group(1)}"{extra}>{match.group(0)}</a>']
        at = match.end()
    return "".join(out) + body[at:]


def image_sizes(app: Sphinx) -> dict[str, tuple[int, int]]:
    """{file name under _images/: (width, height)} for the images Sphinx copies."""
    from PIL import Image

    cache = getattr(app.builder, "_nnbook_image_sizes", None)
    if cache is None:
        cache = app.builder._nnbook_image_sizes = {}
    images = getattr(app.builder, "images", {})
    for source, name in images.items():
        if name in cache:
            continue
        try:
            with Image.open(Path(app.srcdir) / source) as image:
                cache[name] = image.size
        except OSError:
            cache[name] = None
    return {k: v for k, v in cache.items() if v}


# Sphinx's settings for its scripts: the inline scripts after it set DOCUMENTATION_OPTIONS
# fields, so it must run first and at once. 400 bytes: written into the page instead, it costs
# no request before the first paint (Lighthouse counted ~0.3 s on a phone on 4G).
OPTIONS_SCRIPT = "documentation_options.js"


def inline_options(app: Sphinx, context: dict, scripts: list) -> list:
    """``scripts`` with documentation_options.js as an inline script: Sphinx's own template,
    rendered with the page's context (as Sphinx renders the file)."""
    import sphinx
    from sphinx.builders.html._assets import _JavaScript

    template = Path(sphinx.__file__).parent / "themes" / "basic" / "static" / (
        OPTIONS_SCRIPT + ".jinja")
    out = []
    for script in scripts:
        name = str(getattr(script, "filename", "") or "").split("?")[0]
        if name.endswith(OPTIONS_SCRIPT) and isinstance(script, _JavaScript):
            body = app.builder.templates.render_string(template.read_text(encoding="utf-8"),
                                                       context)
            script = _JavaScript(None, priority=script.priority, body="\n" + body.strip() + "\n")
        out.append(script)
    return out


def deferred(scripts: list) -> list:
    """The page's script files with ``defer``: they run in order once the page is parsed
    (before DOMContentLoaded, on which they hook), instead of holding up the first paint.
    Inline scripts and those already async/deferred stay as they are."""
    from sphinx.builders.html._assets import _JavaScript

    out = []
    for script in scripts:
        name = str(getattr(script, "filename", "") or "")
        attributes = dict(getattr(script, "attributes", {}) or {})
        if (not name or "async" in attributes or "defer" in attributes
                or not isinstance(script, _JavaScript)):
            out.append(script)
            continue
        out.append(_JavaScript(script.filename, priority=script.priority, **attributes,
                               defer="defer"))
    return out


# Extensions Jupyter Book always loads, with the markup that needs their files: a page
# without that markup loads neither their stylesheet nor their script.
OPTIONAL_ASSETS = [
    (re.compile(r'class="[^"]*\bsd-'), ("sphinx-design.min.css", "design-tabs.js")),
    (re.compile(r'class="[^"]*\b(toggle|dropdown)\b'), ("togglebutton.css", "togglebutton.js")),
    (re.compile(r'class="[^"]*\bthebe'), ("sphinx-thebe.css", "sphinx-thebe.js")),
]


def unused_assets(body: str) -> tuple[str, ...]:
    """The optional extensions' files a page with this body does not use."""
    return tuple(name for pattern, names in OPTIONAL_ASSETS if not pattern.search(body)
                 for name in names)


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                 doctree: Any) -> None:
    body = context.get("body") or ""
    if doctree is not None and "<img" in body:
        from sphinx.locale import get_translation

        title = get_translation("sphinx")("Open the figure at full size")
        context["body"] = linked_images(sized_images(body, image_sizes(app)), str(title))
    if doctree is not None:
        unused = unused_assets(body)
        for key in ("css_files", "script_files"):
            if context.get(key):
                context[key][:] = [a for a in context[key] if not str(
                    getattr(a, "filename", "") or "").split("?")[0].endswith(unused)]
    if context.get("script_files"):
        context["script_files"][:] = inline_options(app, context, context["script_files"])
    # not on the search page: its searchtools.js, loaded by the template, needs doctools.js
    if context.get("script_files") and pagename != "search":
        context["script_files"][:] = deferred(context["script_files"])


# Font Awesome's stylesheet names ~1,900 icons, one rule each (.fa-x:before{content:"..."}):
# a fifth of the theme's render-blocking CSS. The site draws about twenty.
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:{1,2}before,?)+)\{content:"[^"]*"\}')
_ICON_NAME = re.compile(r"\bfa-[a-z0-9-]+")
THEME_CSS = ("styles/pydata-sphinx-theme.css",)


def strip_icon_rules(css: str, used: set[str]) -> str:
    """``css`` without the rules of icons no page or script uses (``used``: "fa-globe"...)."""

    def keep(match: re.Match) -> str:
        names = re.findall(r"\.(fa-[a-z0-9-]+):", match.group(1))
        return match.group(0) if used.intersection(names) else ""

    return _ICON_RULE.sub(keep, css)


def icons_in_use(outdir: Path) -> set[str]:
    """Every ``fa-…`` name in the built pages and the scripts they load."""
    used: set[str] = set()
    files = [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]
    for path in files:
        if path.name == "fontawesome.js" or path.name.endswith("webpack-macros.html"):
            continue
        used.update(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return used


# The theme's stylesheet carries all of Bootstrap (carousels, toasts, modals, ...): two thirds
# of its rules name a class no page has and no script sets. A phone parses and matches them
# all before the first paint, on every page.
_CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_GROUPS = ("@media", "@supports", "@layer", "@container")


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``selector { body }`` pairs (a body may hold blocks of its own)."""
    out, i = [], 0
    while (start := css.find("{", i)) >= 0:
        depth, end = 1, start + 1
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        out.append((css[i:start].strip(), css[start + 1:end - 1]))
        i = end
    return out


def strip_unused_rules(css: str, used: set[str]) -> str:
    """``css`` without the rules whose every selector names a class outside ``used``
    (selectors without classes, @font-face, @keyframes and the like stay)."""
    parts = []
    for selector, body in _blocks(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
        if selector.startswith(_GROUPS):
            inner = strip_unused_rules(body, used)
            if inner:
                parts.append(f"{selector}{{{inner}}}")
        elif selector.startswith("@") or any(
                used.issuperset(_CLASS.findall(one)) for one in selector.split(",")):
            parts.append(f"{selector}{{{body}}}")
    return "".join(parts)


def classes_in_use(outdir: Path) -> set[str]:
    """Every class and id on the built pages, and every word in the scripts they load (a
    script may add a class: Bootstrap's "show", the theme's "bd-sidebar-primary" ...)."""
    used: set[str] = set()
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for names in re.findall(r'\bclass="([^"]*)"', text):
            used.update(names.split())
        used.update(re.findall(r'\bid="([^"]*)"', text))
    for script in (outdir / "_static").rglob("*.js"):
        used.update(re.findall(r"[A-Za-z_][\w-]*",
                               script.read_text(encoding="utf-8", errors="replace")))
    return used


def slim_theme_css(app: Sphinx, exception: Exception | None) -> None:
    """After the build: drop the rules of the theme's stylesheet that nothing uses (icons no
    page shows, Bootstrap parts no page has)."""
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    outdir = Path(app.outdir)
    icons, classes = icons_in_use(outdir), classes_in_use(outdir)
    for name in THEME_CSS:
        path = outdir / "_static" / name
        if path.is_file():
            css = strip_icon_rules(path.read_text(encoding="utf-8"), icons)
            path.write_text(strip_unused_rules(css, classes), encoding="utf-8")


# One stylesheet per page instead of seven or eight: each is render-blocking, and a phone on a
# slow network opens six connections at most, so the last ones wait for a second round.
_STYLESHEET = re.compile(r'[ \t]*<link\b(?=[^>]*\brel="stylesheet")[^>]*>[ \t]*\n?')
_HREF = re.compile(r'\bhref="([^"]+)"')
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
BUNDLE_ATTRIBUTE = "data-nnbook-css"


def rebased_css(css: str, folder: str) -> str:
    """``css`` from ``_static/<folder>`` with its relative url()s made relative to _static/."""
    import posixpath

    def rebase(match: re.Match) -> str:
        quote, url = match.groups()
        if not folder or re.match(r"^([a-z]+:|/|#)", url):
            return match.group(0)
        return f"url({quote}{posixpath.normpath(posixpath.join(folder, url))}{quote})"

    return _CSS_URL.sub(rebase, css)


def bundle_page_css(html: str, static: Path) -> str:
    """``html`` with its local stylesheets (all under _static/, in order) replaced by one
    bundle written to ``static``; the list stays in an attribute so the next build redoes it
    from the current files. Left as it is when a file is missing or has an @import."""
    import hashlib

    links = list(_STYLESHEET.finditer(html))
    names: list[str] = []
    for match in links:
        tag = match.group(0)
        if BUNDLE_ATTRIBUTE in tag:  # bundled by an earlier build: redo from its list
            names.extend(re.search(BUNDLE_ATTRIBUTE + r'="([^"]*)"', tag).group(1).split())
            continue
        href = _HREF.search(tag)
        if not href or " media=" in tag or "_static/" not in href.group(1):
            return html
        names.append(href.group(1).split("_static/", 1)[1].split("?")[0])
    if len(names) < 2:
        return html
    prefix = _HREF.search(links[0].group(0)).group(1).split("_static/", 1)[0]
    parts = []
    for name in names:
        path = static / name
        if not path.is_file():
            return html
        css = path.read_text(encoding="utf-8")
        if "@import" in css:
            return html
        parts.append(f"/* {name} */\n" + rebased_css(css, str(Path(name).parent).strip(".")))
    text = "\n".join(parts)
    bundle = f"nnbook-{hashlib.sha256(text.encode()).hexdigest()[:16]}.css"
    if not (static / bundle).is_file():
        (static / bundle).write_text(text, encoding="utf-8")
    tag = (f'    <link rel="stylesheet" href="{prefix}_static/{bundle}" '
           f'{BUNDLE_ATTRIBUTE}="{" ".join(names)}" />\n')
    start, end = links[0].start(), links[-1].end()
    middle = _STYLESHEET.sub("", html[start:end])
    return html[:start] + tag + middle + html[end:]


def bundle_css(app: Sphinx, exception: Exception | None) -> None:
    """After the build: every page's stylesheets as one file (``bundle_page_css``)."""
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    for page in outdir.rglob("*.html"):
        if static in page.parents:
            continue
        html = page.read_text(encoding="utf-8")
        bundled = bundle_page_css(html, static)
        if bundled != html:
            page.write_text(bundled, encoding="utf-8")


# Font Awesome draws the theme's icons from a web font of ~1,400 glyphs (the solid one 156 KB,
# fetched by every page before its icons show). The stylesheets, once slimmed, name the few the
# site shows: as "\\f0c9" in an icon's rule, or in a variable (--pst-icon-...).
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_FONT_SRC = re.compile(r"\bsrc\s*:[^;}]*")
_TTF = re.compile(r"""url\(\s*['"]?([^'")]+\.ttf)['"]?\s*\)""")
_GLYPH = re.compile(r"\\([ef][0-9a-fA-F]{3})(?![0-9a-fA-F])")  # the icons' Private Use Area


def icon_codepoints(css: str) -> set[int]:
    """The icon code points a stylesheet names (outside its @font-face rules)."""
    return {int(code, 16) for code in _GLYPH.findall(_FONT_FACE.sub("", css))}


def subset_font(ttf: Path, codepoints: set[int]) -> bytes:
    """``ttf`` with only the glyphs of ``codepoints``, as WOFF (zlib: no Brotli needed)."""
    import io
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines are not the build's
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]  # the licence and the font's names stay
    font = TTFont(ttf, recalcTimestamp=False)  # the same bytes in every build
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def subset_faces(css: str, folder: Path, codepoints: set[int]) -> str:
    """``css`` (a stylesheet in ``folder``) with each Font Awesome @font-face loading a WOFF of
    only ``codepoints``, written beside the font as ``<font>-<hash>.woff``."""

    def cut(face: re.Match) -> str:
        rule = face.group(0)
        ttf = _TTF.search(rule)
        source = (folder / ttf.group(1)).resolve() if ttf else None
        if "Font Awesome" not in rule or source is None or not source.is_file():
            return rule
        data = subset_font(source, codepoints)
        name = f"{source.stem}-{hashlib.sha256(data).hexdigest()[:12]}.woff"
        (source.parent / name).write_bytes(data)
        url = ttf.group(1).rsplit("/", 1)[0] + "/" + name if "/" in ttf.group(1) else name
        return _FONT_SRC.sub(f'src:url({url}) format("woff")', rule, count=1)

    return _FONT_FACE.sub(cut, css)


def subset_icon_fonts(app: Sphinx, exception: Exception | None) -> None:
    """After the build (slimmed, not yet bundled): Font Awesome's fonts cut down to the icons
    the site's stylesheets name (``subset_faces``)."""
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    static = Path(app.outdir) / "_static"
    sheets = sorted(static.rglob("*.css"))
    codepoints: set[int] = set()
    for path in sheets:
        codepoints |= icon_codepoints(path.read_text(encoding="utf-8"))
    for path in sheets:
        css = path.read_text(encoding="utf-8")
        if "Font Awesome" in css and "@font-face" in css and not path.name.startswith("nnbook-"):
            path.write_text(subset_faces(css, path.parent, codepoints), encoding="utf-8")


# What the theme and Sphinx copy into _static/ that no page loads (the deploy's unused bytes).
UNUSED_FILES = ("*.map", "scripts/fontawesome.js", "scripts/fontawesome.js.LICENSE.txt",
                "*webpack-macros.html")
UNUSED_FOLDERS = ("locales",)  # the themes' own .po/.mo catalogs
_REFERENCE = re.compile(r"""\b(?:href|src)=["']([^"'#?]+)""")


def referenced_files(outdir: Path) -> set[Path]:
    """Every file under ``_static/`` a built page links or loads, and the files the
    stylesheets among them name in url()."""
    found: set[Path] = set()
    for page in outdir.rglob("*.html"):
        if outdir / "_static" in page.parents:
            continue
        for url in _REFERENCE.findall(page.read_text(encoding="utf-8", errors="replace")):
            if "://" not in url and not url.startswith(("data:", "mailto:", "/")):
                found.add((page.parent / url).resolve())
    for css in [p for p in found if p.suffix == ".css" and p.is_file()]:
        for _quote, url in _CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            url = url.split("?")[0].split("#")[0]
            if not re.match(r"^([a-z]+:|/)", url):
                found.add((css.parent / url).resolve())
    return found


def prune_unused(app: Sphinx, exception: Exception | None) -> None:
    """After the bundling: leave out of the site what no page loads (``UNUSED_FILES``,
    ``UNUSED_FOLDERS``, and stylesheets, scripts and fonts under _static/ that no page or
    loaded stylesheet names). Sphinx copies its static files again on the next build, and
    the bundling reads them from there."""
    if exception is not None or getattr(app.builder, "format", "") != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    for pattern in UNUSED_FILES:
        for path in static.rglob(pattern):
            path.unlink()
    for name in UNUSED_FOLDERS:
        shutil.rmtree(static / name, ignore_errors=True)
    used = referenced_files(outdir)
    for path in static.rglob("*"):
        if (path.suffix in (".css", ".js", ".woff", ".woff2", ".ttf", ".eot", ".otf")
                and path.is_file() and path.resolve() not in used):
            path.unlink()


def add_filter(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["nnbook_drop_scripts"] = drop_scripts


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", add_filter)
    app.connect("doctree-read", describe_images)
    app.connect("html-page-context", page_context, priority=600)
    app.connect("build-finished", slim_theme_css, priority=500)
    app.connect("build-finished", subset_icon_fonts, priority=550)  # the slimmed stylesheets'
    app.connect("build-finished", bundle_css, priority=600)  # after the slimming
    app.connect("build-finished", prune_unused, priority=900)  # after everything that reads them
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
