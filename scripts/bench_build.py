#!/usr/bin/env python
"""Benchmark the book's build (issue #7) and check what each rebuild re-executed.

  .venv/bin/python scripts/bench_build.py                 # every language and chapter, N=3
  .venv/bin/python scripts/bench_build.py --runs 1 --lang da --chapter 01-tensors
  .venv/bin/python scripts/bench_build.py --head --runs 1 --rebuilds 3   # 1 cold, 3 of the rest

Each run copies book/, _toc.yml and _config.yml to a scratch folder (NNBOOK_SOURCE; the
repository's chapters are never touched) and builds into a fresh NNBOOK_BUILD:

  cold     empty caches: every page executed, every network trained
  warm     nothing changed                      (budget 60 s, nothing executed)
  prose    one paragraph of one language edited (budget 90 s, nothing executed)
  code     one chapter's code cells changed in every language (only that chapter executed,
           in each language)
  jobs J   (with --jobs J ...) every page executed again, the trained networks copied from
           the cold build's results cache, with NNBOOK_JOBS=J: J languages at a time (J=1: one
           after another). What parallel building saves.

Which pages ran is read from the build's execution report, i.e. from each language's
jupyter-cache records (new records = executed). ``imports`` times a kernel start and the
first imports. Prints a table of medians: over --runs cold builds, and over --runs ×
--rebuilds runs of warm, prose and code (each on the build the previous one left). The
machine is shared with whatever else runs: say so when quoting the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
ENV: dict[str, str] = {}  # with --head: the snapshot's package, catalogs and the mirror
BUDGETS = {"cold": 1200.0, "warm": 60.0, "prose": 90.0}


def run_build(source: Path, build: Path, langs: list[str], chapters: list[str],
              **extra_env: str) -> float:
    """One ``python -m nnbook build``; returns seconds, raises with its output on failure."""
    command = [PY, "-m", "nnbook", "build"]
    for lang in langs:
        command += ["--lang", lang]
    for chapter in chapters:
        command += ["--chapter", chapter]
    env = dict(os.environ, **ENV, **extra_env, NNBOOK_SOURCE=str(source),
               NNBOOK_BUILD=str(build))
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"build failed: {' '.join(command)}")
    return seconds


def executed(build: Path, langs: list[str]) -> dict[str, list[str]]:
    """Per language, the pages the last build executed (from its jupyter-cache records)."""
    found = {}
    for lang in langs:
        data = json.loads((build / "report" / f"{lang}.json").read_text(encoding="utf-8"))
        found[lang] = [row["page"] for row in data["pages"] if row["status"] == "executed"]
    return found


def copy_source(target: Path) -> Path:
    target.mkdir(parents=True)
    shutil.copytree(REPO / "book", target / "book")
    for name in ("_toc.yml", "_config.yml"):
        shutil.copy(REPO / name, target / name)
    (target / "code").symlink_to(REPO / "code")  # pages literalinclude ../../code/nnbook/*.py
    return target


def edit_prose(page: Path) -> str:
    """Append a sentence to the first paragraph of prose; returns the sentence."""
    lines = page.read_text(encoding="utf-8").splitlines()
    fence, front = False, lines[:1] == ["---"]
    for i, line in enumerate(lines):
        if front:
            front = not (i > 0 and line == "---")
            continue
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        if not fence and re.match(r"^[^\s#:>|`{<\-*0-9]", line):
            sentence = f" Bench {int(time.time())}."
            lines[i] = line + sentence
            page.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return sentence.strip()
    raise SystemExit(f"no prose paragraph found in {page}")


def edit_code(pages: list[Path], mark: int = 1) -> None:
    """Add the same statement to the last code cell of a chapter in every language."""
    for page in pages:
        text = page.read_text(encoding="utf-8")
        start = text.rindex("```{code-cell}")
        end = text.index("\n```", start)
        page.write_text(text[:end] + f"\n_bench_marker = {mark}" + text[end:], encoding="utf-8")


def inputs_fingerprint() -> str:
    from nnbook.site import build

    return build.inputs_fingerprint()


def time_imports() -> dict[str, float]:
    """Seconds for: a kernel to start; ``import torch``; ``import nnbook``; ``nnbook.setup``."""
    from jupyter_client.manager import start_new_kernel

    times = {}
    start = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3")
    times["kernel start"] = time.perf_counter() - start
    try:
        for label, code in [("import torch", "import torch"),
                            ("import nnbook (lazy)", "import nnbook"),
                            ("nnbook.setup('da') (matplotlib, catalogs)", "nnbook.setup('da')")]:
            start = time.perf_counter()
            reply = client.execute_interactive(code, timeout=300)
            times[label] = time.perf_counter() - start
            if reply["content"]["status"] != "ok":
                raise SystemExit(f"{code!r} failed in the kernel: {reply['content']}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    for module in ("nnbook", "nnbook.site.sphinx"):
        start = time.perf_counter()
        subprocess.run([PY, "-c", f"import {module}"], check=True, env=dict(os.environ, **ENV))
        times[f"python -c 'import {module}'"] = time.perf_counter() - start
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--rebuilds", type=int, default=1,
                        help="after each cold build, repeat warm, prose and code this often")
    parser.add_argument("--lang", action="append", help="languages (default: all four)")
    parser.add_argument("--chapter", action="append", help="chapters (default: all in _toc)")
    parser.add_argument("--code-chapter", help="the chapter whose code changes (default: first)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[],
                        help="also rebuild every page (networks cached) with NNBOOK_JOBS=J")
    parser.add_argument("--skip", action="append", default=[],
                        help="leave out a scenario (imports, cold, warm, prose, code)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders")
    parser.add_argument("--head", action="store_true",
                        help="benchmark the committed HEAD (git archive), not the working "
                             "tree: others' uncommitted edits cannot disturb the runs")
    args = parser.parse_args()

    global REPO
    scratch = Path(tempfile.mkdtemp(prefix="nnbook-bench-"))
    if args.head:
        sys.path.insert(0, str(REPO / "code"))
        from nnbook import data

        mirror = next((r for r in data.data_roots() if r.is_dir()), None)
        snapshot = scratch / "repo"
        snapshot.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
        ENV.update(PYTHONPATH=str(snapshot / "code"), NNBOOK_LOCALES=str(snapshot / "locales"))
        if mirror:
            ENV["NNBOOK_DATA"] = str(mirror)
        os.environ.update(ENV)  # this process computes the snapshot's fingerprint too
        for name in [m for m in sys.modules if m == "nnbook" or m.startswith("nnbook.")]:
            del sys.modules[name]
        sys.path.remove(str(REPO / "code"))
        REPO = snapshot
    sys.path.insert(0, str(REPO / "code"))
    import yaml

    from nnbook import i18n

    langs = args.lang or list(i18n.LANGUAGES)
    toc = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]
    chapters = args.chapter or []
    shown = chapters or toc
    code_chapter = args.code_chapter or shown[0]
    times: dict[str, list[float]] = {}
    checks: dict[str, list[str]] = {}
    imports: list[dict[str, float]] = []

    def record(name: str, seconds: float, problem: str | None = None) -> None:
        times.setdefault(name, []).append(seconds)
        checks.setdefault(name, [])
        if problem:
            checks[name].append(problem)
        print(f"[bench] {name}: {seconds:.1f} s{'  ' + problem if problem else ''}", flush=True)

    try:
        for run in range(args.runs):
            if "imports" not in args.skip:
                imports.append(time_imports())
            if {"cold", "warm", "prose", "code"} <= set(args.skip):
                continue
            fingerprint = inputs_fingerprint()
            source = copy_source(scratch / f"source-{run}")
            build = scratch / f"build-{run}"
            seconds = run_build(source, build, langs, chapters)
            ran = executed(build, langs)
            missing = {lang: sorted(set(shown) - set(pages)) for lang, pages in ran.items()
                       if set(shown) - set(pages)}
            record("cold", seconds, f"not executed: {missing}" if missing else None)
            for rebuild in range(args.rebuilds):  # each on the build the last one left
                if "warm" not in args.skip:
                    seconds = run_build(source, build, langs, chapters)
                    ran = {lang: pages for lang, pages in executed(build, langs).items() if pages}
                    record("warm", seconds, f"re-executed: {ran}" if ran else None)
                if "prose" not in args.skip:
                    page = source / "book" / langs[0] / f"{shown[-1]}.md"
                    sentence = edit_prose(page)
                    seconds = run_build(source, build, langs, chapters)
                    ran = {lang: pages for lang, pages in executed(build, langs).items() if pages}
                    html = (build / "html" / langs[0] / f"{shown[-1]}.html").read_text("utf-8")
                    problem = f"re-executed: {ran}" if ran else None
                    if sentence not in html:
                        problem = (problem or "") + " edit not in the HTML"
                    record("prose", seconds, problem)
                if "code" not in args.skip:
                    edit_code([source / "book" / lang / f"{code_chapter}.md" for lang in langs],
                              mark=rebuild + 1)
                    seconds = run_build(source, build, langs, chapters)
                    ran = executed(build, langs)
                    wrong = {lang: pages for lang, pages in ran.items() if pages != [code_chapter]}
                    record("code", seconds, f"executed {wrong}, expected only {code_chapter}"
                           if wrong else None)
            for jobs in args.jobs:
                pages_only = scratch / f"build-jobs{jobs}-{run}"
                for cached in ("results", "data"):  # trained networks, decoded images
                    if (build / cached).exists():
                        shutil.copytree(build / cached, pages_only / cached)
                seconds = run_build(source, pages_only, langs, chapters, NNBOOK_JOBS=str(jobs))
                ran = executed(pages_only, langs)
                missing = {lang: sorted(set(shown) - set(pages)) for lang, pages in ran.items()
                           if set(shown) - set(pages)}
                record(f"pages only (networks cached), NNBOOK_JOBS={jobs}", seconds,
                       f"not executed: {missing}" if missing else None)
                shutil.rmtree(pages_only, ignore_errors=True)
            if inputs_fingerprint() != fingerprint:
                checks["cold"].append("package/catalogs changed during the run: not comparable")
            if not args.keep:
                shutil.rmtree(build, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"[bench] scratch kept in {scratch}")

    print(f"\nnnbook build benchmark: {', '.join(langs)}; chapters: {', '.join(shown)}; "
          f"runs: {args.runs}; {os.cpu_count()} CPUs; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'scenario':<44}{'median s':>10}{'budget s':>10}  check")
    for name, values in times.items():
        budget = BUDGETS.get(name)
        verdict = "ok" if not checks[name] else "; ".join(sorted(set(checks[name])))
        if budget and statistics.median(values) > budget:
            verdict = f"OVER BUDGET; {verdict}"
        print(f"{name:<44}{statistics.median(values):>10.1f}"
              f"{(f'{budget:.0f}' if budget else '-'):>10}  {verdict}")
    if imports:
        for label in imports[0]:
            value = statistics.median(t[label] for t in imports)
            print(f"{label:<44}{value:>10.2f}{'-':>10}")
    failed = any(checks.values()) or any(
        statistics.median(v) > BUDGETS[n] for n, v in times.items() if n in BUDGETS)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
