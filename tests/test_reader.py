"""The reader's stage: the built site's notebooks, run as a reader runs them.

A fresh virtual environment with nothing but ipykernel (to run notebooks at all) and the
wheel the site publishes, installed with the command of each notebook's first cell (served
here from the built site over HTTP, in place of the site's address; torch comes from this
machine's local wheels); that cell then runs in every notebook and finds it installed.
The kernel runs as on a reader's machine: none of the build's variables (kernels, threads),
a fresh home and matplotlib cache, and no Korean system font (Debian's fonts-nanum hidden in
a mount namespace; without root, the machine must lack it). Chapters 1-5 run in all four
languages, chapters 6-9 in Korean (plots with Hangul), reusing the networks the build trained
(NNBOOK_BUILD points at the build: the results cache serves them when the installed
package's code is the code that trained them); Danish chapter 6 runs with no build cache, so
LeNet is trained in the reader's kernel on MNIST fetched from its public source (stood in
for on 127.0.0.1). Every cell runs, and what each cell prints equals
what the page shows.

Run with ``pytest -m reader`` after a full build (``make test`` does).
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nnbook import data
from nnbook.site.build import BUILD
from nnbook.site.notebooks import file_name
from nnbook.site.wheel import wheel_name

pytestmark = pytest.mark.reader

SITE = BUILD / "html"
ALL_LANGUAGES = ("da", "sv", "ko", "nl")
EARLY = ("01-tensors", "02-perceptron", "03-small-network", "04-training-loop", "05-save-load")
LATE = ("06-lenet", "07-cifar10", "08-transfer", "09-generating-digits")
LATE_LANGUAGE = "ko"
# The reader who trains: no build cache, the network trained in the notebook's kernel.
UNCACHED = ("da", "06-lenet")
CASES = [(lang, ch) for lang in ALL_LANGUAGES for ch in EARLY] + [
    (LATE_LANGUAGE, ch) for ch in LATE] + [UNCACHED]
KOREAN_FONTS = "/usr/share/fonts/truetype/nanum"
KERNEL = "nnbook-reader"
# What a cell may print that is not a result: the wall-clock time of the run.
SECONDS = re.compile(r"\d+(?:[.,]\d+)?\s*(?:s|sek|sekunder|sekunden|seconden|초)\b")
# A training's table row ends in its elapsed seconds: "2 0,0550 98,28 % 12,7".
EPOCH_SECONDS = re.compile(r"^(\d+ \S+ \S+\s?%) \d+(?:[.,]\d+)?$", re.M)
# A reader's Jupyter shows the progress bars the package writes to the console (tqdm on the
# process's stderr): parts of a line that end in a carriage return or draw a bar.
PROGRESS = re.compile(r"[^\r\n]*\r|[^\r\n]*\d+%\|[^\r\n]*")


@pytest.fixture(scope="session")
def served_site():
    """The built site over HTTP on 127.0.0.1, as a reader's browser or pip would fetch it."""
    if not (SITE / "dist" / wheel_name()).is_file():
        pytest.fail(f"{SITE / 'dist' / wheel_name()} missing: build the site first (make site)")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def public_sources(tmp_path_factory):
    """The data's public hosts stood in for on 127.0.0.1 (nnbook.site.standin)."""
    from nnbook.site import standin

    with standin.serving(standin.publish(tmp_path_factory.mktemp("www"))) as base:
        yield base


@pytest.fixture(scope="session")
def reader_kernel(served_site):
    """A fresh venv with ipykernel and the published wheel, registered as a kernel.

    The test workers of one run (pytest-xdist) share it: the first makes it, under a lock,
    the others wait and use it. The wheel is installed here with the command the notebooks'
    first cell runs, so two kernels never install into one venv at once; in each notebook
    that cell then runs and finds it installed."""
    venv = BUILD / "reader-venv"
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD / "reader-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = venv / "made-for-run"
        if not (made.is_file() and made.read_text() == run):
            make_reader_venv(venv, served_site)
            made.write_text(run)
    return venv


