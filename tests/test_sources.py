"""The data from their public sources, the same bits everywhere.

A server on 127.0.0.1 stands in for the public hosts, serving the mirror's files in the hosts'
own layouts (GitHub's archive of a commit, the gz files of torchvision's MNIST mirror, the
tutorial's zip, raw weights files); with ``NNBOOK_SOURCES_BASE`` pointing at it,
``python -m nnbook data fetch`` fills an empty folder whose files verify as the mirror's do and
load into the same tensors. A wrong digest, a truncated gz or zip, an archive holding more than
its record and a 404 are loud errors naming the file and its source, and leave nothing behind.

The mirror is whatever data folder holds each data set (``data.data_roots()``): ../shared/data
on the build machine, ``data/`` after ``python -m nnbook data fetch`` elsewhere.
"""

from __future__ import annotations

import zipfile
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import torch

from nnbook import data, fetch, provenance
from nnbook.provenance import DataCorrupt, DataMissing
from nnbook.site import standin
from nnbook.site.standin import hosted, serving


def mirror_root(key: str) -> Path:
    """The data folder holding SOURCES[key], verified; a failure that says how to get one."""
    try:
        return provenance.locate(data.SOURCES[key], data.data_roots(), download=False)
    except DataMissing as err:
        pytest.fail(f"no data folder holds {key} ({err}); run `python -m nnbook data fetch` "
                    "first: these tests compare its sources with that copy")


@pytest.fixture(scope="session")
def public(tmp_path_factory) -> Path:
    """The public hosts' files, built once from the mirror: ``www/<path of each URL>``."""
    for key in data.SOURCES:
        mirror_root(key)  # a clear failure if a data set is in no data folder
    return standin.publish(tmp_path_factory.mktemp("www"))


@pytest.fixture
def scratch_build(tmp_path, monkeypatch):
    """Remembered hashes and decoded caches in a scratch folder: everything is computed anew."""
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path / "build"))


def assert_same_split(a: data.ImageSplit, b: data.ImageSplit) -> None:
    for name in ("X_train", "y_train", "X_test", "y_test"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert a.classes == b.classes


def test_the_sources_base_replaces_scheme_and_host_only(monkeypatch):
    url = data.SOURCES["cifar10"].url
    assert data.SOURCES["cifar10"].source() == url
    monkeypatch.setenv("NNBOOK_SOURCES_BASE", "http://127.0.0.1:8000/")
    assert data.SOURCES["cifar10"].source() == "http://127.0.0.1:8000" + urlsplit(url).path


@pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")  # torchvision.io
def test_every_source_fetched_into_an_empty_folder_is_the_mirrors_data(public, tmp_path,
                                                                        monkeypatch, capsys):
    mirror = {key: [mirror_root(key)] for key in data.SOURCES}
    expected = {"mnist": data.mnist(roots=mirror["mnist"]),
                "cifar10": data.cifar10(roots=mirror["cifar10"]),
                "hymenoptera": data.hymenoptera(roots=mirror["hymenoptera"])}
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path / "build"))  # hashed and decoded anew
    dest = tmp_path / "data"
    with serving(public) as base:
        monkeypatch.setenv("NNBOOK_SOURCES_BASE", base)
        assert fetch.main(["fetch", str(dest)]) == 0
        out = capsys.readouterr().out
        for key, record in data.SOURCES.items():  # where each came from, its size
            assert f"{key}: {record.name}, " in out
            assert f"from {base}{urlsplit(record.url).path}" in out
        assert fetch.main(["fetch", str(dest)]) == 0  # a second time: nothing to fetch
        assert capsys.readouterr().out.count("already there, verified") == len(data.SOURCES)
    assert sorted(p.name for p in dest.iterdir()) == ["MNIST", "cifar10", "hymenoptera_data",
                                                      "weights"]  # no temporary folder left
    for record in data.SOURCES.values():
        for rel, (_size, sha256) in record.files.items():
            assert provenance.file_sha256(dest / rel) == sha256, rel
        for rel, (_count, _size, digest) in record.trees.items():
            assert provenance.tree_digest(dest / rel) == digest, rel
    assert_same_split(data.mnist(roots=[dest]), expected["mnist"])
    assert_same_split(data.cifar10(roots=[dest]), expected["cifar10"])
    assert_same_split(data.hymenoptera(roots=[dest]), expected["hymenoptera"])
    for depth in data.RESNET_WEIGHTS:
        fetched = data.resnet_weights(depth, roots=[dest]).read_bytes()
        assert fetched == data.resnet_weights(depth, roots=mirror[f"resnet{depth}"]).read_bytes()


