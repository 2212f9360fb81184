"""Build the book: one Jupyter Book build per language, then the landing page.

``python -m nnbook build`` builds every language into ``_build/html/<lang>/``;
``--lang ko`` builds one (a translator's preview). A failing or hanging cell fails the
build and is reported with its language, page and cell; nothing is rendered silently.
The networks the chapters load are trained first, on every core (``nnbook.site.pretrain``); the
languages then build side by side (``NNBOOK_JOBS``), their pages only loading them.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import yaml

from nnbook import i18n, kernels, paths
from nnbook.i18n import N_, _
from nnbook.paths import source_dir, work_dir
from nnbook.site import catalogs, launch, meta, pdf, wheel
from nnbook.site import report as execution_report

# The package and catalogs are always those of REPO. The book built (NNBOOK_SOURCE) and
# the build's folder (NNBOOK_BUILD, caches included, e.g. two builds side by side) are read
# when used (nnbook.paths: source_dir, work_dir); BUILD and SOURCE name them for the tests.
REPO = paths.REPO


def __getattr__(name: str) -> Path:
    """``BUILD`` and ``SOURCE``: the folders as the environment names them now."""
    if name == "BUILD":
        return work_dir()
    if name == "SOURCE":
        return source_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# The book's name and each language's own name for itself (shown on the landing page).
LANGUAGE_NAMES = i18n.LANGUAGE_NAMES  # locales/languages.toml


class BuildError(RuntimeError):
    """A language's build failed; the message names the page and the cell."""


TITLE = N_("Neural networks in PyTorch")


def book_title() -> str:
    return _(TITLE)


