"""Where each data set and weights file comes from, and proof that the copy we read is it.

Every data set and weights file has one :class:`Record` (in ``nnbook.data.SOURCES``): where
it sits in a data folder, its public source at a pinned version, the licence, and a sha256
per file or a tree digest per folder, both of the files *as used* (decompressed, unpacked),
so the original host, a local mirror and a stand-in server are verified the same way.
:func:`locate` finds a record in the data folders and verifies it; where none holds it, it
fetches it from its source (:mod:`nnbook.fetch`) and verifies that.

Verification is cheap on every load and thorough once: file sizes (and a folder's file count
and bytes) are checked every time; the full sha256 is computed the first time a file is seen
and then remembered in ``<build>/data/verified.json`` against the file's size and mtime, so a
changed, truncated or swapped file is hashed (and rejected) again. Never a silent substitute:
a file that is missing or differs raises an error that names the file and its source.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class DataMissing(FileNotFoundError):
    """A data set is in no data folder and was not fetched; the message says where we looked."""


class DataCorrupt(ValueError):
    """A data file differs from its record (size or sha256); the message names the file."""


@dataclass(frozen=True)
class Record:
    """One data set or weights file: where it lives, where it comes from, what it must hash to.

    ``files`` maps paths relative to a data folder to (bytes, sha256); ``trees`` maps folders
    to (number of files, bytes, tree digest), the digest being the sha256 of the ``sha256sum``
    listing of every file in the folder (paths as ``./sub/name``, sorted bytewise), as in
    shared/data/README.md. ``fetch`` says what ``url`` is: ``"file"`` (the one entry of
    ``files`` itself), ``"gz"`` (a folder of ``<name>.gz``, one per entry of ``files``) or
    ``"zip"`` (an archive whose folders ``unpack`` maps to entries of ``trees``).
    ``mirror_source`` says where shared/data's copy was taken from.
    """

    name: str
    path: str
    url: str
    licence: str
    mirror_source: str = ""
    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    trees: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    fetch: str = ""
    unpack: dict[str, str] = field(default_factory=dict)

    def size(self) -> int:
        """Bytes on disk as used (every file and every folder's files)."""
        return sum(s for s, _ in self.files.values()) + sum(b for _, b, _ in self.trees.values())

    def source(self) -> str:
        """The URL fetched, with ``NNBOOK_SOURCES_BASE`` applied."""
        return source_url(self.url)


def source_url(url: str) -> str:
    """``url`` with its scheme and host replaced by ``NNBOOK_SOURCES_BASE`` (a company mirror,
    the tests' stand-in server) when that is set; the path stays."""
    base = os.environ.get("NNBOOK_SOURCES_BASE", "").rstrip("/")
    if not base:
        return url
    parts = urllib.parse.urlsplit(url)
    return base + urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))


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


def move_verified(old: Path, new: Path) -> None:
    """``os.replace(old, new)``, keeping what was remembered of ``old``'s verification: a
    rename keeps sizes, mtimes and inodes, so the remembered digest still applies."""
    known = _remembered().get(str(old.resolve()))
    os.replace(old, new)
    if known:
        _remember(str(new.resolve()), known["signature"], known["sha256"])


# --- verification ------------------------------------------------------------------------------
def verify(record: Record, root: Path) -> None:
    """Check ``record``'s files and folders under ``root``; DataMissing/DataCorrupt otherwise."""
    where = f"(in {root}; source: {record.source()})"
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
    trees = {rel: _tree_entries(root / rel) for rel in record.trees}
    for rel, (count, size, _digest) in record.trees.items():
        entries, folder = trees[rel], root / rel
        if len(entries) < count:
            raise DataMissing(f"{record.name} is incomplete: folder {folder} has "
                              f"{len(entries):,} files, expected {count:,} {where}")
        if len(entries) > count:
            raise DataCorrupt(f"{record.name}: folder {folder} has {len(entries):,} files, "
                              f"expected {count:,} {where}")
        actual = sum(b for _, b, _ in entries)
        if actual != size:
            raise DataCorrupt(f"{record.name}: folder {folder} holds {actual:,} bytes, "
                              f"expected {size:,} {where}")
    for rel, (_size, sha256) in record.files.items():
        path = root / rel
        got = _digest_once(str(path.resolve()), _file_signature(path),
                           lambda p=path: file_sha256(p))
        if got != sha256:
            raise DataCorrupt(f"{record.name}: file {path} has sha256 {got}, expected "
                              f"{sha256}: the file is corrupt or not the published one {where}")
    for rel, (_count, _size, digest) in record.trees.items():
        folder = root / rel
        signature = "\n".join(f"{r}:{b}:{m}" for r, b, m in trees[rel])
        got = _digest_once(str(folder.resolve()), hashlib.sha256(signature.encode()).hexdigest(),
                           lambda f=folder: tree_digest(f))
        if got != digest:
            raise DataCorrupt(f"{record.name}: folder {folder} has tree digest {got}, expected "
                              f"{digest}: some file in it is corrupt or not the published one "
                              f"{where}")


# --- finding and fetching ---------------------------------------------------------------------
def download_root() -> Path:
    """Where downloads go: ``NNBOOK_DATA`` if set, else ``data/`` in the repository, else
    (an installed nnbook) ``data/downloads`` in the user's cache folder."""
    from nnbook.paths import REPO, in_repository, work_dir

    if os.environ.get("NNBOOK_DATA"):
        return Path(os.environ["NNBOOK_DATA"])
    return REPO / "data" if in_repository() else work_dir() / "data" / "downloads"


def downloads_allowed(url: str) -> bool:
    """False with ``NNBOOK_OFFLINE=1``; under pytest only 127.0.0.1/localhost URLs."""
    if os.environ.get("NNBOOK_OFFLINE", "") not in ("", "0"):
        return False
    if "PYTEST_CURRENT_TEST" in os.environ:  # tests never reach the internet
        host = urllib.parse.urlsplit(url).hostname or ""
        return host in ("127.0.0.1", "localhost")
    return True


def locate(record: Record, roots: list[Path], download: bool = True) -> Path:
    """The first data folder holding ``record.path``, verified; else a verified download
    into :func:`download_root`.

    Raises DataMissing naming every place looked (and why nothing was fetched) or
    DataCorrupt naming the file that differs from its record.
    """
    for root in roots:
        if (root / record.path).exists():
            verify(record, root)
            return root
    why = "not fetching (download=False)"
    if download:
        from nnbook.fetch import fetch

        dest = download_root()
        try:
            fetch(record, dest)
            return dest
        except OSError as err:  # DataMissing (offline, a 404, no connection), a read-only disk
            why = str(err)
    tried = "\n  ".join(str(root / record.path) for root in roots)
    raise DataMissing(f"{record.name}: {record.path} not found; looked for:\n  {tried}\n"
                      f"{why}.\nFetch it with `python -m nnbook data fetch`, or set "
                      "NNBOOK_DATA to a folder that holds it.")
