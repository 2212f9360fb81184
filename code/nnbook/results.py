"""Trained networks, kept between pages: a network is trained once per build, not per language.

An entry is keyed by everything that determines the weights: the model's and the training
function's source code, that of the training loop (``nnbook.train``), the hyper-parameters
and data fingerprint the caller passes, the torch version and the device type. It stores the
weights, the history and the original training time (so a page that loads a cached network
still states how long training took).
Entries live in ``_build/results/`` (``NNBOOK_BUILD`` moves it), are written atomically
(an interrupted build leaves no half-written entry) and are never committed.
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import json
import os
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from nnbook import train as train_module
from nnbook.core import device as default_device
from nnbook.i18n import REPO
from nnbook.train import History


def results_dir() -> Path:
    path = Path(os.environ.get("NNBOOK_BUILD", REPO / "_build")) / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _source(obj) -> str:
    """The source code of a class or function (functools.partial: of its function)."""
    obj = getattr(obj, "func", obj)
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return repr(obj)


def fingerprint(name: str, model: nn.Module, train: Callable, key: dict, dev: torch.device) -> str:
    """The digest that names a cache entry."""
    parts = {
        "name": name,
        "model": _source(type(model)),
        "train": _source(train),
        "loop": _source(train_module),  # fit() and its schedule: shared by every training
        "key": key,
        "torch": torch.__version__,
        "device": dev.type,
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


# The entries this process trained (not loaded): nnbook.pretrain reports which were new.
TRAINED_HERE: list[str] = []


@contextmanager
def _locked(path: Path):
    """One process trains a given entry; another waiting for it then loads the result."""
    with open(path.with_suffix(".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _complete_entry(weights: Path, record: Path) -> dict | None:
    """The saved record if the entry is whole (record readable, weights' sha256 matching)."""
    try:
        saved = json.loads(record.read_text(encoding="utf-8"))
        if saved.get("weights_sha256") == _sha256(weights):
            return saved
    except (OSError, ValueError):
        pass
    return None


def trained(
    name: str,
    model: nn.Module,
    train: Callable[[nn.Module], History],
    key: dict,
    *,
    device: torch.device | None = None,
) -> tuple[nn.Module, History]:
    """``model`` with trained weights: from the cache, or trained now by ``train(model)``.

    ``key`` holds everything else that determines the result (hyper-parameters, seed,
    data fingerprint). The model is returned in eval mode on ``device``. With the
    environment variable ``NNBOOK_CACHED_ONLY=1`` a missing entry is an error, not a training.
    """
    dev = device or default_device()
    digest = fingerprint(name, model, train, key, dev)
    cached_only = os.environ.get("NNBOOK_CACHED_ONLY") == "1"
    weights = results_dir() / f"{name}-{digest}.pt"
    record = weights.with_suffix(".json")
    with _locked(weights):
        saved = _complete_entry(weights, record)
        if saved is None and cached_only:
            raise LookupError(
                f"no trained {name!r} ({weights.name}) in {weights.parent}, and "
                "NNBOOK_CACHED_ONLY=1 forbids training it here. The build trains first what "
                "nnbook.pretrain.BY_CHAPTER lists for a chapter: list this network there.")
        if saved is not None:
            model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
            history = History.from_dict(saved)
        else:
            history = train(model)
            TRAINED_HERE.append(weights.name)
            state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
            _write_atomic(weights, lambda p: torch.save(state, p))
            # The record is written last and names the weights' sha256: an entry is complete
            # only when both exist and agree (a killed or damaged write is trained again).
            data = history.to_dict() | {"name": name, "key": key,
                                        "weights_sha256": _sha256(weights)}
            _write_atomic(record, lambda p: p.write_text(json.dumps(data, indent=1, default=str),
                                                          encoding="utf-8"))
    model.to(dev).eval()
    return model, history


def weights_digest(model: nn.Module) -> str:
    """A short sha256 of a model's state (names, shapes and values)."""
    digest = hashlib.sha256()
    for name, value in model.state_dict().items():
        digest.update(f"{name} {tuple(value.shape)} {value.dtype}".encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:20]


def computed(name: str, key: dict, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
    """A tensor computed once per build and shared by the languages, e.g. a trained network's
    logits for the 10,000 test images (chapter 7 evaluates two networks, three passes).

    ``key`` names everything the result depends on (a weights digest, the images' digest).
    Kept under ``results/computed/``; a damaged file is computed again, never trusted.
    """
    blob = json.dumps({"name": name, "key": key, "torch": torch.__version__},
                      sort_keys=True, default=str).encode()
    path = results_dir() / "computed" / f"{name}-{hashlib.sha256(blob).hexdigest()[:20]}.pt"
    path.parent.mkdir(exist_ok=True)
    with _locked(path):
        try:
            return torch.load(path, weights_only=True)
        except FileNotFoundError:
            pass
        except Exception:  # noqa: BLE001 - a damaged or half-written file: compute again
            path.unlink(missing_ok=True)
        value = compute().detach().cpu()
        _write_atomic(path, lambda p: torch.save(value, p))
        return value
