"""A broken page must fail the build loudly: language, page and cell named (build stage)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
