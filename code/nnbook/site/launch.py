"""Where readers run the chapters themselves: in Colab, or on their own machine.

- **Open in Colab.** Colab opens a notebook from GitHub by its address,
  ``https://colab.research.google.com/github/OWNER/NAME/blob/BRANCH/PATH``. The hosted CI's
  deploy job writes every page's reader's notebook (what its download button gives) to the
  branch ``notebooks`` of the book's repository, as ``<lang>/nnbook-<lang>-<chapter>.ipynb``;
  each chapter page links there, beside its download. The repository is set once, like the
  site's address: ``nnbook: repository: owner/name`` in _config.yml, or ``NNBOOK_REPOSITORY``
  (the workflow sets it from ``github.repository``). Without one (a preview) no page shows the
  button; a build for publishing refuses to run without one.
- **The published folder.** ``assemble`` copies the readers' notebooks into
  ``<build>/notebooks/`` in the branch's layout: the deploy job pushes that folder as it is.
- **A page without code for the reader** (the page on running the chapters: only a hidden
  cell that glues numbers) offers no notebook and no Colab button.
- **Install commands on a page**: the directive ``nnbook-commands`` shows a shell block in
  which ``{wheel_url}`` becomes the address of the reader's wheel the site publishes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes

from nnbook import i18n
from nnbook.paths import source_dir
from nnbook.site import meta, wheel
from nnbook.site.notebooks import file_name

COLAB = "https://colab.research.google.com/github/"
BRANCH = "notebooks"  # the branch the deploy job writes (.github/workflows/book.yml)
PUBLISHED = "notebooks"  # <build>/notebooks/: the branch's files, written by assemble
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
WHEEL_URL = "{wheel_url}"  # what nnbook-commands replaces


class RepositoryError(meta.SiteURLError):
    """The book's repository is malformed, or missing from a build for publishing."""


# --- the repository -------------------------------------------------------------------------


def normalise(value: str | None) -> str:
    """``owner/name`` from what a deployer may write: ``owner/name``, or the repository's
    GitHub address (``https://github.com/owner/name``, with or without ``.git``)."""
    text = (value or "").strip()
    text = re.sub(r"^(?:https?://)?github\.com/", "", text).removesuffix("/")
    return text.removesuffix(".git")


def repository(config: Path | None = None) -> str:
    """The book's GitHub repository, ``owner/name``: ``NNBOOK_REPOSITORY``, else
    ``nnbook: repository`` in _config.yml; ``""`` when neither names one."""
    if os.environ.get("NNBOOK_REPOSITORY", "").strip():
        return normalise(os.environ["NNBOOK_REPOSITORY"])
    if config is None:  # the book's sources, as the build finds them (NNBOOK_SOURCE)
        config = source_dir() / "_config.yml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return normalise(str((settings.get("nnbook") or {}).get("repository") or ""))


def check_repository(repo: str, publish: bool) -> None:
    """A repository must look like ``owner/name``; a build for publishing needs one (its
    pages' Colab buttons open the notebooks from it). A preview may have none."""
    if repo and not _REPOSITORY.fullmatch(repo):
        raise RepositoryError(f"the book's repository {repo!r} is not owner/name: set nnbook: "
                              "repository in _config.yml or NNBOOK_REPOSITORY")
    if publish and not repo:
        raise RepositoryError(
            "a build for publishing needs the book's GitHub repository (owner/name), where the "
            "chapters' Colab buttons open the readers' notebooks: set nnbook: repository in "
            "_config.yml or NNBOOK_REPOSITORY")


# --- the published notebooks and the Colab address ------------------------------------------


def published_path(lang: str, chapter: str) -> str:
    """Where a page's reader's notebook lies in the branch: ``da/nnbook-da-01-tensors.ipynb``."""
    return f"{lang}/{file_name(lang, chapter)}"


def colab_url(repo: str, lang: str, chapter: str) -> str:
    """The address that opens a page's reader's notebook in Colab."""
    return f"{COLAB}{repo}/blob/{BRANCH}/{published_path(lang, chapter)}"


def offers_notebook(executed: Path) -> bool:
    """Whether a page has code for the reader: a code cell that is not the book's
    bookkeeping (``remove-cell``). A page of prose with hidden glue cells has none."""
    cells = json.loads(executed.read_text(encoding="utf-8")).get("cells", [])
    return any(cell.get("cell_type") == "code"
               and "remove-cell" not in cell.get("metadata", {}).get("tags", [])
               for cell in cells)


