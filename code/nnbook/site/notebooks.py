"""The reader's notebook of a page: what the page shows, runnable in Jupyter or Colab.

Made from the executed notebook MyST-NB writes (outputs kept) and its glue data:

- cells tagged ``remove-cell`` (the book's bookkeeping: glue calls) are dropped;
- an exercise's solution (a cell tagged ``solution``) becomes one line saying where it is: on
  the chapter's page, folded under the exercise. The notebook is where the reader works the
  exercise; its answer stays one deliberate click away, on the page the notebook came from;
- every ``{glue:text}`key``` in the prose becomes the value the page shows;
- every ``literalinclude`` becomes the code it includes, as a fenced block;
- a first cell installs the reader's package (``%pip install`` of the wheel the site
  publishes under ``dist/``), with a sentence in the page's language above it.

Anything else MyST would render but Jupyter would show raw (another role or directive) is an
error naming the page: never a notebook with placeholders in it.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import nbformat

from nnbook import i18n

GLUE = re.compile(r"\{glue(?::text)?\}`([^`]+)`")
ROLE = re.compile(r"\{[a-z][\w:-]*\}`")
INCLUDE = re.compile(r"^```\{literalinclude\}\s+(\S+)\n((?::[\w-]+:.*\n)*)```[ \t]*$", re.M)
DIRECTIVE = re.compile(r"^(```+|:::+)\{([\w:-]+)\}", re.M)

# Words of the first cell, translated through the catalogs like everything the package says.
INSTALL_NOTE = i18n.N_("Run this cell first: it installs the book's package, nnbook, and what "
                       "its chapters use (PyTorch among them). The numbers below are those the "
                       "book computed when it was built; on an x86-64 processor without a GPU, "
                       "the cells compute exactly these again. On a GPU or another kind of "
                       "processor, networks trained here come out slightly different: with "
                       "other CPU kernels, chapter 6's test accuracy moved by up to {points} "
                       "percentage points.")


SOLUTION_NOTE = i18n.N_("The solution is on this chapter’s page, folded under the exercise: {url}")


def install_note(lang: str) -> str:
    """The first cell's words in ``lang``, with the measured spread in its locale."""
    from babel.numbers import format_decimal

    from nnbook.kernels import OTHER_KERNELS_POINTS

    points = format_decimal(OTHER_KERNELS_POINTS, format="0.0#", locale=i18n.LANGUAGES[lang])
    return i18n.translate(lang, INSTALL_NOTE).format(points=points)


class NotebookError(RuntimeError):
    """A page whose reader's notebook would show MyST markup a reader cannot use."""


def file_name(lang: str, chapter: str) -> str:
    """``nnbook-da-07-cifar10.ipynb``: unique across languages and chapters."""
    return f"nnbook-{lang}-{chapter}.ipynb"


def glued_values(glue_json: Path) -> dict[str, str]:
    """Each glued name with the text the page shows for it: MyST-NB's own decoding of the
    stored ``repr`` (``'98,7\\xa0%'`` is ``98,7 %`` with a no-break space), not a copy of it."""
    from myst_nb.core.variables import format_plain_text

    if not glue_json.is_file():
        return {}
    data = json.loads(glue_json.read_text(encoding="utf-8"))
    return {key: format_plain_text(value["data"]["text/plain"], "")
            for key, value in data.items()}


def include_text(target: Path, options: str) -> str:
    """What a ``literalinclude`` shows on the page: the whole file or its ``:pyobject:``,
    without comments and docstrings unless ``:keep-prose:`` (as ``nnbook.site.sphinx``)."""
    from nnbook.site.sphinx import without_prose

    wanted = dict(re.findall(r"^:([\w-]+):\s*(.*)$", options, re.M))
    unknown = set(wanted) - {"language", "pyobject", "keep-prose", "start-at", "end-at",
                             "dedent"}
    if unknown:
        raise NotebookError(f"literalinclude of {target}: options {sorted(unknown)} not supported")
    code = _included(target, wanted.get("pyobject", "").strip())
    code = _between(code, wanted.get("start-at", "").strip(), wanted.get("end-at", "").strip(),
                    target)
    if "dedent" in wanted:
        if wanted["dedent"].strip():
            raise NotebookError(f"literalinclude of {target}: only :dedent: without a number")
        code = textwrap.dedent(code)
    python = wanted.get("language", "python").strip() in ("python", "python3", "py")
    return code if "keep-prose" in wanted or not python else without_prose(code)


def _between(code: str, start: str, end: str, target: Path) -> str:
    """Sphinx's ``:start-at:``/``:end-at:``: from the first line holding ``start`` to the
    first line after it holding ``end``, both kept."""
    lines = code.split("\n")
    first = 0
    if start:
        first = next((i for i, line in enumerate(lines) if start in line), None)
        if first is None:
            raise NotebookError(f"literalinclude of {target}: no line holds {start!r}")
    last = len(lines) - 1
    if end:
        last = next((i for i, line in enumerate(lines) if i >= first and end in line), None)
        if last is None:
            raise NotebookError(f"literalinclude of {target}: no line holds {end!r}")
    return "\n".join(lines[first:last + 1])