def language_config(lang: str) -> Path:
    """The shared _config.yml plus what differs per language, written under _build/.

    Runs in worker threads (languages side by side): it translates with ``i18n.translate``,
    never by switching the process-wide active language.
    """
    config = yaml.safe_load((source_dir() / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = i18n.translate(lang, TITLE)
    config.setdefault("html", {})["baseurl"] = site_url()  # NNBOOK_BASEURL wins
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["language"] = lang
    sphinx["nnbook_repository"] = launch.repository(source_dir() / "_config.yml")  # Colab buttons
    path = work_dir() / "config" / f"{lang}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def output_dir(lang: str) -> Path:
    """Where jupyter-book works for one language (its cache and doctrees stay there)."""
    return work_dir() / "lang" / lang


def failure_report(lang: str) -> str:
    """The execution reports MyST-NB wrote for failed pages: page name and failing cell."""
    reports = sorted((output_dir(lang) / "_build" / "html" / "reports").glob("**/*.err.log"))
    parts = []
    for report in reports:
        page = report.name.removesuffix(".err.log")
        parts.append(f"--- language {lang!r}, page {page!r} (book/{lang}/{page}.md) ---")
        parts.append(report.read_text(encoding="utf-8", errors="replace").strip())
    return "\n".join(parts)


CHAPTER = re.compile(r"\d\d-")  # a chapter's file name: NN-slug


def table_of_contents(lang: str, chapters: list[str] | None) -> Path:
    """_toc.yml, or a copy reduced to the named chapters (a quick preview) and to those the
    language has (a new language builds the chapters translated so far; status names the
    rest missing)."""
    toc = yaml.safe_load((source_dir() / "_toc.yml").read_text(encoding="utf-8"))
    known = [entry["file"] for entry in toc["chapters"]]
    unknown = [c for c in chapters or [] if c not in known]
    if unknown:
        raise BuildError(f"_toc.yml has no chapter {unknown}; it has {known}")
    present = [c for c in known if (source_dir() / "book" / lang / f"{c}.md").is_file()]
    # A page that is not a numbered chapter (run-it-yourself) is always built: the front page
    # links to it, and it runs nothing but its glue.
    wanted = [c for c in present if not chapters or c in chapters or not CHAPTER.match(c)]
    if wanted == known:
        return source_dir() / "_toc.yml"
    if not wanted:
        raise BuildError(f"book/{lang}/ has none of the chapters {chapters or known}")
    toc["chapters"] = [entry for entry in toc["chapters"] if entry["file"] in wanted]
    path = work_dir() / "config" / f"_toc-{lang}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    return path


def files_digest(files: list[Path]) -> str:
    """sha256 over each file's path (from the repository) and bytes, in the order given."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint() -> str:
    """A digest of what pages depend on besides their own code: the package, the catalogs,
    the pins. jupyter-cache only sees a page's code cells, so when this changes, the
    language's cache is cleared and every page runs again."""
    # What a page's kernel runs: the reader's package and, of the site's machinery, only
    # what hidden cells call (glue); the rest of nnbook.site renders, it does not execute.
    files = sorted(p for p in (REPO / "code" / "nnbook").glob("*.py")
                   if p.name != "__main__.py") + [  # the command line, never in a page
        REPO / "code" / "nnbook" / "site" / "pages.py"] + sorted(
        (REPO / "locales").rglob("*.po")
    ) + [REPO / "requirements.txt"]
    return files_digest(files)


def renderer_fingerprint() -> str:
    """A digest of the site's machinery that renders pages (the Sphinx extension, templates,
    static files): Sphinx does not see a change there, so when this changes every page is
    read and written again (nothing runs again: that is inputs_fingerprint's part)."""
    return files_digest(sorted(p for p in (REPO / "code" / "nnbook" / "site").rglob("*")
                               if p.is_file() and "__pycache__" not in p.parts))


def kernel_profile() -> Path:
    """An IPython directory whose kernels leave file descriptors 1 and 2 alone.

    ipykernel normally captures what is written straight to the process's stdout/stderr
    (``capture_fd_output``) and shows it in the page: the training progress bars, which
    ``nnbook.train`` writes to ``sys.__stderr__`` for the console, ended up in the pages of
    the language that trained. Python-level ``print``s and warnings still reach the page.
    The kernel's own log shows errors only.
    """
    directory = work_dir() / "ipython"
    config = directory / "profile_default" / "ipython_kernel_config.py"
    text = ("# written by nnbook.site.build\n"
            "c.IPKernelApp.capture_fd_output = False\n"
            # Each kernel warned that its local TCP socket is unencrypted (36 console lines
            # a build); its own errors still show.
            "c.IPKernelApp.log_level = 'ERROR'\n")
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.exists() or config.read_text() != text:
        # Kernels of the languages side by side read it while it is written: they see the old
        # file or the new one, never an empty one (which would capture fd output again).
        paths.write_atomic(config, lambda tmp: tmp.write_text(text))
    return directory


# The reader's package pins the kernels and page threads (nnbook.kernels); the build's
# processes start with them set, so even what runs before ``import nnbook`` uses them. AVX2
# costs LeNet 19 % on an AVX-512 machine (21.9 against 18.4 s, scripts/bench_cnn.py with
# --unpinned).
PINNED_KERNELS = kernels.PINNED
PAGE_THREADS = kernels.THREADS


def ensure_pinned_kernels() -> None:
    """Restart this script with ``PINNED_KERNELS`` set, unless it is: a benchmark must train
    as the build does (they are read when torch loads, so the process must start with them).
    The command line is restarted as it was given (``sys.orig_argv``): ``python -m nnbook``
    again, not its ``__main__.py`` run as a script (whose folder would shadow top-level modules)."""
    if any(os.environ.get(k) != v for k, v in PINNED_KERNELS.items()):
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]],
                  dict(os.environ) | PINNED_KERNELS)


