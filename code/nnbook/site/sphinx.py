"""Sphinx extension: what a four-language book needs that the theme lacks.

Each language is its own Sphinx build (``language`` = da, sv, ko or nl, source folder
``book/<lang>/``). This extension, registered in ``_config.yml`` (``sphinx:
extra_extensions: [nnbook.site.sphinx]``), adds to every page:

- a language switcher in the article header: real links to the same page in the other
  languages (``lang``/``hreflang`` set) and to the landing page;
- ``<link rel="alternate" hreflang>`` for every language version plus ``x-default``
  (the landing page), and a canonical URL under ``html_baseurl`` + ``<lang>/``;
- the theme's own words in the page's language: our catalog
  ``locales/<lang>/LC_MESSAGES/sphinx.po`` is put in front of Sphinx's and the themes'
  translations (templates, HTML writer, and the search page's JavaScript);
- the executed notebook as ``.ipynb`` in the theme's download button, and beside it a button
  that opens the same notebook in Colab (``nnbook.site.launch``);
- a Korean search language (particles stripped, Latin words Porter-stemmed), since
  Sphinx has none and "텐서를" must be found by "텐서";
- package code in ``literalinclude`` without its English comments and docstrings;
- the licences in every page's footer (``templates/nnbook-licence.html``), and the theme's
  words escaped in our templates; a ``sphinx.po`` translation with markup stops the build;
- executed outputs on the page as text, PNG or JPEG only (``nnbook.site.outputs``);
- each cell's printed text as one output per stream, joined exactly as printed, on the page
  and in the downloadable notebook alike (``merge_streams``, in place of MyST-NB's merge).
"""

from __future__ import annotations

import gettext
import html
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

import snowballstemmer
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from docutils import nodes
from docutils.parsers.rst import directives
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude
from sphinx.search import SearchLanguage
from sphinx.search.en import js_porter_stemmer

from nnbook import i18n
from nnbook.site import catalogs, launch, meta, notebooks
from nnbook.site.build import LANGUAGE_NAMES

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
CATALOG = "sphinx"  # the theme-words catalog: locales/<lang>/LC_MESSAGES/sphinx.po
SHOW_SOLUTION = i18n.N_("Show the solution")
HIDE_SOLUTION = i18n.N_("Hide the solution")


# --- the theme's words --------------------------------------------------------------


def theme_catalog_path(lang: str) -> Path:
    """Our translations of the theme's and Sphinx's words for one language."""
    return i18n.locales_dir() / lang / "LC_MESSAGES" / f"{CATALOG}.po"


def theme_translations(lang: str) -> gettext.GNUTranslations | None:
    """sphinx.po of ``lang`` compiled in memory (fuzzy and empty entries left out); a
    translation with markup stops the build (the theme puts these words in pages unescaped)."""
    path = theme_catalog_path(lang)
    if not path.is_file():
        return None
    found = catalogs.markup_in_catalog(path)
    if found:
        raise i18n.TranslationError(catalogs.MARKUP_HINT + "\n" + "\n".join(found))
    catalog = i18n.read_catalog(path, lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)  # write_mo skips fuzzy entries
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def theme_messages(lang: str) -> dict[str, str]:
    """msgid -> msgstr of sphinx.po (translated, not fuzzy), for the JavaScript catalog."""
    path = theme_catalog_path(lang)
    if not path.is_file():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.string, str) and m.string.strip() and not m.fuzzy
    }


def put_catalog_first(app: Sphinx) -> None:
    """Make our sphinx.po win over Sphinx's and the themes' catalogs (falling back to them).

    Sphinx loads ``locale_dirs`` before extensions; the themes add their catalogs as
    fallbacks. Ours goes in front of both the ``sphinx`` and the ``booktheme`` chains, so a
    word they leave in English (or translate awkwardly) comes from our catalog.
    """
    from sphinx import locale

    lang = app.config.language
    for catalog in ("sphinx", "booktheme"):
        ours = theme_translations(lang)
        if ours is None:
            return
        existing = locale.translators.get(("general", catalog))
        if existing is not None:
            ours.add_fallback(existing)
        locale.translators["general", catalog] = ours
        if catalog == "sphinx":
            app.translator = ours  # what the Jinja templates' _() will use


