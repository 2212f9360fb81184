"""The hosted CI's run (.github/workflows/book.yml), step by step on this machine, timed.

    .venv/bin/python scripts/ci_local.py --base REV [--cached _build] [--work /tmp/nnbook-ci]

``--cached``: a finished build of REV, whose folders stand in for the workflow's restored
caches (trained networks, each language's executed pages). Then, as the jobs do:

1. networks: the fast tests, the cache keys, ``python -m nnbook train`` (finds them cached);
2. language (a matrix: one job per language, side by side on GitHub, one after another
   here): each built into its own folder, never training;
3. site: the folders assembled, the change's scope (``python -m nnbook scope REV``), and the
   built-site, browser and reader's tests within it.

Prints each step's time and the end-to-end time of the run as GitHub runs it (the matrix
counts once, by its slowest job; installing is a stamp check here and is not counted), and
whether the assembled site equals the cached one-build site for every language.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(label: str, command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env)
    seconds = time.perf_counter() - start
    print(f"[ci] {label}: {seconds:.1f} s", flush=True)
    if result.returncode != 0:
        sys.exit(f"[ci] {label} failed (exit code {result.returncode})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit the change starts from")
    parser.add_argument("--cached", type=Path, default=REPO / "_build")
    parser.add_argument("--work", type=Path, default=Path("/tmp/nnbook-ci"))
    args = parser.parse_args()
    from nnbook import i18n
    from nnbook.site import split

    langs = list(i18n.LANGUAGES)
    shutil.rmtree(args.work, ignore_errors=True)
    python = str(Path(sys.executable))
    # 1. networks
    env = dict(os.environ)
    fast = timed("networks: fast tests", [python, "-m", "pytest", "-q", "-p", "no:warnings"], env)
    networks = args.work / "networks" / "_build"
    split.restore(args.cached, networks, split.NETWORK_CACHES)
    train = split.nnbook(networks, "fingerprint") + split.nnbook(networks, "train")
    print(f"[ci] networks: keys and train (all cached): {train:.1f} s", flush=True)
    # 2. one job per language
    matrix = {}
    for lang in langs:
        _, matrix[lang] = split.build_language_alone(args.cached, args.work, lang)
        print(f"[ci] language {lang}: {matrix[lang]:.1f} s", flush=True)
    # 3. site
    site, seconds = split.assemble(args.cached, args.work, langs, networks)
    print(f"[ci] site: assemble {seconds:.1f} s", flush=True)
    scope = subprocess.run([python, "-m", "nnbook", "scope", args.base], cwd=REPO,
                           capture_output=True, text=True, check=True).stdout
    print(f"[ci] site: scope {' '.join(scope.split())}", flush=True)
    env = dict(os.environ, NNBOOK_BUILD=str(site)) | dict(
        line.split("=", 1) for line in scope.splitlines() if "=" in line)
    tests = sum(timed(f"site: pytest -m {stage}", [python, "-m", "pytest", "-q", "-p",
                                                   "no:warnings", "-m", stage], env)
                for stage in ("build", "browser", "reader"))
    differ = split.differences(args.cached / "html", site / "html", langs)
    print(f"[ci] assembled site against the one-build site: {len(differ)} file(s) differ"
          + (": " + ", ".join(differ[:20]) if differ else ""))
    total = fast + train + max(matrix.values()) + seconds + tests
    print(f"[ci] end to end (matrix by its slowest job): {total:.1f} s = {total / 60:.1f} min")


if __name__ == "__main__":
    main()