def kernel_env(threads: int | None = None, *, shared: bool = True) -> dict[str, str]:
    """The environment of the build's Python processes (page kernels, the trainer).

    ``shared``: other processes compete for the cores (pages side by side), so OpenMP threads
    must sleep, not spin, while they wait (OMP_WAIT_POLICY=PASSIVE): spinning made a 2-thread
    step up to 13x slower then. The trainer runs alone; there spinning is faster (LeNet 23 s
    against 38 s in scripts/bench_cnn.py), and its worker processes use one thread.
    """
    env = dict(os.environ, NNBOOK_BUILD=str(work_dir()), PYTHONHASHSEED="0") | PINNED_KERNELS
    env["NNBOOK_EXERCISES_STRICT"] = "1"  # a solution its checker rejects fails the build
    if shared:
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    return env


def gpus() -> str:
    """The GPUs ``nvidia-smi -L`` lists, "" where there is none (without importing torch)."""
    if shutil.which("nvidia-smi") is None:
        return ""
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                              timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return "nvidia-smi failed"


def _results_state(trainings: list[str]) -> str:
    """What the results cache holds for these trainings: the inputs and every entry file, by
    content (tens of MB, read in a fraction of a second): a rewrite of the same size within
    one tick of the file system's clock is seen too."""
    folder = work_dir() / "results"
    files = sorted(folder.glob("*.pt")) + sorted(folder.glob("*.json"))
    entries = [f"{f.name} {hashlib.sha256(f.read_bytes()).hexdigest()}" for f in files]
    # The device the trainer will use (CUDA-trained entries have other keys, one per GPU model):
    # after a GPU build, NNBOOK_DEVICE=cpu or another GPU must train again, not trust the stamp.
    device = f"{gpus()} {os.environ.get('NNBOOK_DEVICE', '')}"
    return hashlib.sha256("\n".join([inputs_fingerprint(), device, *trainings, *entries])
                          .encode()).hexdigest()


def pretrain(chapters: list[str] | None, langs: list[str] | None = None) -> float:
    """Train what the chapters' pages load (``nnbook.site.pretrain``), before any page runs:
    the chapters named, else those the languages being built have (a new language with one
    chapter translated trains nothing for the others).

    Skipped (no torch import, no weights loaded) when the same package already trained the
    same list and no entry of the results cache changed since: a warm rebuild stays fast.
    """
    start = time.perf_counter()
    stems = chapters or [e["file"] for e in
                         yaml.safe_load((source_dir() / "_toc.yml").read_text(encoding="utf-8"))
                         .get("chapters", [])
                         if any((source_dir() / "book" / lang / f"{e['file']}.md").is_file()
                                for lang in langs or i18n.LANGUAGES)]
    from nnbook.site import pretrain as networks

    labels = [t.label() for t in networks.trainings(stems)]
    if not labels:
        return 0.0
    stamp = work_dir() / "results" / "pretrained.sha256"
    if stamp.exists() and stamp.read_text() == _results_state(labels):
        print(f"[nnbook] networks: all {len(labels)} that these chapters load are trained",
              flush=True)
        return time.perf_counter() - start
    stamp.unlink(missing_ok=True)
    command = [sys.executable, "-m", "nnbook", "train",
               *(arg for stem in stems for arg in ("--chapter", stem))]
    print(f"[nnbook] training what {len(stems)} chapters load (nnbook.site.pretrain)", flush=True)
    if run_prefixed(command, kernel_env(shared=False), None) != 0:
        raise BuildError("training the book's networks failed (python -m nnbook train, above)")
    stamp.write_text(_results_state(labels))
    return time.perf_counter() - start


def run_prefixed(command: list[str], env: dict, prefix: str | None) -> int:
    """Run ``command``; with a ``prefix``, each output line is printed after it.

    Languages built side by side would otherwise interleave their output mid-line, and a
    failure message could not be told apart from the other language's progress.
    """
    if prefix is None:
        return subprocess.run(command, cwd=REPO, env=env).returncode
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
    for line in process.stdout:
        with _PRINT_LOCK:
            print(f"{prefix} {line}", end="", flush=True)
    return process.wait()


_PRINT_LOCK = threading.Lock()


