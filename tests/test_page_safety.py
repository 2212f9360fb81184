"""Nothing a translator writes or a cell displays runs in a reader's browser (fast).

- translations and language names hold no markup (the theme prints the theme's words raw);
- our templates escape every value from a catalog or the configuration (Sphinx's Jinja
  does not autoescape), shown by rendering them with hostile values;
- executed outputs reach a page as text, PNG or JPEG only (``nnbook.site.outputs``), shown
  by a one-page Sphinx build of a notebook whose stored outputs are hostile;
- the site's address is a plain http(s) URL, and escaped where it goes into HTML or XML.
The whole path (a scratch book built with a hostile catalog, author and outputs) is
tests/test_build_failures.py's (build stage).
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from jinja2.sandbox import SandboxedEnvironment

from nnbook import i18n
from nnbook.site import catalogs, meta, sphinx

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "code" / "nnbook" / "site" / "templates"
HOSTILE = "<script>alert(1)</script>\" onmouseover=\"alert(2)' onfocus='alert(3)&amp;"


class Tags(HTMLParser):
    """Every tag and attribute name of a piece of HTML."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def assert_inert(text: str) -> None:
    """No script element and no event-handler attribute in ``text``."""
    tags = Tags(text)
    assert "script" not in tags.tags, text
    assert not [a for a in tags.attributes if a.startswith("on")], text


# --- catalogs ---------------------------------------------------------------------------------


def test_markup_in_a_translation_or_language_name_is_found_with_file_and_line(scratch_locales):
    po = scratch_locales / "da" / "LC_MESSAGES" / "sphinx.po"
    text = po.read_text(encoding="utf-8")
    for word, bad in [("Til toppen", "<script>alert(1)</script>"),
                      ("Søg", 'x" onmouseover="alert(1)'), ("Sprog", "it's"),
                      ("Kopiér", "a &amp; b"), ("Alle sprog", "back\\\\slash")]:
        text = text.replace(f'msgstr "{word}"', f'msgstr "{bad}"', 1)
    po.write_text(text, encoding="utf-8")
    listing = scratch_locales / "languages.toml"
    listing.write_text(listing.read_text(encoding="utf-8").replace(
        'name = "Svenska"', "name = '<b>Svenska</b>'"), encoding="utf-8")
    found = catalogs.markup_problems(scratch_locales)
    assert len(found) == 6, found
    lines = po.read_text(encoding="utf-8").splitlines()
    for problem in found[:5]:
        where, line = re.match(r"(.+?):(\d+): ", problem).groups()
        assert where == str(po) and lines[int(line) - 1].startswith("msgid"), problem
    toml_line = int(found[5].split(":")[1])
    assert listing.read_text().splitlines()[toml_line - 1].startswith("name = '<b>"), found[5]
    with pytest.raises(i18n.TranslationError, match=r"sphinx\.po:\d+"):
        catalogs.compile_all()
    with pytest.raises(i18n.TranslationError, match=r"sphinx\.po:\d+"):
        sphinx.theme_translations("da")  # the Sphinx build itself refuses the catalog


def test_typographic_quotes_and_placeholders_are_not_markup():
    for text in ["Pagina’s", "„citat“", "« guillemets »", "${resultCount} %(author)s {type}"]:
        assert not catalogs.MARKUP.search(text), text


# --- templates ----------------------------------------------------------------------------------

# What a template may print unescaped: HTML that Sphinx and the theme build from the page's
# doctree (escaped there), the parent template's blocks, and URLs that Sphinx computes.
BUILT_HTML = re.compile(r"^-?\s*(super\b|super\.super\b|pagetitle\b|page_toc\b|"
                        r"generate_toctree_html\(|pathto\()")


def test_every_value_a_template_prints_is_escaped_or_html_sphinx_built():
    for template in sorted(TEMPLATES.glob("*.html")):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.S)
        for expression in re.findall(r"\{\{(.*?)\}\}", text, flags=re.S):
            body = expression.strip().lstrip("-").strip()
            escaped = re.search(r"\|\s*(e|escape)\s*$", body)
            assert escaped or BUILT_HTML.match(body), f"{template.name}: {{{{{expression}}}}}"


def render(name: str, **context) -> str:
    """One of our templates through a Jinja environment like Sphinx's (no autoescape)."""
    environment = SandboxedEnvironment()
    environment.filters["tobool"] = bool  # one of Sphinx's own filters
    assert not environment.autoescape
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    return environment.from_string(source).render(**context)


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")
                                        if p.name != "layout.html"))  # extends the theme's
def test_a_template_fed_hostile_words_and_values_prints_them_as_text(name):
    languages = [{"code": HOSTILE, "name": HOSTILE, "href": HOSTILE, "url": HOSTILE,
                  "current": current, "exists": True} for current in (True, False)]
    out = render(name, _=lambda s: HOSTILE + s, translate=lambda s: HOSTILE, author=HOSTILE,
                 nnbook_languages=languages, nnbook_landing=HOSTILE, nnbook_colab=HOSTILE,
                 root_title=HOSTILE, root_doc="index", pagename="x",
                 theme_home_page_in_toc=True, theme_max_navbar_depth=1,
                 theme_show_navbar_depth=1, pathto=lambda doc: f"{doc}.html",
                 generate_toc_html=lambda: "<ul></ul>",
                 generate_toctree_html=lambda **options: "<ul></ul>")
    assert_inert(out)
    if "_(" in (TEMPLATES / name).read_text(encoding="utf-8"):
        assert "&lt;script&gt;" in out  # the words are there, as text


