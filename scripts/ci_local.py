"""The hosted CI's run (.github/workflows/book.yml), step by step on this machine, timed, as a
GitHub runner meets it: a clean clone of the commit with no ../shared beside it, the data
fetched from their public sources, the caches (data, networks, pages) in a folder of their own
that starts empty and is kept for the next run.

    .venv/bin/python scripts/ci_local.py --caches DIR [--rev HEAD] [--base REV]
                                         [--work /tmp/nnbook-ci]

Set ``NNBOOK_SOURCES_BASE`` to point the public sources at a stand-in (``python -m nnbook
standin``; a company mirror would do the same). The jobs, as the workflow runs them:

1. checks: ruff and the fast tests, on the data the networks job fetched (on GitHub a job of
   its own beside all the others, fetching the same data; the deploy waits for it);
2. networks: the cache keys (``python -m nnbook fingerprint``), the data cache restored and
   ``python -m nnbook data fetch``, the networks cache restored (exact key, else the newest
   ``networks-``), ``python -m nnbook train``; each cache saved on a miss;
3. language (a matrix: side by side on GitHub, one after another here): the data and
   networks restored, the language's executed pages restored (exact key, else by prefix),
   built with ``NNBOOK_CACHED_ONLY=1``, its pages' cache saved on a miss;
4. site: the artifacts assembled, the change's scope (with ``--base``), the built-site,
   browser and reader's tests.

The clone runs on this repository's ``.venv`` (linked, ``PYTHONPATH`` at the clone's code, so
every process imports the clone's package); installing is a stamp check and is not counted.
Prints each step's time and the end-to-end time as GitHub runs it: the slower of checks and
networks → the slowest language → site.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NETWORKS = ("results", "data")  # under _build/, as the workflow's networks cache


def run(label: str, command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env)
    seconds = time.perf_counter() - start
    print(f"[ci] {label}: {seconds:.1f} s", flush=True)
    if result.returncode != 0:
        sys.exit(f"[ci] {label} failed (exit code {result.returncode})")
    return seconds


def copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    elif source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def restore(caches: Path, key: str, prefix: str | None, target: Path) -> str:
    """actions/cache's restore: the exact key, else the newest key with ``prefix``; returns
    'hit', 'prefix' or 'miss'."""
    found = caches / key
    how = "hit"
    if not found.is_dir() and prefix:
        older = sorted(caches.glob(f"{prefix}*"), key=lambda p: p.stat().st_mtime)
        found, how = (older[-1], "prefix") if older else (found, "miss")
    if not found.is_dir():
        return "miss"
    copy(found, target)
    return how


def save(caches: Path, key: str, source: Path, paths: tuple[str, ...]) -> None:
    """actions/cache's save at the end of a job: only when the exact key was missing."""
    if (caches / key).is_dir():
        return
    tmp = caches / f".{key}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for relative in paths:
        copy(source / relative, tmp / relative)
    tmp.rename(caches / key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caches", type=Path, required=True, help="the caches' folder")
    parser.add_argument("--rev", default="HEAD", help="the commit to run")
    parser.add_argument("--base", help="the commit the change starts from (scopes the tests)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nnbook-ci"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    clone = args.work / "repo"  # no ../shared beside it
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", args.rev], cwd=clone, check=True)
    for tool in (".venv", ".tools"):
        (clone / tool).symlink_to(REPO / tool)
    python = str(clone / ".venv" / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNBOOK_")
           or k == "NNBOOK_SOURCES_BASE"} | {"PYTHONPATH": str(clone / "code"),
                                            "NNBOOK_JOBS": "1"}
    args.caches.mkdir(parents=True, exist_ok=True)

    def nnbook(label: str, build: Path, *command: str, **extra: str) -> float:
        return run(label, [python, "-m", "nnbook", *command], clone,
                   env | {"NNBOOK_BUILD": str(build)} | extra)

    # 1. networks
    networks = args.work / "networks" / "_build"
    keys = dict(line.split("=", 1) for line in subprocess.run(
        [python, "-m", "nnbook", "fingerprint"], cwd=clone, env=env, check=True,
        capture_output=True, text=True).stdout.split())
    langs = subprocess.run([python, "-c", "import nnbook.i18n as i; print(*i.LANGUAGES)"],
                           cwd=clone, env=env, check=True, capture_output=True,
                           text=True).stdout.split()
    print(f"[ci] keys {keys}; data cache: "
          f"{restore(args.caches, 'data-' + keys['data'], None, clone)}", flush=True)
    steps = [nnbook("networks: data fetch", networks, "data", "fetch")]
    save(args.caches, "data-" + keys["data"], clone, ("data",))
    # checks: a job of its own beside networks and the languages (it fetches the same data)
    checks = run("checks: lint", [str(clone / ".venv" / "bin" / "ruff"), "check", "code", "tests",
                                  "scripts"], clone, env)
    checks += run("checks: fast tests", ["make", "test-fast"],  # as the workflow's step
                  clone, env | {"NNBOOK_BUILD": str(args.work / "checks" / "_build")})
    how = restore(args.caches, "networks-" + keys["results"], "networks-", networks)
    print(f"[ci] networks cache: {how}", flush=True)
    steps.append(nnbook("networks: train", networks, "train"))
    save(args.caches, "networks-" + keys["results"], networks, NETWORKS)
    # 2. one job per language
    matrix = {}
    for lang in langs:
        build = args.work / lang / "_build"
        restore(args.caches, "networks-" + keys["results"], None, build)
        pages = hashlib.sha256(b"".join(p.read_bytes() for p in
                                        sorted((clone / "book" / lang).glob("*.md"))))
        key = f"pages-{lang}-{keys['pages']}-{pages.hexdigest()[:16]}"
        how = restore(args.caches, key, f"pages-{lang}-{keys['pages']}-", build / "lang" / lang)
        print(f"[ci] language {lang}: pages cache {how}", flush=True)
        matrix[lang] = nnbook(f"language {lang}", build, "build", "--lang", lang,
                              NNBOOK_CACHED_ONLY="1")
        save(args.caches, key, build / "lang" / lang, ("_build/.jupyter_cache", "inputs.sha256"))
    # 3. site
    from nnbook.site import split  # this checkout's: only the artifacts' lists

    site = args.work / "site" / "_build"
    restore(args.caches, "networks-" + keys["results"], None, site)
    split.restore(networks, site, split.NETWORK_ARTIFACT)
    for lang in langs:
        split.restore(args.work / lang / "_build", site, split.language_artifact(lang))
    tail = [nnbook("site: assemble", site, "assemble")]
    scope = {}
    if args.base:
        out = subprocess.run([python, "-m", "nnbook", "scope", args.base], cwd=clone, env=env,
                             capture_output=True, text=True, check=True).stdout
        scope = dict(line.split("=", 1) for line in out.split())
        print(f"[ci] site: scope {scope}", flush=True)
    for stage in ("build", "browser", "reader"):
        tail.append(run(f"site: make test-{stage}", ["make", f"test-{stage}"],
                        clone, env | {"NNBOOK_BUILD": str(site)} | scope))
    # GitHub runs checks beside networks → languages → site; deploy waits for both.
    build_path = sum(steps) + max(matrix.values()) + sum(tail)
    total = max(steps[0] + checks, build_path)
    print(f"[ci] checks {steps[0] + checks:.1f} s beside networks, languages and site "
          f"{build_path:.1f} s", flush=True)
    print(f"[ci] end to end (matrix by its slowest job, checks beside the rest): "
          f"{total:.1f} s = {total / 60:.1f} min")


if __name__ == "__main__":
    main()
