"""Shared fixtures: a scratch catalog folder, the repository root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nnbook.i18n import LANGUAGES
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


@pytest.fixture(autouse=True)
def _data_as_a_fresh_machine_has_it(request, tmp_path_factory, monkeypatch):
    """Every test sees the data's public URLs (one that wants a stand-in sets
    NNBOOK_SOURCES_BASE itself), and a fast test downloads into a scratch folder: the data
    folders are still read, but a data/ that `data fetch` filled in this checkout (the hosted
    CI's) cannot answer for a download a test expects to fail."""
    monkeypatch.delenv("NNBOOK_SOURCES_BASE", raising=False)
    if not any(request.node.get_closest_marker(m) for m in ("build", "browser", "reader")):
        monkeypatch.setenv("NNBOOK_DATA", str(tmp_path_factory.mktemp("downloads")))


def pytest_collection_modifyitems(config, items):
    """The tests that read the built site, scoped to what a change touches (the hosted CI sets
    NNBOOK_TEST_LANGS, NNBOOK_TEST_READER and NNBOOK_TEST_MACHINERY from ``python -m nnbook
    scope``): a test with a language parameter outside NNBOOK_TEST_LANGS, the reader's stage
    when NNBOOK_TEST_READER=0 and the build machinery's tests (scratch books built from nothing)
    when NNBOOK_TEST_MACHINERY=0 are deselected. The fast tests always run whole."""
    langs, reader, machinery = _scope()
    if not _scope_is_set():
        return
    wanted = set(langs.split(",")) if langs is not None else None
    keep, drop = [], []
    for item in items:
        site = any(item.get_closest_marker(m) for m in ("build", "browser", "reader"))
        lang = _language_of(getattr(getattr(item, "callspec", None), "params", {}))
        out = site and ((wanted is not None and lang is not None and lang not in wanted)
                        or (not reader and item.get_closest_marker("reader"))
                        or (not machinery and item.get_closest_marker("machinery")))
        (drop if out else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        config.stash[SCOPED_OUT] = len(drop)


SCOPED_OUT = pytest.StashKey[int]()


def _language_of(params: dict) -> str | None:
    """The language a test is about: its ``lang``, or the first folder of the page it opens
    (``rel="da/01-tensors.html"``); None for the landing page, status and the like."""
    if "lang" in params:
        return params["lang"]
    first = str(params.get("rel", "")).split("/")[0]
    return first if first in LANGUAGES else None


def pytest_sessionfinish(session, exitstatus):
    """A stage whose every test lies outside the change's scope ran nothing, and that is a
    pass (pytest's "no tests collected" would fail the hosted CI's step)."""
    # Under pytest-xdist the workers deselect; the controller only sees that the scope is set.
    scoped = session.config.stash.get(SCOPED_OUT, 0) or _scope_is_set()
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and scoped:
        session.exitstatus = pytest.ExitCode.OK


def _scope() -> tuple[str | None, bool, bool]:
    """NNBOOK_TEST_LANGS (None: every language), whether the reader's stage and the
    machinery's tests run."""
    return (os.environ.get("NNBOOK_TEST_LANGS"),
            os.environ.get("NNBOOK_TEST_READER", "1") != "0",
            os.environ.get("NNBOOK_TEST_MACHINERY", "1") != "0")


def _scope_is_set() -> bool:
    return _scope() != (None, True, True)