def write_js_translations(app: Sphinx, exception: Exception | None) -> None:
    """_static/translations.js (Sphinx's catalog with ours on top) and the copy button's words."""
    if exception or app.builder.format != "html":
        return
    lang = app.config.language
    translate_copy_button(app)
    target = Path(app.outdir) / "_static" / "translations.js"
    data: dict[str, Any] = {"locale": lang, "messages": {}, "plural_expr": "(n != 1)"}
    if target.is_file():
        text = target.read_text(encoding="utf-8")
        start, end = text.find("{"), text.rfind("}")
        if start >= 0:
            data = json.loads(text[start : end + 1])
    data["messages"].update(theme_messages(lang))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "Documentation.addTranslations(" + json.dumps(data, ensure_ascii=False, indent=1) + ");\n",
        encoding="utf-8",
    )


def translate_copy_button(app: Sphinx) -> None:
    """sphinx-copybutton knows a few languages in its own JS table; add the page's one."""
    path = Path(app.outdir) / "_static" / "copybutton.js"
    if not path.is_file():
        return
    lang = app.config.language
    text = path.read_text(encoding="utf-8")
    head = "const messages = {"
    if head not in text or f"\n  {lang!r}:" in text:
        return
    trans = theme_translations(lang) or gettext.NullTranslations()
    words = {
        "copy": trans.gettext("Copy"),
        "copy_to_clipboard": trans.gettext("Copy to clipboard"),
        "copy_success": trans.gettext("Copied!"),
        "copy_failure": trans.gettext("Failed to copy"),
    }
    entry = f"\n  {lang!r}: {json.dumps(words, ensure_ascii=False)},"
    path.write_text(text.replace(head, head + entry, 1), encoding="utf-8")


# --- the languages of a page ----------------------------------------------------------


def site_url(app: Sphinx) -> str:
    """The site's root URL (the landing page), from ``html_baseurl`` in _config.yml."""
    return (app.config.nnbook_site_url or "").rstrip("/") + "/"


# Pages Sphinx writes in every language: the switcher on the search page leads to the search
# page of the other language (and nnbook.js carries the query along), not to its index.
SPHINX_PAGES = ("search", "genindex")
WRITTEN_PAGES = (*SPHINX_PAGES, "glossary")  # pages with no source: written in every language


def page_languages(app: Sphinx, pagename: str) -> list[dict[str, Any]]:
    """Every language of the book with the link from this page to its version of it."""
    lang = app.config.language
    book = Path(app.srcdir).parent  # book/<lang>/ -> book/
    depth = pagename.count("/")
    up = "../" * (depth + 1)  # from this page to the site root
    items = []
    for code, name in LANGUAGE_NAMES.items():
        exists = pagename in WRITTEN_PAGES or (book / code / f"{pagename}.md").is_file() or (
            book / code / f"{pagename}.ipynb"
        ).is_file()
        page = pagename if exists else "index"
        items.append({
            "code": code,
            "name": name,
            "current": code == lang,
            "href": f"{up}{code}/{page}.html",
            "url": f"{site_url(app)}{code}/{page}.html",
            "exists": exists,
        })
    return items


