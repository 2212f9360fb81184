"""The README and docs/ name only modules and attributes that exist.

Every dotted name starting ``nnbook.`` in README.md and docs/**/*.md (in backticks or not) must
resolve: the longest prefix that imports as a module, then attributes for the rest. File names
such as ``nnbook.po`` and addresses such as ``https://nnbook.example.org/`` are not names.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Not inside a path, an address or a longer word; an identifier after each dot.
NAME = re.compile(r"(?<![\w./-])nnbook(?:\.[A-Za-z_]\w*)+")
FILE_SUFFIXES = {"po", "pot", "mo", "py", "md", "ipynb", "whl", "json", "toml", "html", "yml"}


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]


def names_in(path: Path) -> list[tuple[int, str]]:
    """(line number, dotted name) for each ``nnbook.…`` name in a Markdown file."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in NAME.finditer(line):
            name = match.group(0)
            if name.rsplit(".", 1)[1] not in FILE_SUFFIXES:
                found.append((number, name))
    return found


def resolves(name: str) -> bool:
    """``name`` is a module, or attributes of the longest importable prefix."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name and not module_name.startswith(f"{err.name}."):
                raise  # the module exists but imports something missing: a real error
            continue
        for attribute in parts[cut:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def test_the_readme_and_docs_name_nnbook_things():
    assert names_in(REPO / "README.md"), "README.md names no nnbook module at all"


def test_every_nnbook_name_in_the_readme_and_docs_resolves():
    unresolved = [f"{path.relative_to(REPO)}:{number}: {name}"
                  for path in documents() for number, name in names_in(path)
                  if not resolves(name)]
    assert not unresolved, ("names that are neither a module nor an attribute of one:\n"
                            + "\n".join(unresolved))


def test_names_are_found_in_backticks_and_plain_text_but_not_in_files_or_addresses(tmp_path):
    sample = tmp_path / "sample.md"
    sample.write_text("`nnbook.site.build.PAGE_THREADS` and nnbook.data.SOURCES.\n"
                      "locales/nnbook.pot, `nnbook.po`, https://nnbook.example.org/,\n"
                      "nnbook-da-07-cifar10.ipynb and `python -m nnbook build`\n",
                      encoding="utf-8")
    assert names_in(sample) == [(1, "nnbook.site.build.PAGE_THREADS"),
                                (1, "nnbook.data.SOURCES")]
    assert resolves("nnbook.site.build.PAGE_THREADS")
    assert not resolves("nnbook.sphinx")
    assert not resolves("nnbook.site.build.NO_SUCH_NAME")
