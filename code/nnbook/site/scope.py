"""What a change touches, for the test stages that read the built site (the hosted CI).

``python -m nnbook scope BASE`` compares the working tree's commit with ``BASE`` and prints
two lines for ``$GITHUB_ENV``:

- ``NNBOOK_TEST_LANGS=da,sv``: the languages whose pages or catalogs changed (every language
  when anything else changed: the package, the tests, the configuration);
- ``NNBOOK_TEST_READER=0|1``: whether the reader's notebooks must run again: only when code
  could print something else (a code cell changed, or anything outside the prose).
- ``NNBOOK_TEST_MACHINERY=0|1``: whether the build machinery's own tests (scratch books built
  from nothing, marked ``machinery``) must run: only when something besides chapters and
  catalogs changed; the language jobs have just built the changed chapters and catalogs.

tests/conftest.py deselects the built-site, browser and reader tests outside that scope; the
fast tests always run whole.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from nnbook import i18n, paths
from nnbook.site import status

# Files the built site does not contain or depend on: a change to them needs no site test.
OUTSIDE_THE_SITE = {"README.md"}


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=paths.REPO, capture_output=True, text=True,
                          check=True).stdout


def changed_files(base: str) -> list[str]:
    return [line for line in _git("diff", "--name-only", base, "HEAD").splitlines() if line]


def _code_cells_at(revision: str, path: str) -> list[str] | None:
    try:
        text = _git("show", f"{revision}:{path}")
    except subprocess.CalledProcessError:
        return None  # the file is new (or gone)
    scratch = paths.work_dir() / "scope" / Path(path).name
    scratch.parent.mkdir(parents=True, exist_ok=True)
    scratch.write_text(text, encoding="utf-8")
    return status.code_cells(scratch)


def scope(base: str) -> tuple[list[str], bool, bool]:
    """(languages whose built pages to test, whether to run the reader's notebooks, whether
    to run the build machinery's tests)."""
    languages, reader = set(), False
    for path in changed_files(base):
        parts = Path(path).parts
        if path in OUTSIDE_THE_SITE:
            continue
        if len(parts) >= 3 and parts[0] == "book" and parts[1] in i18n.LANGUAGES:
            languages.add(parts[1])
            if path.endswith(".md") and _code_cells_at(base, path) != _code_cells_at("HEAD", path):
                reader = True
        elif len(parts) >= 2 and parts[0] == "locales" and parts[1] in i18n.LANGUAGES:
            languages.add(parts[1])
            reader = True  # the package prints and draws these words
        else:
            return list(i18n.LANGUAGES), True, True
    return [lang for lang in i18n.LANGUAGES if lang in languages], reader, False