def add_page_context(app: Sphinx, pagename: str, templatename: str, context: dict,
                     doctree: Any) -> None:
    """Switcher links, hreflang alternates, localised search text, .ipynb download."""
    from sphinx.locale import get_translation

    translate = get_translation("sphinx")
    languages = page_languages(app, pagename)
    up = "../" * (pagename.count("/") + 1)
    context["nnbook_languages"] = languages
    context["nnbook_landing"] = f"{up}index.html"
    # escaped once here: the theme puts it into an attribute as it is
    context["theme_search_bar_text"] = escape(translate("Search this book..."))
    if app.config.nnbook_site_url and pagename not in ("search", "genindex"):
        link = '<link rel="alternate" hreflang="{}" href="{}" />'
        links = [link.format(html.escape(item["code"]), html.escape(item["url"]))
                 for item in languages if item["exists"]]
        default = meta.x_default(Path(app.srcdir).parent, pagename, site_url(app))
        if default:  # the landing page for the indexes, the origin's version for a chapter
            links.append(link.format("x-default", html.escape(default)))
        context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(links) + "\n"
    # sphinx-thebe adds its config script once per read phase: two `const THEBE_JS_URL`
    # declarations are a JavaScript error on every page. Keep each script once.
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        key = (str(getattr(script, "filename", script) or ""),  # None and "" alike
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    # In place: Sphinx's list, to which later handlers of this event still add scripts.
    context["script_files"][:] = scripts
    # The download button offers the reader's notebook (nnbook.site.notebooks): the page's
    # numbers in its prose, no bookkeeping, a first cell that installs the published wheel.
    # (The theme shows the button only with a launch button configured; we set it ourselves.)
    # A page whose only code is bookkeeping (hidden glue cells) offers none (nnbook.site.launch).
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if executed.is_file():
        cache = Path(app.env.mystnb_config.execution_cache_path)  # MyST-NB set it at start
        notebooks.fill_from_cache(executed, cache)
        if launch.offers_notebook(executed):
            target = notebooks.write_reader_notebook(
                executed, Path(app.srcdir) / f"{pagename}.md", app.config.language, pagename,
                launch.wheel_url(site_url(app)), Path(app.outdir) / "_sources", cache,
                page_url=f"{site_url(app)}{app.config.language}/{pagename}.html")
            context["ipynb_source"] = target.name


def without_source_download(app: Sphinx, pagename: str, templatename: str, context: dict,
                            doctree: Any) -> None:
    """The download menu without the page's MyST source (``.md``): its numbers are still
    ``{glue}`` placeholders, of no use to a reader; the notebook has them written in."""
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons":
            group["buttons"] = [item for item in group["buttons"]
                                if item.get("label") != "download-source-button"]


def configure(app: Sphinx, config: Any) -> None:
    """Per-language URLs, our templates and the switcher in the article header."""
    from sphinx.search import languages as searchable

    if config.language not in searchable:  # neither Sphinx's nor ours (Korean)
        app.add_search_language(search_without_stemmer(config.language))
    if config.html_baseurl and not config.nnbook_site_url:
        config.nnbook_site_url = config.html_baseurl
    if config.nnbook_site_url:
        # canonical links: https://site/<lang>/<page>.html
        config.html_baseurl = site_url(app) + f"{config.language}/"
    # Words that extensions take from their config, not from a catalog.
    trans = theme_translations(config.language) or gettext.NullTranslations()
    for name, msgid in [
        ("togglebutton_hint", "Click to show"),
        ("togglebutton_hint_hide", "Click to hide"),
    ]:
        if name in config:
            config[name] = trans.gettext(msgid)
    # The only folded code cells are the exercises' solutions (tests/test_exercises.py).
    for name, msgid in [("nb_code_prompt_show", SHOW_SOLUTION),
                        ("nb_code_prompt_hide", HIDE_SOLUTION)]:
        if name in config:
            config[name] = i18n.translate(config.language, msgid)
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "nnbook-favicon.svg")
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    options = dict(config.html_theme_options or {})
    header_end = options.get("article_header_end", ["article-header-buttons.html"])
    if isinstance(header_end, str):
        header_end = [x.strip() for x in header_end.split(",") if x.strip()]
    if "nnbook-languages.html" not in header_end:
        header_end = ["nnbook-languages.html", *header_end]
    options["article_header_end"] = header_end
    footer = options.get("footer_content_items",
                         "author.html, copyright.html, last-updated.html, extra-footer.html")
    if isinstance(footer, str):
        footer = [x.strip() for x in footer.split(",") if x.strip()]
    if "nnbook-licence.html" not in footer:  # the licences, after the copyright
        at = footer.index("copyright.html") + 1 if "copyright.html" in footer else len(footer)
        footer = [*footer[:at], "nnbook-licence.html", *footer[at:]]
    options["footer_content_items"] = footer
    # Without a default mode pydata's script logs "Got invalid theme mode" on every page.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    config.html_theme_options = options


# --- package code on a page: the code without its English prose ---------------------------


