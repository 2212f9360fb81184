"""A stand-in for the data's public hosts: the files of a data folder served from 127.0.0.1 in
the hosts' own layouts (GitHub's archive of a commit, the gz files of torchvision's MNIST
mirror, the tutorial's zip, raw weights files), at the paths of their URLs.

With ``NNBOOK_SOURCES_BASE`` pointing at it, ``python -m nnbook data fetch`` runs exactly as
against the real hosts. The tests use it, and ``python -m nnbook standin`` serves it for a
local run of the hosted CI (``scripts/ci_local.py``).
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from nnbook import data, provenance


def hosted(record: provenance.Record) -> Path:
    """Where the public host keeps ``record``: its URL's path."""
    return Path(urlsplit(record.url).path.lstrip("/"))


def zip_folders(target: Path, record: provenance.Record, root: Path) -> None:
    """``record``'s folders under ``root`` as the archive it is published as (stored)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for inside, rel in record.unpack.items():
            for path in sorted((root / rel).rglob("*")):
                if path.is_file():
                    archive.write(path, f"{inside}/{path.relative_to(root / rel).as_posix()}")
        top = next(iter(record.unpack)).split("/")[0]
        if top not in record.unpack:  # a repository's archive holds more than the data
            archive.writestr(f"{top}/README.md", "not part of the data\n")


def publish(www: Path, roots: list[Path] | None = None) -> Path:
    """The public hosts' files under ``www`` (``www/<path of each URL>``), made from the
    verified data folders ``roots`` (default: ``data.data_roots()``)."""
    roots = data.data_roots() if roots is None else roots
    for record in data.SOURCES.values():
        root = provenance.locate(record, roots, download=False)
        target = www / hosted(record)
        target.parent.mkdir(parents=True, exist_ok=True)
        if record.fetch == "file":
            (rel,) = record.files
            target.symlink_to(root / rel)
        elif record.fetch == "gz":
            target.mkdir(exist_ok=True)
            for rel in record.files:
                blob = gzip.compress((root / rel).read_bytes(), compresslevel=1)
                (target / f"{Path(rel).name}.gz").write_bytes(blob)
        else:
            zip_folders(target, record, root)
    return www


@contextlib.contextmanager
def serving(folder: Path, port: int = 0) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 serving ``folder``; yields its base URL."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(www: Path, port: int) -> int:
    """``python -m nnbook standin``: publish into ``www`` and serve until interrupted."""
    publish(www)
    with serving(www, port) as base:
        print(f"NNBOOK_SOURCES_BASE={base}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0