def build_language(lang: str, chapters: list[str] | None = None,
                   threads: int | None = None, prefix: str | None = None) -> float:
    """Build one language; returns the seconds it took, raises BuildError on failure.

    ``threads``: the OpenMP/PyTorch threads of its kernels (default: every core);
    ``prefix``: put before each output line (languages built side by side).
    """
    start = time.perf_counter()
    config = language_config(lang)
    out = output_dir(lang)
    marker = out / "inputs.sha256"
    fingerprint = inputs_fingerprint()
    if not marker.exists() or marker.read_text() != fingerprint:
        shutil.rmtree(out / "_build" / ".jupyter_cache", ignore_errors=True)
        marker.unlink(missing_ok=True)
    toc = table_of_contents(lang, chapters)
    # Re-read every page (--all) unless this language's last build passed with the same
    # inputs, renderer, pages and toc: then a page Sphinx does not re-read passed last time, and a
    # failed or killed build (no pass recorded) makes the next one re-read everything.
    passed = out / "passed.sha256"
    state = hashlib.sha256(f"{fingerprint}\n{renderer_fingerprint()}\n{source_dir()}\n"
                           f"{toc.read_text()}".encode()).hexdigest()
    reread_all = not passed.exists() or passed.read_text() != state
    passed.unlink(missing_ok=True)
    reports = out / "_build" / "html" / "reports"
    if reports.exists():
        shutil.rmtree(reports)  # only this build's failures count
    # NNBOOK_CACHED_ONLY: pages load what pretrain() trained; a page that would train
    # something it does not list fails (nnbook.site.pretrain says where to add it).
    env = kernel_env(threads) | {"IPYTHONDIR": str(kernel_profile()), "NNBOOK_CACHED_ONLY": "1"}
    command = [
        str(Path(sys.executable).with_name("jupyter-book")), "build",
        str(source_dir() / "book" / lang),
        "--config", str(config), "--toc", str(toc),
        "--path-output", str(out),
        # --all re-reads every page, so a page that failed last time cannot pass unread
        # (its notebook still comes from the cache when its code did not change).
        *(["--all"] if reread_all else []), "-W", "--keep-going",
    ]
    print(f"[nnbook] building {lang}: {' '.join(command[1:3])}"
          f" ({'every page read' if reread_all else 'changed pages read'})", flush=True)
    cache = out / "_build" / ".jupyter_cache"
    before = execution_report.snapshot(cache)
    returncode = run_prefixed(command, env, prefix)
    report = failure_report(lang)
    stems = [entry["file"] for entry in yaml.safe_load(toc.read_text()).get("chapters", [])]
    rows = execution_report.page_rows(
        cache, {s: source_dir() / "book" / lang / f"{s}.md" for s in stems}, before)
    execution_report.write_language(work_dir(), lang, rows, time.perf_counter() - start,
                                    ok=returncode == 0 and not report)
    if returncode != 0 or report:
        raise BuildError(
            f"the {lang!r} build failed (exit code {returncode})\n"
            + (report or "see the warnings above")
        )
    marker.write_text(fingerprint)
    passed.write_text(state)
    target = work_dir() / "html" / lang
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(out / "_build" / "html", target)
    return time.perf_counter() - start


def chapter_title(path: Path) -> str:
    """A chapter's title: the first ``# `` heading of its source."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def built_chapters(lang: str) -> list[tuple[str, str]]:
    """(file stem, title) of the chapters of ``lang`` that this build produced, in toc order;
    not the book's other pages (``run-it-yourself``: no number, no chapter)."""
    toc = yaml.safe_load((source_dir() / "_toc.yml").read_text(encoding="utf-8"))
    found = []
    for entry in toc.get("chapters", []):
        stem = entry["file"]
        if not stem[:2].isdigit():
            continue
        source = source_dir() / "book" / lang / f"{stem}.md"
        if source.is_file() and (work_dir() / "html" / lang / f"{stem}.html").is_file():
            found.append((stem, chapter_title(source)))
    return found


