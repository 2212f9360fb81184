"""Build the book: one Jupyter Book build per language, then the landing page.

``python -m nnbook build`` builds every language into ``_build/html/<lang>/``;
``--lang ko`` builds one (a translator's preview). A failing or hanging cell fails the
build and is reported with its language, page and cell; nothing is rendered silently.
"""

from __future__ import annotations

import hashlib
import html
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from nnbook import i18n
from nnbook.i18n import _

REPO = i18n.REPO
# NNBOOK_SOURCE: another folder with book/, _toc.yml and _config.yml (the tests build
# small broken books this way); the package and catalogs stay those of REPO.
SOURCE = Path(os.environ.get("NNBOOK_SOURCE", REPO)).resolve()
# NNBOOK_BUILD moves the whole build (caches included), e.g. for two builds side by side.
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build")).resolve()

# The book's name and each language's own name for itself (shown on the landing page).
LANGUAGE_NAMES = {"da": "Dansk", "sv": "Svenska", "ko": "한국어", "nl": "Nederlands"}


class BuildError(RuntimeError):
    """A language's build failed; the message names the page and the cell."""


def book_title() -> str:
    return _("Neural networks in PyTorch")


def language_config(lang: str) -> Path:
    """The shared _config.yml plus what differs per language, written under _build/."""
    config = yaml.safe_load((SOURCE / "_config.yml").read_text(encoding="utf-8"))
    i18n.activate(lang)
    config["title"] = book_title()
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["language"] = lang
    path = BUILD / "config" / f"{lang}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def output_dir(lang: str) -> Path:
    """Where jupyter-book works for one language (its cache and doctrees stay there)."""
    return BUILD / "lang" / lang


def failure_report(lang: str) -> str:
    """The execution reports MyST-NB wrote for failed pages: page name and failing cell."""
    reports = sorted((output_dir(lang) / "_build" / "html" / "reports").glob("**/*.err.log"))
    parts = []
    for report in reports:
        page = report.name.removesuffix(".err.log")
        parts.append(f"--- language {lang!r}, page {page!r} (book/{lang}/{page}.md) ---")
        parts.append(report.read_text(encoding="utf-8", errors="replace").strip())
    return "\n".join(parts)


def table_of_contents(chapters: list[str] | None) -> Path:
    """_toc.yml, or a copy reduced to the named chapters (a quick preview)."""
    if not chapters:
        return SOURCE / "_toc.yml"
    toc = yaml.safe_load((SOURCE / "_toc.yml").read_text(encoding="utf-8"))
    known = [entry["file"] for entry in toc["chapters"]]
    unknown = [c for c in chapters if c not in known]
    if unknown:
        raise BuildError(f"_toc.yml has no chapter {unknown}; it has {known}")
    toc["chapters"] = [entry for entry in toc["chapters"] if entry["file"] in chapters]
    path = BUILD / "config" / "_toc.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return path


def inputs_fingerprint() -> str:
    """A digest of what pages depend on besides their own code: the package, the catalogs,
    the pins. jupyter-cache only sees a page's code cells, so when this changes, the
    language's cache is cleared and every page runs again."""
    digest = hashlib.sha256()
    files = sorted((REPO / "code" / "nnbook").rglob("*.py")) + sorted(
        (REPO / "locales").rglob("*.po")
    ) + [REPO / "requirements.txt"]
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_language(lang: str, chapters: list[str] | None = None) -> float:
    """Build one language; returns the seconds it took, raises BuildError on failure."""
    start = time.perf_counter()
    config = language_config(lang)
    out = output_dir(lang)
    marker = out / "inputs.sha256"
    fingerprint = inputs_fingerprint()
    if not marker.exists() or marker.read_text() != fingerprint:
        shutil.rmtree(out / "_build" / ".jupyter_cache", ignore_errors=True)
        marker.unlink(missing_ok=True)
    reports = out / "_build" / "html" / "reports"
    if reports.exists():
        shutil.rmtree(reports)  # only this build's failures count
    env = dict(os.environ, NNBOOK_BUILD=str(BUILD), PYTHONHASHSEED="0")
    command = [
        str(Path(sys.executable).with_name("jupyter-book")), "build", str(SOURCE / "book" / lang),
        "--config", str(config), "--toc", str(table_of_contents(chapters)),
        "--path-output", str(out),
        # --all re-reads every page, so a page that failed last time cannot pass unread
        # (its notebook still comes from the cache when its code did not change).
        "--all", "-W", "--keep-going",
    ]
    print(f"[nnbook] building {lang}: {' '.join(command[1:3])}", flush=True)
    result = subprocess.run(command, cwd=REPO, env=env)
    report = failure_report(lang)
    if result.returncode != 0 or report:
        raise BuildError(
            f"the {lang!r} build failed (exit code {result.returncode})\n"
            + (report or "see the warnings above")
        )
    marker.write_text(fingerprint)
    target = BUILD / "html" / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(out / "_build" / "html", target)
    return time.perf_counter() - start


def write_landing_page() -> Path:
    """_build/html/index.html: the book's title in all four languages, one link each."""
    items = []
    for lang, name in LANGUAGE_NAMES.items():
        i18n.activate(lang)
        items.append(
            f'<li lang="{lang}"><a href="{lang}/index.html"><span class="name">{html.escape(name)}'
            f'</span><span class="title">{html.escape(book_title())}</span></a></li>'
        )
    page = (SOURCE / "book" / "landing.html").read_text(encoding="utf-8")
    page = page.replace("<!-- LANGUAGES -->", "\n".join(items))
    path = BUILD / "html" / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def build(langs: list[str], chapters: list[str] | None = None) -> int:
    """Build the given languages and the landing page; prints a summary of times."""
    i18n.compile_all()  # a broken or incomplete catalog stops the build here, file:line
    times, failed = {}, []
    for lang in langs:
        try:
            times[lang] = build_language(lang, chapters)
        except BuildError as err:
            failed.append(lang)
            print(f"\n[nnbook] ERROR: {err}\n", file=sys.stderr, flush=True)
    write_landing_page()
    for lang, seconds in times.items():
        print(f"[nnbook] {lang}: built in {seconds:.1f} s -> _build/html/{lang}/")
    if failed:
        print(f"[nnbook] FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
