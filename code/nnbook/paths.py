"""Where nnbook finds the repository and keeps what it computes (data caches, trained
networks, compiled catalogs): the same rules from a clone and from the reader's wheel.

Every folder is read from the environment when it is asked for, never at import, and a
variable set to the empty string counts as unset everywhere (``NNBOOK_BUILD=`` does not
build into the current folder).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def from_env(name: str) -> Path | None:
    """The folder the environment variable ``name`` names (absolute), or None if unset or empty."""
    value = os.environ.get(name, "").strip()
    return Path(value).resolve() if value else None


def in_repository() -> bool:
    """True when nnbook runs from the repository (editable), not from an installed copy."""
    return (REPO / "pyproject.toml").is_file() and (REPO / "locales").is_dir()


def work_dir() -> Path:
    """``NNBOOK_BUILD``, else the repository's ``_build/``, else (an installed nnbook, e.g. in
    a reader's notebook) the user's cache folder: never inside site-packages."""
    if chosen := from_env("NNBOOK_BUILD"):
        return chosen
    if in_repository():
        return REPO / "_build"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nnbook"


def source_dir() -> Path:
    """The book the site builds: ``NNBOOK_SOURCE`` (a folder with book/, _toc.yml and
    _config.yml; the tests build small broken books this way), else the repository."""
    return from_env("NNBOOK_SOURCE") or REPO


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """``write`` a temporary file beside ``path``, then rename it into place: a reader sees the
    old file or the whole new one, never half of one. Each process and thread writing at once
    has its own temporary file; an interrupted write leaves none behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