def make_reader_venv(venv: Path, served_site: str) -> None:
    shutil.rmtree(venv, ignore_errors=True)
    # The system's Python, not this .venv's: nothing of the build's environment comes along.
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "ipykernel"], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", f"{served_site}dist/{wheel_name()}"],
                   check=True)
    subprocess.run([python, "-m", "ipykernel", "install", "--prefix", str(venv),
                    "--name", KERNEL], check=True, capture_output=True)
    spec = venv / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"
    kernel = json.loads(spec.read_text())
    # The kernel's command hides the Korean fonts under an empty folder; it lies in the venv,
    # which outlives any one worker's temporary folders.
    hidden = venv / "no-fonts"
    hidden.mkdir()
    kernel["argv"] = without_korean_fonts(kernel["argv"], hidden)
    spec.write_text(json.dumps(kernel))


def without_korean_fonts(argv: list[str], empty: Path) -> list[str]:
    """The kernel's command, run where Debian's Korean fonts cannot be seen: as root, in a
    mount namespace with an empty folder over them; otherwise the machine must lack them."""
    if not Path(KOREAN_FONTS).is_dir():
        return argv
    if os.geteuid() != 0:
        pytest.fail(f"{KOREAN_FONTS} exists: run the reader's stage as root (it hides the "
                    "folder in a mount namespace) or on a machine without fonts-nanum")
    command = f"mount --bind {empty} {KOREAN_FONTS} && exec \"$@\""
    return ["unshare", "--mount", "--", "sh", "-c", command, "sh", *argv]


def printed(cell) -> str:
    """The text a code cell shows: its streams and plain-text results, with times and
    progress bars masked."""
    # Each stream on its own: how a kernel interleaves stdout with the bars on stderr depends
    # on when it flushes them, and a bar's last line has no line break of its own.
    streams: dict[str, list[str]] = {"stdout": [], "stderr": [], "results": []}
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            streams[output["name"]].append(output["text"])
        elif "data" in output and "text/plain" in output["data"] \
                and not any(k.startswith("image/") for k in output["data"]):
            streams["results"].append(output["data"]["text/plain"])
    text = "".join(PROGRESS.sub("", "".join(parts)) for parts in streams.values())
    return EPOCH_SECONDS.sub(r"\1 <time>", SECONDS.sub("<time>", text))


@pytest.mark.parametrize(("lang", "chapter"), CASES, ids=[f"{lang}-{ch}" for lang, ch in CASES])
def test_a_readers_notebook_runs_and_prints_what_the_page_shows(lang, chapter, served_site,
                                                                 reader_kernel, public_sources,
                                                                 tmp_path, monkeypatch):
    path = SITE / lang / "_sources" / file_name(lang, chapter)
    assert path.is_file(), f"{path} missing: the page offers no reader's notebook"
    page = nbformat.read(path, as_version=4)
    install = page.cells[1].source
    published = re.fullmatch(r"%pip install -q (\S+)/dist/(\S+)", install)
    assert published and published.group(2) == wheel_name(), install
    reader = nbformat.read(path, as_version=4)
    reader.cells[1].source = f"%pip install -q {served_site}dist/{wheel_name()}"
    # A reader's environment: none of the build's variables (the package pins the kernels and
    # threads itself), a fresh home, the fresh venv; the build's results cache, except for
    # the reader who trains.
    home = tmp_path / "home"
    env = {"PATH": f"{reader_kernel / 'bin'}:/usr/bin:/bin", "HOME": str(home),
           "MPLCONFIGDIR": str(home / ".matplotlib"), "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
    if (lang, chapter) == UNCACHED:  # the data fetched from their sources (stood in for)
        env["NNBOOK_SOURCES_BASE"] = public_sources
    else:  # a reader with a copy of the data names it; here, the one the build read
        env["NNBOOK_BUILD"] = str(BUILD)
        env["NNBOOK_DATA"] = str(next(root for root in data.data_roots() if root.is_dir()))
    monkeypatch.setenv("JUPYTER_PATH", str(reader_kernel / "share" / "jupyter"))
    client = NotebookClient(reader, kernel_name=KERNEL, timeout=900, allow_errors=False,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    installed = reader_kernel / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert list(installed.glob("site-packages/nnbook/__init__.py")), "nnbook not installed"
    if (lang, chapter) == UNCACHED:
        assert list(home.glob(".cache/nnbook/results/*.pt")), "the reader's kernel trained nothing"
    differ = []
    for number, (shown, ran) in enumerate(zip(page.cells, reader.cells, strict=True)):
        if shown.cell_type != "code" or number == 1:
            continue
        if printed(shown) != printed(ran):
            differ.append(f"cell {number}:\n--- page\n{printed(shown)}\n--- reader\n{printed(ran)}")
    assert not differ, f"{path}: printed text differs\n" + "\n".join(differ)
