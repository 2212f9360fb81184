"""A new language in one command (``python -m nnbook new-language``), in a scratch copy of the
book: its catalogs and book/<code>/ appear, everything that lists languages takes it from
locales/languages.toml, one translated chapter builds, status shows the rest missing, and
search works although Sphinx has no stemmer for it (Polish)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from nnbook.site import catalogs
from test_content_safety import problems

REPO = Path(__file__).resolve().parents[1]
CODE = "pl"


def run(args: list[str], env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnbook", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def scratch(tmp_path):
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "book", tmp_path / "book")
    shutil.copytree(REPO / "locales", tmp_path / "locales")
    env = dict(os.environ, NNBOOK_SOURCE=str(tmp_path), NNBOOK_LOCALES=str(tmp_path / "locales"),
               NNBOOK_BUILD=str(tmp_path / "_build"))
    return tmp_path, env


def test_a_new_language_passes_the_content_checks_before_anything_is_translated(scratch):
    """What ``new-language`` writes may be committed as it is: its pages pass the
    content-safety check (no raw HTML: its note to the translator is a MyST comment), its
    catalogs and name hold no markup, and status finds no code cell that differs. (The
    completeness tests, every chapter and catalog entry in every language, fail by design
    until it is translated: they are the translator's list.)"""
    root, env = scratch
    result = run(["new-language", CODE], env, timeout=120)
    assert result.returncode == 0, result.stderr
    pages = sorted((root / "book" / CODE).glob("*.md"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not problems(text, str(page.relative_to(root))), text[:300]
    index = (root / "book" / CODE / "index.md").read_text(encoding="utf-8")
    assert index.startswith("% Translate from book/")  # for the translator, never rendered
    assert catalogs.markup_problems(root / "locales") == []
    status = run(["status"], env, timeout=120)
    assert status.returncode == 0, status.stdout + status.stderr  # 1: code cells differ
    assert "differs" not in status.stdout


def test_an_unknown_language_is_refused(scratch):
    _, env = scratch
    result = run(["new-language", "xx"], env, timeout=120)
    assert result.returncode == 1 and "Babel does not know the language 'xx'" in result.stderr


@pytest.mark.build
@pytest.mark.machinery
def test_a_new_language_in_one_command(scratch):
    root, env = scratch
    result = run(["new-language", CODE], env, timeout=120)
    assert result.returncode == 0, result.stderr
    listing = (root / "locales" / "languages.toml").read_text(encoding="utf-8")
    assert '[pl]\nlocale = "pl_PL"\nname = "polski"' in listing
    for domain in ("nnbook", "sphinx"):
        assert (root / "locales" / CODE / "LC_MESSAGES" / f"{domain}.po").is_file()
    assert (root / "book" / CODE / "index.md").is_file()
    again = run(["new-language", CODE], env, timeout=120)
    assert again.returncode == 1 and "already" in again.stderr

    # status: every chapter missing, the catalogs empty
    status = run(["status"], env, timeout=120)
    header, *rows = status.stdout.split("\n\n")[0].splitlines()
    assert header.split()[-1] == CODE
    assert all(row.split()[-1] == "missing" for row in rows), status.stdout

    # the translator's work, here a stand-in: the catalogs filled, chapter 1 translated
    for domain in ("nnbook", "sphinx"):
        path = root / "locales" / CODE / "LC_MESSAGES" / f"{domain}.po"
        with path.open("rb") as f:
            catalog = read_po(f, locale=CODE)
        for message in catalog:
            if message.id:  # typographic marks, as the catalog check asks of a translator
                message.string = message.id.replace("'", "’").replace('"', "”")
        with path.open("wb") as f:
            write_po(f, catalog, width=88, sort_output=True)
    origin = root / "book" / "nl" / "01-tensors.md"
    digest = hashlib.sha256(origin.read_bytes()).hexdigest()[:12]
    text = origin.read_text(encoding="utf-8").replace('nnbook.setup("nl")', 'nnbook.setup("pl")')
    text = text.replace("origin: nl", f"origin: nl\n  translated_from: {digest}", 1)
    (root / "book" / CODE / "01-tensors.md").write_text(text, encoding="utf-8")

    built = run(["build", "--lang", CODE], env)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    site = root / "_build" / "html"
    page = (site / CODE / "01-tensors.html").read_text(encoding="utf-8")
    assert '<html lang="pl"' in page
    assert 'hreflang="pl"' in page and "polski" in page  # switcher and alternates
    assert not (site / CODE / "02-perceptron.html").exists()
    assert "polski" in (site / "index.html").read_text(encoding="utf-8")  # the landing page
    assert f"{CODE}/01-tensors.html" in (site / "sitemap.xml").read_text(encoding="utf-8")
    # search without a Snowball stemmer: words as written, lower-cased
    index = (site / CODE / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(re.search(r"setIndex\((.*)\)", index, re.S).group(1))["terms"]
    assert "tensor" in terms and "gradiënten" in terms
    status = run(["status"], env, timeout=120)
    rows = {row.split()[0]: row.split()[-1] for row in
            status.stdout.split("\n\n")[0].splitlines()[1:]}
    assert rows["01-tensors"] == "ok" and rows["02-perceptron"] == "missing", status.stdout