def write_landing_page() -> Path:
    """_build/html/index.html: every language at once, each in its own words, with its
    chapters; a link to the translation status page."""
    esc = html.escape
    cards, status_words, titles = [], [], {}
    report_words: list[str] = []
    for lang, name in LANGUAGE_NAMES.items():
        i18n.activate(lang)
        blurb = _("From the first tensor to a network that draws new images. Every number "
                  "and figure was computed while the book was built.")
        start, heading, status_word = _("Start reading"), _("Chapters"), _("Translation status")
        pdf_link = (f'<p><a class="pdf" href="{lang}/{pdf.file_name(lang)}" hreflang="{lang}">'
                    f"{esc(_(pdf.DOWNLOAD))}</a></p>\n"
                    if (work_dir() / "html" / lang / pdf.file_name(lang)).is_file() else "")
        chapters = "\n".join(
            f'<li><a href="{lang}/{stem}.html">{esc(title)}</a></li>'
            for stem, title in built_chapters(lang)
        )
        cards.append(
            f'<section class="language" lang="{lang}" aria-labelledby="lang-{lang}">\n'
            f'<h2 id="lang-{lang}">{esc(name)}</h2>\n'
            f'<p class="title">{esc(book_title())}</p>\n'
            f'<p>{esc(blurb)}</p>\n'
            f'<a class="start" href="{lang}/index.html" hreflang="{lang}">'
            f'{esc(start)}<span class="visually-hidden"> ({esc(name)})</span></a>\n'
            + (f'<h3>{esc(heading)}</h3>\n<ol class="chapters">\n{chapters}\n</ol>\n'
               if chapters else "")
            + pdf_link + "</section>"
        )
        status_words.append(f'<span lang="{lang}">{esc(status_word)}</span>')
        report_word = _("Execution times")  # the link to execution-report.html
        report_words.append(f'<span lang="{lang}">{esc(report_word)}</span>')
        titles[lang] = book_title()
    page = (source_dir() / "book" / "landing.html").read_text(encoding="utf-8")
    page = page.replace("<!-- LANGUAGES -->", "\n".join(cards))
    page = page.replace("<!-- STATUS --></a>", "<!-- STATUS --></a> · "
                        '<a href="execution-report.html"><!-- REPORT --></a>')
    page = page.replace("<!-- STATUS -->", " · ".join(status_words))
    page = page.replace("<!-- REPORT -->", " · ".join(report_words))
    page = page.replace("<!-- TITLES-TEXT -->", esc(" · ".join(titles.values())))
    page = page.replace("<!-- HEAD -->", meta.landing_head(
        site_url(), [lang for lang in LANGUAGE_NAMES if (work_dir() / "html" / lang / "index.html")
                     .is_file()], list(titles.values()), list(LANGUAGE_NAMES.values())))
    page = page.replace("<!-- TITLES -->", " · ".join(
        f'<span lang="{lang}">{esc(title)}</span>' for lang, title in titles.items()))
    path = work_dir() / "html" / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    icon = Path(__file__).with_name("static") / "nnbook-favicon.svg"
    shutil.copy(icon, path.parent / "favicon.svg")
    return path


def site_url() -> str:
    """The published root URL, ending in '/': ``NNBOOK_BASEURL``, else ``html: baseurl`` in
    _config.yml (a placeholder there: a build for publishing refuses it, ``nnbook.site.meta``)."""
    config = yaml.safe_load((source_dir() / "_config.yml").read_text(encoding="utf-8"))
    return meta.base_url((config.get("html") or {}).get("baseurl"))


def write_pdf(lang: str) -> Path | None:
    """One built language's book as one PDF, printed by Chromium (``nnbook.site.pdf``) when
    what it is printed from changed since the last print (``_build/pdf/<lang>.sha256``, the
    print beside it); None when the language is not built."""
    chapters = built_chapters(lang)
    if not chapters:
        return None
    i18n.activate(lang)
    return pdf.write(lang, work_dir() / "html" / lang, chapters, book_title(), site_url(),
                     record=work_dir() / "pdf" / f"{lang}.sha256")


