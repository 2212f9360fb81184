"""The hosted CI's build, locally: each language built into its own folder from restored
caches, then the folders assembled into one site (as the workflow's matrix jobs and its
``site`` job do). ``scripts/ci_local.py`` times it; a build-stage test compares the result
with the one-build site.

Every step runs ``python -m nnbook`` in a child process with ``NNBOOK_BUILD`` set, as a job of
the workflow would on its own machine.
"""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from nnbook.paths import REPO

# What the workflow's caches hold (paths under _build/), per job.
NETWORK_CACHES = ("results", "data")
# What the networks job hands the site job (an artifact): how the networks were trained.
NETWORK_ARTIFACT = ("training-report.json",)


def language_caches(lang: str) -> tuple[str, ...]:
    return (f"lang/{lang}/_build/.jupyter_cache", f"lang/{lang}/inputs.sha256")


def language_artifact(lang: str) -> tuple[str, ...]:
    """What a language job hands the site job: its pages, its execution report, the
    executed notebooks (the built-site tests read what each cell printed) and its PDF's record
    (so that assembling copies the book in instead of printing it again)."""
    return (f"html/{lang}", f"report/{lang}.json", f"lang/{lang}/_build/jupyter_execute",
            f"pdf/{lang}.sha256", f"pdf/{lang}.pdf")


def restore(source: Path, target: Path, paths: tuple[str, ...]) -> None:
    """Copy cached folders/files from one build into another (actions/cache's restore)."""
    for relative in paths:
        origin, copy = source / relative, target / relative
        if origin.is_dir():
            shutil.copytree(origin, copy, dirs_exist_ok=True)
        elif origin.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, copy)


def nnbook(build: Path, *args: str, extra: dict[str, str] | None = None) -> float:
    """Run ``python -m nnbook ARGS`` with NNBOOK_BUILD=build; seconds it took (fails loudly)."""
    env = dict(os.environ, NNBOOK_BUILD=str(build)) | (extra or {})
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "nnbook", *args], cwd=REPO, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"python -m nnbook {' '.join(args)} failed:\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return time.perf_counter() - start


def build_language_alone(cached: Path, work: Path, lang: str) -> tuple[Path, float]:
    """One matrix job: restore the networks and the language's pages, build it, never train."""
    build = work / lang / "_build"
    restore(cached, build, NETWORK_CACHES + language_caches(lang))
    seconds = nnbook(build, "build", "--lang", lang, extra={"NNBOOK_CACHED_ONLY": "1"})
    return build, seconds


def assemble(cached: Path, work: Path, langs: list[str],
             networks: Path | None = None) -> tuple[Path, float]:
    """The site job: the networks job's artifact (from ``networks``, else ``cached``) and the
    languages' artifacts together, then ``python -m nnbook assemble``."""
    site = work / "site" / "_build"
    restore(cached, site, NETWORK_CACHES)
    restore(networks or cached, site, NETWORK_ARTIFACT)
    for lang in langs:
        restore(work / lang / "_build", site, language_artifact(lang))
    return site, nnbook(site, "assemble")


def pdf_contents(path: Path) -> list[tuple[str, list[str]]]:
    """What a PDF shows, page by page: its text and the digests of its images."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        objects = page.get("/Resources", {}).get("/XObject", {})
        images = sorted(hashlib.sha256(objects[name].get_object().get_data()).hexdigest()
                        for name in objects
                        if objects[name].get_object().get("/Subtype") == "/Image")
        pages.append((page.extract_text(), images))
    return pages


def same_file(a: Path, b: Path) -> bool:
    """Byte for byte; the search index as what it holds (Sphinx writes its mappings in the
    order it met the words, which an incremental build changes, and keeps a word a page no
    longer has with no page: ``"flad": []`` finds nothing); a PDF as its pages' text and
    images (Chromium has once printed the same pages into other bytes, on a fresh machine)."""
    if filecmp.cmp(a, b, shallow=False):
        return True
    if a.suffix == ".pdf":
        return pdf_contents(a) == pdf_contents(b)
    if a.name != "searchindex.js":
        return False

    def index(path: Path) -> object:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text[text.index("(") + 1:text.rindex(")")])
        for key in ("terms", "titleterms"):
            data[key] = {word: pages for word, pages in data[key].items() if pages != []}
        return data

    return index(a) == index(b)


def differences(one: Path, other: Path, langs: list[str]) -> list[str]:
    """How the assembled site ``other`` differs from the one-build site ``one``, per language:
    a file of ``other`` missing from ``one`` or different there, or a page of ``one`` missing
    from ``other`` (files only ``one`` has besides pages are leftovers of its earlier builds:
    Sphinx never deletes an image no page uses any more)."""
    found = []
    for lang in langs:
        a, b = one / lang, other / lang
        for path in sorted(p for p in b.rglob("*") if p.is_file()):
            name = path.relative_to(b)
            if not ((a / name).is_file() and same_file(a / name, path)):
                found.append(f"{lang}/{name}")
        found += [f"{lang}/{p.relative_to(a)} (only in one build)" for p in sorted(a.glob("*.html"))
                  if not (b / p.relative_to(a)).is_file()]
    for name in ("index.html", "sitemap.xml", "robots.txt"):
        if not filecmp.cmp(one / name, other / name, shallow=False):
            found.append(name)
    return found