def _included(target: Path, pyobject: str) -> str:
    source = target.read_text(encoding="utf-8")
    if not pyobject:
        return source.rstrip("\n")
    lines = source.splitlines()
    scope: list = ast.parse(source).body
    node = None
    for name in pyobject.split("."):  # Class.method
        node = next((n for n in scope if getattr(n, "name", None) == name), None)
        if node is None:
            raise NotebookError(f"literalinclude: {target} has no {pyobject!r}")
        scope = getattr(node, "body", [])
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return "\n".join(lines[start - 1:node.end_lineno])


def reader_markdown(text: str, glued: dict[str, str], page_dir: Path, page: str) -> str:
    """One markdown cell as a reader's notebook shows it."""
    def value(match: re.Match) -> str:
        key = match.group(1)
        if key not in glued:
            raise NotebookError(f"{page}: {{glue:text}}`{key}` has no glued value")
        return glued[key]

    def include(match: re.Match) -> str:
        code = include_text((page_dir / match.group(1)).resolve(), match.group(2))
        return f"```python\n{code}\n```"

    text = INCLUDE.sub(include, GLUE.sub(value, text))
    left = ROLE.search(text) or DIRECTIVE.search(text)
    if left:
        raise NotebookError(f"{page}: {left.group(0)!r} has no form a notebook can show")
    return text


def with_cached_outputs(notebook: nbformat.NotebookNode,
                        cache: Path | None) -> nbformat.NotebookNode:
    """The notebook with the outputs jupyter-cache holds for its code. MyST-NB writes the
    executed notebook without them when the page came from the cache (it merges them into a
    copy it renders, and writes the original), so a warm build's notebooks would be empty."""
    if cache is None or not cache.is_dir():
        return notebook
    from jupyter_cache import get_cache

    try:
        _, merged = get_cache(cache).merge_match_into_notebook(notebook)
    except KeyError:  # not in the cache: executed in this build, outputs already there
        return notebook
    return merged


def fill_from_cache(executed: Path, cache: Path | None) -> bool:
    """Write the outputs of a page served from jupyter-cache into its executed notebook
    (``jupyter_execute/<page>.ipynb``), streams merged as on the page, so that file holds
    what ran after a warm build too: the built-site tests read it, and the hosted CI's site
    job gets it from language jobs that executed nothing. True when it wrote."""
    from nnbook.site.sphinx import merge_streams

    notebook = nbformat.read(executed, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code or any(cell.get("execution_count") or cell.outputs for cell in code):
        return False  # executed in this build: MyST-NB wrote what it printed
    filled = with_cached_outputs(notebook, cache)
    if filled is notebook:
        return False
    for cell in filled.cells:
        if cell.cell_type == "code":
            merge_streams(cell.outputs)
    nbformat.write(filled, executed)
    return True


def reader_notebook(executed: Path, glue_json: Path, source: Path, lang: str,
                    wheel_url: str, cache: Path | None = None,
                    page_url: str = "") -> nbformat.NotebookNode:
    """The reader's notebook of one page (``source`` is the page's .md, for includes;
    ``cache`` the build's jupyter-cache, for pages it served; ``page_url`` the page's address,
    where its solutions are)."""
    notebook = with_cached_outputs(nbformat.read(executed, as_version=4), cache)
    glued = glued_values(glue_json)
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "remove-cell" in tags:
            continue
        if "solution" in tags:
            note = i18n.translate(lang, SOLUTION_NOTE).format(url=page_url)
            cells.append(nbformat.v4.new_markdown_cell(note))
            continue
        if cell.cell_type == "markdown":
            cell.source = reader_markdown(cell.source, glued, source.parent, str(source))
        cells.append(cell)
    note = nbformat.v4.new_markdown_cell(install_note(lang))
    install = nbformat.v4.new_code_cell(f"%pip install -q {wheel_url}")
    notebook.cells = [note, install, *cells]
    keep = ("kernelspec", "language_info")
    notebook.metadata = nbformat.NotebookNode(
        {k: notebook.metadata[k] for k in keep if k in notebook.metadata})
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # stable ids: the same page gives the same file
    nbformat.validate(notebook)
    return notebook


def write_reader_notebook(executed: Path, source: Path, lang: str, chapter: str,
                          wheel_url: str, out_dir: Path, cache: Path | None = None,
                          page_url: str = "") -> Path:
    """Write the page's reader's notebook into ``out_dir`` and return its path."""
    glue_json = executed.with_name(executed.stem + ".glue.json")
    notebook = reader_notebook(executed, glue_json, source, lang, wheel_url, cache, page_url)
    target = out_dir / file_name(lang, chapter)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return target