def write_pdfs() -> list[Path]:
    """Every built language's PDF, printed side by side: each print is one Chromium, busy
    mostly on one core. In processes, because the language is set per process (i18n); a
    build of one language (a translator's preview, a CI language job) starts none."""
    built = [lang for lang in LANGUAGE_NAMES if built_chapters(lang)]
    if len(built) < 2:
        return [write_pdf(lang) for lang in built]
    workers = min(len(built), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(write_pdf, built))


def write_sitemap() -> Path:
    """_build/html/sitemap.xml: every built page, each with its other-language versions
    (``xhtml:link rel="alternate" hreflang``) and its x-default (``meta.x_default``: the
    landing page for the indexes, which lists the same alternates, else the origin's)."""
    base = html.escape(site_url())  # in XML: the address checked, and escaped all the same
    pages: dict[str, list[str]] = {}  # page stem -> languages that have it
    for lang in LANGUAGE_NAMES:
        folder = work_dir() / "html" / lang
        for page in sorted(folder.glob("*.html")) if folder.is_dir() else []:
            if page.stem not in ("search", "genindex", "py-modindex"):
                pages.setdefault(page.stem, []).append(lang)
    urls = []
    for stem, langs in pages.items():
        link = '\n    <xhtml:link rel="alternate" hreflang="{}" href="{}"/>'
        alternates = "".join(link.format(o, f"{base}{o}/{stem}.html") for o in langs)
        default = meta.x_default(source_dir() / "book", stem, base)
        alternates += link.format("x-default", default) if default else ""
        if stem == "index":  # the landing page: the x-default of the language indexes
            urls.insert(0, f"  <url>\n    <loc>{base}</loc>{alternates}\n  </url>")
        for lang in langs:
            urls.append(f"  <url>\n    <loc>{base}{lang}/{stem}.html</loc>{alternates}\n  </url>")
    if "index" not in pages:
        urls.insert(0, f"  <url>\n    <loc>{base}</loc>\n  </url>")
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"\n'
        '        xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    path = work_dir() / "html" / "sitemap.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_status_page() -> Path:
    """_build/html/status.html: the translation status (as ``python -m nnbook status``)."""
    from nnbook.site import status

    site = work_dir() / "html"
    path = site / "status.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(status.status_html(source_dir() / "book", site), encoding="utf-8")
    return path


def assemble() -> None:
    """What the site has besides the languages, from the languages built into ``BUILD/html``:
    landing page, sitemap, robots.txt, status page, the reader's wheel, the execution report,
    and the readers' notebooks as the deploy publishes them for Colab (``nnbook.site.launch``).
    A build does it last; the hosted CI, whose languages build in separate jobs, does it once
    their folders are together (``python -m nnbook assemble``)."""
    build = work_dir()
    write_pdfs()  # before the landing page, which links them
    write_landing_page()
    write_sitemap()
    meta.write_robots(build / "html", site_url())
    write_status_page()
    wheel.build_wheel(build / "html" / "dist")  # what the reader's notebooks install
    launch.write_published(build / "html", build / launch.PUBLISHED)  # for Colab's branch
    execution_report.write_html(build)


def sources_fingerprint() -> str:
    """A digest of every data set's public source and the digests it is verified by
    (``nnbook.data.SOURCES``): what decides the contents of a fetched data folder."""
    from nnbook.data import SOURCES

    return hashlib.sha256(repr(sorted(SOURCES.items())).encode()).hexdigest()[:16]


