"""nnbook.site.notebooks: the reader's notebook of a page (no build needed)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from nnbook.site import notebooks

URL = "https://book.example.org/dist/nnbook-0.1.0-py3-none-any.whl"


def executed(tmp_path: Path, markdown: str, glue: dict[str, str]) -> tuple[Path, Path]:
    """An executed page as MyST-NB writes it: the notebook and its .glue.json."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"},
                   "jupytext": {"x": 1}, "source_map": [1, 2]}
    shown = nbformat.v4.new_code_cell("print(1 + 1)")
    shown.outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    hidden = nbformat.v4.new_code_cell('glue("two", 2)', metadata={"tags": ["remove-cell"]})
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), shown, hidden]
    page = tmp_path / "jupyter_execute" / "01-x.ipynb"
    page.parent.mkdir()
    nbformat.write(nb, page)
    data = {k: {"data": {"text/plain": repr(v)}, "metadata": {}} for k, v in glue.items()}
    page.with_name("01-x.glue.json").write_text(json.dumps(data), encoding="utf-8")
    return page, page.with_name("01-x.glue.json")


def test_glued_values_go_into_the_prose_and_bookkeeping_goes(tmp_path):
    page, glue = executed(tmp_path, "Loss {glue:text}`loss`, twice {glue:text}`loss`.",
                          {"loss": "0,612"})
    nb = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "da", URL)
    sources = [cell.source for cell in nb.cells]
    assert sources[1] == f"%pip install -q {URL}"
    assert "Kør denne celle først" in sources[0]  # the page's language
    assert sources[2] == "Loss 0,612, twice 0,612."
    assert sources[3] == "print(1 + 1)" and nb.cells[3].outputs[0]["text"] == "2\n"
    assert not any("glue(" in s for s in sources)
    assert set(nb.metadata) == {"kernelspec"}


def test_a_solution_stays_on_the_page_and_the_notebook_says_where(tmp_path):
    page, glue = executed(tmp_path, "Opgave 1.1", {})
    nb = nbformat.read(page, as_version=4)
    scaffold = nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["skip-execution"]})
    solution = nbformat.v4.new_code_cell("answer = 42",
                                         metadata={"tags": ["hide-cell", "solution"]})
    nb.cells += [scaffold, solution]
    nbformat.write(nb, page)
    page_url = "https://book.example.org/nl/01-x.html"
    reader = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "nl", URL,
                                       page_url=page_url)
    sources = [cell.source for cell in reader.cells]
    assert "answer = ..." in sources and "answer = 42" not in sources
    assert sources[-1].startswith("De uitwerking staat op de pagina") and page_url in sources[-1]
    assert reader.cells[-1].cell_type == "markdown"


def test_glued_text_is_decoded_as_the_page_shows_it(tmp_path):
    # Danish and Swedish numbers hold no-break spaces: the glue data stores their repr.
    page, glue = executed(tmp_path, "{glue:text}`acc` af {glue:text}`n` billeder; {glue:text}`q`",
                          {"acc": "98,7\xa0%", "n": "50\xa0000", "q": "it's"})
    nb = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "da", URL)
    assert nb.cells[2].source == "98,7\xa0% af 50\xa0000 billeder; it's"
    assert "\\x" not in nb.cells[2].source


def test_a_literalinclude_becomes_the_code_without_prose(tmp_path):
    module = tmp_path / "code" / "mod.py"
    module.parent.mkdir()
    module.write_text('import torch\n\n\nclass Net:\n    """Doc."""\n\n    def f(self):\n'
                      '        return 1  # one\n\n\ndef g():\n    return 2\n', encoding="utf-8")
    text = "Look:\n\n```{literalinclude} code/mod.py\n:language: python\n:pyobject: Net\n```\n"
    page, glue = executed(tmp_path, text, {})
    nb = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "ko", URL)
    assert nb.cells[2].source == ("Look:\n\n```python\nclass Net:\n    def f(self):\n"
                                  "        return 1\n```\n")


def test_a_literalinclude_keeps_the_lines_between_start_and_end_dedented(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text("def fit():\n    a = 1\n    for x in y:\n        step(x)\n"
                      "        after()\n    return a\n", encoding="utf-8")
    text = ("```{literalinclude} mod.py\n:pyobject: fit\n:start-at: for x\n"
            ":end-at: after()\n:dedent:\n```")
    page, glue = executed(tmp_path, text, {})
    nb = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "sv", URL)
    assert nb.cells[2].source == "```python\nfor x in y:\n    step(x)\n    after()\n```"


@pytest.mark.parametrize(("markdown", "message"), [
    ("{glue:text}`missing`", "no glued value"),
    ("See {ref}`other`.", "no form a notebook can show"),
    ("```{note}\nHi\n```", "no form a notebook can show"),
])
def test_markup_a_notebook_cannot_show_is_an_error_naming_the_page(tmp_path, markdown, message):
    page, glue = executed(tmp_path, markdown, {})
    with pytest.raises(notebooks.NotebookError, match=message) as err:
        notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "nl", URL)
    assert "01-x.md" in str(err.value)


def test_file_names_say_language_and_chapter():
    assert notebooks.file_name("da", "07-cifar10") == "nnbook-da-07-cifar10.ipynb"


def test_a_page_served_from_jupyter_cache_keeps_its_outputs(tmp_path):
    """MyST-NB writes a cached page's notebook without outputs; the cache has them."""
    from jupyter_cache import get_cache

    page, glue = executed(tmp_path, "Text.", {})
    cache = get_cache(tmp_path / "cache")
    cache.cache_notebook_file(page, check_validity=False)
    empty = nbformat.read(page, as_version=4)
    for cell in empty.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbformat.write(empty, page)
    nb = notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "da", URL,
                                   tmp_path / "cache")
    assert nb.cells[3].outputs[0]["text"] == "2\n"
    assert notebooks.reader_notebook(page, glue, tmp_path / "01-x.md", "da", URL,
                                     tmp_path / "nowhere").cells[3].outputs == []


def test_a_page_served_from_jupyter_cache_gets_its_outputs_back_in_jupyter_execute(tmp_path):
    """The executed notebook of a cached page is written with its outputs, once."""
    from jupyter_cache import get_cache

    page, _ = executed(tmp_path, "Text.", {})
    get_cache(tmp_path / "cache").cache_notebook_file(page, check_validity=False)
    empty = nbformat.read(page, as_version=4)
    for cell in empty.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbformat.write(empty, page)
    assert notebooks.fill_from_cache(page, tmp_path / "cache")
    assert nbformat.read(page, as_version=4).cells[1].outputs[0]["text"] == "2\n"
    assert not notebooks.fill_from_cache(page, tmp_path / "cache")  # it has them now
