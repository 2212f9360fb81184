"""A broken page must fail the build loudly: language, page and cell named; and what a
translator, the configuration or a cell writes never runs in the browser (build stage)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
FRONT = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""

pytestmark = [pytest.mark.build, pytest.mark.machinery]


def make_book(root: Path, cell: str, timeout: int = 60) -> None:
    """A one-chapter Dutch book whose second cell is ``cell``."""
    (root / "book" / "nl").mkdir(parents=True)
    shutil.copy(REPO / "book" / "landing.html", root / "book" / "landing.html")
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    config["execute"]["timeout"] = timeout
    (root / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    toc = {"format": "jb-book", "root": "index", "chapters": [{"file": "01-broken"}]}
    (root / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    (root / "book" / "nl" / "index.md").write_text("# Test\n", encoding="utf-8")
    page = FRONT + "\n# Kapot\n\n```{code-cell} ipython3\nprint('eerste cel')\n```\n\n"
    page += f"```{{code-cell}} ipython3\n{cell}\n```\n"
    (root / "book" / "nl" / "01-broken.md").write_text(page, encoding="utf-8")


def run_build(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NNBOOK_SOURCE=str(root), NNBOOK_BUILD=str(root / "_build"))
    return subprocess.run([sys.executable, "-m", "nnbook", "build", "--lang", "nl"],
                          env=env, capture_output=True, text=True, timeout=600)


def test_a_cell_that_raises_fails_the_build_and_is_named(tmp_path):
    make_book(tmp_path, 'raise ValueError("kapotte cel")')
    result = run_build(tmp_path)
    assert result.returncode == 1
    assert "language 'nl', page '01-broken'" in result.stderr
    assert 'raise ValueError("kapotte cel")' in result.stderr  # the failing cell's source
    assert not (tmp_path / "_build" / "html" / "nl" / "01-broken.html").exists()


def test_a_cell_that_hangs_is_killed_at_the_timeout_and_named(tmp_path):
    make_book(tmp_path, "import time\ntime.sleep(120)", timeout=5)
    result = run_build(tmp_path)
    assert result.returncode == 1
    assert "language 'nl', page '01-broken'" in result.stderr
    assert "time.sleep(120)" in result.stderr
    assert "Timeout" in result.stderr or "timed out" in result.stderr


def test_languages_built_side_by_side_still_name_a_failing_cell(tmp_path):
    """Languages build two at a time: a failure is still named, the other languages still
    build, and each parallel line says which language wrote it."""
    make_book(tmp_path, 'raise ValueError("kapotte cel")')
    for lang in ("da", "sv"):
        shutil.copytree(tmp_path / "book" / "nl", tmp_path / "book" / lang)
        page = tmp_path / "book" / lang / "01-broken.md"
        page.write_text(page.read_text().replace('raise ValueError("kapotte cel")', "1 + 1"))
    env = dict(os.environ, NNBOOK_SOURCE=str(tmp_path), NNBOOK_BUILD=str(tmp_path / "_build"),
               NNBOOK_JOBS="2")
    result = subprocess.run(
        [sys.executable, "-m", "nnbook", "build", "--lang", "da", "--lang", "nl", "--lang", "sv"],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "building da, nl, sv, 2 at a time" in result.stdout
    assert "language 'nl', page '01-broken'" in result.stderr
    assert "FAILED: nl" in result.stderr
    assert any(line.startswith("[sv] ") for line in result.stdout.splitlines())
    for lang in ("da", "sv"):
        assert (tmp_path / "_build" / "html" / lang / "01-broken.html").exists()
    assert not (tmp_path / "_build" / "html" / "nl" / "01-broken.html").exists()


# --- nothing a translator, the configuration or a cell writes runs in the reader's browser ---

HOSTILE = "<script>alert(1)</script>\" onmouseover=\"alert(2)"
HOSTILE_CELL = """from IPython.display import HTML, Javascript, Markdown, display
from myst_nb import glue
display(HTML('<script>alert("html")</script><b onmouseover="alert(3)">b</b>'))
display(Javascript('alert("javascript")'))
display(Markdown('<script>alert("markdown")</script>'))
display({"text/html": '<img src=x onerror="alert(4)">', "text/plain": "plain"}, raw=True)
glue("hostile", HTML('<script>alert("glue")</script>'), display=False)
print('printed <script>alert("print")</script>')"""


class Scripts(HTMLParser):
    """What would run: the text of each script element and each on...= attribute's value."""

    def __init__(self, text: str):
        super().__init__()
        self.code: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.code += [value or "" for name, value in attrs if name.startswith("on")]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.code.append(data)


def test_a_catalog_with_markup_stops_the_build_before_any_page(tmp_path):
    make_book(tmp_path, "1 + 1")
    locales = tmp_path / "locales"
    shutil.copytree(REPO / "locales", locales)
    po = locales / "nl" / "LC_MESSAGES" / "sphinx.po"
    text = po.read_text(encoding="utf-8")
    for word in ("Terug naar boven", "Zoeken", "Taal", "Code: MIT-licentie"):
        assert f'msgstr "{word}"' in text, word
        text = text.replace(f'msgstr "{word}"', 'msgstr "{}"'.format(HOSTILE.replace('"', '\\"')))
    po.write_text(text, encoding="utf-8")
    env = dict(os.environ, NNBOOK_SOURCE=str(tmp_path), NNBOOK_BUILD=str(tmp_path / "_build"),
               NNBOOK_LOCALES=str(locales))
    result = subprocess.run([sys.executable, "-m", "nnbook", "build", "--lang", "nl"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert re.search(rf"{re.escape(str(po))}:\d+: '<' in ", result.stderr), result.stderr
    assert not list((tmp_path / "_build").glob("**/*.html"))


def test_a_hostile_address_stops_the_build_before_any_page(tmp_path):
    make_book(tmp_path, "1 + 1")
    env = dict(os.environ, NNBOOK_SOURCE=str(tmp_path), NNBOOK_BUILD=str(tmp_path / "_build"),
               NNBOOK_BASEURL='https://x.example/"><script>alert(1)</script>')
    result = subprocess.run([sys.executable, "-m", "nnbook", "build", "--lang", "nl"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1 and "not a plain http(s) URL" in result.stderr
    assert not list((tmp_path / "_build").glob("**/*.html"))


def test_hostile_configuration_and_outputs_reach_the_page_as_text_only(tmp_path):
    """An author and copyright with markup, and a cell that displays HTML, JavaScript and
    Markdown, glues HTML and prints a tag: the page holds them as text, nothing runs."""
    make_book(tmp_path, HOSTILE_CELL)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))
    config.update(author=HOSTILE, copyright=HOSTILE)
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    page = tmp_path / "book" / "nl" / "01-broken.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nGelijmd: {glue}`hostile`\n",
                    encoding="utf-8")
    result = run_build(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (tmp_path / "_build" / "html" / "nl" / "01-broken.html").read_text(encoding="utf-8")
    assert not [code for code in Scripts(html).code if "alert" in code]
    assert "printed &lt;script&gt;" in html  # the printed text, as text
    assert html.count("&lt;IPython.core.display.") >= 3  # HTML, JavaScript, Markdown, glue
    as_text = "&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;alert(2)"
    assert html.count(as_text) >= 2, "the author and the copyright, as text"