def fingerprints() -> dict[str, str]:
    """Cache keys for the hosted CI, from what decides each cache's contents: ``data`` (the
    sources), ``results`` (what trained networks depend on: the package, the list of what
    is trained for which chapters, the data, the pins; each entry's own key is finer) and
    ``pages`` (what every page depends on besides its code: jupyter-cache's outer key)."""
    digest = hashlib.sha256()
    trained = [REPO / "code" / "nnbook" / "site" / "pretrain.py", source_dir() / "_toc.yml"]
    for path in [*sorted((REPO / "code" / "nnbook").glob("*.py")), *trained,
                 REPO / "requirements.txt"]:
        digest.update(path.name.encode() + path.read_bytes())
    data = sources_fingerprint()
    digest.update(repr(sorted(PINNED_KERNELS.items())).encode() + data.encode())
    return {"data": data, "results": digest.hexdigest()[:16], "pages": inputs_fingerprint()[:16]}


def default_jobs(languages: int = 1) -> int:
    """Languages built at once: NNBOOK_JOBS, else all of them, and at least one more than the
    cores.

    Measured on 2 cores, every page of the four languages executed, networks cached
    (docs/performance.md): three at a time 434.7 s, the fourth then alone on one core; all four
    at once 312.1 s. A page's kernel spends much of its time in Python and waiting, so more
    processes than cores fill the gaps (chapters 1-5: one at a time 256 s, three 164 s).
    """
    value = os.environ.get("NNBOOK_JOBS")
    if value is not None:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"NNBOOK_JOBS={value!r}: give a whole number of at least 1")
        return int(value)
    return max((os.cpu_count() or 1) + 1, languages)


def build(langs: list[str], chapters: list[str] | None = None,
          jobs: int | None = None) -> int:
    """Build the given languages and the landing page; prints a summary of times.

    First the networks the chapters load are trained (``nnbook.site.pretrain``; cached ones are
    only checked). Then the pages only load them, and the languages (one Python process
    each, mostly single-threaded) build ``jobs`` at a time, one thread each.
    """
    started = time.perf_counter()
    try:  # a build for publishing needs the site's real address (html.baseurl)
        meta.check_base_url(site_url(), meta.publishing())
        launch.check_repository(launch.repository(source_dir() / "_config.yml"), meta.publishing())
    except meta.SiteURLError as err:
        print(f"\n[nnbook] ERROR: {err}\n", file=sys.stderr, flush=True)
        return 1
    catalogs.compile_all()  # a broken or incomplete catalog stops the build here, file:line
    jobs = jobs or default_jobs(len(langs))
    times, failed = {}, []

    def one(lang: str, parallel: bool) -> None:
        try:
            times[lang] = build_language(lang, chapters, threads=PAGE_THREADS,
                                         prefix=f"[{lang}]" if parallel else None)
        except BuildError as err:
            failed.append(lang)
            with _PRINT_LOCK:
                print(f"\n[nnbook] ERROR: {err}\n", file=sys.stderr, flush=True)

    try:
        trained = pretrain(chapters, langs)
    except BuildError as err:
        print(f"\n[nnbook] ERROR: {err}\n", file=sys.stderr, flush=True)
        return 1
    if jobs > 1 and len(langs) > 1:
        print(f"[nnbook] building {', '.join(langs)}, {jobs} at a time", flush=True)
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda lang: one(lang, parallel=True), langs))
    else:
        for lang in langs:
            one(lang, parallel=False)
    assemble()
    print(f"[nnbook] networks trained (or found in the cache) in {trained:.1f} s")
    for lang, seconds in sorted(times.items(), key=lambda item: langs.index(item[0])):
        print(f"[nnbook] {lang}: built in {seconds:.1f} s -> {work_dir() / 'html' / lang}/")
    for saved in execution_report.load(work_dir()):
        if saved["lang"] in langs:
            print(f"[nnbook] {execution_report.summary(saved)}")
    print(f"[nnbook] whole build: {time.perf_counter() - started:.1f} s")
    if failed:
        print(f"[nnbook] FAILED: {', '.join(sorted(failed, key=langs.index))}", file=sys.stderr)
        return 1
    return 0