# --- executed outputs ---------------------------------------------------------------------------

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()
HOSTILE_OUTPUTS = [
    {"text/html": "<script>alert('html')</script><b onmouseover=\"alert(1)\">b</b>",
     "text/plain": "plain for html"},
    {"text/markdown": "<script>alert('markdown')</script>", "text/plain": "plain for markdown"},
    {"application/javascript": "alert('javascript')", "text/plain": "plain for javascript"},
    {"application/vnd.jupyter.widget-view+json": {"model_id": "w", "version_major": 2,
                                                  "version_minor": 0},
     "text/plain": "plain for widget"},
    {"image/svg+xml": "<svg onload=\"alert('svg')\"></svg>", "text/plain": "plain for svg"},
    {"text/latex": r"$\text{latex}$", "text/plain": "plain for latex"},
    {"image/png": PNG, "text/plain": "<Figure size 1x1>"},
]


def hostile_notebook() -> nbformat.NotebookNode:
    """Stored outputs of every kind a cell can display, glue included; the page's own
    MyST-NB settings try to rank HTML and JavaScript first; a widget state is saved."""
    outputs = [nbformat.v4.new_output("display_data", data=data) for data in HOSTILE_OUTPUTS]
    outputs.append(nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/html": "<script>alert('result')</script>", "text/plain": "plain for result"}))
    outputs.append(nbformat.v4.new_output("display_data", data={
        "application/papermill.record/text/html": "<script>alert('glue')</script>",
        "application/papermill.record/text/plain": "'plain for glue'"},
        metadata={"scrapbook": {"name": "hostile",
                                "mime_prefix": "application/papermill.record/"}}))
    code = nbformat.v4.new_code_cell("pass", execution_count=1, outputs=outputs)
    text = nbformat.v4.new_markdown_cell("# Outputs\n\nGlued: {glue}`hostile`\n\n"
                                         "```{glue} hostile\n```\n")
    notebook = nbformat.v4.new_notebook(cells=[code, text])
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "mystnb": {"mime_priority_overrides": [["*", "text/html", 1],
                                               ["*", "application/javascript", 2]]},
        "widgets": {"application/vnd.jupyter.widget-state+json": {
            "state": {"w": {"model_name": "X"}}, "version_major": 2, "version_minor": 0}}})
    return notebook


def build_page(root: Path, extensions: list[str]) -> str:
    """The notebook as one page of a Sphinx build (no execution); its HTML."""
    source = root / "source"
    source.mkdir(parents=True)
    nbformat.write(hostile_notebook(), source / "index.ipynb")
    (source / "conf.py").write_text(f"extensions = {extensions!r}\n"
                                    "nb_execution_mode = 'off'\nhtml_theme = 'basic'\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(source),
                             str(root / "html")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return (root / "html" / "index.html").read_text(encoding="utf-8")


def test_a_pages_outputs_show_as_text_png_or_jpeg_whatever_the_cell_displayed(tmp_path):
    unsafe = build_page(tmp_path / "myst-nb", ["myst_nb"])
    assert "<script>alert('html')" in unsafe and "require.min.js" in unsafe  # it was hostile
    page = build_page(tmp_path / "nnbook", ["myst_nb", "nnbook.site.outputs"])
    assert "alert(" not in page
    assert_inert(page[page.index('<div class="body"'):page.index('<div class="sphinxsidebar"')])
    for kind in ("html", "markdown", "javascript", "widget", "svg", "latex", "result", "glue"):
        assert f"plain for {kind}" in page, kind
    assert re.search(r'<img[^>]+src="_images/[0-9a-f]+\.png"', page)
    assert "require.min.js" not in page and "embed-amd" not in page


def test_the_priority_list_ranks_only_text_png_and_jpeg():
    from myst_nb.core.render import get_mime_priority

    from nnbook.site import outputs

    overrides = [("*", mime, None) for mime in outputs.hidden_types()]
    for builder in ("html", "dirhtml", "singlehtml", "epub"):
        assert get_mime_priority(builder, overrides) == list(outputs.SHOWN), builder


# --- the site's address -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ['https://x.example/"><script>alert(1)</script>',
                                 "https://x.example/$(id)/", "https://x.example/ a/",
                                 "javascript:alert(1)//", "https://x.example/\n"])
def test_a_site_address_that_is_not_a_plain_url_is_refused_even_for_a_preview(url):
    with pytest.raises(meta.SiteURLError):
        meta.check_base_url(url, publish=False)


@pytest.mark.parametrize("url", ["https://nnbook.example.org/", "http://127.0.0.1:8000/",
                                 "https://someone.github.io/nn-book_2/"])
def test_a_plain_site_address_passes(url):
    meta.check_base_url(url, publish=False)


def test_the_landing_pages_links_escape_the_address():
    head = meta.landing_head('https://x.example/"a&b/', ["da"], ["T"], ["Dansk"])
    assert 'href="https://x.example/&quot;a&amp;b/"' in head
    assert_inert(head)
