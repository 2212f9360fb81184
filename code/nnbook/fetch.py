"""Getting the data from their public sources: download, unpack, verify, then move into place.

``python -m nnbook data fetch [DIR]`` fetches every record of ``nnbook.data.SOURCES`` into DIR
(default: where downloads go, :func:`nnbook.provenance.download_root`), and ``data list``
shows them. What is fetched is unpacked and verified in a temporary folder inside DIR and only
then moved into place, so a wrong digest, a truncated archive or a missing file (a 404) is an
error naming the file and its source, and leaves nothing half-written behind.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import http.client
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path

from tqdm import tqdm

from nnbook import provenance
from nnbook.provenance import DataCorrupt, DataMissing, Record


def fetch(record: Record, dest: Path) -> int:
    """Make ``dest`` hold ``record``, verified, fetching only the files and folders it lacks;
    returns the bytes downloaded (0 when everything was there)."""
    missing = [rel for rel in [*record.files, *record.trees] if not (dest / rel).exists()]
    got = 0
    if missing:
        url = record.source()
        if record.fetch not in FETCHERS:
            raise DataMissing(f"{record.name}: no public source to fetch {missing[0]} from")
        if not provenance.downloads_allowed(url):
            raise DataMissing(f"offline (NNBOOK_OFFLINE or a test): not fetching {url}")
        part = dataclasses.replace(
            record, files={k: v for k, v in record.files.items() if k in missing},
            trees={k: v for k, v in record.trees.items() if k in missing})
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=dest, prefix=".fetch-") as tmp:
            stage = Path(tmp)
            try:
                got = FETCHERS[record.fetch](part, stage)
                provenance.verify(part, stage)
            except (DataCorrupt, DataMissing) as err:
                raise type(err)(f"{err}\nRejected: nothing of it was kept in {dest}.") from None
            for rel in missing:
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                try:
                    provenance.move_verified(stage / rel, dest / rel)
                except OSError:
                    if not (dest / rel).exists():  # else another process put it there first
                        raise
    provenance.verify(record, dest)
    return got


def _bar(total: int | None, desc: str, unit: str) -> tqdm:
    """A progress bar on the console's stderr (never in a page's output)."""
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", leave=False,
                file=sys.__stderr__, mininterval=1.0, dynamic_ncols=True)


def _download(url: str, target: Path, timeout: float = 60) -> int:
    """``url`` saved as ``target``; the bytes written. A 404, a dropped connection or a body
    shorter than announced is an error naming the file and the URL."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as out:
            length = int(response.headers.get("Content-Length") or 0) or None
            with _bar(length, target.name, "B") as bar:
                while block := response.read(1 << 20):
                    out.write(block)
                    bar.update(len(block))
    except urllib.error.HTTPError as err:
        raise DataMissing(f"{target.name}: {url} answered {err.code} {err.reason}") from None
    except (OSError, http.client.HTTPException) as err:
        raise DataMissing(f"{target.name}: downloading {url} failed: {err!r}") from None
    written = target.stat().st_size
    if length and written != length:
        raise DataCorrupt(f"{target.name}: {url} sent {written:,} of {length:,} bytes "
                          "(truncated)")
    return written


def _fetch_file(record: Record, stage: Path) -> int:
    """The record's one file, as published."""
    (rel, _), = record.files.items()
    return _download(record.source(), stage / rel)


def _fetch_gz(record: Record, stage: Path) -> int:
    """Each file as ``<url><name>.gz``, decompressed."""
    got = 0
    for rel in record.files:
        url = record.source() + Path(rel).name + ".gz"
        packed = stage / f"{rel}.gz"
        got += _download(url, packed)
        try:
            with gzip.open(packed) as src, open(stage / rel, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise DataCorrupt(f"{packed.name}: {url} is not a whole gzip file ({err})") from None
        packed.unlink()
    return got


def _fetch_zip(record: Record, stage: Path) -> int:
    """The archive, of which only the folders ``record.unpack`` maps are unpacked."""
    url = record.source()
    archive = stage / Path(urllib.parse.urlsplit(url).path).name
    got = _download(url, archive)
    try:
        with zipfile.ZipFile(archive) as zipped:
            _unzip(zipped, record, stage, f"{archive.name}: {url}")
    except (zipfile.BadZipFile, EOFError, zlib.error) as err:  # truncated, a bad CRC
        raise DataCorrupt(f"{archive.name}: {url} is not a whole zip archive ({err})") from None
    archive.unlink()
    return got


def _unzip(zipped: zipfile.ZipFile, record: Record, stage: Path, source: str) -> None:
    """Unpack the archive's folders that ``record.unpack`` maps to ``record.trees``, after
    checking in the archive's listing that each holds the files and bytes the record says
    (so no oversized archive is ever written out)."""
    wanted = {f"{inside}/": rel for inside, rel in record.unpack.items() if rel in record.trees}
    plan: list[tuple[zipfile.ZipInfo, str]] = []
    found = {rel: [0, 0] for rel in wanted.values()}
    for member in zipped.infolist():
        inside = next((p for p in wanted if member.filename.startswith(p)), None)
        if inside is None or member.is_dir():
            continue
        name = member.filename[len(inside):]
        if name.startswith("/") or ".." in name.split("/"):
            raise DataCorrupt(f"{source} holds an unsafe path {member.filename!r}")
        plan.append((member, f"{wanted[inside]}/{name}"))
        found[wanted[inside]][0] += 1
        found[wanted[inside]][1] += member.file_size
    for inside, rel in wanted.items():
        count, size, _ = record.trees[rel]
        if found[rel] != [count, size]:
            files, written = found[rel]
            raise DataCorrupt(f"{source} holds {files:,} files ({written:,} bytes) in {inside}, "
                              f"expected {count:,} ({size:,} bytes) for {rel}")
    with _bar(len(plan), "unpacking", "files") as bar:
        for member, rel in plan:
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as src, open(stage / rel, "wb") as out:
                shutil.copyfileobj(src, out)
            bar.update()


FETCHERS = {"file": _fetch_file, "gz": _fetch_gz, "zip": _fetch_zip}


# --- python -m nnbook data ------------------------------------------------------------------
def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    """``python -m nnbook data fetch [DIR]`` or ``data list``; 1 when something failed."""
    from nnbook.data import SOURCES

    parser = argparse.ArgumentParser(prog="python -m nnbook data",
                                     description="the book's data sets from their public sources")
    sub = parser.add_subparsers(dest="action", required=True)
    f = sub.add_parser("fetch", help="fetch and verify every data set and weights file")
    f.add_argument("dir", nargs="?", type=Path, default=None,
                   help=f"the data folder (default: {provenance.download_root()})")
    sub.add_parser("list", help="each data set: its source, licence and size")
    args = parser.parse_args(argv)
    if args.action == "list":
        for key, record in SOURCES.items():
            print(f"{key}: {record.name}, {_mb(record.size())} as used\n"
                  f"  source:  {record.source()}{' (<name>.gz)' if record.fetch == 'gz' else ''}\n"
                  f"  licence: {record.licence}")
        return 0
    dest = args.dir or provenance.download_root()
    failed = 0
    for key, record in SOURCES.items():
        try:
            got = fetch(record, dest)
        except (DataMissing, DataCorrupt) as err:
            print(f"{key}: error: {err}", file=sys.stderr)
            failed += 1
            continue
        how = f"fetched {_mb(got)} from {record.source()}" if got else "already there, verified"
        print(f"{key}: {record.name}, {_mb(record.size())} in {dest / record.path}: {how}")
    return 1 if failed else 0
