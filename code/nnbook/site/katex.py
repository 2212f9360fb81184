"""Formulas typeset while the book is built, with KaTeX, and served from the site itself.

Sphinx's default (MathJax) leaves ``\\(...\\)`` in the page and loads a renderer from another
host when the page is read; offline, or with that host out of reach, a reader sees raw LaTeX.
Here every formula of a page is typeset once, at build time, by KaTeX (the npm package,
``KATEX_VERSION``, that ``scripts/install.sh`` installs into the ignored ``.tools/katex``), run
with Node.js (``katex_render.js``). The page then holds KaTeX's HTML (and MathML for screen
readers); its stylesheet and the fonts it names are copied to ``_static/katex/`` of each
language and linked only from pages that have a formula. The reader's browser runs no script
for it and asks no other host for anything.

A formula KaTeX cannot typeset is a build warning naming the page and line (``-W`` fails
the build), never raw text on the page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes

from nnbook.paths import REPO

KATEX_VERSION = "0.19.1"  # the same pin in scripts/install.sh (tests/test_katex.py checks it)
KATEX = REPO / ".tools" / "katex" / "node_modules" / "katex"
INSTALL_HINT = "run `bash scripts/install.sh` (npm install of katex into .tools/katex)"
RENDERER = Path(__file__).with_name("katex_render.js")
STATIC = "katex"  # <outdir>/_static/katex/: katex.css and fonts/
STYLESHEET = f"{STATIC}/katex.css"
HTML_ATTR = "nnbook_katex_html"
CLASSES = "math notranslate nohighlight nnbook-math"  # Sphinx's classes, and ours


class KatexMissing(RuntimeError):
    """Node.js or the pinned KaTeX is not installed: the message says how to install it."""


def node() -> str:
    found = shutil.which("node")
    if not found:
        raise KatexMissing("Node.js is not installed (no `node` on PATH); the book's formulas "
                           f"are typeset with it while building: {INSTALL_HINT}")
    return found


def check_installed(katex: Path | None = None) -> Path:
    """The KaTeX package folder, after checking that node and the pinned KaTeX are there."""
    katex = katex or KATEX
    node()
    manifest = katex / "package.json"
    if not manifest.is_file():
        raise KatexMissing(f"KaTeX {KATEX_VERSION} is not installed ({katex} missing); the "
                           f"book's formulas are typeset with it while building: {INSTALL_HINT}")
    have = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    if have != KATEX_VERSION:
        raise KatexMissing(f"KaTeX {have} is installed in {katex}, the build pins "
                           f"{KATEX_VERSION}: {INSTALL_HINT}")
    return katex


def render(formulas: list[tuple[str, bool]], katex: Path | None = None) -> list[dict[str, Any]]:
    """Typeset ``(tex, display)`` pairs in one Node.js run; one dict per formula, in order:
    ``{"html": ..., "warnings": [...]}`` or ``{"error": ...}``."""
    if not formulas:
        return []
    katex = check_installed(katex)
    payload = json.dumps([{"tex": tex, "display": display} for tex, display in formulas])
    result = subprocess.run([node(), str(RENDERER), str(katex)], input=payload,
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"KaTeX (node {RENDERER.name}) failed:\n{result.stderr.strip()}")
    return json.loads(result.stdout)


_FONT_SRC = re.compile(r"src:\s*url\(([^)]+\.woff2)\)\s*format\([\"']woff2[\"']\)[^;}]*")
# The theme lays math out for MathJax (a flex row, inline boxes that clip their overflow):
# KaTeX's own boxes go back to plain text flow, display formulas centred. Long display
# formulas scroll inside their own box instead of widening a phone's page.
EXTRA_CSS = """
span.math.nnbook-math { display: inline; overflow: visible; }
div.math.nnbook-math { display: block; }
div.math.nnbook-math span.eqno { float: right; line-height: 2.4; }
.katex-display { overflow-x: auto; overflow-y: hidden; padding: .1em 0; margin: .6em 0; }
.katex { font-size: 1.1em; }
"""


def stylesheet(katex: Path | None = None) -> tuple[str, list[str]]:
    """KaTeX's stylesheet with each font given as WOFF2 only (every browser that shows the
    site reads it), plus our rules; and the font files it names (relative paths)."""
    katex = katex or KATEX
    # katex-swap: text shows in a fallback font until KaTeX's has loaded (font-display: swap)
    css = (katex / "dist" / "katex-swap.min.css").read_text(encoding="utf-8")
    css = _FONT_SRC.sub(lambda m: f'src:url({m.group(1)}) format("woff2")', css)
    fonts = sorted(set(re.findall(r"url\(([^)]+)\)", css)))
    return css + EXTRA_CSS, fonts


def copy_assets(static: Path, katex: Path | None = None) -> Path:
    """Write ``<static>/katex/katex.css`` and the fonts it names; returns the folder."""
    katex = check_installed(katex)
    css, fonts = stylesheet(katex)
    target = static / STATIC
    (target / "fonts").mkdir(parents=True, exist_ok=True)
    for font in fonts:
        shutil.copy2(katex / "dist" / font, target / font)
    (target / "katex.css").write_text(css, encoding="utf-8")
    return target


# --- Sphinx --------------------------------------------------------------------------------


def _tex(node: nodes.Element) -> tuple[str, bool]:
    """What KaTeX gets for a math node: (tex, display)."""
    if isinstance(node, nodes.math_block):
        tex = node.astext().strip()
        parts = [p.strip() for p in re.split(r"\n\s*\n", tex) if p.strip()]
        if not node.get("nowrap") and len(parts) > 1:  # Sphinx's blank-line-separated lines
            tex = r"\begin{gathered}" + r"\\".join(parts) + r"\end{gathered}"
        return tex, True
    return node.astext(), False


def typeset_doctree(app: Any, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: typeset every formula of a page in one run; a formula KaTeX
    rejects is a warning at its source line."""
    if getattr(app.builder, "math_renderer_name", None) != "katex":
        return
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    found = [n for n in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block)))]
    for node, result in zip(found, render([_tex(n) for n in found]), strict=True):
        tex = _tex(node)[0]
        if "error" in result:
            logger.warning("KaTeX cannot typeset %r: %s", tex, result["error"],
                           location=node, type="nnbook", subtype="katex")
            node[HTML_ATTR] = f'<code class="nnbook-math-error">{html.escape(tex)}</code>'
            continue
        for warning in result.get("warnings", []):
            logger.warning("KaTeX on %r: %s", tex, warning, location=node,
                           type="nnbook", subtype="katex")
        node[HTML_ATTR] = result["html"]


