"""Where each data set and weights file comes from, and proof that the copy we read is it.

Every data set and weights file has one :class:`Record` (in ``nnbook.data.SOURCES``): where
it sits in the offline mirror, the URL it was first published at, the licence, and a sha256
per file or a tree digest per folder. :func:`locate` finds it in the mirror and verifies it;
where no mirror holds it, it downloads it from the original source and verifies that.

Verification is cheap on every load and thorough once: file sizes (and a folder's file count)
are checked every time; the full sha256 is computed the first time a file is seen and then
remembered in ``<build>/data/verified.json`` against the file's size and mtime, so a changed,
truncated or swapped file is hashed (and rejected) again. Never a silent substitute: a file
that is missing or differs raises an error that names the file and every place looked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class DataMissing(FileNotFoundError):
    """A data set is in no mirror and could not be downloaded; the message says where we looked."""


class DataCorrupt(ValueError):
    """A data file differs from its record (size or sha256); the message names the file."""


@dataclass(frozen=True)
class Record:
    """One data set or weights file: where it lives, where it came from, what it must hash to.

    ``files`` maps paths relative to a mirror root to (bytes, sha256); ``trees`` maps folders
    to (number of files, tree digest), the sha256 of the ``sha256sum`` listing of every file
    in the folder (paths as ``./sub/name``, sorted bytewise), as in shared/data/README.md.
    ``fetch`` says how a download works: ``"file"`` (``url`` is the file itself, for one
    entry of ``files``), ``"zip"`` (an archive holding ``path``), ``"torchvision"`` (the
    data set class's own download, which checks its own md5 sums; ``fetched`` is what it
    creates) or ``""`` (no download).
    """

    name: str
    path: str
    url: str
    licence: str
    mirror_source: str = ""
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    trees: dict[str, tuple[int, str]] = field(default_factory=dict)
    fetch: str = ""
    fetched: str = ""


# --- hashing -------------------------------------------------------------------------------
def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _tree_entries(folder: Path) -> list[tuple[str, int, int]]:
    """(``./relative/path``, bytes, mtime_ns) of every file under ``folder``, sorted bytewise
    (as ``LC_ALL=C sort``); one scandir pass, no hashing."""
    found: list[tuple[str, int, int]] = []
    pending = [(str(folder), "./")]
    while pending:
        path, prefix = pending.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=True):
                    pending.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    st = entry.stat()
                    found.append((prefix + entry.name, st.st_size, st.st_mtime_ns))
    return sorted(found, key=lambda e: e[0].encode())


def tree_digest(folder: Path) -> str:
    """sha256 of ``find . -type f -exec sha256sum {} + | sort -k2``, run inside ``folder``."""
    listing = hashlib.sha256()
    for rel, _size, _mtime in _tree_entries(folder):
        listing.update(f"{file_sha256(folder / rel)}  {rel}\n".encode())
    return listing.hexdigest()


# --- remembered verifications ----------------------------------------------------------------
def _verified_path() -> Path:
    from nnbook.paths import work_dir

    return work_dir() / "data" / "verified.json"


def _remembered() -> dict:
    try:
        return json.loads(_verified_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(key: str, signature: str, digest: str) -> None:
    """Note that ``key`` with this stat ``signature`` hashed to ``digest`` (atomic write)."""
    path = _verified_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    known = _remembered()
    known[key] = {"signature": signature, "sha256": digest}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(known, indent=0, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _digest_once(key: str, signature: str, compute: Callable[[], str]) -> str:
    """``compute()``, or the digest remembered for the same ``key`` and stat signature."""
    seen = _remembered().get(key)
    if seen and seen.get("signature") == signature:
        return seen["sha256"]
    digest = compute()
    _remember(key, signature, digest)
    return digest


def _file_signature(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


# --- verification ------------------------------------------------------------------------------
def verify(record: Record, root: Path) -> None:
    """Check ``record``'s files and folders under ``root``; DataMissing/DataCorrupt otherwise."""
    where = f"(in {root}; source: {record.url})"
    missing = [rel for rel in record.files if not (root / rel).is_file()]
    missing += [rel for rel in record.trees if not (root / rel).is_dir()]
    if missing:
        raise DataMissing(f"{record.name} is incomplete: missing {', '.join(missing)} {where}")
    for rel, (size, _sha256) in record.files.items():  # every size first: cheap
        path = root / rel
        actual = path.stat().st_size
        if actual != size:
            raise DataCorrupt(f"{record.name}: file {path} has {actual:,} bytes, expected "
                              f"{size:,}{' (truncated)' if actual < size else ''} {where}")
    for rel, (_size, sha256) in record.files.items():
        path = root / rel
        got = _digest_once(str(path.resolve()), _file_signature(path),
                           lambda p=path: file_sha256(p))
        if got != sha256:
            raise DataCorrupt(f"{record.name}: file {path} has sha256 {got}, expected "
                              f"{sha256}: the file is corrupt or not the published one {where}")
    for rel, (count, digest) in record.trees.items():
        folder = root / rel
        entries = _tree_entries(folder)
        if len(entries) != count:
            raise DataCorrupt(f"{record.name}: folder {folder} has {len(entries):,} files, "
                              f"expected {count:,} {where}")
        signature = hashlib.sha256("\n".join(f"{r}:{b}:{m}" for r, b, m in entries).encode())
        signature = signature.hexdigest()
        got = _digest_once(str(folder.resolve()), signature,
                           lambda f=folder: tree_digest(f))
        if got != digest:
            raise DataCorrupt(f"{record.name}: folder {folder} has tree digest {got}, expected "
                              f"{digest}: some file in it is corrupt or not the published one "
                              f"{where}")