BRANCH_README = """# nnbook: the readers' notebooks

Each chapter of the book in each language, as its page's download gives it:
`<lang>/nnbook-<lang>-<chapter>.ipynb`. The pages' Colab buttons open these files.

This branch is written by the book's CI (the deploy job of .github/workflows/book.yml) on
every change to the main branch; edit the chapters on the main branch, never these files.
"""


def write_published(html: Path, out: Path) -> list[Path]:
    """The readers' notebooks of the built pages (``html/<lang>/_sources/``) copied into
    ``out`` in the branch's layout, with a README; ``out`` is emptied first, so a chapter
    that is gone is gone from the branch too. Returns the notebooks written."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for lang in i18n.LANGUAGES:
        sources = html / lang / "_sources"
        prefix = f"nnbook-{lang}-"
        for notebook in sorted(sources.glob(f"{prefix}*.ipynb")) if sources.is_dir() else []:
            chapter = notebook.name.removeprefix(prefix).removesuffix(".ipynb")
            if not (html / lang / f"{chapter}.html").is_file():
                continue  # left from an earlier build of other chapters
            target = out / published_path(lang, chapter)
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(Path(shutil.copyfile(notebook, target)))
    (out / "README.md").write_text(BRANCH_README, encoding="utf-8")
    return written


# --- Sphinx: the button and the install commands ----------------------------------------------


def wheel_url(site: str) -> str:
    """The address of the reader's wheel the site publishes (``site`` ends in '/')."""
    return f"{site}dist/{wheel.wheel_name()}"


def add_colab_button(app: Any, pagename: str, templatename: str, context: dict,
                     doctree: Any) -> None:
    """The page's Colab address for the template ``nnbook-colab.html``: only where the page
    offers its reader's notebook (``nnbook.site.sphinx`` set ``ipynb_source``) and the book
    has a repository."""
    lang = app.config.language
    repo = app.config.nnbook_repository
    if repo and context.get("ipynb_source") == file_name(lang, pagename):
        context["nnbook_colab"] = colab_url(repo, lang, pagename)


def add_colab_to_downloads(app: Any, pagename: str, templatename: str, context: dict,
                           doctree: Any) -> None:
    """Colab in the theme's download menu too, right after the notebook: on a phone the header
    has no room for the button (``nnbook.css`` hides it there), the menu is always there."""
    url = context.get("nnbook_colab")
    if not url:
        return
    for group in context.get("header_buttons") or []:
        if group.get("label") != "download-buttons":
            continue
        items = group["buttons"]
        at = next((i + 1 for i, item in enumerate(items)
                   if item.get("label") == "download-notebook-button"), 0)
        items.insert(at, {"type": "link", "url": url, "text": "Colab", "icon": "fas fa-play",
                          "tooltip": "Open in Colab", "label": "colab-button"})


def place_button(app: Any, config: Any) -> None:
    """The Colab button goes just before the theme's buttons, next to the download."""
    options = dict(config.html_theme_options or {})
    items = list(options.get("article_header_end") or ["article-header-buttons.html"])
    if "nnbook-colab.html" not in items:
        at = (items.index("article-header-buttons.html")
              if "article-header-buttons.html" in items else len(items))
        items.insert(at, "nnbook-colab.html")
    options["article_header_end"] = items
    config.html_theme_options = options


def commands_directive() -> type:
    """``nnbook-commands``: a shell block whose ``{wheel_url}`` becomes the wheel's address
    when the page is written (the address may change without the page being read again)."""
    from sphinx.util.docutils import SphinxDirective

    class Commands(SphinxDirective):
        has_content = True

        def run(self) -> list[nodes.Node]:
            text = "\n".join(self.content)
            block = nodes.literal_block(text, text, language="bash",
                                        classes=["nnbook-commands"])
            self.set_source_info(block)
            return [block]

    return Commands


def fill_wheel_url(app: Any, doctree: nodes.document, docname: str) -> None:
    """Write the wheel's address into every ``nnbook-commands`` block of a page."""
    from nnbook.site.sphinx import site_url

    url = wheel_url(site_url(app))
    for block in doctree.findall(nodes.literal_block):
        if "nnbook-commands" in block.get("classes", []):
            text = block.astext().replace(WHEEL_URL, url)
            block.rawsource = text
            block.children = [nodes.Text(text)]


def setup(app: Any) -> dict[str, Any]:
    """Registered by ``nnbook.site.sphinx``."""
    app.add_config_value("nnbook_repository", "", "html")
    app.add_directive("nnbook-commands", commands_directive())
    app.connect("config-inited", place_button)
    app.connect("html-page-context", add_colab_button, priority=450)
    app.connect("html-page-context", add_colab_to_downloads, priority=502)  # after the theme's
    app.connect("doctree-resolved", fill_wheel_url)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
