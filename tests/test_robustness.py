"""Bad inputs are caught loudly (issue #7): corrupt or missing data, a download that does not
match its record, a half-written results entry; and what must stay cheap or repeatable.

Downloads are tested against a local HTTP server on 127.0.0.1: never the internet.
Related cases live elsewhere: a raising or hanging cell (test_build_failures.py), a broken
or incomplete catalog (test_i18n.py, test_catalogs.py), code cells that differ between
languages (test_parity.py), missing MNIST/CIFAR-10 folders (test_cnn.py).
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import io
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from functools import partial
from pathlib import Path

import pytest
import torch
from torch import nn

from nnbook import data, provenance, results
from nnbook.provenance import DataCorrupt, DataMissing, Record
from nnbook.train import History

MIRROR = data.data_roots()
MNIST_RAW = "MNIST/raw"


@pytest.fixture(autouse=True)
def private_build(tmp_path, monkeypatch):
    """Remembered hashes and results go to a scratch build folder, downloads to a scratch root."""
    monkeypatch.setenv("NNBOOK_BUILD", str(tmp_path / "build"))
    monkeypatch.setenv("NNBOOK_DATA", str(tmp_path / "downloads"))


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


# --- cheap imports -----------------------------------------------------------------------------
def test_import_nnbook_loads_neither_torch_nor_matplotlib():
    code = ("import sys, nnbook, nnbook.site.build, nnbook.site.sphinx, nnbook.site.figures\n"
            "heavy = [m for m in ('torch', 'matplotlib', 'sklearn', 'torchvision') "
            "if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- provenance: one record per data set -------------------------------------------------------
def test_every_data_set_and_weights_file_has_one_complete_record():
    assert {"mnist", "cifar10", "hymenoptera", "resnet20", "resnet32", "resnet44",
            "resnet56"} <= set(data.SOURCES)
    for key, record in data.SOURCES.items():
        assert record.url.startswith("https://"), key
        assert record.licence and record.mirror_source, key
        assert record.files or record.trees, key
        for size, digest in record.files.values():
            assert size > 0 and len(digest) == 64, key
        for count, size, digest in record.trees.values():
            assert count > 0 and size > 0 and len(digest) == 64, key
        assert record.fetch in ("file", "gz", "zip"), key
        if record.fetch == "zip":  # every folder comes out of the archive
            assert set(record.unpack.values()) == set(record.trees), key


def test_the_mirror_matches_the_records():
    # every record, CIFAR-10's 60,000 JPEGs too (hashed here: the build folder is a scratch one)
    assert "cifar10" in data.SOURCES
    for record in data.SOURCES.values():
        provenance.locate(record, MIRROR, download=False)
    hashed = {Path(key).parts[-2:] for key in provenance._remembered()}
    assert {("cifar10", "train"), ("cifar10", "test")} <= hashed
    # and the digests are compared, not only computed: a record that disagrees is refused
    record = data.SOURCES["cifar10"]
    count, size, digest = record.trees["cifar10/test"]
    wrong = dataclasses.replace(
        record, trees=record.trees | {"cifar10/test": (count, size, "0" * 64)})
    with pytest.raises(DataCorrupt, match="tree digest"):
        provenance.locate(wrong, MIRROR, download=False)
    fewer = dataclasses.replace(
        record, trees=record.trees | {"cifar10/test": (count - 1, size, digest)})
    with pytest.raises(DataCorrupt, match="10,000 files, expected 9,999"):
        provenance.locate(fewer, MIRROR, download=False)


def mnist_copy(tmp_path: Path) -> Path:
    """A mirror root whose MNIST files link to the real ones except a copied t10k labels file."""
    raw = tmp_path / "mirror" / MNIST_RAW
    raw.mkdir(parents=True)
    real = data.find_data(MNIST_RAW) / MNIST_RAW
    for name in data.MNIST_FILES:
        (raw / name).symlink_to(real / name)
    (raw / "t10k-labels-idx1-ubyte").unlink()
    shutil.copy(real / "t10k-labels-idx1-ubyte", raw / "t10k-labels-idx1-ubyte")
    return tmp_path / "mirror"


def test_a_truncated_file_is_rejected_naming_the_file_and_the_mirror(tmp_path):
    root = mnist_copy(tmp_path)
    labels = root / MNIST_RAW / "t10k-labels-idx1-ubyte"
    labels.write_bytes(labels.read_bytes()[:5000])
    with pytest.raises(DataCorrupt, match="truncated") as err:
        data.mnist(roots=[root])
    assert str(labels) in str(err.value) and f"in {root}" in str(err.value)


def test_a_wrong_checksum_is_rejected_even_after_a_good_verification(tmp_path):
    root = mnist_copy(tmp_path)
    data.mnist(roots=[root])  # verified and remembered
    labels = root / MNIST_RAW / "t10k-labels-idx1-ubyte"
    blob = bytearray(labels.read_bytes())
    blob[-1] = (blob[-1] + 1) % 10  # same size, another label
    labels.write_bytes(bytes(blob))
    with pytest.raises(DataCorrupt, match="sha256") as err:
        data.mnist(roots=[root])
    assert str(labels) in str(err.value)


def test_a_corrupt_mirror_is_never_skipped_for_a_later_one(tmp_path):
    root = mnist_copy(tmp_path)
    (root / MNIST_RAW / "t10k-labels-idx1-ubyte").write_bytes(b"\0" * 10008)
    with pytest.raises(DataCorrupt):
        data.mnist(roots=[root, *MIRROR])  # the good mirror comes second: no silent swap


def test_missing_data_offline_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("NNBOOK_OFFLINE", "1")
    roots = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(DataMissing) as err:
        data.resnet_weights(20, roots=roots)
    for root in roots:
        assert str(root / data.SOURCES["resnet20"].path) in str(err.value)
    assert "offline" in str(err.value)


def test_tests_never_download_from_the_internet():
    assert not provenance.downloads_allowed("https://download.pytorch.org/x.zip")
    assert provenance.downloads_allowed("http://127.0.0.1:8000/x.zip")


# --- downloads from a local server ----------------------------------------------------------------
@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields (folder, base URL)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def weights_record(url: str, blob: bytes) -> Record:
    return Record("test weights", "weights/w.th", url=url, licence="test",
                  files={"weights/w.th": (len(blob), sha256(blob))}, fetch="file")


def test_a_file_missing_from_the_mirror_is_downloaded_and_verified(server, tmp_path):
    www, base = server
    blob = os.urandom(3000)
    (www / "w.th").write_bytes(blob)
    record = weights_record(base + "w.th", blob)
    root = provenance.locate(record, [tmp_path / "empty-mirror"])
    assert root == tmp_path / "downloads"
    assert (root / "weights" / "w.th").read_bytes() == blob
    assert provenance.locate(record, [root]) == root  # found, not downloaded again


def test_a_corrupted_download_is_rejected_and_not_kept(server, tmp_path):
    www, base = server
    blob = os.urandom(3000)
    (www / "w.th").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # same size, one bit off
    with pytest.raises(DataCorrupt, match="sha256"):
        provenance.locate(weights_record(base + "w.th", blob), [tmp_path / "empty"])
    (www / "w.th").write_bytes(blob[:2000])  # truncated
    with pytest.raises(DataCorrupt, match="bytes"):
        provenance.locate(weights_record(base + "w.th", blob), [tmp_path / "empty"])
    assert not list((tmp_path / "downloads").rglob("*w.th*"))


def test_an_unreachable_source_is_a_clear_missing_error(tmp_path):
    record = weights_record("http://127.0.0.1:9/w.th", b"x")  # port 9: nobody listens
    with pytest.raises(DataMissing, match="downloading http://127.0.0.1:9/w.th failed"):
        provenance.locate(record, [tmp_path / "empty"])


def zipped_tree(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, blob in files.items():
            archive.writestr(name, blob)
    return buffer.getvalue()


def test_a_zip_download_is_checked_against_the_tree_digest(server, tmp_path):
    www, base = server
    files = {"hymenoptera_data/train/ants/a.jpg": b"ant", "hymenoptera_data/val/bees/b.jpg": b"bee"}
    (www / "good.zip").write_bytes(zipped_tree(files))
    (www / "bad.zip").write_bytes(zipped_tree(files | {"hymenoptera_data/val/bees/b.jpg": b"bea"}))
    reference = tmp_path / "reference"
    for name, blob in files.items():
        (reference / name).parent.mkdir(parents=True, exist_ok=True)
        (reference / name).write_bytes(blob)
    tree = (2, 6, provenance.tree_digest(reference / "hymenoptera_data"))

    def record(url: str) -> Record:
        return Record("ants/bees", "hymenoptera_data", url=url, licence="test",
                      trees={"hymenoptera_data": tree}, fetch="zip",
                      unpack={"hymenoptera_data": "hymenoptera_data"})

    with pytest.raises(DataCorrupt, match="tree digest"):
        provenance.locate(record(base + "bad.zip"), [tmp_path / "empty"])
    assert not (tmp_path / "downloads" / "hymenoptera_data").exists()
    root = provenance.locate(record(base + "good.zip"), [tmp_path / "empty"])
    assert (root / "hymenoptera_data" / "val" / "bees" / "b.jpg").read_bytes() == b"bee"


def idx(kind: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    """A tiny IDX file (the MNIST format): magic, dimensions, unsigned bytes."""
    header = bytes([0, 0, 8, kind]) + b"".join(n.to_bytes(4, "big") for n in shape)
    return header + payload


def test_mnist_comes_as_gz_files_verified_decompressed(server, tmp_path):
    from torchvision.datasets import MNIST

    www, base = server
    raw = {"train-images-idx3-ubyte": idx(3, (2, 28, 28), bytes(2 * 784)),
           "train-labels-idx1-ubyte": idx(1, (2,), bytes([3, 4])),
           "t10k-images-idx3-ubyte": idx(3, (1, 28, 28), bytes(784)),
           "t10k-labels-idx1-ubyte": idx(1, (1,), bytes([7]))}
    for name, blob in raw.items():
        (www / f"{name}.gz").write_bytes(gzip.compress(blob))
    files = {f"{MNIST_RAW}/{n}": (len(b), sha256(b)) for n, b in raw.items()}
    good = Record("MNIST", MNIST_RAW, url=base, licence="test", files=files, fetch="gz")
    root = provenance.locate(good, [tmp_path / "empty"])
    digits = MNIST(str(root), train=True)
    assert digits.targets.tolist() == [3, 4]
    shutil.rmtree(root / "MNIST")
    wrong = dict(files, **{f"{MNIST_RAW}/t10k-labels-idx1-ubyte": (9, "0" * 64)})
    with pytest.raises(DataCorrupt, match="t10k-labels"):
        provenance.locate(Record("MNIST", MNIST_RAW, url=base, licence="test", files=wrong,
                                 fetch="gz"), [tmp_path / "empty"])
    assert not (root / MNIST_RAW / "t10k-labels-idx1-ubyte").exists()


# --- results cache: a half-written entry is never loaded -------------------------------
def toy_model() -> nn.Module:
    """The same untrained model each time (its initial weights are part of the key)."""
    torch.manual_seed(0)
    return nn.Linear(3, 2)


def counting_trainer(calls: list[int]):
    def train(model: nn.Module) -> History:
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(0.25)
            model.bias.fill_(-1.0)
        return History(epochs=[{"epoch": 1, "loss": 0.5}], train_seconds=3.0)
    return train


@pytest.mark.parametrize("damage", ["truncate weights", "drop record", "half record",
                                    "swap weights"])
def test_a_damaged_results_entry_is_trained_again(damage):
    calls: list[int] = []
    train, cpu = counting_trainer(calls), torch.device("cpu")
    results.trained("t", toy_model(), train, {"seed": 0}, device=cpu)
    weights = next(results.results_dir().glob("t-*.pt"))
    record = weights.with_suffix(".json")
    if damage == "truncate weights":
        weights.write_bytes(weights.read_bytes()[:100])
    elif damage == "drop record":  # killed between writing the weights and the record
        record.unlink()
    elif damage == "half record":
        record.write_text(record.read_text()[:20])
    else:  # weights of another entry under this name: the sha256 in the record disagrees
        torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, weights)
    model, history = results.trained("t", toy_model(), train, {"seed": 0}, device=cpu)
    assert len(calls) == 2 and not history.from_cache
    assert torch.all(model.weight == 0.25) and torch.all(model.bias == -1.0)
    model, history = results.trained("t", toy_model(), train, {"seed": 0}, device=cpu)
    assert len(calls) == 2 and history.from_cache  # the repaired entry is used again


def test_leftover_temporary_files_are_ignored():
    calls: list[int] = []
    cpu = torch.device("cpu")
    (results.results_dir() / ".t-0000.pt.123.tmp").write_bytes(b"half a file")
    results.trained("t", toy_model(), counting_trainer(calls), {"seed": 0}, device=cpu)
    assert len(calls) == 1


# --- determinism: training twice gives the same weights ------------------------------
def test_training_twice_gives_identical_weights():
    from nnbook import models
    from nnbook.fullbatch import train_full_batch
    from nnbook.train import TensorBatches, fit

    def iris_net() -> dict:
        torch.manual_seed(0)
        split = data.iris()
        X, y = torch.tensor(split.X_train, dtype=torch.float32), torch.tensor(split.y_train)
        net = models.IrisNet()
        train_full_batch(net, torch.optim.Adam(net.parameters(), lr=0.01), X, y, 20)
        return net.state_dict()

    def lenet() -> dict:
        torch.manual_seed(0)
        digits = data.mnist()
        X, y = data.lenet_input(digits.X_train[:128]), digits.y_train[:128]
        net = models.LeNet()
        fit(net, lambda e: TensorBatches(X, y, 64, seed=e),
            torch.optim.Adam(net.parameters(), lr=3e-3), nn.CrossEntropyLoss(), 1,
            device=torch.device("cpu"))
        return net.state_dict()

    for train in (iris_net, lenet):
        first, second = train(), train()
        assert first.keys() == second.keys()
        for name in first:
            assert torch.equal(first[name], second[name]), f"{train.__name__}: {name} differs"