# --- finding and downloading ----------------------------------------------------------------------
def download_root() -> Path:
    """Where downloads go: ``NNBOOK_DATA`` if set, else ``data/`` in the repository, else
    (an installed nnbook) ``data/`` in the work folder."""
    from nnbook.paths import REPO, in_repository, work_dir

    if os.environ.get("NNBOOK_DATA"):
        return Path(os.environ["NNBOOK_DATA"])
    return REPO / "data" if in_repository() else work_dir() / "data" / "downloads"


def downloads_allowed(url: str) -> bool:
    """False with ``NNBOOK_OFFLINE=1``; under pytest only 127.0.0.1/localhost URLs."""
    if os.environ.get("NNBOOK_OFFLINE", "") not in ("", "0"):
        return False
    if "PYTEST_CURRENT_TEST" in os.environ:  # tests never reach the internet
        host = urllib.request.urlparse(url).hostname or ""
        return host in ("127.0.0.1", "localhost")
    return True


def download_file(url: str, target: Path, size: int | None = None, sha256: str | None = None,
                  timeout: float = 60) -> Path:
    """``url`` saved as ``target``, only if its size and sha256 match; never a partial file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest, written = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(tmp, "wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
                digest.update(block)
                written += len(block)
        if size is not None and written != size:
            raise DataCorrupt(f"download {url}: {written:,} bytes, expected {size:,}; rejected")
        if sha256 is not None and digest.hexdigest() != sha256:
            raise DataCorrupt(f"download {url}: sha256 {digest.hexdigest()}, expected {sha256}; "
                              "rejected")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _fetch(record: Record, dest: Path) -> None:
    """Download ``record`` from its original source into the mirror root ``dest``."""
    if record.fetch == "file":
        (rel, (size, sha256)), = record.files.items()
        download_file(record.url, dest / rel, size, sha256)
    elif record.fetch == "zip":
        with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
            archive = download_file(record.url, Path(tmp) / "archive.zip")
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(Path(tmp) / "x")
            unpacked = next(Path(tmp, "x").rglob(Path(record.path).name), None)
            if unpacked is None or not unpacked.is_dir():
                raise DataCorrupt(f"download {record.url}: no folder {record.path} inside")
            verify(record, unpacked.parent)  # before it takes the mirror's place
            (dest / record.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(unpacked), dest / record.path)
    elif record.fetch == "torchvision":
        from torchvision import datasets

        cls = getattr(datasets, record.name.replace("-", ""))  # MNIST, CIFAR10
        for train in (True, False):
            cls(str(dest), train=train, download=True)
    else:
        raise DataMissing(f"{record.name} cannot be downloaded")


def locate(record: Record, roots: list[Path], download: bool = True) -> Path:
    """The first mirror root holding ``record.path``, verified; else a verified download.

    Raises DataMissing naming every place looked (and why a download did not happen) or
    DataCorrupt naming the file that differs from its record.
    """
    for root in roots:
        if (root / record.path).exists():
            verify(record, root)
            return root
    tried = "\n  ".join(str(root / record.path) for root in roots)
    why = "no download for this data set"
    if download and record.fetch:
        if downloads_allowed(record.url):
            dest = download_root()
            try:
                dest.mkdir(parents=True, exist_ok=True)
                _fetch(record, dest)
            except OSError as err:  # URLError, timeouts, a read-only disk
                why = f"downloading {record.url} failed: {err}"
            else:
                if not record.fetched:  # else torchvision checked its own md5 sums
                    try:
                        verify(record, dest)
                    except DataCorrupt:
                        for rel in record.files:  # rejected: not left for the next build
                            (dest / rel).unlink(missing_ok=True)
                        raise
                return dest
        else:
            why = f"offline (NNBOOK_OFFLINE or a test): not downloading {record.url}"
    raise DataMissing(f"{record.name}: {record.path} not found; looked for:\n  {tried}\n"
                      f"{why}.\nSet NNBOOK_DATA to the folder that holds it "
                      "(see shared/data/README.md).")
