"""Shared fixtures: a scratch catalog folder, the repository root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nnbook.site.build import PINNED_KERNELS

REPO = Path(__file__).resolve().parents[1]
# The tests compute on the build's kernels (set before any test imports torch): the
# build-stage tests look the trained networks up in the results cache, whose keys name them.
os.environ.update(PINNED_KERNELS)


@pytest.fixture
def scratch_locales(tmp_path, monkeypatch):
    """A copy of locales/ that a test may break; NNBOOK_LOCALES/NNBOOK_BUILD point at it."""
    target = tmp_path / "locales"
    shutil.copytree(REPO / "locales", target)
    monkeypatch.setenv("NNBOOK_LOCALES", str(target))
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path / "build"))
    return target
