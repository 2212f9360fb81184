"""Running the chapters elsewhere (nnbook.site.launch): the Colab button, the notebooks the
deploy publishes for it, and a reader's install that keeps the PyTorch already there.

Fast: the Colab address, where the repository comes from, that a build for publishing refuses
to run without one, the published folder, the workflow that writes the branch, the install
cell and the declared dependency ranges. ``-m build``: every chapter page's Colab button opens
that page's own notebook, and the file the deploy publishes there is the page's download, byte
for byte; the page on running the chapters offers neither.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement

from nnbook import i18n
from nnbook.site import launch, notebooks
from nnbook.site.build import BUILD, SOURCE, site_url
from nnbook.site.wheel import wheel_name

REPO = i18n.REPO
WORKFLOW = REPO / ".github" / "workflows" / "book.yml"
TOC = [c["file"] for c in yaml.safe_load((SOURCE / "_toc.yml").read_text())["chapters"]]
CHAPTERS = [stem for stem in TOC if stem[:2].isdigit()]  # numbered: a notebook each
OTHERS = [stem for stem in TOC if not stem[:2].isdigit()]  # prose: run-it-yourself
CASES = [(lang, ch) for lang in i18n.LANGUAGES for ch in CHAPTERS]


# --- the address ----------------------------------------------------------------------------


def test_the_colab_address_names_repository_branch_language_and_chapter():
    assert launch.colab_url("someone/nnbook", "ko", "07-cifar10") == (
        "https://colab.research.google.com/github/someone/nnbook/blob/notebooks/"
        "ko/nnbook-ko-07-cifar10.ipynb")


def test_the_repository_comes_from_the_config_and_the_environment_wins(tmp_path, monkeypatch):
    config = tmp_path / "_config.yml"
    monkeypatch.delenv("NNBOOK_REPOSITORY", raising=False)
    config.write_text("title: x\n")
    assert launch.repository(config) == ""  # no key: no repository, no button
    config.write_text("nnbook:\n  repository: ''\n")
    assert launch.repository(config) == ""
    config.write_text("nnbook:\n  repository: https://github.com/someone/nnbook.git\n")
    assert launch.repository(config) == "someone/nnbook"
    monkeypatch.setenv("NNBOOK_REPOSITORY", "other/book")
    assert launch.repository(config) == "other/book"


def test_a_build_for_publishing_needs_a_repository_and_any_repository_must_be_owner_slash_name():
    launch.check_repository("", publish=False)  # a preview: no Colab button
    launch.check_repository("someone/nnbook", publish=True)
    with pytest.raises(launch.RepositoryError, match="NNBOOK_REPOSITORY"):
        launch.check_repository("", publish=True)
    for wrong in ("nnbook", "someone/nnbook/extra", "some one/nnbook"):
        with pytest.raises(launch.RepositoryError, match="owner/name"):
            launch.check_repository(wrong, publish=False)


def test_the_repository_configured_in_the_book_is_empty_or_owner_slash_name():
    launch.check_repository(launch.repository(REPO / "_config.yml"), publish=False)


def test_publish_without_a_repository_stops_the_build_before_anything_runs(monkeypatch, capsys):
    from nnbook.site import cli

    monkeypatch.setenv("NNBOOK_BASEURL", "https://books.example.net/nn/")  # a real address
    monkeypatch.setenv("NNBOOK_REPOSITORY", "")
    monkeypatch.setattr(launch, "repository", lambda config=None: "")
    monkeypatch.delenv("NNBOOK_PUBLISH", raising=False)
    assert cli.main(["build", "--publish", "--lang", "da", "--chapter", "01-tensors"]) == 1
    assert "repository" in capsys.readouterr().err


# --- what the deploy publishes --------------------------------------------------------------


def test_the_published_folder_holds_each_built_pages_notebook_and_nothing_old(tmp_path):
    html, out = tmp_path / "html", tmp_path / "notebooks"
    sources = html / "da" / "_sources"
    sources.mkdir(parents=True)
    (html / "da" / "01-x.html").write_text("<html></html>")
    (sources / "nnbook-da-01-x.ipynb").write_bytes(b'{"cells": []}\n')
    (sources / "nnbook-da-02-gone.ipynb").write_bytes(b"{}")  # no page in this build
    (sources / "01-x.md").write_text("# x\n")  # the page's source: not a notebook
    (out / "sv").mkdir(parents=True)
    (out / "sv" / "nnbook-sv-09-old.ipynb").write_text("{}")  # from an earlier build
    written = launch.write_published(html, out)
    assert written == [out / "da" / "nnbook-da-01-x.ipynb"]
    assert written[0].read_bytes() == b'{"cells": []}\n'
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == ["README.md", "da/nnbook-da-01-x.ipynb"]


def test_a_page_whose_only_code_is_bookkeeping_offers_no_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Text."),
                nbformat.v4.new_code_cell('glue("x", 1)', metadata={"tags": ["remove-cell"]})]
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    assert not launch.offers_notebook(path)
    nb.cells.append(nbformat.v4.new_code_cell("print(1)"))
    nbformat.write(nb, path)
    assert launch.offers_notebook(path)


def test_the_workflow_writes_the_branch_the_buttons_open_from_the_folder_assemble_writes():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert workflow["env"]["NNBOOK_REPOSITORY"] == "${{ github.repository }}"
    jobs = workflow["jobs"]
    uploads = [s for s in jobs["site"]["steps"]
               if "upload-artifact" in s.get("uses", "")
               and s.get("with", {}).get("path") == f"_build/{launch.PUBLISHED}"]
    assert len(uploads) == 1, "the site job uploads no _build/notebooks"
    name = uploads[0]["with"]["name"]
    deploy = jobs["deploy"]["steps"]
    downloads = [s for s in deploy if "download-artifact" in s.get("uses", "")]
    assert [s["with"]["name"] for s in downloads] == [name]
    pushes = [s for s in deploy
              if re.search(r"\bpush\b.*HEAD:refs/heads/\$BRANCH", s.get("run", ""))]
    assert len(pushes) == 1 and pushes[0]["env"]["BRANCH"] == launch.BRANCH
    assert pushes[0]["working-directory"] == downloads[0]["with"]["path"]
    # the branch is written before the pages that link to it go live
    assert deploy.index(pushes[0]) < next(
        i for i, s in enumerate(deploy) if "deploy-pages" in s.get("uses", ""))
    writers = [job for job, spec in jobs.items()
               if (spec.get("permissions") or {}).get("contents") == "write"]
    assert writers == ["deploy"]
    assert workflow["permissions"] == {}


# --- a reader's install keeps the PyTorch it finds (Colab) -----------------------------------


def test_the_install_cell_installs_the_wheel_and_forces_nothing(tmp_path):
    url = "https://book.example.org/dist/nnbook-0.1.0-py3-none-any.whl"
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell("Text."), nbformat.v4.new_code_cell("print(1)")]
    executed = tmp_path / "01-x.ipynb"
    nbformat.write(nb, executed)
    reader = notebooks.reader_notebook(executed, tmp_path / "01-x.glue.json",
                                       tmp_path / "01-x.md", "da", url)
    install = reader.cells[1].source
    assert install == f"%pip install -q {url}"
    # pip then keeps every installed package that satisfies the wheel's ranges (Colab's torch)
    assert not re.search(r"\s(-U|--upgrade|--force-reinstall|-I|--ignore-installed|--no-deps)\b",
                         install)


def declared() -> dict[str, Requirement]:
    with (REPO / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    return {(r := Requirement(line)).name: r for line in project["dependencies"]}


def test_the_wheel_declares_ranges_not_pins():
    for name, requirement in declared().items():
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{name}: {requirement} is not a range (>=, <)"


@pytest.mark.parametrize(("name", "versions"), [
    # what Colab has had installed, and what may come within the same major version
    ("torch", ["2.4.1", "2.6.0+cu124", "2.8.0+cu126", "2.9.1", "2.14.1"]),
    ("torchvision", ["0.19.1", "0.21.0+cu124", "0.23.0", "0.24.1", "0.29.1"]),
])
def test_colabs_pytorch_fits_the_ranges(name, versions):
    requirement = declared()[name]
    for version in versions:
        assert requirement.specifier.contains(version, prereleases=False), (
            f"{requirement} would make pip replace Colab's {name} {version}")


def test_the_books_own_pins_fit_the_readers_ranges():
    pins = dict(line.split("==") for line in (REPO / "requirements.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    for name, requirement in declared().items():
        pinned = next((v.strip() for k, v in pins.items() if k.strip().lower() == name), None)
        if pinned:
            assert requirement.specifier.contains(pinned), f"{name}=={pinned} outside {requirement}"


# --- the built site (-m build) ---------------------------------------------------------------


def page(lang: str, stem: str) -> str:
    path = BUILD / "html" / lang / f"{stem}.html"
    assert path.is_file(), f"{path} missing: build the site first (make build)"
    return path.read_text(encoding="utf-8")


def colab_links(text: str) -> list[str]:
    from html import unescape

    return [unescape(h) for h in re.findall(r'href="(https://colab\.research\.google\.com/[^"]*)"',
                                            text)]


@pytest.mark.build
@pytest.mark.parametrize(("lang", "chapter"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_the_colab_button_opens_the_pages_own_download(lang, chapter):
    text = page(lang, chapter)
    downloads = re.findall(r'href="([^"]*_sources/nnbook-[^"]+\.ipynb)"', text)
    assert downloads == [f"_sources/{notebooks.file_name(lang, chapter)}"], downloads
    download = BUILD / "html" / lang / downloads[0]
    repo = launch.repository()
    if repo:  # the button in the header, and the same address in the download menu (phones)
        assert colab_links(text) == 2 * [
            f"https://colab.research.google.com/github/{repo}/blob/{launch.BRANCH}/"
            f"{lang}/nnbook-{lang}-{chapter}.ipynb"]
    else:  # a preview: no repository, no button
        assert colab_links(text) == []
    published = BUILD / launch.PUBLISHED / launch.published_path(lang, chapter)
    assert published.is_file(), f"{published}: the deploy would publish nothing there"
    assert published.read_bytes() == download.read_bytes()


@pytest.mark.build
def test_the_published_folder_is_exactly_the_chapters_notebooks():
    out = BUILD / launch.PUBLISHED
    found = {p.relative_to(out).as_posix() for p in out.rglob("*.ipynb")}
    assert found == {launch.published_path(lang, ch) for lang, ch in CASES}
    for path in out.rglob("*.ipynb"):
        json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.build
@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_the_page_on_running_the_chapters_is_linked_and_offers_no_notebook(lang):
    assert OTHERS == ["run-it-yourself"]
    for stem in OTHERS:
        assert f'href="{stem}.html' in page(lang, "index"), f"{lang}/index.html lacks {stem}"
        text = page(lang, stem)
        assert colab_links(text) == [] and "_sources/nnbook-" not in text
        assert not (BUILD / "html" / lang / "_sources" / notebooks.file_name(lang, stem)).exists()
        # the install commands name the wheel the site publishes
        assert f"{site_url()}dist/{wheel_name()}" in re.sub(r"<[^>]+>", "", text)
        assert launch.WHEEL_URL not in text


def test_the_running_page_is_no_numbered_chapter():
    """Tests and the reader's stage take numbered toc entries for chapters with a notebook."""
    assert all(not re.match(r"\d\d-", stem) for stem in OTHERS)
    assert Path(SOURCE / "book" / "da" / "run-it-yourself.md").is_file()


def test_installing_the_wheel_where_pytorch_is_installed_installs_nnbook_only(tmp_path):
    """As in Colab: this environment already has a PyTorch in the ranges (the book's pins), and
    pip, asked for the wheel alone (the install cell), would install nnbook and nothing else."""
    import subprocess
    import sys

    from nnbook.site.wheel import build_wheel

    wheel = build_wheel(tmp_path / "dist")
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-q",
         "--report", str(report), str(wheel)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    assert [item["metadata"]["name"] for item in installs] == ["nnbook"]