def without_prose(source: str) -> str:
    """Python source without its comments and docstrings (bare string statements).

    The package's comments and docstrings are English, for whoever maintains it; a page in
    Danish, Swedish, Korean or Dutch shows only the code and explains it in its own prose.
    A fragment that does not tokenize (a cut-off bracket) comes back unchanged.
    """
    lines = source.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    margin = min(indents, default=0)
    body = [line[margin:] for line in lines]
    cut: dict[int, int] = {}  # row (0-based) -> column where a comment starts
    dropped: set[int] = set()  # rows of string statements
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(body) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    statement_start = True
    for i, token in enumerate(tokens):
        if token.type == tokenize.COMMENT:
            cut[token.start[0] - 1] = token.start[1]
        elif token.type == tokenize.STRING and statement_start:
            following = next((t for t in tokens[i + 1:] if t.type not in (tokenize.COMMENT,
                              tokenize.NL)), None)
            if following is None or following.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                dropped.update(range(token.start[0] - 1, token.end[0]))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            statement_start = token.type in (tokenize.NEWLINE, tokenize.INDENT,
                                             tokenize.DEDENT)
    kept: list[str] = []
    after_docstring = False
    for row, line in enumerate(body):
        if row in dropped:
            after_docstring = True
            continue
        if row in cut:
            line = line[: cut[row]].rstrip()
            if not line:
                continue  # a line that held only a comment
        if after_docstring and not line.strip():
            continue  # the blank line that followed a docstring
        after_docstring = False
        kept.append(" " * margin + line if line.strip() else "")
    return "\n".join(kept)


class LiteralIncludeWithoutProse(LiteralInclude):
    """``literalinclude`` that shows Python without comments and docstrings (``without_prose``);
    the flag ``:keep-prose:`` shows the file as it is."""

    option_spec = {**LiteralInclude.option_spec, "keep-prose": directives.flag}

    def run(self) -> list[nodes.Node]:
        result = super().run()
        if "keep-prose" in self.options:
            return result
        for node in result:
            for block in node.findall(nodes.literal_block):
                if block.get("language", "python") not in ("python", "python3", "py"):
                    continue
                text = without_prose(block.astext())
                block.rawsource = text
                block.children = [nodes.Text(text)]
        return result


# --- Korean search --------------------------------------------------------------------

# Particles (josa) and the copula glued to Korean nouns, longest first: "텐서를" -> "텐서".
KOREAN_PARTICLES = sorted(
    """에서는 에서도 에서의 으로는 으로도 으로써 에게서 이라는 이라고 이라면 입니다 이며 이고
    에서 에게 으로 부터 까지 처럼 보다 라는 라고 이다 에는 에도 와는 과는 와의 과의 하고 이나
    을 를 이 가 은 는 의 에 로 와 과 도 만 나""".split(),
    key=len,
    reverse=True,
)
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def strip_korean_particle(word: str) -> str:
    """A Korean word without its trailing particle (and plural 들); one syllable stays."""
    if not _HANGUL.search(word):
        return word
    for particle in KOREAN_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            word = word[: -len(particle)]
            break
    # the plural 들 before the particle: 텐서들을 -> 텐서들 -> 텐서
    return word[:-1] if word.endswith("들") and len(word) > 2 else word


JS_KOREAN_STEMMER = (
    js_porter_stemmer.replace("var Stemmer = function", "var PorterStemmer = function")
    + "\nvar KOREAN_PARTICLES = " + json.dumps(KOREAN_PARTICLES, ensure_ascii=False) + ";"
    + """
var Stemmer = function() {
  var porter = new PorterStemmer();
  this.stemWord = function (w) {
    if (!/[\\uac00-\\ud7a3]/.test(w)) return porter.stemWord(w);
    for (var i = 0; i < KOREAN_PARTICLES.length; i++) {
      var p = KOREAN_PARTICLES[i];
      if (w.length > p.length && w.slice(-p.length) === p) { w = w.slice(0, -p.length); break; }
    }
    return (w.length > 2 && w.slice(-1) === "\ub4e4") ? w.slice(0, -1) : w;
  };
};
"""
)


class SearchKorean(SearchLanguage):
    """Korean for Sphinx's search: words split like Python's \\w+, particles stripped.

    The same rule runs in the browser (``js_stemmer_code``), so a query "텐서" finds a
    page that only says "텐서를" or "텐서의". Latin words (code names) get the English
    Porter stemmer, as in the other languages' builds.
    """

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = JS_KOREAN_STEMMER
    stopwords = set()

    def init(self, options: dict[str, str]) -> None:
        self.porter = snowballstemmer.stemmer("porter")

    def stem(self, word: str) -> str:
        word = word.lower()
        if _HANGUL.search(word):
            return strip_korean_particle(word)
        return self.porter.stemWord(word)


