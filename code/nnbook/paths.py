"""Where nnbook finds the repository and keeps what it computes (data caches, trained
networks, compiled catalogs): the same rules from a clone and from the reader's wheel."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def in_repository() -> bool:
    """True when nnbook runs from the repository (editable), not from an installed copy."""
    return (REPO / "pyproject.toml").is_file() and (REPO / "locales").is_dir()


def work_dir() -> Path:
    """``NNBOOK_BUILD``, else the repository's ``_build/``, else (an installed nnbook, e.g. in
    a reader's notebook) the user's cache folder: never inside site-packages."""
    if os.environ.get("NNBOOK_BUILD"):
        return Path(os.environ["NNBOOK_BUILD"])
    if in_repository():
        return REPO / "_build"
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nnbook"