def test_a_loader_fetches_what_no_data_folder_holds(public, tmp_path, monkeypatch,
                                                    scratch_build):
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path / "downloads"))
    with serving(public) as base:
        monkeypatch.setenv("NNBOOK_SOURCES_BASE", base)
        path = data.resnet_weights(20, roots=[tmp_path / "empty"])
    rel = data.SOURCES["resnet20"].path
    assert path == tmp_path / "downloads" / rel
    assert path.read_bytes() == (mirror_root("resnet20") / rel).read_bytes()


def truncate(path: Path) -> None:
    blob = path.read_bytes()
    path.unlink()
    path.write_bytes(blob[: len(blob) // 2])


def flip_a_bit(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 1
    path.unlink()
    path.write_bytes(bytes(blob))


def rezip(path: Path, change) -> None:
    """Rewrite the zip at ``path`` with ``change(members)`` applied to its {name: bytes}."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    change(members)
    path.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, blob in members.items():
            archive.writestr(name, blob)


def other_photo(members: dict[str, bytes]) -> None:
    name = sorted(n for n in members if n.endswith(".jpg"))[0]
    members[name] = bytes(len(members[name]))  # same size, other bits


def one_more_photo(members: dict[str, bytes]) -> None:
    members["hymenoptera_data/train/ants/extra.jpg"] = b"not an ant"


# (record, what goes wrong at the source, the file it names, the error, what it says)
BROKEN = [
    ("resnet20", flip_a_bit, "resnet20-12fca82f.th", DataCorrupt, "sha256"),
    ("mnist", truncate, "t10k-labels-idx1-ubyte.gz", DataCorrupt, "not a whole gzip file"),
    ("hymenoptera", truncate, "hymenoptera_data.zip", DataCorrupt, "not a whole zip archive"),
    ("hymenoptera", partial(rezip, change=other_photo), "hymenoptera_data", DataCorrupt,
     "tree digest"),
    ("hymenoptera", partial(rezip, change=one_more_photo), "hymenoptera_data.zip", DataCorrupt,
     "399 files"),
    ("resnet20", Path.unlink, "resnet20-12fca82f.th", DataMissing, "404"),
]


@pytest.mark.parametrize(("key", "damage", "named", "error", "says"), BROKEN,
                         ids=["wrong-digest", "truncated-gz", "truncated-zip",
                              "wrong-digest-in-zip", "zip-holds-more", "404"])
def test_a_bad_source_is_loud_and_leaves_nothing(public, tmp_path, monkeypatch, scratch_build,
                                                  key, damage, named, error, says):
    record = data.SOURCES[key]
    www = tmp_path / "www"
    (www / hosted(record)).parent.mkdir(parents=True)
    if record.fetch == "gz":
        (www / hosted(record)).mkdir()
        for rel in record.files:
            name = f"{Path(rel).name}.gz"
            (www / hosted(record) / name).symlink_to(public / hosted(record) / name)
        damaged = www / hosted(record) / named
    else:
        (www / hosted(record)).symlink_to(public / hosted(record))
        damaged = www / hosted(record)
    damage(damaged)
    dest = tmp_path / "data"
    with serving(www) as base:
        monkeypatch.setenv("NNBOOK_SOURCES_BASE", base)
        with pytest.raises(error, match=says) as err:
            fetch.fetch(record, dest)
    assert named in str(err.value) and record.source() in str(err.value)
    assert list(dest.rglob("*")) == []  # nothing half-written, no temporary folder


def test_the_lossless_cifar10_batches_are_never_used(tmp_path, monkeypatch):
    (tmp_path / "cifar-10-batches-py").mkdir()
    monkeypatch.setenv("NNBOOK_OFFLINE", "1")
    with pytest.raises(DataMissing, match="not used, the book's numbers come from the JPEG"):
        data.cifar10(roots=[tmp_path])


def test_under_pytest_nothing_is_fetched_from_the_internet(tmp_path):
    with pytest.raises(DataMissing, match="not fetching https://"):
        fetch.fetch(data.SOURCES["resnet20"], tmp_path / "data")
    assert not (tmp_path / "data").exists()
