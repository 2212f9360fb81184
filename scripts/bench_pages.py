"""How heavy and how fast the built pages are on a phone: Lighthouse, served with gzip.

    .venv/bin/python scripts/bench_pages.py                 # every chapter page built
    .venv/bin/python scripts/bench_pages.py ko/01-tensors.html da/07-cifar10.html --runs 3

Serves ``_build/html`` (``--site``) on 127.0.0.1 with gzip for text files, as a web host
would, and runs Lighthouse (mobile defaults: a mid-range phone on slow 4G, simulated) ``--runs``
times per page with Debian's Chromium (``CHROME_PATH``, default /usr/bin/chromium). Prints per
page the medians: bytes transferred, performance score, LCP, FCP, total blocking time; exits 1
when a page is over ``--max-bytes`` (1 MB) or under ``--min-score`` (90).

Lighthouse comes from npm, pinned, installed by scripts/install.sh into .tools/lighthouse
(ignored by git); it never downloads a browser.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIGHTHOUSE = REPO / ".tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
COMPRESSED = {".html", ".js", ".css", ".svg", ".json", ".xml", ".txt", ".ipynb", ".map"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text ones gzip-compressed when the browser accepts it."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants and path.is_file() and path.suffix in COMPRESSED):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(GzipHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def chapter_pages(site: Path) -> list[str]:
    """Every chapter page of the built site: <lang>/NN-slug.html."""
    return sorted(str(p.relative_to(site)) for p in site.glob("*/[0-9][0-9]-*.html"))


def lighthouse(url: str, chrome: str) -> dict:
    """One Lighthouse run (performance only, mobile): the figures we report."""
    with tempfile.TemporaryDirectory(prefix="nnbook-lh-") as profile:
        command = [
            str(LIGHTHOUSE), url, "--only-categories=performance", "--output=json",
            "--output-path=stdout", "--quiet", "--max-wait-for-load=60000",
            f"--chrome-flags=--headless=new --no-sandbox --disable-gpu "
            f"--disable-background-networking --user-data-dir={profile}",
        ]
        env = os.environ | {"CHROME_PATH": chrome}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    audits = report["audits"]
    return {
        "score": round(100 * (report["categories"]["performance"]["score"] or 0)),
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "lcp": audits["largest-contentful-paint"]["numericValue"] / 1000,
        "fcp": audits["first-contentful-paint"]["numericValue"] / 1000,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "warnings": report.get("runWarnings", []),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="paths under the site (default: every chapter)")
    parser.add_argument("--site", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-bytes", type=int, default=1_000_000)
    parser.add_argument("--min-score", type=int, default=90)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args(argv)
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not LIGHTHOUSE.exists():
        print(f"bench_pages: {LIGHTHOUSE} missing: run scripts/install.sh", file=sys.stderr)
        return 2
    if not shutil.which(chrome) and not Path(chrome).exists():
        print(f"bench_pages: no Chromium at {chrome} (set CHROME_PATH)", file=sys.stderr)
        return 2
    pages = args.pages or chapter_pages(args.site)
    if not pages:
        print(f"bench_pages: no chapter pages under {args.site}", file=sys.stderr)
        return 2
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True,
                             text=True).stdout.strip()
    print(f"Lighthouse {version}, mobile, {chrome}, gzip; median of {args.runs} runs")
    server, port = serve(args.site)
    rows, failed = [], False
    print(f"{'page':32} {'bytes':>9} {'score':>5} {'LCP s':>6} {'FCP s':>6} {'TBT ms':>7}")
    try:
        for page in pages:
            runs = [lighthouse(f"http://127.0.0.1:{port}/{page}", chrome)
                    for _ in range(args.runs)]
            row = {"page": page, **{k: statistics.median(r[k] for r in runs)
                                    for k in ("score", "bytes", "lcp", "fcp", "tbt")},
                   "runs": runs}
            rows.append(row)
            bad = row["bytes"] > args.max_bytes or row["score"] < args.min_score
            failed |= bad
            print(f"{page:32} {row['bytes']:>9,.0f} {row['score']:>5.0f} {row['lcp']:>6.1f} "
                  f"{row['fcp']:>6.1f} {row['tbt']:>7.0f}{'  <- over budget' if bad else ''}",
                  flush=True)
            for warning in {w for r in runs for w in r["warnings"]}:
                print(f"    lighthouse: {warning}")
    finally:
        server.shutdown()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
