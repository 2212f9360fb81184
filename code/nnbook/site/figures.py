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
  them (``bundle_css``), its relative url()s rebased.

The first two are written by the theme's templates: they go through a template filter,
``nnbook_drop_scripts``, which our ``layout.html`` applies to its ``css`` and ``extrahead``
blocks; the others are Sphinx's lists of files, filtered per page.
"""

from __future__ import annotations

import re
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
        context["body"] = sized_images(body, image_sizes(app))
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


def add_filter(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["nnbook_drop_scripts"] = drop_scripts


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", add_filter)
    app.connect("doctree-read", describe_images)
    app.connect("html-page-context", page_context, priority=600)
    app.connect("build-finished", slim_theme_css, priority=500)
    app.connect("build-finished", bundle_css, priority=600)  # after the slimming
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