def search_without_stemmer(code: str) -> type[SearchLanguage]:
    """Search for a language with no stemmer in Sphinx (a language added with
    ``new-language``): whole words, lower-cased, the same in Python and in the browser,
    rather than Sphinx's fallback, which stems every word as English."""
    return type(f"Search_{code}", (SearchLanguage,), {
        "lang": code,
        "language_name": code,
        "js_stemmer_code": "var Stemmer = function() { this.stemWord = function (w) "
                           "{ return w.toLowerCase(); }; };",
        "stopwords": set(),
        "stem": lambda self, word: word.lower(),
    })


# --- printed text: one output per stream ----------------------------------------------------
_CARRIAGE_RETURN = re.compile(r".*\r(?=[^\n])")  # a line a later \r overwrote (progress)
_BACKSPACE = re.compile(r"[^\n]\x08")  # a character a backspace erased


def merge_streams(outputs: list) -> list:
    """Join each stream's pieces (stdout, stderr) into one output, in the cell's own list.

    How the kernel cuts a cell's printed text into messages depends on timing (it sends
    what it has every 0.2 s), so an unmerged page differs from build to build. MyST-NB's own
    merge (``nb_merge_streams``) has two faults this replaces: it ends every piece with a
    line break, splitting a line printed in two pieces, and it grows the notebook's first
    piece in place while the notebook keeps the later ones, so the executed ``.ipynb``
    (the page's download) repeated them: "the last lines printed twice". Here the texts
    are joined exactly, and the merged outputs replace the cell's, so the page and the
    notebook agree. As before, stdout comes first when both streams printed.
    """
    merged: list = []
    streams: dict[str, Any] = {}
    for output in outputs:
        if output["output_type"] != "stream":
            merged.append(output)
            continue
        text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
        if output["name"] in streams:
            streams[output["name"]]["text"] += text
        else:
            streams[output["name"]] = type(output)(output, text=text)  # a copy, not the piece
            merged.append(streams[output["name"]])
    for stream in streams.values():
        text = None
        while text != stream["text"]:  # "ab\bc" -> "ac", repeatedly
            text, stream["text"] = stream["text"], _BACKSPACE.sub("", stream["text"])
        stream["text"] = _CARRIAGE_RETURN.sub("", stream["text"])
    if "stdout" in streams and "stderr" in streams:
        out, err = merged.index(streams["stdout"]), merged.index(streams["stderr"])
        if err + 1 == out:  # side by side: the order they arrived in is chance
            merged[err], merged[out] = merged[out], merged[err]
    outputs[:] = merged
    return outputs


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the extension (events, config value, Korean search, stream merging)."""
    import myst_nb.core.render  # here: Sphinx has loaded MyST-NB by now, importing us does not

    myst_nb.core.render.coalesce_streams = merge_streams  # used when nb_merge_streams is on
    app.add_config_value("nnbook_site_url", "", "html")
    put_catalog_first(app)
    app.add_search_language(SearchKorean)
    app.add_directive("literalinclude", LiteralIncludeWithoutProse, override=True)
    app.connect("config-inited", configure)
    app.connect("html-page-context", add_page_context, priority=400)
    app.connect("html-page-context", without_source_download, priority=503)  # after the theme
    app.connect("build-finished", write_js_translations)
    app.add_css_file("nnbook.css")
    app.setup_extension("nnbook.site.katex")  # formulas typeset while building
    app.setup_extension("nnbook.site.meta")  # descriptions, noindex, titles
    app.setup_extension("nnbook.site.outputs")  # outputs as text, PNG or JPEG only
    app.setup_extension("nnbook.site.launch")  # Open in Colab, the install commands
    app.setup_extension("nnbook.site.freshness")  # a stale translation says so at its top
    app.setup_extension("nnbook.site.feedback")  # each paragraph's link to a new issue
    app.setup_extension("nnbook.site.glossary")  # the glossary page, terms linked to it
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
