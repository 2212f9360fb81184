"""Build-stage robustness (issue #7): a failed page stays failed until fixed, a killed build
leaves nothing half-done behind, two cold builds print the same numbers, and every build
writes its execution report.

Small temporary books are built as in test_build_failures.py (NNBOOK_SOURCE/NNBOOK_BUILD).
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from nnbook import i18n
from nnbook.site import report
from test_build_failures import make_book, run_build

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build"))

pytestmark = pytest.mark.build


def page_html(root: Path) -> str:
    return (root / "_build" / "html" / "nl" / "01-broken.html").read_text(encoding="utf-8")


def saved_report(root: Path) -> dict[str, str]:
    data = json.loads((root / "_build" / "report" / "nl.json").read_text(encoding="utf-8"))
    return {row["page"]: row["status"] for row in data["pages"]}


@pytest.mark.machinery
def test_a_failed_page_fails_again_until_it_is_fixed(tmp_path):
    make_book(tmp_path, 'raise ValueError("kapotte cel")')
    assert run_build(tmp_path).returncode == 1
    again = run_build(tmp_path)  # nothing changed: the failing page must not pass unread
    assert again.returncode == 1 and "language 'nl', page '01-broken'" in again.stderr
    assert "every page read" in again.stdout
    page = tmp_path / "book" / "nl" / "01-broken.md"
    page.write_text(page.read_text().replace('raise ValueError("kapotte cel")', "print(6 * 7)"))
    fixed = run_build(tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert saved_report(tmp_path) == {"01-broken": "executed"}
    warm = run_build(tmp_path)  # passed last time, same inputs: only changed pages are read
    assert warm.returncode == 0 and "changed pages read" in warm.stdout
    assert saved_report(tmp_path) == {"01-broken": "cached"}
    assert ">42<" in page_html(tmp_path).replace("\n", "")


@pytest.mark.machinery
def test_a_killed_build_is_followed_by_a_complete_correct_build(tmp_path):
    started = tmp_path / "cell-started"
    make_book(tmp_path, "import os, time\n"
                        f"open({str(started)!r}, 'w').close()\n"
                        "time.sleep(float(os.environ['NNBOOK_TEST_SLEEP']))\n"
                        "print('klaar', 6 * 7)", timeout=300)
    env = dict(os.environ, NNBOOK_SOURCE=str(tmp_path), NNBOOK_BUILD=str(tmp_path / "_build"),
               NNBOOK_TEST_SLEEP="300")
    build = subprocess.Popen([sys.executable, "-m", "nnbook", "build", "--lang", "nl"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not started.exists():  # the slow cell is running: kill everything mid-way
            assert build.poll() is None and time.monotonic() < deadline, "the cell never started"
            time.sleep(0.5)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    cache = tmp_path / "_build" / "lang" / "nl" / "_build" / ".jupyter_cache"
    assert not report.cache_records(cache), "a killed execution left a cache entry"
    result = subprocess.run([sys.executable, "-m", "nnbook", "build", "--lang", "nl"],
                            env=dict(env, NNBOOK_TEST_SLEEP="0"), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "every page read" in result.stdout  # the killed build recorded no pass
    assert "klaar 42" in page_html(tmp_path)
    assert saved_report(tmp_path) == {"01-broken": "executed"}
    assert len(report.cache_records(cache)) == 1


CHEAP = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]
         if re.match(r"0[1-5]-", c["file"])]


def executed_text(build: Path, lang: str, page: str) -> list[str]:
    """Every printed or displayed text of a page, cell by cell (images left out)."""
    path = build / "lang" / lang / "_build" / "jupyter_execute" / f"{page}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    texts = []
    for number, cell in enumerate(c for c in cells if c["cell_type"] == "code"):
        streams: dict[str, str] = {}  # how a stream is cut into outputs depends on timing
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                streams[out["name"]] = streams.get(out["name"], "") + "".join(out["text"])
        texts += [f"{number} {name}: {text}" for name, text in sorted(streams.items())]
        for out in cell.get("outputs", []):
            for mime in ("text/plain", "text/markdown", "text/latex"):
                if mime in out.get("data", {}):
                    texts.append(f"{number} {mime}: {''.join(out['data'][mime])}")
    return texts


@pytest.mark.machinery
def test_two_cold_builds_print_identical_numbers_the_second_on_a_busy_machine(tmp_path):
    lang = "da"
    builds = [tmp_path / "first", tmp_path / "second"]
    for build in builds:  # each cold: its own caches and its own trained networks
        command = [sys.executable, "-m", "nnbook", "build", "--lang", lang]
        for chapter in CHEAP:
            command += ["--chapter", chapter]
        # The second build runs while another process keeps one core busy the whole time.
        busy = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
                if build is builds[1] else None)
        try:
            result = subprocess.run(command, env=dict(os.environ, NNBOOK_BUILD=str(build)),
                                    capture_output=True, text=True, timeout=1800)
        finally:
            if busy is not None:
                busy.kill()
        assert result.returncode == 0, result.stderr[-3000:]
    for page in CHEAP:
        first, second = (executed_text(b, lang, page) for b in builds)
        assert first, f"{lang}/{page}: no text output"
        assert first == second, f"book/{lang}/{page}.md prints different numbers in two builds"


def test_the_execution_report_covers_every_built_page_and_is_linked():
    chapters = [c["file"] for c in yaml.safe_load((REPO / "_toc.yml").read_text())["chapters"]]
    saved = {r["lang"]: r for r in report.load(BUILD)}
    for lang in i18n.LANGUAGES:
        assert lang in saved, f"no execution report for {lang}: run `make build` first"
        assert [p["page"] for p in saved[lang]["pages"]] == chapters
        assert {p["status"] for p in saved[lang]["pages"]} <= {"executed", "cached"}
    text = (BUILD / "html" / "execution-report.html").read_text(encoding="utf-8")
    for lang in i18n.LANGUAGES:
        for chapter in chapters:
            assert f'href="{lang}/{chapter}.html"' in text
    assert 'href="execution-report.html"' in (BUILD / "html" / "index.html").read_text()
    from nnbook.site import pretrain

    for training in pretrain.trainings():  # the networks trained before the pages ran
        assert f"<code>{html.escape(training.label())}</code>" in text


@pytest.mark.machinery
def test_text_printed_in_pieces_is_merged_once_on_the_page_and_in_the_notebook(tmp_path):
    """The kernel sends the first line, then (after the sleep) the second: two pieces.
    MyST-NB's merge wrote "een\\ntwee\\ntwee\\n" into the executed notebook."""
    make_book(tmp_path, "import time\nprint('een', flush=True)\ntime.sleep(1)\nprint('twee')")
    result = subprocess.run([sys.executable, "-m", "nnbook", "build", "--lang", "nl"],
                            env=dict(os.environ, NNBOOK_SOURCE=str(tmp_path),
                                     NNBOOK_BUILD=str(tmp_path / "_build")),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    notebook = tmp_path / "_build" / "lang" / "nl" / "_build" / "jupyter_execute"
    cells = json.loads((notebook / "01-broken.ipynb").read_text(encoding="utf-8"))["cells"]
    outputs = [c["outputs"] for c in cells if c["cell_type"] == "code"][1]
    assert [(o["name"], "".join(o["text"])) for o in outputs] == [("stdout", "een\ntwee\n")]
    assert re.search(r"een\s+twee\s*</pre>", page_html(tmp_path))
