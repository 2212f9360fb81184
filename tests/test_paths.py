"""nnbook.paths: one place that reads the folders from the environment, when asked."""

from __future__ import annotations

import os
import sys

import pytest

from nnbook import paths
from nnbook.site import build, launch, status


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_variable_means_unset_everywhere(monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)  # not the repository: an empty path would mean this folder
    monkeypatch.setenv("NNBOOK_BUILD", value)
    monkeypatch.setenv("NNBOOK_SOURCE", value)
    assert paths.work_dir() == build.BUILD == paths.REPO / "_build"  # not the current folder
    assert build.SOURCE == paths.REPO
    assert status.book_dir() == paths.REPO / "book"
    monkeypatch.delenv("NNBOOK_REPOSITORY", raising=False)
    assert launch.repository() == launch.repository(paths.REPO / "_config.yml")


def test_the_folders_are_read_when_used_not_at_import(monkeypatch, tmp_path):
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path / "build"))
    monkeypatch.setenv("NNBOOK_SOURCE", str(tmp_path / "source"))
    assert build.BUILD == paths.work_dir() == tmp_path / "build"
    assert build.output_dir("da") == tmp_path / "build" / "lang" / "da"
    assert build.kernel_env()["NNBOOK_BUILD"] == str(tmp_path / "build")
    assert build.SOURCE == tmp_path / "source"
    assert status.book_dir() == tmp_path / "source" / "book"
    from nnbook.site.build import BUILD  # as the tests import it

    assert BUILD == tmp_path / "build"


def test_a_relative_folder_is_made_absolute(monkeypatch, tmp_path):
    # Page kernels run in the page's folder: a relative NNBOOK_BUILD must not move with them.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNBOOK_BUILD", "scratch")
    assert paths.work_dir() == tmp_path / "scratch"


def test_the_site_finds_the_repository_through_paths_not_i18n():
    from nnbook.site import catalogs, katex, split, wheel

    for module in (catalogs, katex, split, wheel, build):
        assert module.REPO is paths.REPO, module.__name__


def test_restarting_with_pinned_kernels_keeps_python_dash_m(monkeypatch):
    # `python -m nnbook train` must restart as `-m nnbook`, not as code/nnbook/__main__.py run
    # as a script (whose folder would put data.py, site/ etc. first on sys.path).
    calls = []
    monkeypatch.setattr(os, "execve", lambda *args: calls.append(args))
    monkeypatch.setattr(sys, "orig_argv", [sys.executable, "-m", "nnbook", "train"])
    for name in build.PINNED_KERNELS:
        monkeypatch.delenv(name, raising=False)
    build.ensure_pinned_kernels()
    [(program, argv, env)] = calls
    assert argv == [sys.executable, "-m", "nnbook", "train"]
    assert build.PINNED_KERNELS.items() <= env.items()


def test_an_atomic_write_replaces_the_whole_file_or_leaves_it(tmp_path):
    path = tmp_path / "report.json"
    paths.write_atomic(path, lambda tmp: tmp.write_text("new"))
    assert path.read_text() == "new"

    def interrupted(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        paths.write_atomic(path, interrupted)
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