def _html(node: nodes.Element) -> str:
    if HTML_ATTR not in node:  # a node no doctree-resolved saw: typeset it alone
        (result,) = render([_tex(node)])
        node[HTML_ATTR] = result.get("html") or html.escape(node.astext())
    return node[HTML_ATTR]


def visit_math(self: Any, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS=CLASSES))
    self.body.append(_html(node) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.math_block) -> None:
    from sphinx.locale import _
    from sphinx.util.math import get_node_equation_number

    self.body.append(self.starttag(node, "div", CLASS=CLASSES))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_html(node) + "</div>\n")
    raise nodes.SkipNode


def use_katex(app: Any, config: Any) -> None:
    """``config-inited``: KaTeX renders the HTML's math (and must be installed)."""
    check_installed()
    config.html_math_renderer = "katex"


def link_stylesheet(app: Any, pagename: str, templatename: str, context: dict,
                    doctree: Any) -> None:
    """``html-page-context``: KaTeX's stylesheet on pages that have a formula, only."""
    if getattr(app.builder, "math_renderer_name", None) != "katex":
        return
    # the page's own formulas (the math domain's has_equations also counts its toctree's)
    if doctree is not None and next(
            doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))), None):
        app.builder.add_css_file(STYLESHEET)


def write_assets(app: Any, exception: Exception | None) -> None:
    """``build-finished``: KaTeX's stylesheet and fonts into ``_static/katex/``."""
    if exception is None and app.builder.format == "html":
        copy_assets(Path(app.outdir) / "_static")


def env_version() -> int:
    """Changes with what typesets the pages (KaTeX's version, the renderer, our rules), so
    Sphinx writes every page again then, not only the changed ones."""
    digest = hashlib.sha256(f"{KATEX_VERSION}\n{EXTRA_CSS}".encode() + RENDERER.read_bytes())
    return int(digest.hexdigest()[:8], 16)


def setup(app: Any) -> dict[str, Any]:
    app.add_html_math_renderer("katex", (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", use_katex)
    app.connect("doctree-resolved", typeset_doctree)
    app.connect("html-page-context", link_stylesheet)
    app.connect("build-finished", write_assets)
    return {"version": "1", "env_version": env_version(), "parallel_read_safe": True,
            "parallel_write_safe": True}
